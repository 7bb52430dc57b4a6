/**
 * The start of every orbit, skipped. While a point's δ is small, its update
 * δ ← 2Zδ + δ² + dc is linear to a double's precision (δ² is under δ's last bit), so
 * δ_n = A_n · dc with A_1 = 1, A_{n+1} = 2 Z_n A_n + 1 — one series for the whole view (the
 * derivative of the reference orbit by its c). A point starts at the last n where
 * |A_n · dc| < 2^-64, in one complex multiplication instead of n updates: the first level of
 * bilinear approximation, applied from the orbit's start. Below 1e-300 this is also where the
 * slow extended-exponent updates would have been.
 *
 * The skip stops where the linear model could fail: at a Z_n within 2^-10 of 0 (there δ is no
 * longer small next to 2Z_n, and the orbit may need a rebase) and where the reference escapes
 * or ends. A_n grows past doubles' range in deep views, so it is kept as mantissas × 2^exponent.
 */
import { portableLog2 } from '../portable-math.js';

export interface LinearSeries {
  /** A_n = (ar + i·ai) × 2^ae, for n = 0 … limit. */
  readonly ar: Float64Array;
  readonly ai: Float64Array;
  readonly ae: Int32Array;
  /** log2 of the largest |A_k| for k ≤ n: the skip's bound is found by bisection on it. */
  readonly logMax: Float64Array;
  /** No skip reaches this index or past it. */
  readonly limit: number;
}

/** |δ| below this, the linear model is exact to a double (|Z| ≥ 2^-10 assumed). */
const SMALL_LOG2 = -64;
/** |Z_n|² below this stops the skip. */
const TINY_Z2 = 2 ** -20;

export function linearSeries(
  reference: { readonly zr: Float64Array; readonly zi: Float64Array; readonly length: number },
  allocate: (bytes: number) => ArrayBufferLike = (bytes) => new ArrayBuffer(bytes),
): LinearSeries {
  const { zr, zi, length } = reference;
  let limit = 1;
  while (limit < length - 1) {
    const z2 = zr[limit]! * zr[limit]! + zi[limit]! * zi[limit]!;
    if (z2 < TINY_Z2 || z2 > 4) break;
    limit++;
  }
  const ar = new Float64Array(allocate((limit + 1) * 8));
  const ai = new Float64Array(allocate((limit + 1) * 8));
  const ae = new Int32Array(allocate((limit + 1) * 4));
  const logMax = new Float64Array(allocate((limit + 1) * 8));
  // A_1 = 1.
  let mr = 1;
  let mi = 0;
  let e = 0;
  ar[1] = 1;
  logMax[0] = -Infinity;
  logMax[1] = 0;
  for (let n = 1; n < limit; n++) {
    // A_{n+1} = 2 Z_n A_n + 1, at A's exponent.
    const one = e > 1100 ? 0 : 2 ** -e;
    const nr = 2 * (zr[n]! * mr - zi[n]! * mi) + one;
    const ni = 2 * (zr[n]! * mi + zi[n]! * mr);
    const big = Math.max(Math.abs(nr), Math.abs(ni));
    const k = big === 0 ? 0 : Math.floor(Math.log2(big));
    mr = nr * 2 ** -k;
    mi = ni * 2 ** -k;
    e += k;
    ar[n + 1] = mr;
    ai[n + 1] = mi;
    ae[n + 1] = e;
    logMax[n + 1] = Math.max(logMax[n]!, Math.log2(Math.hypot(mr, mi)) + e);
  }
  return { ar, ai, ae, logMax, limit };
}

/**
 * Where a point with dc = (cr + i·ci) × 2^ce starts: the largest s with every |A_k · dc| (k ≤ s)
 * under 2^-64, and s < limit; 1 (no skip) at least.
 */
export function skipTo(series: LinearSeries, cr: number, ci: number, ce: number): number {
  // log2 |c| by the portable log2 of |c|², as native/perturb.c computes it: the same bound in
  // both, bit for bit (offsets are 0 or at least 1: axis.ts), and cheaper than log2(hypot).
  const r2 = cr * cr + ci * ci;
  const bound = r2 === 0 ? Infinity : SMALL_LOG2 - (0.5 * portableLog2(r2) + ce);
  // The first n with logMax[n] ≥ bound, by bisection over 1 … limit − 1.
  let lo = 1;
  let hi = series.limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (series.logMax[mid]! >= bound) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(1, Math.min(lo - 1, series.limit - 1));
}
