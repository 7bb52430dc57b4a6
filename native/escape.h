/*
 * The escape test of the tutorial's Python, `abs(z) > 2.0`, where abs is glibc's hypot
 * (>= 2.35, no FMA): the same double operations as src/kernels/escape.ts. Kernels call it
 * only when re² + im² is within 2^-45 of 4; elsewhere the squared test gives the same answer.
 * Every file including this must be compiled with -ffp-contract=off.
 */
#ifndef MANDEL_ESCAPE_H
#define MANDEL_ESCAPE_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MANDEL_BAND_LOW (4.0 - 0x1p-45)
#define MANDEL_BAND_HIGH (4.0 + 0x1p-45)

static double mandel_corrected_hypot(double ax, double ay) {
  double h = sqrt(ax * ax + ay * ay);
  double t1, t2;
  if (h <= 2.0 * ay) {
    double delta = h - ay;
    t1 = ax * (2.0 * delta - ax);
    t2 = (delta - 2.0 * (ax - ay)) * delta;
  } else {
    double delta = h - ax;
    t1 = 2.0 * delta * (ax - 2.0 * ay);
    t2 = (4.0 * delta - ay) * ay + delta * delta;
  }
  return h - (t1 + t2) / (2.0 * h);
}

static double mandel_hypot(double x, double y) {
  if (isinf(x) || isinf(y)) return INFINITY;
  if (isnan(x) || isnan(y)) return NAN;
  x = fabs(x);
  y = fabs(y);
  double ax = x < y ? y : x, ay = x < y ? x : y;
  if (ax > 0x1p+511) {
    if (ay <= ax * 0x1p-54) return ax + ay;
    return mandel_corrected_hypot(ax * 0x1p-600, ay * 0x1p-600) / 0x1p-600;
  }
  if (ay < 0x1p-459) {
    if (ax >= ay / 0x1p-54) return ax + ay;
    return mandel_corrected_hypot(ax / 0x1p-600, ay / 0x1p-600) * 0x1p-600;
  }
  if (ay <= ax * 0x1p-54) return ax + ay;
  return mandel_corrected_hypot(ax, ay);
}

/* Python's abs(complex(re, im)) > 2.0, given m2 = re*re + im*im already above the band's low edge. */
static inline int mandel_escaped(double re, double im, double m2) {
  return m2 > MANDEL_BAND_HIGH || mandel_hypot(re, im) > 2.0;
}

/*
 * Points the pruning skips: inside the main cardioid or the period-2 bulb, by a margin far
 * wider than the rounding of these formulas, so a point near the boundary is never skipped
 * (it is iterated, and caught by cycle detection or maxiter as brute force would).
 */
static inline int mandel_known_inside(double x, double y) {
  double xq = x - 0.25, y2 = y * y;
  double q = xq * xq + y2;
  if (q * (q + xq) < 0.25 * y2 - 1e-9) return 1;
  double xb = x + 1.0;
  return xb * xb + y2 < 0.0625 - 1e-9;
}

/*
 * Smooth colouring (src/kernels/smooth.ts, which says why): the fraction μ − n of a point whose
 * z escaped at its count n, by the same double operations as there, bit for bit — log2 too, by
 * the same series (C's log2 and JavaScript's differ in the last bit now and then).
 */
static inline double mandel_portable_log2(double x) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  int e = (int)((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x800fffffffffffffull) | 0x3ff0000000000000ull; /* the mantissa, in [1, 2) */
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    e = e + 1;
  }
  double s = (m - 1) / (m + 1);
  double z = s * s;
  double series = 1 + z * (1.0 / 3 + z * (1.0 / 5 + z * (1.0 / 7 + z / 9)));
  return (double)e + 2 * s * series * 1.4426950408889634;
}

static inline float mandel_smooth_fraction(double zr, double zi, double cr, double ci) {
  double m2 = zr * zr + zi * zi;
  int k = 0;
  while (m2 <= 65536.0 && k < 64) {
    double t = zr * zi;
    zr = zr * zr - zi * zi + cr;
    zi = t + t + ci;
    m2 = zr * zr + zi * zi;
    k++;
  }
  if (!(m2 < INFINITY)) return 0.0f;
  return (float)((double)(k + 2) - mandel_portable_log2(mandel_portable_log2(m2)));
}

#endif
