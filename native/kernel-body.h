/*
 * The SIMD escape-count loop, written once with GCC vector extensions and included once
 * per width (see kernels.c): LANES doubles per vector, VECTORS vectors in flight.
 * Expects KERNEL_NAME, GROUP_NAME, SMOOTH_NAME, SMOOTH_LOG2, LANES, VECTORS, VD (double vector) and
 * VL (mask vector).
 *
 * Exactness: z is updated exactly as Python does, no FMA (-ffp-contract=off). The escape
 * test runs once per block of 8 iterations: a lane that escaped anywhere in the block is
 * still outside the circle at its end (once |z| > 2 ≥ |c|, |z² + c| ≥ |z|² − |c| > |z|; the
 * test's band, 2^-45 below 4, is far wider than rounding), or has overflowed to NaN, which
 * `!(m2 <= low)` also catches. When any active lane is flagged, the block is re-run from
 * its saved state one iteration at a time with the exact test, so counts are exact.
 * Cycle detection (prune) compares z at block boundaries with a saved z (Brent's
 * doubling): an orbit that returns to exactly the same doubles never escapes.
 */
#define GROUP_SIZE (LANES * VECTORS)
#include "smooth-simd.h"

static double GROUP_NAME(const double *cr_in, int n, double ci, int maxiter, int prune, int32_t *counts, float *smooth) {
  VD cr[VECTORS], zr[VECTORS], zi[VECTORS], sr[VECTORS], si[VECTORS];
  /* z ← z² + c from z alone: zr², zi² are recomputed, not carried, so the live state per
     vector is zr, zi, cr and four vectors stay in registers even with 16 of them (SSE2). */
  VL active[VECTORS];
  const VD civ = ci - (VD){0};
  const VD low = MANDEL_BAND_LOW - (VD){0};
  double total = 0;
  int remaining = n;
  for (int v = 0; v < VECTORS; v++) {
    for (int l = 0; l < LANES; l++) {
      int j = v * LANES + l;
      cr[v][l] = j < n ? cr_in[j] : 0.0;
      active[v][l] = j < n ? -1 : 0;
    }
    zr[v] = zi[v] = sr[v] = si[v] = (VD){0};
  }
  for (int j = 0; j < GROUP_SIZE; j++) counts[j] = maxiter;
  /* Where each lane escaped, for its smooth fraction, computed a vector at a time at the end. */
  VD ezr[VECTORS], ezi[VECTORS];
  VL escaped[VECTORS];
  for (int v = 0; v < VECTORS; v++) {
    ezr[v] = ezi[v] = (VD){0};
    escaped[v] = (VL){0};
  }

  int it = 0;
  long block = 0;
  while (it < maxiter && remaining > 0) {
    int steps = maxiter - it < 8 ? maxiter - it : 8;
    VD szr[VECTORS], szi[VECTORS];
    VL flag[VECTORS];
    int exact = steps < 8;
    for (int v = 0; v < VECTORS; v++) {
      szr[v] = zr[v];
      szi[v] = zi[v];
      flag[v] = (VL){0};
    }
    if (!exact) {
      for (int k = 0; k < 8; k++) {
        for (int v = 0; v < VECTORS; v++) {
          VD a = zr[v] * zr[v], b = zi[v] * zi[v], t = zr[v] * zi[v];
          zr[v] = a - b + cr[v];
          zi[v] = t + t + civ;
        }
      }
      for (int v = 0; v < VECTORS; v++) flag[v] = ~(VL)(zr[v] * zr[v] + zi[v] * zi[v] <= low);
      VL any = (VL){0};
      for (int v = 0; v < VECTORS; v++) any |= flag[v] & active[v];
      for (int l = 0; l < LANES; l++) exact |= any[l] != 0;
    }
    if (exact) {
      for (int v = 0; v < VECTORS; v++) {
        zr[v] = szr[v];
        zi[v] = szi[v];
      }
      for (int k = 0; k < steps; k++) {
        for (int v = 0; v < VECTORS; v++) {
          VD a = zr[v] * zr[v], b = zi[v] * zi[v], t = zr[v] * zi[v];
          zr[v] = a - b + cr[v];
          zi[v] = t + t + civ;
          VD m2 = zr[v] * zr[v] + zi[v] * zi[v];
          VL near = (VL)(m2 > low) & active[v];
          for (int l = 0; l < LANES; l++) {
            if (near[l] && mandel_escaped(zr[v][l], zi[v][l], m2[l])) {
              counts[v * LANES + l] = it + k;
              if (smooth) {
                ezr[v][l] = zr[v][l];
                ezi[v][l] = zi[v][l];
                escaped[v][l] = -1;
              }
              active[v][l] = 0;
              remaining--;
              total += it + k + 1;
            }
          }
        }
      }
    }
    it += steps;
    if (prune && remaining > 0 && it < maxiter) {
      for (int v = 0; v < VECTORS; v++) {
        VL same = (VL)(zr[v] == sr[v]) & (VL)(zi[v] == si[v]) & active[v];
        for (int l = 0; l < LANES; l++) {
          if (same[l]) {
            active[v][l] = 0;
            remaining--;
            total += it; /* counts[] already holds maxiter */
          }
        }
      }
      block++;
      if ((block & (block - 1)) == 0) {
        for (int v = 0; v < VECTORS; v++) {
          sr[v] = zr[v];
          si[v] = zi[v];
        }
      }
    }
  }
  total += (double)remaining * maxiter;
  if (smooth) {
    for (int v = 0; v < VECTORS; v++) {
      const VD f = SMOOTH_NAME(ezr[v], ezi[v], cr[v], civ, escaped[v]);
      for (int l = 0; l < LANES; l++) smooth[v * LANES + l] = (float)f[l];
    }
  }
  return total;
}

/* smooth_out: NULL, or where each point's smooth fraction goes, indexed as out. */
static double KERNEL_NAME(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out,
                          ptrdiff_t offset, ptrdiff_t row_stride, int prune, float *smooth_out) {
  double total = 0;
  double cr[GROUP_SIZE];
  int idx[GROUP_SIZE];
  int32_t counts[GROUP_SIZE];
  float fractions[GROUP_SIZE];
  float *smooth = smooth_out ? fractions : NULL;
  for (int row = 0; row < rows; row++) {
    if (mandel_cancelled()) break; /* and before every group below */
    const double ci = im[row];
    int32_t *line = out + offset + (ptrdiff_t)row * row_stride;
    float *smooth_line = smooth_out ? smooth_out + offset + (ptrdiff_t)row * row_stride : NULL;
    int n = 0;
    for (int col = 0; col < cols; col++) {
      if (prune && mandel_known_inside(re[col], ci)) {
        line[col] = maxiter;
        if (smooth_line) smooth_line[col] = 0.0f;
        continue;
      }
      cr[n] = re[col];
      idx[n++] = col;
      if (n == GROUP_SIZE) {
        if (mandel_cancelled()) return total;
        total += GROUP_NAME(cr, n, ci, maxiter, prune, counts, smooth);
        for (int j = 0; j < n; j++) line[idx[j]] = counts[j];
        if (smooth_line)
          for (int j = 0; j < n; j++) smooth_line[idx[j]] = fractions[j];
        n = 0;
      }
    }
    if (n > 0) {
      total += GROUP_NAME(cr, n, ci, maxiter, prune, counts, smooth);
      for (int j = 0; j < n; j++) line[idx[j]] = counts[j];
      if (smooth_line)
        for (int j = 0; j < n; j++) smooth_line[idx[j]] = fractions[j];
    }
  }
  return total;
}

#undef GROUP_SIZE
