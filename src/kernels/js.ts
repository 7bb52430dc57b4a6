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
import { computePerturbedChunk } from './perturbation.js';
import { smoothFraction } from './smooth.js';
import type { Kernel, KernelInput } from './types.js';

/** z just past 2 for the point escapeCount or escapeCountPruned counted last (smooth colouring). */
let escapedRe = 0;
let escapedIm = 0;

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
    if (magnitude2 > ESCAPE_BAND_LOW && (magnitude2 > ESCAPE_BAND_HIGH || escapes(zr, zi))) {
      escapedRe = zr;
      escapedIm = zi;
      return iteration;
    }
  }
  return maxiter;
}

/**
 * Points inside the main cardioid or the period-2 bulb never escape. The closed-form tests
 * carry a margin far wider than their rounding, so a point near a boundary is never
 * skipped: it is iterated as brute force would, and caught by cycle detection or maxiter.
 */
export function knownInside(x: number, y: number): boolean {
  const xq = x - 0.25;
  const y2 = y * y;
  const q = xq * xq + y2;
  if (q * (q + xq) < 0.25 * y2 - 1e-9) return true;
  const xb = x + 1;
  return xb * xb + y2 < 0.0625 - 1e-9;
}

/**
 * escapeCount with exact cycle detection (Brent): z is compared with a saved z, saved again
 * at doubling intervals. An orbit that returns to exactly the same doubles is periodic, so
 * it never escapes: the count is maxiter, as brute force would find. Returns the count and,
 * through `performed`, the z updates actually done.
 */
function escapeCountPruned(cr: number, ci: number, maxiter: number, performed: { iterations: number }): number {
  let zr = 0;
  let zi = 0;
  let zr2 = 0;
  let zi2 = 0;
  let savedR = 0;
  let savedI = 0;
  let interval = 1;
  let sinceSave = 0;
  for (let iteration = 0; iteration < maxiter; iteration++) {
    const t = zr * zi;
    zr = zr2 - zi2 + cr;
    zi = t + t + ci;
    zr2 = zr * zr;
    zi2 = zi * zi;
    const magnitude2 = zr2 + zi2;
    if (magnitude2 > ESCAPE_BAND_LOW && (magnitude2 > ESCAPE_BAND_HIGH || escapes(zr, zi))) {
      performed.iterations += iteration + 1;
      escapedRe = zr;
      escapedIm = zi;
      return iteration;
    }
    if (zr === savedR && zi === savedI) {
      performed.iterations += iteration + 1;
      return maxiter;
    }
    if (++sinceSave === interval) {
      savedR = zr;
      savedI = zi;
      interval *= 2;
      sinceSave = 0;
    }
  }
  performed.iterations += maxiter;
  return maxiter;
}

/** Every point of the chunk; returns the z updates performed. */
function compute(input: KernelInput): number {
  const { re, im, maxiter, out, offset, rowStride, prune, smooth } = input;
  let iterations = 0;
  const performed = { iterations: 0 };
  for (let row = 0; row < im.length; row++) {
    const ci = im[row]!;
    const base = offset + row * rowStride;
    for (let col = 0; col < re.length; col++) {
      const cr = re[col]!;
      let count: number;
      if (prune) {
        count = knownInside(cr, ci) ? maxiter : escapeCountPruned(cr, ci, maxiter, performed);
      } else {
        count = escapeCount(cr, ci, maxiter);
        iterations += count < maxiter ? count + 1 : maxiter;
      }
      out[base + col] = count;
      if (smooth) smooth[base + col] = count < maxiter ? smoothFraction(escapedRe, escapedIm, cr, ci) : 0;
    }
  }
  return iterations + performed.iterations;
}

export const jsKernel: Kernel = {
  name: 'js',
  description: 'the reference: plain JavaScript, one point at a time',
  compute,
  computeDeep: computePerturbedChunk,
};
