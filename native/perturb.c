/*
 * Perturbation in C: the same algorithm as src/deep/perturbation.ts, operation for
 * operation (no fused multiply-add, the same order), so the native and js kernels give the
 * same counts for a deep view. See that file for the why of every step; this one only says
 * where C differs: 2^k and the exponent of a mantissa come from a double's bits (ldexp and
 * frexp for subnormals), exact where JavaScript needs floor(log2(x)); either way the scaling
 * is by a power of two, which changes no rounding. (ldexp and frexp for every one cost ~5 ns
 * each, several a point and an update in the extended loop.)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include "perturb.h"
#include "exact.h"
#include "cancel.h"
#include "escape.h"

#define DOUBLE_DC_FROM (-1000)
#define DOUBLE_FROM (-460)
#define SMALL_LOG2 (-64)

/* The series' skip for a point: the bisection over log_max (which never decreases) for the
   first n of 1 … limit − 1 with log_max[n] >= bound, or limit. *hint holds the last point's
   answer, checked first: neighbouring points have nearly the same |dc|, so it is nearly always
   theirs too, and checking it costs two loads where the bisection costs a dozen mispredicted
   branches (half the time of a quick point's set-up, measured). Any hint is safe. */
static int skip_to(const mandel_series *s, double cr, double ci, int ce, int *hint) {
  /* log2 |c| as series.ts computes it, bit for bit: the portable log2 of |c|². */
  double r2 = cr * cr + ci * ci;
  double bound = r2 == 0 ? INFINITY : SMALL_LOG2 - (0.5 * mandel_portable_log2(r2) + ce);
  int lo = *hint;
  if (!(lo >= 1 && lo <= s->limit && (lo == s->limit || s->log_max[lo] >= bound) && (lo == 1 || s->log_max[lo - 1] < bound))) {
    lo = 1;
    int hi = s->limit;
    while (lo < hi) {
      int mid = (lo + hi) >> 1;
      if (s->log_max[mid] >= bound) hi = mid;
      else lo = mid + 1;
    }
    *hint = lo;
  }
  int at = lo - 1 < s->limit - 1 ? lo - 1 : s->limit - 1;
  return at > 1 ? at : 1;
}

typedef struct {
  int count;
  double updates;
  double er, ei; /* z = Z_m + δ where it escaped, for the smooth fraction */
} counted;

/* What bla_block answers for a point under the tail's radius: it stays inside to maxiter. */
#define STAYS_INSIDE (-2)

/* The entry of the longest BLA block from m (levels >= 1) that ends before maxiter and whose
   radius d2 is under, or -1; its length in *length. STAYS_INSIDE where the point, under the
   tail's radius, stays inside to the orbit's end and that end is maxiter or past it for the
   point (at iteration n >= m). As blaBlock in perturbation.ts. */
static inline int bla_block(const mandel_bla *bla, int m, int n, int maxiter, double d2, int *length) {
  if (d2 < bla->tail[m] && (double)n + (double)(bla->tail_length - 1 - m) >= (double)maxiter) return STAYS_INSIDE;
  int aligned = m - 1 == 0 ? bla->levels - 1 : __builtin_ctz((unsigned)(m - 1));
  for (int l = aligned < bla->levels - 1 ? aligned : bla->levels - 1; l >= 1; l--) {
    int j = (m - 1) >> l;
    int k = 1 << l;
    if (j >= bla->counts[l] || n + k > maxiter) continue;
    int e = bla->offsets[l] + j;
    if (d2 < bla->r2[e]) {
      *length = k;
      return e;
    }
  }
  return -1;
}

/* δ = (xr + i·xi) as mantissas in [1, 2) × 2^de, for the extended form (0 at dc's exponent). */
static inline void to_extended(double xr, double xi, int ce, double *dr, double *di, int *de) {
  double size = fmax(fabs(xr), fabs(xi));
  int k = size == 0 ? ce : exponent_of(size);
  *dr = size == 0 ? 0 : xr * pow2(-k);
  *di = size == 0 ? 0 : xi * pow2(-k);
  *de = k;
}

