/* Membership bitmaps (PBM rows): see bitmap.c. */
#ifndef MANDEL_BITMAP_H
#define MANDEL_BITMAP_H
#include <stddef.h>
#include <stdint.h>

/*
 * Sets bit 7 − (col mod 8) of byte out[offset + row·row_bytes + col / 8] where the point
 * re[col] + i·im[row] never escapes within maxiter updates, clears it elsewhere; bytes are
 * written whole (the bits past the last column are 0). With `prune`, points inside the main
 * cardioid or the period-2 bulb are not iterated. `vector`: AVX-512 where the CPU has it,
 * else one point at a time. Returns the z updates performed.
 */
double mandel_bitmap(const double *re, int cols, const double *im, int rows, int maxiter, uint8_t *out, ptrdiff_t offset,
                     ptrdiff_t row_bytes, int prune, int vector);
#endif
