/* The reference orbit in fixed point, bit for bit as src/deep/reference.ts computes it. */
#ifndef MANDEL_ORBIT_H
#define MANDEL_ORBIT_H
#include <stdint.h>

/* 4,096 bits: views down to 1e-1000 need ~3,420 (referenceBits) and a few above the point. */
#define MANDEL_ORBIT_MAX_LIMBS 64

typedef struct {
  int limbs;      /* 64-bit limbs of x, y, cr, ci; products have twice as many */
  int bits;       /* bits after the binary point */
  int narrow;     /* zr = (x >> narrow) × 2^−scale_bits */
  int scale_bits;
  int sx, sy, scr, sci; /* signs: 1 for negative */
  int escaped;
  int length;     /* values stored so far (Z_0 = 0 included) */
  double updates;
  uint64_t x[MANDEL_ORBIT_MAX_LIMBS], y[MANDEL_ORBIT_MAX_LIMBS];
  uint64_t xx[2 * MANDEL_ORBIT_MAX_LIMBS], yy[2 * MANDEL_ORBIT_MAX_LIMBS];
  uint64_t cr[MANDEL_ORBIT_MAX_LIMBS], ci[MANDEL_ORBIT_MAX_LIMBS];
} mandel_orbit_state;

/*
 * Up to `count` updates from the state, storing Z at zr/zi[length…] (and the extended form at
 * mr/mi/ex when mr is not NULL); stops early at the escape. Returns the updates done.
 */
int mandel_orbit_advance(mandel_orbit_state *s, int count, double *zr, double *zi, double *mr, double *mi, int32_t *ex);

#endif