static counted iterate_double(double dcr, double dci, const double *zr, const double *zi, int last, int maxiter, int n, int m,
                              double dr, double di, double updates, const mandel_bla *bla) {
  counted out = {0, 0, 0, 0};
  unsigned steps = 0;
  for (;;) {
    /* A point can take maxiter updates (10^6 and more): a cancelled call stops inside it too. */
    if ((++steps & 4095) == 0 && mandel_cancelled()) {
      out.count = n;
      break;
    }
    double xr = zr[m] + dr;
    double xi = zi[m] + di;
    double z2 = xr * xr + xi * xi;
    if (z2 > 4) {
      out.count = n;
      out.er = xr;
      out.ei = xi;
      break;
    }
    if (z2 < dr * dr + di * di || m == last) {
      dr = xr;
      di = xi;
      m = 0;
    }
    if (++n >= maxiter) {
      out.count = maxiter;
      break;
    }
    if (bla && m > 0) {
      int k;
      int e = bla_block(bla, m, n, maxiter, dr * dr + di * di, &k);
      if (e == STAYS_INSIDE) {
        out.count = maxiter;
        updates++;
        break;
      }
      if (e >= 0) {
        double nr = bla->ar[e] * dr - bla->ai[e] * di + (bla->br[e] * dcr - bla->bi[e] * dci);
        di = bla->ar[e] * di + bla->ai[e] * dr + (bla->br[e] * dci + bla->bi[e] * dcr);
        dr = nr;
        m += k;
        n += k - 1;
        updates++;
        continue;
      }
    }
    double ar = 2 * zr[m] + dr;
    double ai = 2 * zi[m] + di;
    double nr = ar * dr - ai * di + dcr;
    di = ar * di + ai * dr + dci;
    dr = nr;
    m++;
    updates++;
  }
  out.updates = updates;
  return out;
}

