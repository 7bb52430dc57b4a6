/* The native kernels, one per SIMD width, and run-time selection of the widest the CPU has. */
#ifndef MANDEL_KERNELS_H
#define MANDEL_KERNELS_H
#include <stddef.h>
#include <stdint.h>

typedef double (*mandel_kernel_fn)(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out,
                                    ptrdiff_t offset, ptrdiff_t row_stride, int prune, float *smooth);

typedef struct {
  const char *name;    /* "avx512", "avx2", "sse2" */
  int lanes, vectors;  /* doubles per vector, vectors in flight */
  mandel_kernel_fn fn;
} mandel_isa;

/* Every ISA compiled in, widest first; `supported` says which this CPU runs. */
extern const mandel_isa mandel_isas[];
extern const int mandel_isa_count;
int mandel_isa_supported(const mandel_isa *isa);
const mandel_isa *mandel_best_isa(void);
#endif
