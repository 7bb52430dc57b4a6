/*
 * One update z ← z² + c on 8 lanes, the reference kernel's operations in its order (no FMA):
 * re = (zr·zr − zi·zi) + cr, im = (t + t) + ci with t = zr·zi. Shared by the AVX-512 loops
 * (kernel-avx512.h, bitmap.c); include inside an avx512 target region.
 */
#ifndef MANDEL_STEP_AVX512_H
#define MANDEL_STEP_AVX512_H
#define MANDEL_STEP512(zr, zi, cr, ci)             \
  do {                                             \
    const __m512d t_ = _mm512_mul_pd(zr, zi);      \
    const __m512d a_ = _mm512_mul_pd(zr, zr);      \
    const __m512d b_ = _mm512_mul_pd(zi, zi);      \
    zr = _mm512_add_pd(_mm512_sub_pd(a_, b_), cr); \
    zi = _mm512_add_pd(_mm512_add_pd(t_, t_), ci); \
  } while (0)
#endif