static counted iterate_extended(double cr, double ci, int ce, const mandel_reference *ref, int maxiter, int n, int m, double dr0,
                                double di0, int de0, double updates0, const mandel_bla *bla) {
  const double *zr = ref->zr, *zi = ref->zi;
  const int last = ref->length - 1;
  counted out = {0, 0, 0, 0};
  double big0 = fmax(fabs(dr0), fabs(di0));
  int k0 = big0 == 0 ? 0 : exponent_of(big0);
  double dr = dr0 * pow2(-k0), di = di0 * pow2(-k0);
  int de = de0 + k0;
  double updates = updates0;
  int small = de <= DOUBLE_FROM;
  if (!small) {
    dr *= pow2(de);
    di *= pow2(de);
  }
  unsigned steps = 0;
  for (;;) {
    if ((++steps & 4095) == 0 && mandel_cancelled()) {
      out.count = n;
      break;
    }
    if (small) {
      double xr = zr[m], xi = zi[m];
      if (xr * xr + xi * xi > 4) {
        out.count = n;
        out.er = xr;
        out.ei = xi;
        break;
      }
      if (m == last) {
        dr = xr;
        di = xi;
        m = 0;
        small = 0;
        continue;
      }
      int ze = ref->ext_e ? ref->ext_e[m] : 0;
      if (ref->ext_e && m > 0 && ze <= de + 3) {
        int top = ze > de ? ze : de;
        double sz = pow2(ze - top), sd = pow2(de - top);
        double wr = ref->ext_mr[m] * sz + dr * sd;
        double wi = ref->ext_mi[m] * sz + di * sd;
        double ur = dr * sd, ui = di * sd;
        if (wr * wr + wi * wi < ur * ur + ui * ui) {
          int k = wr == 0 && wi == 0 ? 0 : exponent_of(fmax(fabs(wr), fabs(wi)));
          dr = wr * pow2(-k);
          di = wi * pow2(-k);
          de = top + k;
          m = 0;
        }
      }
      if (++n >= maxiter) {
        out.count = maxiter;
        break;
      }
      /* A BLA block from here, as in perturbation.ts: |δ|² < 2^(2de+3). */
      int k_bla = 0;
      int e = bla && m > 0 ? bla_block(bla, m, n, maxiter, pow2(2 * de + 3), &k_bla) : -1;
      if (e == STAYS_INSIDE) {
        out.count = maxiter;
        updates++;
        break;
      }
      double nr, ni;
      if (e >= 0) {
        double shift_c = pow2(ce - de);
        nr = bla->ar[e] * dr - bla->ai[e] * di + (bla->br[e] * cr - bla->bi[e] * ci) * shift_c;
        ni = bla->ar[e] * di + bla->ai[e] * dr + (bla->br[e] * ci + bla->bi[e] * cr) * shift_c;
        m += k_bla;
        n += k_bla - 1;
      } else {
        double square = pow2(de);
        double shift_c = pow2(ce - de);
        nr = 2 * (xr * dr - xi * di) + (dr * dr - di * di) * square + cr * shift_c;
        ni = 2 * (xr * di + xi * dr) + 2 * dr * di * square + ci * shift_c;
        m++;
      }
      updates++;
      double big = fmax(fabs(nr), fabs(ni));
      if (big == 0) {
        dr = 0;
        di = 0;
        de = ce;
        continue;
      }
      int k = exponent_of(big);
      dr = nr * pow2(-k);
      di = ni * pow2(-k);
      de += k;
      if (de > DOUBLE_FROM) {
        dr *= pow2(de);
        di *= pow2(de);
        small = 0;
      }
    } else {
      double xr = zr[m] + dr, xi = zi[m] + di;
      double z2 = xr * xr + xi * xi;
      if (z2 > 4) {
        out.count = n;
        out.er = xr;
        out.ei = xi;
        break;
      }
      double d2 = dr * dr + di * di;
      if (d2 < 0x1p-940) {
        to_extended(dr, di, ce, &dr, &di, &de);
        small = 1;
        continue;
      }
      if (d2 < 0x1p-1000) {
        double a = xr * 0x1p600, b = xi * 0x1p600, c = dr * 0x1p600, d = di * 0x1p600;
        z2 = a * a + b * b;
        d2 = c * c + d * d;
      }
      if (z2 < d2 || m == last) {
        dr = xr;
        di = xi;
        m = 0;
        if (fmax(fabs(xr), fabs(xi)) < 0x1p-470) {
          to_extended(xr, xi, ce, &dr, &di, &de);
          small = 1;
          continue;
        }
      }
      if (++n >= maxiter) {
        out.count = maxiter;
        break;
      }
      if (bla && m > 0) {
        int k;
        int e = bla_block(bla, m, n, maxiter, dr * dr + di * di, &k);
        if (e == STAYS_INSIDE) {
          out.count = maxiter;
          updates++;
          break;
        }
        if (e >= 0) {
          double nr = bla->ar[e] * dr - bla->ai[e] * di;
          di = bla->ar[e] * di + bla->ai[e] * dr;
          dr = nr;
          m += k;
          n += k - 1;
          updates++;
          continue;
        }
      }
      double ar = 2 * zr[m] + dr, ai = 2 * zi[m] + di;
      double nr = ar * dr - ai * di;
      di = ar * di + ai * dr;
      dr = nr;
      m++;
      updates++;
    }
  }
  out.updates = updates;
  return out;
}

/* Where a point's loop starts: after the series' skip, or at index 1 when the BLA block from
   there reaches further (startIndex in perturbation.ts, which says why; the same steps). */
static int start_index(const mandel_series *series, const mandel_bla *bla, double cr, double ci, int exponent, double unit,
                       int double_dc, int maxiter, int *hint) {
  if (!bla) return series ? skip_to(series, cr, ci, exponent, hint) : 1;
  double d2;
  if (double_dc) {
    double dr = cr * unit, di = ci * unit;
    d2 = dr * dr + di * di;
  } else {
    double big = fmax(fabs(cr), fabs(ci));
    if (big == 0) return series ? skip_to(series, cr, ci, exponent, hint) : 1;
    d2 = pow2(2 * (exponent + exponent_of(big)) + 3);
  }
  int k;
  int e = bla_block(bla, 1, 1, maxiter, d2, &k);
  /* Under the tail from index 1, the point is done in one step there: no skip to look up. */
  if (e == STAYS_INSIDE) return 1;
  int s = series ? skip_to(series, cr, ci, exponent, hint) : 1;
  return s > 1 && e >= 0 && 1 + k > s ? 1 : s;
}

