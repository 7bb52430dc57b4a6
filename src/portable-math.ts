/**
 * Functions computed by a fixed sequence of double operations that the C code repeats exactly
 * (native/escape.h, native/bla.c) and the wasm kernel too: Math.log2 and Math.hypot, C's and
 * AssemblyScript's differ in the last bit now and then, and a value that decides a count or a
 * colour must be the same from every kernel and every machine. log2 serves the smooth fraction
 * (kernels/smooth.ts) and the series' skip (deep/series.ts); hypot the BLA table (deep/bla.ts).
 */
const words = new Float64Array(1);
const bits = new Uint32Array(words.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: the high word is second

/** 1/ln 2 */
const LOG2E = 1.4426950408889634;

/**
 * log2(x) for a finite x ≥ 1 (all its users need) by double operations every kernel performs
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

/** 2^-600 and 2^600: scales that keep a square inside doubles' range. */
const SMALL_SCALE = 2 ** -600;
const LARGE_SCALE = 2 ** 600;

/**
 * √(a² + b²) by IEEE operations alone (each correctly rounded, so the same everywhere): the
 * parts scaled by a power of two where a square would overflow or underflow, which changes no
 * rounding. Within an ulp or so of Math.hypot; what matters is that C gets the same bits.
 */
export function portableHypot(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  const m = a > b ? a : b;
  if (m === 0 || m === Infinity) return m;
  const s = m > 2 ** 500 ? SMALL_SCALE : m < 2 ** -500 ? LARGE_SCALE : 1;
  const x = a * s;
  const y = b * s;
  return Math.sqrt(x * x + y * y) / s;
}

/** 2^k, exactly (0 below doubles' range, Infinity above), as the C code's pow2. */
export function pow2(k: number): number {
  if (k < -1074) return 0;
  if (k > 1023) return Infinity;
  return 2 ** k;
}
