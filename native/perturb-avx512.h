/*
 * Perturbation on AVX-512, included by perturb.c inside its avx512 target region: the
 * algorithm of perturb-body.h (each lane follows one point through exactly the steps of the
 * scalar loop, refilled with the next point as soon as its point is done), rewritten for
 * speed. Measured on one thread against the brute-force rate of the time (bench/deep.ts
 * section 1's points), from 0.20×:
 *  - the reference orbit is read from an interleaved copy (re, im side by side), so a lane's
 *    Z_m is one 16-byte load and a few shuffles build the 8-lane vectors (the generic body
 *    moved lanes in and out of vectors element by element): with 3 groups in flight, 0.32×;
 *  - 4 groups of 8 lanes in flight, each stepped by an inlined function, its state in
 *    registers, a point's end and the next one's start out of line: 0.36×;
 *  - a rebase (rare) is a branch, not a blend: the step is taken as if no lane rebased, and
 *    again with the rebased lanes when one did, so the rebase test is off the chain from one
 *    δ to the next (no measurable change on its own);
 *  - maxiter is checked once per block of 8 steps, not by every lane every step (a lane that
 *    runs past it is counted as at maxiter, whatever it meets there): a few per cent;
 *  - the checks that only views below 1e-300 need (δ tiny, a rebase onto a tiny Z) are
 *    compiled out of the loop that shallower views run; a lane's update count is derived
 *    from n, not counted.
 * The arithmetic is the scalar loop's, operation for operation and without fused
 * multiply-adds (-ffp-contract=off), so counts and update counts equal the scalar path's
 * (test/deep.test.ts checks every ISA against the js kernel).
 */
typedef struct {
  double r, i;
} zpair;

/* One group of 8 lanes: δ, and n at the start of the current block of 8 steps. */
typedef struct {
  __m512d dr, di;
  __m512i n;
} lanes8;

/* Per group, in memory (registers hold only what changes every step): the orbit index m of
   each lane (read back as scalars to load Z_m), dc, each lane's point and first n. */
typedef struct {
  long long idx[8] __attribute__((aligned(64)));
  double dcr[8] __attribute__((aligned(64))), dci[8] __attribute__((aligned(64)));
  int point[8], start[8];
} lanes8_meta;

typedef struct {
  const double *re, *im;
  int cols, total, maxiter, exponent, next, active;
  int32_t *out;
  ptrdiff_t offset, row_stride;
  float *smooth; /* NULL, or smooth fractions, indexed as out */
  const mandel_reference *ref;
  const mandel_series *series;
  double unit, updates;
  int skip_hint; /* skip_to's last answer */
} perturb_ctx;

/* The next point that starts in doubles into lane l of a spilled group; points that start in
   the extended form are done here, by the scalar loop. An empty lane idles harmlessly: δ = 0
   on Z_0 = 0 never escapes, and its n never reaches maxiter. */
static void lanes8_refill(perturb_ctx *c, double *dr, double *di, double *dcr, double *dci, long long *m, long long *n,
                          lanes8_meta *meta, int l, int shift, int deep) {
  meta->point[l] = -1;
  dr[l] = di[l] = dcr[l] = dci[l] = 0;
  m[l] = 0;
  n[l] = -(1LL << 40);
  const mandel_series *series = c->series;
  while (c->next < c->total && !mandel_cancelled()) {
    int p = c->next++;
    double cr = c->re[p % c->cols], ci = c->im[p / c->cols];
    int s = series ? skip_to(series, cr, ci, c->exponent, &c->skip_hint) : 1;
    double ar = series ? series->ar[s] : 1, ai = series ? series->ai[s] : 0;
    double tr = ar * cr - ai * ci, ti = ar * ci + ai * cr;
    int te = (series ? series->ae[s] : 0) + c->exponent;
    if (deep) {
      double big = fmax(fabs(tr), fabs(ti));
      if (big == 0 || exponent_of(big) + te <= DOUBLE_FROM) {
        counted done = iterate_extended(cr, ci, c->exponent, c->ref, c->maxiter, s - 1, s, tr, ti, te, 1, NULL);
        c->out[c->offset + (p / c->cols) * c->row_stride + p % c->cols] = done.count;
        if (c->smooth) c->smooth[c->offset + (p / c->cols) * c->row_stride + p % c->cols] = mandel_perturb_smooth(c->ref, done, c->maxiter);
        c->updates += done.updates;
        continue;
      }
      /* As iterate_extended enters its double branch: normalised, then scaled back. */
      int k0 = exponent_of(big);
      double mr = tr * pow2(-k0), mi = ti * pow2(-k0);
      dr[l] = mr * pow2(te + k0);
      di[l] = mi * pow2(te + k0);
    } else {
      double scale = pow2(te);
      dr[l] = tr * scale;
      di[l] = ti * scale;
      dcr[l] = cr * c->unit;
      dci[l] = ci * c->unit;
    }
    m[l] = s;
    n[l] = s - 1 - shift; /* n is the block's: the lane's next step is `shift` steps into it */
    meta->start[l] = s;
    meta->point[l] = p;
    c->active++;
    break;
  }
}

