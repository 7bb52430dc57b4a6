/* The BLA table's blocks and radii (src/deep/bla.ts, which says why): the same double
   operations in the same order, so the table is the js one bit for bit. */
#ifndef MANDEL_BLA_H
#define MANDEL_BLA_H
#include <stdint.h>

/* Level by level: A, B of every block, |A|, |B|·|dc|max, 2 − |Z| at its middle; |Z_m| for all m.
   counts/offsets: the levels' block counts and where each level starts in the flat arrays. */
void mandel_bla_blocks(const double *zr, const double *zi, int length, double dc_offset, int dc_exponent, int levels,
                       const int32_t *counts, const int32_t *offsets, double *ar, double *ai, double *br, double *bi,
                       double *abs_a, double *bdc, double *inside, double *abs_z);

/* The squared radii of every block at this epsilon, and the tail's (one per reference index). */
void mandel_bla_radii(int levels, const int32_t *counts, const int32_t *offsets, const double *abs_a, const double *bdc,
                      const double *inside, double epsilon, double *r2, const double *abs_z, int length, double dc,
                      double *tail);
#endif
