/**
 * The reference kernel, in plain JavaScript: the tutorial's loop, point for point.
 *
 * Python computes `z = z * z + q` on complex doubles: re = (zr·zr − zi·zi) + cr and
 * im = (zr·zi + zi·zr) + ci. The two products of the imaginary part are the same rounded
 * number, so their sum is `t + t` exactly; we write it that way rather than `2 * zr * zi`
 * to stay exact even where a product is subnormal. zr² and zi² of the escape test are the
 * same products the next update needs, so they are computed once. JavaScript never fuses
 * a multiply and an add, so there is no FMA contraction to guard against here.
 */
import { ESCAPE_BAND_HIGH, ESCAPE_BAND_LOW, escapes } from './escape.js';
import type { Kernel, KernelInput } from './types.js';

/** One point: the index of the iteration after which |z| > 2, or maxiter if it never escapes. */
export function escapeCount(cr: number, ci: number, maxiter: number): number {
  let zr = 0;
  let zi = 0;
  let zr2 = 0;
  let zi2 = 0;
  for (let iteration = 0; iteration < maxiter; iteration++) {
    const t = zr * zi;
    zr = zr2 - zi2 + cr;
    zi = t + t + ci;
    zr2 = zr * zr;
    zi2 = zi * zi;
    const magnitude2 = zr2 + zi2;
    if (magnitude2 > ESCAPE_BAND_LOW && (magnitude2 > ESCAPE_BAND_HIGH || escapes(zr, zi))) return iteration;
  }
  return maxiter;
}

/** Brute force over the chunk; returns the z updates performed. */
function computeBruteForce(input: KernelInput): number {
  const { re, im, maxiter, out, offset, rowStride } = input;
  let iterations = 0;
  for (let row = 0; row < im.length; row++) {
    const ci = im[row]!;
    const base = offset + row * rowStride;
    for (let col = 0; col < re.length; col++) {
      const count = escapeCount(re[col]!, ci, maxiter);
      out[base + col] = count;
      iterations += count < maxiter ? count + 1 : maxiter;
    }
  }
  return iterations;
}

export const jsKernel: Kernel = {
  name: 'js',
  description: 'the reference: plain JavaScript, one point at a time',
  compute: computeBruteForce,
};
