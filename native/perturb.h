/* Perturbation for deep views (native/perturb.c): the js kernel's algorithm, in C. */
#ifndef MANDEL_PERTURB_H
#define MANDEL_PERTURB_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const double *zr, *zi;
  int length;
  /* The extended form, or NULL: Z_n = (ext_mr + i·ext_mi) × 2^ext_e. */
  const double *ext_mr, *ext_mi;
  const int32_t *ext_e;
} mandel_reference;

typedef struct {
  const double *ar, *ai, *log_max;
  const int32_t *ae;
  int limit;
} mandel_series;

/* BLA: per level l, blocks j < counts[l] at offsets[l] + j of the flat arrays (src/deep/bla.ts);
   tail[m], one per reference index (tail_length = the orbit's length): the squared radius under
   which a point at m stays inside the escape circle to the orbit's end. */
typedef struct {
  int levels;
  const int32_t *offsets, *counts;
  const double *ar, *ai, *br, *bi, *r2;
  const double *tail;
  int tail_length;
} mandel_bla;

/* isa: "avx512", "avx2", "sse2", "scalar"… ; smooth: NULL, or each point's smooth fraction
   (src/kernels/smooth.ts), indexed as out. */
/* isa: "avx512", "avx2", "sse2", "scalar", or NULL for the widest this CPU has. */
double mandel_perturb(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out, ptrdiff_t offset,
                      ptrdiff_t row_stride, const mandel_reference *ref, int exponent, const mandel_series *series,
                      const mandel_bla *bla, const char *isa, float *smooth);
#endif
