/*
 * Membership bitmaps: one bit per point, 1 where the point never escapes within maxiter
 * updates (its count would be maxiter), packed 8 points a byte, most significant bit first —
 * a PBM (P4) row as the Benchmarks Game's mandelbrot writes it. Where a count kernel must find
 * the exact step each point escapes at, this only needs whether it escaped at all, so:
 *  - no exact re-run of the last block of an escaping point (the count loop's serial chain of
 *    up to 8 dependent steps per group, which dominates on orbits of ~24 updates);
 *  - a group of 8 points is done as soon as none of its lanes is still running, and writes
 *    its byte at once.
 * Exactly the bits of `count == maxiter` (a test compares them with every kernel's counts):
 *  - blocks never pass maxiter: the last block of a point is cut to what is left;
 *  - an orbit that escaped keeps growing (|z| > 2 ≥ |c|, or |z| ≥ |c| > 2, gives
 *    |z² + c| > |z|), so a lane that escaped inside a block is still out at the block's end
 *    — the argument the count loop (kernel-avx512.h) and ../shared/anchors/cref.c rely on;
 *    NaN (an overflowed orbit) counts as out;
 *  - within 2^-45 of |z|² = 4 the squared test and Python's abs(z) > 2 may differ: such a
 *    lane's block is re-run on its own with the exact test (escape.h), as everywhere.
 * The arithmetic is the count loop's, operation for operation (no FMA).
 */
#include "bitmap.h"
#include "escape.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define MANDEL_X86 1
#endif

/* Whether the point escapes within `steps` updates from (zr, zi), by the exact test. */
static int escapes_within(double zr, double zi, double cr, double ci, int steps) {
  for (int s = 0; s < steps; s++) {
    const double t = zr * zi;
    const double a = zr * zr, b = zi * zi;
    zr = (a - b) + cr;
    zi = (t + t) + ci;
    const double m2 = zr * zr + zi * zi;
    if (m2 > MANDEL_BAND_LOW && mandel_escaped(zr, zi, m2)) return 1;
    if (m2 != m2) return 1;
  }
  return 0;
}

/* One point at a time: the reference, and the fallback where AVX-512 is absent. */
static double bitmap_scalar(const double *re, int cols, const double *im, int rows, int maxiter, uint8_t *out, ptrdiff_t offset,
                            ptrdiff_t row_bytes, int prune) {
  double updates = 0;
  for (int row = 0; row < rows; row++) {
    uint8_t *line = out + offset + (ptrdiff_t)row * row_bytes;
    memset(line, 0, (size_t)(cols + 7) / 8);
    const double ci = im[row];
    for (int col = 0; col < cols; col++) {
      const double cr = re[col];
      int inside = 1;
      if (!(prune && mandel_known_inside(cr, ci))) {
        double zr = 0, zi = 0;
        for (int k = 0; k < maxiter; k++) {
          const double t = zr * zi;
          const double a = zr * zr, b = zi * zi;
          zr = (a - b) + cr;
          zi = (t + t) + ci;
          updates++;
          const double m2 = zr * zr + zi * zi;
          if (m2 > MANDEL_BAND_LOW && mandel_escaped(zr, zi, m2)) {
            inside = 0;
            break;
          }
        }
      }
      if (inside) line[col >> 3] |= (uint8_t)(0x80 >> (col & 7));
    }
  }
  return updates;
}

#ifdef MANDEL_X86
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,no-fma")
#include <immintrin.h>

#include "step-avx512.h"
#define BM_STEP MANDEL_STEP512

typedef struct {
  const double *re, *im;
  int cols, rows, row, col, maxiter, prune;
  uint8_t *out;
  ptrdiff_t offset, row_bytes;
} bm_cursor;

/* One group: 8 neighbouring points of a row, the updates they had, which lanes still run,
   which never escape (so far, or known inside), and the byte they fill. */
typedef struct {
  __m512d cr, ci;
  int cnt;
  __mmask8 run, in;
  uint8_t *at;
} bm_group;

/* Lane l is column 8j + l: bit 7 − l of the byte. */
static inline uint8_t bm_reverse(unsigned m) {
  m = ((m & 0xF0u) >> 4) | ((m & 0x0Fu) << 4);
  m = ((m & 0xCCu) >> 2) | ((m & 0x33u) << 2);
  m = ((m & 0xAAu) >> 1) | ((m & 0x55u) << 1);
  return (uint8_t)m;
}

