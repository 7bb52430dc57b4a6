/*
 * The kernel body compiled for three SIMD widths in one file. Each width is its own
 * function under `#pragma GCC target`, so the file builds for any x86-64 CPU and the widest
 * supported function is chosen at run time (a -march=native build would crash elsewhere).
 * Built with -ffp-contract=off: a fused multiply-add would change the counts.
 */
#include "kernels.h"
#include "escape.h"
#include "cancel.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define MANDEL_X86 1
#endif

typedef double vd2 __attribute__((vector_size(16)));
typedef long long vl2 __attribute__((vector_size(16)));
typedef double vd4 __attribute__((vector_size(32)));
typedef long long vl4 __attribute__((vector_size(32)));

#ifdef MANDEL_X86
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,no-fma")
typedef double vd8 __attribute__((vector_size(64)));
typedef long long vl8 __attribute__((vector_size(64)));
#define KERNEL_NAME kernel_avx512_generic
#define GROUP_NAME group_avx512
#define SMOOTH_NAME smooth_avx512
#define SMOOTH_LOG2 smooth_log2_avx512
#define LANES 8
#define VECTORS 4
#define VD vd8
#define VL vl8
#include "kernel-body.h"
#undef KERNEL_NAME
#undef GROUP_NAME
#undef SMOOTH_NAME
#undef SMOOTH_LOG2
#undef LANES
#undef VECTORS
#undef VD
#undef VL
#include <immintrin.h>
#include "kernel-avx512.h"

/* Brute force by kernel-avx512.h; pruning (cycle detection per group) by the generic body. */
static double kernel_avx512(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out, ptrdiff_t offset,
                            ptrdiff_t row_stride, int prune, float *smooth) {
  if (prune) return kernel_avx512_generic(re, cols, im, rows, maxiter, out, offset, row_stride, prune, smooth);
  return kernel_avx512_brute(re, cols, im, rows, maxiter, out, offset, row_stride, smooth);
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,no-fma")
#define KERNEL_NAME kernel_avx2
#define GROUP_NAME group_avx2
#define SMOOTH_NAME smooth_avx2
#define SMOOTH_LOG2 smooth_log2_avx2
#define LANES 4
#define VECTORS 4
#define VD vd4
#define VL vl4
#include "kernel-body.h"
#undef KERNEL_NAME
#undef GROUP_NAME
#undef SMOOTH_NAME
#undef SMOOTH_LOG2
#undef LANES
#undef VECTORS
#undef VD
#undef VL
#pragma GCC pop_options
#endif

/* The baseline: 128-bit vectors, SSE2 on x86-64, whatever the compiler maps them to elsewhere. */
#define KERNEL_NAME kernel_sse2
#define GROUP_NAME group_sse2
#define SMOOTH_NAME smooth_sse2
#define SMOOTH_LOG2 smooth_log2_sse2
#define LANES 2
#define VECTORS 4
#define VD vd2
#define VL vl2
#include "kernel-body.h"
#undef KERNEL_NAME
#undef GROUP_NAME
#undef SMOOTH_NAME
#undef SMOOTH_LOG2
#undef LANES
#undef VECTORS
#undef VD
#undef VL

const mandel_isa mandel_isas[] = {
#ifdef MANDEL_X86
    {"avx512", 8, 4, kernel_avx512},
    {"avx2", 4, 4, kernel_avx2},
#endif
    {"sse2", 2, 4, kernel_sse2},
};
const int mandel_isa_count = sizeof(mandel_isas) / sizeof(mandel_isas[0]);

int mandel_isa_supported(const mandel_isa *isa) {
#ifdef MANDEL_X86
  __builtin_cpu_init();
  if (strcmp(isa->name, "avx512") == 0) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
  if (strcmp(isa->name, "avx2") == 0) return __builtin_cpu_supports("avx2");
#endif
  return 1;
}

const mandel_isa *mandel_best_isa(void) {
  for (int i = 0; i < mandel_isa_count; i++) {
    if (mandel_isa_supported(&mandel_isas[i])) return &mandel_isas[i];
  }
  return &mandel_isas[mandel_isa_count - 1];
}
