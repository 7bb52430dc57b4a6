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

/** |z|² past which the fraction is taken: |z| > 256. */
export const SMOOTH_RADIUS2 = 65536;
/** The most extra updates: none needs more than a few (|z| at least squares each time past 2 + |c|). */
const SMOOTH_MAX_STEPS = 64;

const words = new Float64Array(1);
const bits = new Uint32Array(words.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: the high word is second

/** 1/ln 2 */
const LOG2E = 1.4426950408889634;

/**
 * log2(x) for a finite x ≥ 1 (all this module needs) by double operations every kernel performs
 * alike: x = m · 2^e with m in [√½, √2); ln m = 2 atanh(s), s = (m − 1)/(m + 1), by its series to
 * s⁹ (|s| ≤ 0.172: the next term is under 4e-10 of ln m). Enough: the fraction is kept as a
 * float32, and a colour needs far less; each further term cost every escaping point time.
 */
export function portableLog2(x: number): number {
  words[0] = x;
  const high = bits[HIGH]!;
  let e = ((high >>> 20) & 0x7ff) - 1023;
  bits[HIGH] = (high & 0x800fffff) | 0x3ff00000; // the mantissa, scaled into [1, 2)
  let m = words[0]!;
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    e = e + 1;
  }
  const s = (m - 1) / (m + 1);
  const z = s * s;
  const series = 1 + z * (1 / 3 + z * (1 / 5 + z * (1 / 7 + z / 9)));
  return e + 2 * s * series * LOG2E;
}

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