/* The lanes inside the main cardioid or the period-2 bulb: mandel_known_inside, lane-wise. */
static inline __mmask8 bm_known_inside(__mmask8 lanes, __m512d x, __m512d y) {
  const __m512d xq = _mm512_sub_pd(x, _mm512_set1_pd(0.25)), y2 = _mm512_mul_pd(y, y);
  const __m512d q = _mm512_add_pd(_mm512_mul_pd(xq, xq), y2);
  const __m512d lhs = _mm512_mul_pd(q, _mm512_add_pd(q, xq));
  const __m512d rhs = _mm512_sub_pd(_mm512_mul_pd(_mm512_set1_pd(0.25), y2), _mm512_set1_pd(1e-9));
  const __mmask8 cardioid = _mm512_mask_cmp_pd_mask(lanes, lhs, rhs, _CMP_LT_OQ);
  const __m512d xb = _mm512_add_pd(x, _mm512_set1_pd(1.0));
  const __m512d bulb = _mm512_add_pd(_mm512_mul_pd(xb, xb), y2);
  return cardioid | _mm512_mask_cmp_pd_mask(lanes, bulb, _mm512_set1_pd(0.0625 - 1e-9), _CMP_LT_OQ);
}

/*
 * The group's next 8 points that need iterating; bytes whose points are all known inside are
 * written on the way. Returns 0 (and leaves the group idle) at the end of the chunk.
 */
static inline __attribute__((always_inline)) int bm_take(bm_cursor *c, bm_group *g) {
  while (c->row < c->rows) {
    const int n = c->cols - c->col < 8 ? c->cols - c->col : 8;
    const __mmask8 lanes = (__mmask8)((1u << n) - 1);
    g->cr = _mm512_maskz_loadu_pd(lanes, c->re + c->col);
    g->ci = _mm512_set1_pd(c->im[c->row]);
    g->at = c->out + c->offset + (ptrdiff_t)c->row * c->row_bytes + (c->col >> 3);
    c->col += n;
    if (c->col == c->cols) {
      c->col = 0;
      c->row++;
    }
    const __mmask8 inside = c->prune ? bm_known_inside(lanes, g->cr, g->ci) : 0;
    g->in = lanes;
    g->run = lanes & (__mmask8)~inside;
    g->cnt = 0;
    if (g->run) return 1;
    *g->at = bm_reverse(g->in);
  }
  g->run = 0;
  return 0;
}

/*
 * After `steps` updates from (szr, szi): lanes out of the band's low edge (or NaN) stop; a lane
 * inside the band is settled by the exact test over the block. A group with nothing left to
 * run, or at maxiter, writes its byte and takes the next points.
 */
static inline __attribute__((always_inline)) void bm_check(bm_cursor *c, bm_group *g, __m512d *zr, __m512d *zi, __m512d szr,
                                                           __m512d szi, int steps) {
  const __m512d m2 = _mm512_add_pd(_mm512_mul_pd(*zr, *zr), _mm512_mul_pd(*zi, *zi));
  g->cnt += steps;
  const __mmask8 flag = _mm512_mask_cmp_pd_mask(g->run, m2, _mm512_set1_pd(MANDEL_BAND_LOW), _CMP_NLE_UQ);
  if (__builtin_expect(flag != 0, 0)) {
    __mmask8 out = _mm512_mask_cmp_pd_mask(flag, m2, _mm512_set1_pd(MANDEL_BAND_HIGH), _CMP_NLE_UQ);
    const __mmask8 band = flag & (__mmask8)~out;
    if (__builtin_expect(band != 0, 0)) {
      double sr[8], si[8], cr[8], ci[8];
      _mm512_storeu_pd(sr, szr);
      _mm512_storeu_pd(si, szi);
      _mm512_storeu_pd(cr, g->cr);
      _mm512_storeu_pd(ci, g->ci);
      for (unsigned bits = band; bits; bits &= bits - 1) {
        const int l = __builtin_ctz(bits);
        if (escapes_within(sr[l], si[l], cr[l], ci[l], steps)) out |= (__mmask8)(1u << l);
      }
    }
    g->run &= (__mmask8)~out;
    g->in &= (__mmask8)~out;
  }
  if (g->run == 0 || g->cnt >= c->maxiter) {
    *g->at = bm_reverse(g->in);
    if (bm_take(c, g)) *zr = *zi = _mm512_setzero_pd();
  }
}