/* Ends the points of the lanes in `event` (their state at the step's start in was_*), and
   refills those lanes of `now` with the next points. */
static __attribute__((noinline)) void lanes8_events(perturb_ctx *c, lanes8 *now, lanes8_meta *meta, unsigned event, unsigned esc,
                                                    unsigned extended, __m512d was_dr, __m512d was_di, __m512i was_m,
                                                    __m512i was_n, int shift, int deep) {
  double dr[8] __attribute__((aligned(64))), di[8] __attribute__((aligned(64)));
  long long n[8] __attribute__((aligned(64)));
  double *dcr = meta->dcr, *dci = meta->dci;
  long long *m = meta->idx;
  double dr0[8] __attribute__((aligned(64))), di0[8] __attribute__((aligned(64)));
  long long m0[8] __attribute__((aligned(64))), n0[8] __attribute__((aligned(64)));
  _mm512_store_pd(dr, now->dr);
  _mm512_store_pd(di, now->di);
  _mm512_store_si512(n, now->n);
  _mm512_store_pd(dr0, was_dr);
  _mm512_store_pd(di0, was_di);
  _mm512_store_si512(m0, was_m);
  _mm512_store_si512(n0, was_n);
  for (unsigned bits = event; bits; bits &= bits - 1) {
    const int l = __builtin_ctz(bits);
    const int p = meta->point[l];
    if (p < 0) continue;
    /* A lane may run a few steps past maxiter before the check at the block's end sees it:
       whatever happens there, its point did not escape in time. */
    const long long n_end = n0[l] < c->maxiter ? n0[l] : c->maxiter - 1;
    const double updates = (double)(n_end - meta->start[l] + 2);
    counted done = {0, 0, 0, 0};
    if (n0[l] >= c->maxiter) {
      done.count = c->maxiter;
      done.updates = updates;
    } else if (esc >> l & 1) {
      done.count = (int)n0[l];
      done.updates = updates;
      done.er = c->ref->zr[m0[l]] + dr0[l]; /* as the step computed it */
      done.ei = c->ref->zi[m0[l]] + di0[l];
    } else if (extended >> l & 1) {
      double cr = c->re[p % c->cols], ci = c->im[p / c->cols];
      done = iterate_extended(cr, ci, c->exponent, c->ref, c->maxiter, (int)n0[l], (int)m0[l], dr0[l], di0[l], 0, updates, NULL);
    } else {
      done.count = c->maxiter;
      done.updates = updates;
    }
    c->out[c->offset + (p / c->cols) * c->row_stride + p % c->cols] = done.count;
    if (c->smooth) c->smooth[c->offset + (p / c->cols) * c->row_stride + p % c->cols] = mandel_perturb_smooth(c->ref, done, c->maxiter);
    c->updates += done.updates;
    c->active--;
    lanes8_refill(c, dr, di, dcr, dci, m, n, meta, l, shift, deep);
  }
  now->dr = _mm512_load_pd(dr);
  now->di = _mm512_load_pd(di);
  now->n = _mm512_load_si512(n);
}

