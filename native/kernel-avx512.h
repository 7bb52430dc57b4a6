/*
 * Brute force (no pruning) on AVX-512, included by kernels.c inside its avx512 target region;
 * with pruning the generic body (kernel-body.h) runs. Against an independent exact loop
 * (../shared/anchors/cref.c) the generic body ran at 0.67–0.79× (measured). Here:
 *  - 5 groups of 8 lanes, each with its own 8 neighbouring points of a row, step together
 *    in blocks of 8 iterations with no test inside; everything stays in registers;
 *  - a group is independent of the others: once its 8 points are done it takes the next 8
 *    of the chunk (neighbours: their orbits tend to end in the same block), so a group never
 *    waits for another group's slowest point, only for its own;
 *  - at a block's end one mask compare per group flags a lane that escaped inside the block
 *    (still outside the band at the block's end, or NaN: see kernel-body.h); only the flagged
 *    lanes then re-run the block from its start, one step at a time with the exact test,
 *    vector-wide, stopping once they are all done (every lane, when the block crosses
 *    maxiter), and the counts of the lanes that ended go out with one masked store;
 *  - the exact test is the squared one except within 2^-45 of 4, where the lanes concerned
 *    take mandel_escaped (Python's abs(z) > 2, exactly), as everywhere in mandel.
 * Measured (bench/kernels.ts): 1.10–1.11× cref on the default workload, 1.03× on --size 4000
 * (4 groups: 1.02–1.03× and 0.94×; 6: no better than 5).
 * Tried and slower: refilling each lane alone as its point escapes (0.49–0.69×: lanes out of
 * step lose their neighbours' coherence, and each escape costs its own re-run); testing the
 * escape at every step instead of re-running (1.7–2.6× slower). Tried and dropped: storing
 * each step's z (16 stores a group a block) so that a flagged group finds its escape steps
 * from them at once instead of re-running: 5–9% faster in quiet minutes, but 17–20% slower in
 * the minutes when this shared machine is slow (paired runs in one process), where the
 * re-run loop lost 12% and cref nothing; storing only in blocks where a group is new (89% of
 * escapes happen in a point's first block) kept none of the gain.
 * The arithmetic is kernel-body.h's, operation for operation (no FMA), so the counts and the
 * number of updates are the same.
 */

/* One group: z, c, the iterations done (the same for all its lanes: they start together),
   the lanes still running, and where lane 0's count goes. */
#define BF_GROUP(g)                                                                                \
  __m512d g##zr = _mm512_setzero_pd(), g##zi = _mm512_setzero_pd(), g##cr = _mm512_setzero_pd(); \
  __m512d g##ci = _mm512_setzero_pd();                                                             \
  long long g##cnt = 0;                                                                            \
  __mmask8 g##act = 0;                                                                             \
  ptrdiff_t g##at = 0

#include "step-avx512.h"
#define BF_STEP MANDEL_STEP512

typedef struct {
  const double *re, *im;
  int cols, rows, row, col, maxiter;
  int32_t *out;
  ptrdiff_t offset, row_stride;
  float *smooth; /* NULL, or smooth fractions, indexed as out */
} bf_cursor;

/* The next (up to) 8 points of the current row into a group: z = 0, no iteration done. */
static inline __attribute__((always_inline)) __mmask8 bf_take(bf_cursor *c, __m512d *cr, __m512d *ci, ptrdiff_t *at) {
  if (c->row >= c->rows) return 0;
  const int n = c->cols - c->col < 8 ? c->cols - c->col : 8;
  const __mmask8 lanes = (__mmask8)((1u << n) - 1);
  *cr = _mm512_maskz_loadu_pd(lanes, c->re + c->col);
  *ci = _mm512_set1_pd(c->im[c->row]);
  *at = c->offset + (ptrdiff_t)c->row * c->row_stride + c->col;
  if (c->smooth)
    for (int l = 0; l < n; l++) c->smooth[*at + l] = 0.0f; /* until the lane escapes */
  c->col += n;
  if (c->col == c->cols) {
    c->col = 0;
    c->row++;
  }
  return lanes;
}

/*
 * After a block: the group's lanes that escaped inside it or reach maxiter in it are re-run
 * from the block's start (szr, szi) with the exact test; their counts are stored; a group
 * whose lanes are all done takes the next points.
 */
