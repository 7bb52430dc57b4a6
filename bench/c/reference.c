/*
 * The machine's reference for bench/kernels.ts: the same SIMD loop as the native addon
 * (native/kernels.c), called from plain C with no Node.js around it. The bench compiles it
 * twice: -march=native (the widest SIMD) and SSE2 only (128-bit vectors, like WebAssembly).
 *   reference ISA REPS PRUNE  →  one line of JSON: times in ms, iterations, sum
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "kernels.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: reference ISA REPS PRUNE\n");
    return 2;
  }
  const mandel_isa *isa = NULL;
  for (int i = 0; i < mandel_isa_count; i++)
    if (strcmp(mandel_isas[i].name, argv[1]) == 0 && mandel_isa_supported(&mandel_isas[i])) isa = &mandel_isas[i];
  if (!isa) {
    fprintf(stderr, "no usable ISA %s\n", argv[1]);
    return 2;
  }
  int reps = atoi(argv[2]), prune = atoi(argv[3]);
  /* The tutorial's grid, --size 1000: repeated addition, top row first. */
  static double re[1000], im[1000];
  int cols = 0, rows = 0;
  double x_step = (0.77 - -2.13) / 1000 * 2, y_step = (-1.3 - 1.3) / 1000 * 2;
  for (double x = -2.13; x < 0.77; x += x_step) re[cols++] = x;
  for (double y = 1.3; y > -1.3; y += y_step) im[rows++] = y;
  int32_t *out = malloc(sizeof(int32_t) * rows * cols);
  printf("{\"isa\":\"%s\",\"times\":[", isa->name);
  double iterations = 0;
  for (int r = 0; r < reps; r++) {
    double start = now_ms();
    iterations = isa->fn(re, cols, im, rows, 1000, out, 0, cols, prune);
    printf("%s%.4f", r ? "," : "", now_ms() - start);
  }
  long long sum = 0;
  for (int i = 0; i < rows * cols; i++) sum += out[i];
  printf("],\"iterations\":%.0f,\"sum\":%lld}\n", iterations, sum);
  free(out);
  return 0;
}