/* One step of 8 lanes. */
static inline __attribute__((always_inline)) void lanes8_step(perturb_ctx *c, lanes8 *s, lanes8_meta *meta, const zpair *Z,
                                                              const __m512i lastv, const int sub, const int deep) {
  const __m512d four = _mm512_set1_pd(4.0), zero = _mm512_setzero_pd();
  const __m512i one = _mm512_set1_epi64(1);
  /* Z_m of each lane: pairs of even lanes in a, of odd lanes in b; unpacking them gives the
     real parts, and the imaginary parts, in lane order. */
  const long long *ix = meta->idx;
  __m256d a0 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(&Z[ix[0]].r)), _mm_loadu_pd(&Z[ix[2]].r), 1);
  __m256d a1 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(&Z[ix[4]].r)), _mm_loadu_pd(&Z[ix[6]].r), 1);
  __m256d b0 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(&Z[ix[1]].r)), _mm_loadu_pd(&Z[ix[3]].r), 1);
  __m256d b1 = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(&Z[ix[5]].r)), _mm_loadu_pd(&Z[ix[7]].r), 1);
  __m512d a = _mm512_insertf64x4(_mm512_castpd256_pd512(a0), a1, 1);
  __m512d b = _mm512_insertf64x4(_mm512_castpd256_pd512(b0), b1, 1);
  const __m512d Zr = _mm512_unpacklo_pd(a, b), Zi = _mm512_unpackhi_pd(a, b);

  const __m512d dr0 = s->dr, di0 = s->di;
  const __m512i m0 = _mm512_load_si512(meta->idx);
  const __m512d xr = _mm512_add_pd(Zr, dr0), xi = _mm512_add_pd(Zi, di0);
  const __m512d z2 = _mm512_add_pd(_mm512_mul_pd(xr, xr), _mm512_mul_pd(xi, xi));
  const __m512d d2 = _mm512_add_pd(_mm512_mul_pd(dr0, dr0), _mm512_mul_pd(di0, di0));
  const __mmask8 esc = _mm512_cmp_pd_mask(z2, four, _CMP_GT_OQ);
  const __mmask8 reb = _mm512_cmp_pd_mask(z2, d2, _CMP_LT_OQ) | _mm512_cmpeq_epi64_mask(m0, lastv);
  __mmask8 extended = 0;
  if (deep) {
    const __m512d tiny_d2 = _mm512_set1_pd(0x1p-940), small_size = _mm512_set1_pd(0x1p-470);
    extended = _mm512_cmp_pd_mask(d2, tiny_d2, _CMP_LT_OQ) |
               (reb & _mm512_cmp_pd_mask(_mm512_abs_pd(xr), small_size, _CMP_LT_OQ) &
                _mm512_cmp_pd_mask(_mm512_abs_pd(xi), small_size, _CMP_LT_OQ));
  }
  /* maxiter is checked once a block, in perturb_avx512_body, not every step. */
  const __mmask8 event = esc | extended;
  const __m512i m1 = _mm512_add_epi64(m0, one);
  _mm512_store_si512(meta->idx, m1);
  /* δ ← (2Z + δ)δ + dc, as if no lane rebased. */
  {
    const __m512d ar = _mm512_add_pd(_mm512_add_pd(Zr, Zr), dr0), ai = _mm512_add_pd(_mm512_add_pd(Zi, Zi), di0);
    s->dr = _mm512_add_pd(_mm512_sub_pd(_mm512_mul_pd(ar, dr0), _mm512_mul_pd(ai, di0)), _mm512_load_pd(meta->dcr));
    s->di = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(ar, di0), _mm512_mul_pd(ai, dr0)), _mm512_load_pd(meta->dci));
  }
  if (__builtin_expect(reb != 0, 0)) {
    /* Again, with δ ← Z + δ and Z_0 = 0 in the rebased lanes. */
    const __m512d r = _mm512_mask_blend_pd(reb, dr0, xr), i = _mm512_mask_blend_pd(reb, di0, xi);
    const __m512d Zr2 = _mm512_mask_blend_pd(reb, Zr, zero), Zi2 = _mm512_mask_blend_pd(reb, Zi, zero);
    const __m512d ar = _mm512_add_pd(_mm512_add_pd(Zr2, Zr2), r), ai = _mm512_add_pd(_mm512_add_pd(Zi2, Zi2), i);
    s->dr = _mm512_add_pd(_mm512_sub_pd(_mm512_mul_pd(ar, r), _mm512_mul_pd(ai, i)), _mm512_load_pd(meta->dcr));
    s->di = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(ar, i), _mm512_mul_pd(ai, r)), _mm512_load_pd(meta->dci));
    _mm512_store_si512(meta->idx, _mm512_mask_blend_epi64(reb, m1, one));
  }
  if (__builtin_expect(event != 0, 0))
    lanes8_events(c, s, meta, event, esc, extended, dr0, di0, m0, _mm512_add_epi64(s->n, _mm512_set1_epi64(sub)), sub + 1, deep);
}

