/**
 * Smooth (continuous) colouring: the fraction that, added to a point's exact escape count n,
 * gives its continuous count μ, so colours vary without steps from one count to the next.
 *
 * A count n says |z| passed 2 at update n. From that z, the update z ← z² + c is carried on
 * (k more times) until |z| > 256 — the colour's escape radius: past it z² dominates c, and
 * log2 log2 |z| grows by almost exactly 1 an update — and then
 *
 *   μ = n + k + 1 − log2(log2 |z|),   fraction = μ − n = k + 2 − log2(log2 |z|²)
 *
 * which lies in about (0, 1]: 1 for a z just past 2, and less the further past 2 it landed.
 * Counts are not touched: the fraction is an extra output, 0 for points that never escape.
 *
 * The same fraction from every kernel, bit for bit: the extra updates are the kernels' own
 * double arithmetic (no fused multiply-add), and log2 is computed here by a fixed sequence of
 * double operations (portableLog2) that native/escape.h and the wasm kernel repeat exactly,
 * where Math.log2, C's log2 and AssemblyScript's differ in the last bit now and then.
 */
import { portableLog2 } from '../portable-math.js';

export { portableLog2 } from '../portable-math.js';

/** |z|² past which the fraction is taken: |z| > 256. */
export const SMOOTH_RADIUS2 = 65536;
/** The most extra updates: none needs more than a few (|z| at least squares each time past 2 + |c|). */
const SMOOTH_MAX_STEPS = 64;

/** The fraction μ − n for a point c whose z escaped (|z| > 2) at its count n. */
export function smoothFraction(zr: number, zi: number, cr: number, ci: number): number {
  let m2 = zr * zr + zi * zi;
  let k = 0;
  while (m2 <= SMOOTH_RADIUS2 && k < SMOOTH_MAX_STEPS) {
    const t = zr * zi;
    zr = zr * zr - zi * zi + cr;
    zi = t + t + ci;
    m2 = zr * zr + zi * zi;
    k++;
  }
  // An orbit that overflowed (c far outside) has no finite |z|: its fraction is 0.
  if (!(m2 < Infinity)) return 0;
  return k + 2 - portableLog2(portableLog2(m2));
}