/* A point's smooth fraction: c past |z| = 2 is the centre's (Z_1), dc being far below its last bit. */
static inline float mandel_perturb_smooth(const mandel_reference *ref, counted point, int maxiter) {
  return point.count < maxiter ? mandel_smooth_fraction(point.er, point.ei, ref->zr[1], ref->zi[1]) : 0.0f;
}

double mandel_perturb_scalar(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out, ptrdiff_t offset,
                             ptrdiff_t row_stride, const mandel_reference *ref, int exponent, const mandel_series *series,
                             const mandel_bla *bla, float *smooth) {
  const int last = ref->length - 1;
  const int double_dc = exponent >= DOUBLE_DC_FROM;
  const double unit = pow2(exponent);
  double updates = 0;
  int hint = 1;
  for (int row = 0; row < rows; row++) {
    for (int col = 0; col < cols; col++) {
      if (mandel_cancelled()) return updates; /* one point at a time: at most maxiter updates late */
      double cr = re[col], ci = im[row];
      int s = start_index(series, bla, cr, ci, exponent, unit, double_dc, maxiter, &hint);
      int skipped = s > 1;
      double ar = skipped ? series->ar[s] : 1, ai = skipped ? series->ai[s] : 0;
      double tr = ar * cr - ai * ci, ti = ar * ci + ai * cr;
      int te = (skipped ? series->ae[s] : 0) + exponent;
      counted point;
      if (double_dc) {
        double scale = pow2(te);
        point = iterate_double(cr * unit, ci * unit, ref->zr, ref->zi, last, maxiter, s - 1, s, tr * scale, ti * scale, 1, bla);
      } else {
        point = iterate_extended(cr, ci, exponent, ref, maxiter, s - 1, s, tr, ti, te, 1, bla);
      }
      out[offset + row * row_stride + col] = point.count;
      if (smooth) smooth[offset + row * row_stride + col] = mandel_perturb_smooth(ref, point, maxiter);
      updates += point.updates;
    }
  }
  return updates;
}

/* The SIMD versions: lanes of points side by side, each lane refilled with the next point as
   soon as its point is done (perturb-body.h). */
typedef double pvd2 __attribute__((vector_size(16)));
typedef long long pvl2 __attribute__((vector_size(16)));
typedef double pvd4 __attribute__((vector_size(32)));
typedef long long pvl4 __attribute__((vector_size(32)));

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,no-fma")
#include "perturb-avx512.h"
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,no-fma")
#define PERTURB_NAME perturb_avx2
#define LANES 4
#define VECTORS 2
#define VD pvd4
#define VL pvl4
#include "perturb-body.h"
#undef PERTURB_NAME
#undef LANES
#undef VECTORS
#undef VD
#undef VL
#pragma GCC pop_options
#endif

#define PERTURB_NAME perturb_sse2
#define LANES 2
#define VECTORS 2
#define VD pvd2
#define VL pvl2
#include "perturb-body.h"
#undef PERTURB_NAME
#undef LANES
#undef VECTORS
#undef VD
#undef VL

double mandel_perturb(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out, ptrdiff_t offset,
                      ptrdiff_t row_stride, const mandel_reference *ref, int exponent, const mandel_series *series,
                      const mandel_bla *bla, const char *isa, float *smooth) {
  /* Blocks of different lengths per lane would leave the lanes out of step: BLA runs point by point. */
  if (bla || (isa && strcmp(isa, "scalar") == 0))
    return mandel_perturb_scalar(re, cols, im, rows, maxiter, out, offset, row_stride, ref, exponent, series, bla, smooth);
#if defined(__x86_64__)
  __builtin_cpu_init();
  if ((!isa || strcmp(isa, "avx512") == 0) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return perturb_avx512(re, cols, im, rows, maxiter, out, offset, row_stride, ref, exponent, series, smooth);
  if ((!isa || strcmp(isa, "avx2") == 0 || strcmp(isa, "avx512") == 0) && __builtin_cpu_supports("avx2"))
    return perturb_avx2(re, cols, im, rows, maxiter, out, offset, row_stride, ref, exponent, series, smooth);
#endif
  return perturb_sse2(re, cols, im, rows, maxiter, out, offset, row_stride, ref, exponent, series, smooth);
}