static inline __attribute__((always_inline)) void perturb_avx512_body(perturb_ctx *c, const zpair *Z, const int deep) {
  lanes8_meta meta[4];
  lanes8 s0, s1, s2, s3;
  lanes8 *groups[4] = {&s0, &s1, &s2, &s3};
  for (int v = 0; v < 4; v++) {
    double dr[8] __attribute__((aligned(64))), di[8] __attribute__((aligned(64)));
    long long n[8] __attribute__((aligned(64)));
    for (int l = 0; l < 8; l++) lanes8_refill(c, dr, di, meta[v].dcr, meta[v].dci, meta[v].idx, n, &meta[v], l, 0, deep);
    lanes8 *s = groups[v];
    s->dr = _mm512_load_pd(dr);
    s->di = _mm512_load_pd(di);
    s->n = _mm512_load_si512(n);
  }
  const __m512i lastv = _mm512_set1_epi64(c->ref->length - 1), maxv = _mm512_set1_epi64(c->maxiter);
  const __m512i eight = _mm512_set1_epi64(8), before_max = _mm512_set1_epi64(c->maxiter - 1);
  unsigned blocks = 0;
  while (c->active > 0) {
    if ((++blocks & 127) == 0 && mandel_cancelled()) break;
    for (int sub = 0; sub < 8; sub++) {
      lanes8_step(c, &s0, &meta[0], Z, lastv, sub, deep);
      lanes8_step(c, &s1, &meta[1], Z, lastv, sub, deep);
      lanes8_step(c, &s2, &meta[2], Z, lastv, sub, deep);
      lanes8_step(c, &s3, &meta[3], Z, lastv, sub, deep);
    }
    /* The block's end: n moves on by 8, and a lane at maxiter is done (counted as at its last step). */
    for (int v = 0; v < 4; v++) {
      lanes8 *s = groups[v];
      s->n = _mm512_add_epi64(s->n, eight);
      const __mmask8 maxed = _mm512_cmpge_epi64_mask(s->n, maxv);
      if (maxed) lanes8_events(c, s, &meta[v], maxed, 0, 0, s->dr, s->di, _mm512_load_si512(meta[v].idx), before_max, 0, deep);
    }
  }
}

static double perturb_avx512(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out, ptrdiff_t offset,
                             ptrdiff_t row_stride, const mandel_reference *ref, int exponent, const mandel_series *series,
                             float *smooth) {
  zpair *Z = malloc(sizeof(zpair) * (size_t)ref->length);
  if (!Z) return mandel_perturb_scalar(re, cols, im, rows, maxiter, out, offset, row_stride, ref, exponent, series, NULL, smooth);
  for (int k = 0; k < ref->length; k++) {
    Z[k].r = ref->zr[k];
    Z[k].i = ref->zi[k];
  }
  perturb_ctx c = {re, im, cols, rows * cols, maxiter, exponent, 0, 0, out, offset, row_stride, smooth, ref, series, pow2(exponent), 0, 1};
  if (exponent < DOUBLE_DC_FROM) perturb_avx512_body(&c, Z, 1);
  else perturb_avx512_body(&c, Z, 0);
  free(Z);
  return c.updates;
}
