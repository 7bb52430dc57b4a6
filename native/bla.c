/*
 * The BLA table (src/deep/bla.ts, which says why and is the reference): the same double
 * operations in the same order — hypot by portable_hypot (src/portable-math.ts), every power
 * of two exact — so the js and native tables agree bit for bit and a cluster worker without
 * the addon skips exactly as one with it. Here because the js loops run once per process,
 * never optimised: 20–30 ms for a table at maxiter 20,000, where this takes ~1 ms.
 */
#include <math.h>
#include <stdint.h>
#include "bla.h"
#include "exact.h"

/* As portableHypot: the parts scaled by 2^∓600 where a square would leave doubles' range. */
static double portable_hypot(double a, double b) {
  a = fabs(a);
  b = fabs(b);
  double m = a > b ? a : b;
  if (m == 0 || m == INFINITY) return m;
  double s = m > 0x1p500 ? 0x1p-600 : m < 0x1p-500 ? 0x1p600 : 1;
  double x = a * s, y = b * s;
  return sqrt(x * x + y * y) / s;
}

/* As bdcOf: (b × offset) × 2^exponent, in two steps below the normal range. */
static double bdc_of(double b, double offset, int exponent) {
  double product = b * offset;
  if (exponent >= -1022) return product * pow2(exponent);
  return product * pow2(-1022) * pow2(exponent + 1022);
}

void mandel_bla_blocks(const double *zr, const double *zi, int length, double dc_offset, int dc_exponent, int levels,
                       const int32_t *counts, const int32_t *offsets, double *ar, double *ai, double *br, double *bi,
                       double *abs_a, double *bdc, double *inside, double *abs_z) {
  double one = bdc_of(1, dc_offset, dc_exponent);
  for (int j = 0; j < counts[0]; j++) {
    int m = j + 1;
    ar[j] = 2 * zr[m];
    ai[j] = 2 * zi[m];
    br[j] = 1;
    bi[j] = 0;
    abs_a[j] = portable_hypot(ar[j], ai[j]);
    bdc[j] = one;
  }
  for (int l = 1; l < levels; l++) {
    int half = 1 << (l - 1);
    for (int j = 0; j < counts[l]; j++) {
      int x = offsets[l - 1] + 2 * j, y = x + 1, e = offsets[l] + j;
      ar[e] = ar[y] * ar[x] - ai[y] * ai[x];
      ai[e] = ar[y] * ai[x] + ai[y] * ar[x];
      br[e] = ar[y] * br[x] - ai[y] * bi[x] + br[y];
      bi[e] = ar[y] * bi[x] + ai[y] * br[x] + bi[y];
      abs_a[e] = portable_hypot(ar[e], ai[e]);
      bdc[e] = bdc_of(portable_hypot(br[e], bi[e]), dc_offset, dc_exponent);
      int mid = 1 + (2 * j + 1) * half;
      inside[e] = 2 - portable_hypot(zr[mid], zi[mid]);
    }
  }
  for (int m = 0; m < length; m++) abs_z[m] = portable_hypot(zr[m], zi[m]);
}

/* Math.min and Math.max: NaN from either side (an overflowed |A| or |B| gives one). Which zero
   they return may differ from JavaScript's, and no result depends on it: radii are squared. */
static inline double min2(double a, double b) { return a != a || b != b ? NAN : a < b ? a : b; }
static inline double max2(double a, double b) { return a != a || b != b ? NAN : a > b ? a : b; }

void mandel_bla_radii(int levels, const int32_t *counts, const int32_t *offsets, const double *abs_a, const double *bdc,
                      const double *inside, double epsilon, double *r2, const double *abs_z, int length, double dc,
                      double *tail) {
  for (int j = 0; j < counts[0]; j++) r2[j] = epsilon * abs_a[j];
  int total = 0;
  for (int l = 0; l < levels; l++) total += counts[l];
  for (int l = 1; l < levels; l++) {
    for (int j = 0; j < counts[l]; j++) {
      int x = offsets[l - 1] + 2 * j, y = x + 1, e = offsets[l] + j;
      double ax = abs_a[x], bx = bdc[x];
      double from_y = ax > 0 ? (min2(r2[y], inside[e]) - bx) / ax : bx < min2(r2[y], inside[e]) ? INFINITY : 0;
      r2[e] = max2(0, min2(r2[x], from_y));
    }
  }
  for (int e = 0; e < total; e++) r2[e] = r2[e] * r2[e];
  double t = INFINITY;
  for (int m = length - 2; m >= 1; m--) {
    double a = 2 * abs_z[m];
    double bound = min2(t, 2 - abs_z[m + 1]) - dc;
    t = a > 0 ? max2(0, min2(epsilon * a, bound / ((1 + epsilon) * a))) : 0;
    tail[m] = t * t;
  }
}
