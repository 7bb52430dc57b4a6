/**
 * The escape test, exactly as the tutorial's Python decides it: `abs(z) > 2.0`.
 *
 * CPython's complex `abs` is C's `hypot(re, im)` from the platform's libm. On glibc ≥ 2.35
 * (Debian 12, Ubuntu 22.04 and later) that is Borges' corrected algorithm ("An Improved
 * Algorithm for hypot(a, b)", 2019): a square root of the rounded sum of squares, then one
 * correction step. It is accurate to under one ulp but *not* correctly rounded: just above
 * |z| = 2 + 2^-52 (the midpoint between 2 and the next double) it sometimes returns 2.0,
 * where the exact answer rounds up. Neither `x*x + y*y > 4` nor an exact test reproduces
 * those points; only the same sequence of double operations does, so `libmHypot` below
 * performs them one by one (JavaScript never contracts them into FMAs, as glibc's generic
 * x86-64 build does not either; `sqrt` is correctly rounded in both).
 *
 * Kernels use the fast sum `re*re + im*im` everywhere and call `escapes` only inside
 * ESCAPE_BAND_LOW..HIGH. The band (±2^-45 around 4) is far wider than the error of either
 * computation (a few 2^-52), so outside it the fast answer is provably Python's answer;
 * inside it (a handful of points per million) the cost does not matter.
 */

export const ESCAPE_BAND_LOW = 4 - 2 ** -45;
export const ESCAPE_BAND_HIGH = 4 + 2 ** -45;

const SCALE = 2 ** -600;
const LARGE = 2 ** 511;
const TINY = 2 ** -459;
const EPS = 2 ** -54;

/** sqrt(ax² + ay²) for ax ≥ ay ≥ 0 whose squares neither overflow nor underflow. */
function correctedHypot(ax: number, ay: number): number {
  const h = Math.sqrt(ax * ax + ay * ay);
  let t1: number;
  let t2: number;
  if (h <= 2 * ay) {
    const delta = h - ay;
    t1 = ax * (2 * delta - ax);
    t2 = (delta - 2 * (ax - ay)) * delta;
  } else {
    const delta = h - ax;
    t1 = 2 * delta * (ax - 2 * ay);
    t2 = (4 * delta - ay) * ay + delta * delta;
  }
  return h - (t1 + t2) / (2 * h);
}

/** glibc's `hypot` (≥ 2.35, no FMA), double operation for double operation. */
export function libmHypot(x: number, y: number): number {
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    return x === Infinity || x === -Infinity || y === Infinity || y === -Infinity ? Infinity : NaN;
  }
  x = Math.abs(x);
  y = Math.abs(y);
  const ax = x < y ? y : x;
  const ay = x < y ? x : y;
  if (ax > LARGE) {
    if (ay <= ax * EPS) return ax + ay;
    return correctedHypot(ax * SCALE, ay * SCALE) / SCALE;
  }
  if (ay < TINY) {
    if (ax >= ay / EPS) return ax + ay;
    return correctedHypot(ax / SCALE, ay / SCALE) * SCALE;
  }
  if (ay <= ax * EPS) return ax + ay;
  return correctedHypot(ax, ay);
}

/** Python's `abs(complex(re, im)) > 2.0`. */
export function escapes(re: number, im: number): boolean {
  return libmHypot(re, im) > 2;
}