#define BM_GROUPS 5

static double bitmap_avx512(const double *re, int cols, const double *im, int rows, int maxiter, uint8_t *out, ptrdiff_t offset,
                            ptrdiff_t row_bytes, int prune) {
  if (cols <= 0 || rows <= 0) return 0;
  bm_cursor c = {re, im, cols, rows, 0, 0, maxiter, prune, out, offset, row_bytes};
  bm_group g[BM_GROUPS];
  __m512d zr[BM_GROUPS], zi[BM_GROUPS];
  for (int k = 0; k < BM_GROUPS; k++) {
    bm_take(&c, &g[k]);
    zr[k] = zi[k] = _mm512_setzero_pd();
  }
  double updates = 0;
  for (;;) {
    int running = 0;
    for (int k = 0; k < BM_GROUPS; k++) running |= g[k].run;
    if (!running) break;
    /* A group within 8 updates of maxiter finishes alone with what is left, so no block
       ever runs past it. */
    for (int k = 0; k < BM_GROUPS; k++) {
      while (g[k].run && g[k].cnt + 8 > maxiter) {
        const int steps = maxiter - g[k].cnt;
        const __m512d sr = zr[k], si = zi[k];
        for (int s = 0; s < steps; s++) BM_STEP(zr[k], zi[k], g[k].cr, g[k].ci);
        updates += (double)steps * __builtin_popcount(g[k].run);
        bm_check(&c, &g[k], &zr[k], &zi[k], sr, si, steps);
      }
    }
    const __m512d s0r = zr[0], s0i = zi[0], s1r = zr[1], s1i = zi[1], s2r = zr[2], s2i = zi[2], s3r = zr[3], s3i = zi[3];
    const __m512d s4r = zr[4], s4i = zi[4];
    __m512d a0 = zr[0], b0 = zi[0], a1 = zr[1], b1 = zi[1], a2 = zr[2], b2 = zi[2], a3 = zr[3], b3 = zi[3], a4 = zr[4], b4 = zi[4];
    const __m512d r0 = g[0].cr, i0 = g[0].ci, r1 = g[1].cr, i1 = g[1].ci, r2 = g[2].cr, i2 = g[2].ci, r3 = g[3].cr, i3 = g[3].ci;
    const __m512d r4 = g[4].cr, i4 = g[4].ci;
    for (int s = 0; s < 8; s++) {
      BM_STEP(a0, b0, r0, i0);
      BM_STEP(a1, b1, r1, i1);
      BM_STEP(a2, b2, r2, i2);
      BM_STEP(a3, b3, r3, i3);
      BM_STEP(a4, b4, r4, i4);
    }
    zr[0] = a0, zi[0] = b0, zr[1] = a1, zi[1] = b1, zr[2] = a2, zi[2] = b2, zr[3] = a3, zi[3] = b3, zr[4] = a4, zi[4] = b4;
    const __m512d sr[BM_GROUPS] = {s0r, s1r, s2r, s3r, s4r}, si[BM_GROUPS] = {s0i, s1i, s2i, s3i, s4i};
    for (int k = 0; k < BM_GROUPS; k++) {
      if (!g[k].run) continue;
      updates += 8.0 * __builtin_popcount(g[k].run);
      bm_check(&c, &g[k], &zr[k], &zi[k], sr[k], si[k], 8);
    }
  }
  return updates;
}
#undef BM_STEP
#pragma GCC pop_options
#endif

double mandel_bitmap(const double *re, int cols, const double *im, int rows, int maxiter, uint8_t *out, ptrdiff_t offset,
                     ptrdiff_t row_bytes, int prune, int vector) {
#ifdef MANDEL_X86
  if (vector) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
      return bitmap_avx512(re, cols, im, rows, maxiter, out, offset, row_bytes, prune);
  }
#else
  (void)vector;
#endif
  return bitmap_scalar(re, cols, im, rows, maxiter, out, offset, row_bytes, prune);
}
