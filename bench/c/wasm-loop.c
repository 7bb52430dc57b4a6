/*
 * The wasm kernel's brute-force loop (bruteRow in assembly/mandel.ts, written by
 * scripts/gen-wasm-kernel.py), ported to C with GCC vector extensions, for bench/kernels.ts:
 * it is built with the 128-bit flags and linked with reference.c, so "wasm ÷ C" can also be
 * read for the very same loop, not only against native/kernel-body.h's groups of 8 points.
 *
 * 5 vectors of 2 points in flight along a row; a vector takes the next 2 points as soon as
 * both of its own are done. Blocks of 12 iterations with one escape test at the end; when a
 * lane was flagged, only the flagged vectors re-run the block one step at a time with the
 * exact test, until every flagged lane is resolved, and the others keep the block's end state.
 * Brute force only: the pruned path of the wasm kernel is kernel-body.h's group loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include "escape.h"
#include "kernels.h"

typedef double vd2 __attribute__((vector_size(16)));
typedef long long vl2 __attribute__((vector_size(16)));
#define V 5
#define BLOCK 12 /* iterations between escape tests, as the generator's BLOCK */
#define IDLE (-0x40000000) /* the iteration count of an idle vector: stays far below maxiter − BLOCK */

static double brute_rows(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out, ptrdiff_t offset,
                         ptrdiff_t row_stride) {
  const vd2 low = MANDEL_BAND_LOW - (vd2){0}, high = MANDEL_BAND_HIGH - (vd2){0};
  const int lim = maxiter - BLOCK; /* a vector past this has fewer than BLOCK iterations left */
  double total = 0;
  for (int row = 0; row < rows; row++) {
    const vd2 civ = im[row] - (vd2){0};
    int32_t *line = out + offset + (ptrdiff_t)row * row_stride;
    for (int col = 0; col < cols; col++) line[col] = maxiter;
    vd2 zr[V], zi[V], cr[V];
    vl2 act[V];
    int it[V];
    int32_t *dst[V];
    int col = 0, live = V;
#define FILL(v)                                          \
  do {                                                   \
    if (col < cols) {                                    \
      int two = cols - col >= 2;                         \
      cr[v] = (vd2){re[col], two ? re[col + 1] : 0.0};   \
      act[v] = (vl2){-1, two ? -1 : 0};                  \
      dst[v] = line + col;                               \
      col += 2;                                          \
      it[v] = 0;                                         \
    } else {                                             \
      cr[v] = (vd2){0};                                  \
      act[v] = (vl2){0};                                 \
      it[v] = IDLE;                                      \
      live--;                                            \
    }                                                    \
    zr[v] = zi[v] = (vd2){0};                            \
  } while (0)
    for (int v = 0; v < V; v++) FILL(v);
    while (live > 0) {
      int due = 0;
      for (int v = 0; v < V; v++) due |= it[v] > lim;
      if (due) {
        /* The last iterations before maxiter one at a time; lanes still running end at maxiter. */
        for (int v = 0; v < V; v++) {
          if (it[v] <= lim) continue;
          for (int k = 0; k < maxiter - it[v]; k++) {
            vd2 t = zr[v] * zi[v];
            zr[v] = zr[v] * zr[v] - zi[v] * zi[v] + cr[v];
            zi[v] = t + t + civ;
            vd2 m2 = zr[v] * zr[v] + zi[v] * zi[v];
            for (int l = 0; l < 2; l++) {
              if (act[v][l] && m2[l] > low[l] && mandel_escaped(zr[v][l], zi[v][l], m2[l])) {
                dst[v][l] = it[v] + k;
                total += it[v] + k + 1;
                act[v][l] = 0;
              }
            }
          }
          total += (double)maxiter * ((act[v][0] != 0) + (act[v][1] != 0));
          FILL(v);
        }
        continue;
      }
      vd2 szr[V], szi[V];
      for (int v = 0; v < V; v++) {
        szr[v] = zr[v];
        szi[v] = zi[v];
      }
      for (int k = 0; k < BLOCK; k++) {
        for (int v = 0; v < V; v++) {
          vd2 a = zr[v] * zr[v], b = zi[v] * zi[v], t = zr[v] * zi[v];
          zr[v] = a - b + cr[v];
          zi[v] = t + t + civ;
        }
      }
      vl2 pend[V], any = (vl2){0};
      for (int v = 0; v < V; v++) {
        it[v] += BLOCK;
        pend[v] = act[v] & ~(vl2)(zr[v] * zr[v] + zi[v] * zi[v] <= low);
        any |= pend[v];
      }
      if (!(any[0] | any[1])) continue;
      int pending = 0, had[V]; /* had: may run out of points here (an idle vector has no lane to flag) */
      vd2 ezr[V], ezi[V];
      for (int v = 0; v < V; v++) {
        had[v] = (pend[v][0] | pend[v][1]) != 0;
        pending += (pend[v][0] != 0) + (pend[v][1] != 0);
        ezr[v] = zr[v];
        ezi[v] = zi[v];
        zr[v] = szr[v];
        zi[v] = szi[v];
      }
      for (int k = 0; k < BLOCK && pending > 0; k++) {
        for (int v = 0; v < V; v++) {
          if (!(pend[v][0] | pend[v][1])) continue;
          vd2 t = zr[v] * zi[v];
          zr[v] = zr[v] * zr[v] - zi[v] * zi[v] + cr[v];
          zi[v] = t + t + civ;
          vd2 m2 = zr[v] * zr[v] + zi[v] * zi[v];
          vl2 esc = (vl2)(m2 > high) & pend[v];
          vl2 band = (vl2)(m2 > low) & (vl2)(m2 <= high) & pend[v];
          if (band[0] | band[1]) {
            for (int l = 0; l < 2; l++) {
              if (band[l] && mandel_hypot(zr[v][l], zi[v][l]) > 2.0) esc[l] = -1;
            }
          }
          int count = it[v] - BLOCK + k, n = (esc[0] != 0) + (esc[1] != 0);
          if (esc[0]) dst[v][0] = count;
          if (esc[1]) dst[v][1] = count;
          total += (double)(count + 1) * n;
          pending -= n;
          act[v] &= ~esc;
          pend[v] &= ~esc;
        }
      }
      for (int v = 0; v < V; v++) {
        zr[v] = ezr[v];
        zi[v] = ezi[v];
        if (had[v] && !(act[v][0] | act[v][1])) FILL(v);
      }
    }
#undef FILL
  }
  return total;
}

static double kernel_wasm_loop(const double *re, int cols, const double *im, int rows, int maxiter, int32_t *out, ptrdiff_t offset,
                               ptrdiff_t row_stride, int prune) {
  if (prune) {
    fprintf(stderr, "wasm-loop.c: brute force only\n");
    exit(2);
  }
  return brute_rows(re, cols, im, rows, maxiter, out, offset, row_stride);
}

/* What reference.c looks up: one "ISA", under the name the 128-bit build asks for. */
const mandel_isa mandel_isas[] = {{"sse2", 2, V, kernel_wasm_loop}};
const int mandel_isa_count = 1;
int mandel_isa_supported(const mandel_isa *isa) {
  (void)isa;
  return 1;
}