static inline __attribute__((always_inline)) void bf_settle(bf_cursor *c, __m512d *zr, __m512d *zi, __m512d *cr, __m512d *ci,
                                                            long long *cnt, __mmask8 *act, ptrdiff_t *at, __m512d szr, __m512d szi,
                                                            __mmask8 flag, long long *updates) {
  const __m512d low = _mm512_set1_pd(MANDEL_BAND_LOW), high = _mm512_set1_pd(MANDEL_BAND_HIGH);
  __m512d r = szr, i = szi;
  long long k = *cnt; /* the iteration the group's lanes are at */
  __m512i result = _mm512_set1_epi64(c->maxiter);
  /* Only the flagged lanes need their exact escape step (the others' block stands), unless
     the block crosses maxiter: then every lane must stop at it. The re-run ends as soon as
     the lanes it follows are all done. */
  const int crossing = k + 8 >= c->maxiter;
  __mmask8 run = crossing ? *act : flag;
  __mmask8 ended = 0;
  for (int s = 0; s < 8 && run; s++, k++) {
    /* At maxiter without escaping: done, counted maxiter. */
    if (k == c->maxiter) break;
    BF_STEP(r, i, *cr, *ci);
    const __m512d m2 = _mm512_add_pd(_mm512_mul_pd(r, r), _mm512_mul_pd(i, i));
    __mmask8 escaped = _mm512_mask_cmp_pd_mask(run, m2, low, _CMP_GT_OQ);
    /* Within the band the squared test may differ from abs(z) > 2: ask it lane by lane. */
    const __mmask8 band = _mm512_mask_cmp_pd_mask(escaped, m2, high, _CMP_LE_OQ);
    if (__builtin_expect(band != 0, 0)) {
      double rr[8], ii[8], mm[8];
      _mm512_storeu_pd(rr, r);
      _mm512_storeu_pd(ii, i);
      _mm512_storeu_pd(mm, m2);
      for (unsigned bits = band; bits; bits &= bits - 1) {
        const int l = __builtin_ctz(bits);
        if (!mandel_escaped(rr[l], ii[l], mm[l])) escaped &= (__mmask8) ~(1u << l);
      }
    }
    if (c->smooth && escaped) {
      /* The escaped lanes' smooth fractions, all 8 lanes at once (smooth-simd.h, via kernel-body.h). */
      vl8 lanes;
      for (int l = 0; l < 8; l++) lanes[l] = escaped >> l & 1 ? -1 : 0;
      const vd8 f = smooth_avx512((vd8)r, (vd8)i, (vd8)*cr, (vd8)*ci, lanes);
      for (unsigned bits = escaped; bits; bits &= bits - 1) {
        const int l = __builtin_ctz(bits);
        c->smooth[*at + l] = (float)f[l];
      }
    }
    result = _mm512_mask_mov_epi64(result, escaped, _mm512_set1_epi64(k));
    *updates += (k + 1) * __builtin_popcount(escaped);
    run &= (__mmask8)~escaped;
    ended |= escaped;
  }
  if (crossing) {
    /* What did not escape reached maxiter. */
    *updates += (long long)c->maxiter * __builtin_popcount(run);
    ended = *act;
  }
  /* The lanes that go on ran the whole block, exactly as the block did: z is the block's. */
  _mm256_mask_storeu_epi32(c->out + *at, ended, _mm512_cvtepi64_epi32(result));
  *cnt += 8;
  *act &= (__mmask8)~ended;
  if (*act == 0) {
    *act = bf_take(c, cr, ci, at);
    *zr = *zi = _mm512_setzero_pd();
    *cnt = 0;
  }
}

static inline __attribute__((always_inline)) void bf_check(bf_cursor *c, __m512d *zr, __m512d *zi, __m512d *cr, __m512d *ci,
                                                           long long *cnt, __mmask8 *act, ptrdiff_t *at, __m512d szr, __m512d szi,
                                                           long long *updates) {
  const __m512d m2 = _mm512_add_pd(_mm512_mul_pd(*zr, *zr), _mm512_mul_pd(*zi, *zi));
  /* Not ≤ the band's low edge: outside it, or NaN (an overflowed orbit). Within 8 iterations
     of maxiter the lanes must stop inside the block. */
  const __mmask8 flag = _mm512_mask_cmp_pd_mask(*act, m2, _mm512_set1_pd(MANDEL_BAND_LOW), _CMP_NLE_UQ);
  if (__builtin_expect(flag == 0 && *cnt + 8 < c->maxiter, 1)) {
    *cnt += 8;
  } else {
    bf_settle(c, zr, zi, cr, ci, cnt, act, at, szr, szi, flag, updates);
  }
}

static double kernel_avx512_brute(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out,
                                  ptrdiff_t offset, ptrdiff_t row_stride, float *smooth) {
  bf_cursor c = {re, im, cols, rows, 0, 0, maxiter, out, offset, row_stride, smooth};
  if (cols <= 0) return 0;
  BF_GROUP(a);
  BF_GROUP(b);
  BF_GROUP(d);
  BF_GROUP(e);
  BF_GROUP(f);
  long long updates = 0;
  unsigned blocks = 0;
  aact = bf_take(&c, &acr, &aci, &aat);
  bact = bf_take(&c, &bcr, &bci, &bat);
  dact = bf_take(&c, &dcr, &dci, &dat);
  eact = bf_take(&c, &ecr, &eci, &eat);
  fact = bf_take(&c, &fcr, &fci, &fat);
  while (aact | bact | dact | eact | fact) {
    const __m512d sar = azr, sai = azi, sbr = bzr, sbi = bzi, sdr = dzr, sdi = dzi, ser = ezr, sei = ezi, sfr = fzr, sfi = fzi;
    for (int s = 0; s < 8; s++) {
      BF_STEP(azr, azi, acr, aci);
      BF_STEP(bzr, bzi, bcr, bci);
      BF_STEP(dzr, dzi, dcr, dci);
      BF_STEP(ezr, ezi, ecr, eci);
      BF_STEP(fzr, fzi, fcr, fci);
    }
    bf_check(&c, &azr, &azi, &acr, &aci, &acnt, &aact, &aat, sar, sai, &updates);
    bf_check(&c, &bzr, &bzi, &bcr, &bci, &bcnt, &bact, &bat, sbr, sbi, &updates);
    bf_check(&c, &dzr, &dzi, &dcr, &dci, &dcnt, &dact, &dat, sdr, sdi, &updates);
    bf_check(&c, &ezr, &ezi, &ecr, &eci, &ecnt, &eact, &eat, ser, sei, &updates);
    bf_check(&c, &fzr, &fzi, &fcr, &fci, &fcnt, &fact, &fat, sfr, sfi, &updates);
    /* Every 256 blocks (~40,000 updates, microseconds): a cancelled call stops here. */
    if ((++blocks & 255) == 0 && mandel_cancelled()) break;
  }
  return (double)updates;
}
#undef BF_GROUP
#undef BF_STEP
