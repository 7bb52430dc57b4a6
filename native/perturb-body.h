/*
 * Perturbation over SIMD lanes, included once per width by perturb.c: LANES points per
 * vector, VECTORS vectors in flight. Each lane follows one point through exactly the steps of
 * the scalar loop (iterate_double, or the double branch of iterate_extended for views below
 * 1e-300), with the same operations in the same order, so every count and every update
 * count equals the scalar (and the js kernel's). A lane whose point is done — escaped, at
 * maxiter, or needing the extended form (δ tiny near a minibrot's nucleus: handed to the
 * scalar loop from that very state) — takes the next point at once: no lane idles while the
 * others finish.
 *
 * Expects PERTURB_NAME, LANES, VECTORS, VD (double vector), VL (64-bit integer vector).
 */
#define BLEND(mask, a, b) ((VD)(((VL)(a) & (mask)) | ((VL)(b) & ~(mask))))

static double PERTURB_NAME(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out, ptrdiff_t offset,
                           ptrdiff_t row_stride, const mandel_reference *ref, int exponent, const mandel_series *series,
                           float *smooth) {
  const int total = rows * cols;
  const int last = ref->length - 1;
  const int deep_dc = exponent < DOUBLE_DC_FROM;
  const double unit = pow2(exponent);
  const double *zr = ref->zr, *zi = ref->zi;
  VD dr[VECTORS], di[VECTORS], dcr[VECTORS], dci[VECTORS], upd[VECTORS];
  VL m[VECTORS], n[VECTORS];
  int point[VECTORS][LANES];
  double updates = 0;
  int next = 0;
  int active = 0; /* lanes holding a point */
  int hint = 1;   /* skip_to's last answer */

  /* Puts the next point that starts in doubles into lane (v, l); points that start in the
     extended form are done here, by the scalar loop. An empty lane idles harmlessly. */
#define REFILL(v, l)                                                                                              \
  do {                                                                                                            \
    point[v][l] = -1;                                                                                             \
    dr[v][l] = di[v][l] = dcr[v][l] = dci[v][l] = 0;                                                              \
    m[v][l] = 0;                                                                                                  \
    n[v][l] = -(1LL << 40);                                                                                       \
    upd[v][l] = 0;                                                                                                \
    while (next < total && !mandel_cancelled()) {                                                                \
      int p = next++;                                                                                             \
      double cr = re[p % cols], ci = im[p / cols];                                                                \
      int s = series ? skip_to(series, cr, ci, exponent, &hint) : 1;                                              \
      double ar = series ? series->ar[s] : 1, ai = series ? series->ai[s] : 0;                                    \
      double tr = ar * cr - ai * ci, ti = ar * ci + ai * cr;                                                      \
      int te = (series ? series->ae[s] : 0) + exponent;                                                           \
      if (deep_dc) {                                                                                              \
        double big = fmax(fabs(tr), fabs(ti));                                                                    \
        if (big == 0 || exponent_of(big) + te <= DOUBLE_FROM) {                                                   \
          counted done = iterate_extended(cr, ci, exponent, ref, maxiter, s - 1, s, tr, ti, te, 1, NULL);               \
          out[offset + (p / cols) * row_stride + p % cols] = done.count;                                          \
          if (smooth) smooth[offset + (p / cols) * row_stride + p % cols] = mandel_perturb_smooth(ref, done, maxiter); \
          updates += done.updates;                                                                                \
          continue;                                                                                               \
        }                                                                                                         \
        /* As iterate_extended enters its double branch: normalised, then scaled back. */                         \
        int k0 = exponent_of(big);                                                                                \
        double mr = tr * pow2(-k0), mi = ti * pow2(-k0);                                                          \
        dr[v][l] = mr * pow2(te + k0);                                                                            \
        di[v][l] = mi * pow2(te + k0);                                                                            \
      } else {                                                                                                    \
        double scale = pow2(te);                                                                                  \
        dr[v][l] = tr * scale;                                                                                    \
        di[v][l] = ti * scale;                                                                                    \
        dcr[v][l] = cr * unit;                                                                                    \
        dci[v][l] = ci * unit;                                                                                    \
      }                                                                                                           \
      m[v][l] = s;                                                                                                \
      n[v][l] = s - 1;                                                                                            \
      upd[v][l] = 1;                                                                                              \
      point[v][l] = p;                                                                                            \
      active++;                                                                                                   \
      break;                                                                                                      \
    }                                                                                                             \
  } while (0)

  for (int v = 0; v < VECTORS; v++)
    for (int l = 0; l < LANES; l++) REFILL(v, l);

  const VD four = (VD){0} + 4.0, two = (VD){0} + 2.0, zero = (VD){0};
  const VD tiny_d2 = (VD){0} + 0x1p-940, small_size = (VD){0} + 0x1p-470;
  const VL lastv = (VL){0} + last, maxv = (VL){0} + maxiter, one = (VL){0} + 1;
  const VL deepv = (VL){0} + (deep_dc ? -1 : 0);
  unsigned steps = 0;
  for (;;) {
    if ((++steps & 1023) == 0 && mandel_cancelled()) break;
    for (int v = 0; v < VECTORS; v++) {
      /* Lane by lane: a gather instruction measured slower here (its microcode mitigations). */
      VD Zr, Zi;
      for (int l = 0; l < LANES; l++) {
        Zr[l] = zr[m[v][l]];
        Zi[l] = zi[m[v][l]];
      }
      const VD xr = Zr + dr[v], xi = Zi + di[v];
      const VD z2 = xr * xr + xi * xi;
      const VD d2 = dr[v] * dr[v] + di[v] * di[v];
      const VL esc = (VL)(z2 > four);
      const VL tiny = (VL)(d2 < tiny_d2) & deepv;
      const VL reb = (VL)(z2 < d2) | (VL)(m[v] == lastv);
      const VD size = BLEND((VL)(xr > -xr), xr, -xr);
      const VD sizei = BLEND((VL)(xi > -xi), xi, -xi);
      const VL small = reb & deepv & (VL)(size < small_size) & (VL)(sizei < small_size);
      const VL n1 = n[v] + one;
      const VL maxed = (VL)(n1 >= maxv);
      const VL event = esc | tiny | small | maxed;
      /* The state at the step's start, for the lanes whose point ends here. */
      const VD dr0 = dr[v], di0 = di[v], upd0 = upd[v];
      const VL m0 = m[v], n0 = n[v];
      /* Rebase, then update n: δ ← (2Z + δ)δ + dc, with Z_0 = 0 after a rebase. */
      const VD r = BLEND(reb, xr, dr[v]), i = BLEND(reb, xi, di[v]);
      const VD Zr2 = BLEND(reb, zero, Zr), Zi2 = BLEND(reb, zero, Zi);
      const VD ar = two * Zr2 + r, ai = two * Zi2 + i;
      dr[v] = ar * r - ai * i + dcr[v];
      di[v] = ar * i + ai * r + dci[v];
      m[v] = (m[v] & ~reb) + one;
      n[v] = n1;
      upd[v] = upd[v] + 1.0;
#if LANES == 8
      const int any = _mm512_movepi64_mask((__m512i)event);
#elif LANES == 4
      const int any = _mm256_movemask_pd((__m256d)event);
#else
      long long any = 0;
      for (int l = 0; l < LANES; l++) any |= event[l];
#endif
      if (any) {
        for (int l = 0; l < LANES; l++) {
          if (!event[l] || point[v][l] < 0) continue;
          int p = point[v][l];
          counted done = {0, 0, 0, 0};
          if (esc[l]) {
            done.count = (int)n0[l];
            done.updates = upd0[l];
            done.er = xr[l];
            done.ei = xi[l];
          } else if (tiny[l] || small[l]) {
            double cr = re[p % cols], ci = im[p / cols];
            done = iterate_extended(cr, ci, exponent, ref, maxiter, (int)n0[l], (int)m0[l], dr0[l], di0[l], 0, upd0[l], NULL);
          } else {
            done.count = maxiter;
            done.updates = upd0[l];
          }
          out[offset + (p / cols) * row_stride + p % cols] = done.count;
          if (smooth) smooth[offset + (p / cols) * row_stride + p % cols] = mandel_perturb_smooth(ref, done, maxiter);
          updates += done.updates;
          active--;
          REFILL(v, l);
        }
      }
    }
    if (active == 0) break;
  }
#undef REFILL
  return updates;
}
#undef BLEND
