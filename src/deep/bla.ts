/**
 * Bilinear approximation (BLA): a table that lets a point skip many updates at once,
 * anywhere in its orbit. While |δ| is far below |Z_m|, k updates from reference index m are
 * linear to a double's precision: δ_{m+k} = A·δ_m + B·dc. Level l of the table holds those
 * (A, B) for the blocks of k = 2^l updates that start at m = 1 + j·2^l, each with the radius
 * below which it is valid (Zhuoran's merging rule):
 *
 *   one update from m:  A = 2 Z_m, B = 1, valid while |δ| < ε·|2 Z_m|   (δ² under δ's last bit)
 *   x then y:           A = A_y A_x, B = A_y B_x + B_y,
 *                       r = min(r_x, (r_y − |B_x|·|dc|max) / |A_x|, (2 − |Z_mid| − |B_x|·|dc|max) / |A_x|)
 *
 * The last term keeps every skipped state inside the escape circle, so no escape is stepped
 * over. A point uses the largest block that starts where it is and whose radius it is under;
 * blocks never reach past the reference's end or a Z near 0 (their radius shrinks to nothing
 * there), so rebasing stays as it is.
 */
import { loadAddon, type Addon } from '../native-addon.js';
import { portableHypot, pow2 } from '../portable-math.js';
import type { Workload } from '../workload.js';
/** The blocks of a table, level by level: each one's A and B in flat arrays. */
export interface BlaLevels {
  /** Levels 1 … levels − 1 are used (a level-0 block saves nothing). */
  readonly levels: number;
  /** Where level l starts in the flat arrays, and how many blocks it has. */
  readonly offsets: Int32Array;
  readonly counts: Int32Array;
  readonly ar: Float64Array;
  readonly ai: Float64Array;
  readonly br: Float64Array;
  readonly bi: Float64Array;
}

export interface BlaTable extends BlaLevels {
  /** The squared radius: a block applies while |δ|² < r2. */
  readonly r2: Float64Array;
  /**
   * Per reference index m (the orbit's length of them): the squared radius under which a point
   * at m stays inside the escape circle through the orbit's end, by the same linear bounds as
   * the blocks — so a point under it never escapes before the end (see tailRadii).
   */
  readonly tail: Float64Array;
}

/**
 * A double's precision (Zhuoran's choice): δ² is dropped where it is below about δ's last bit,
 * the rounding a plain update makes anyway. 2^-64 (11 bits of margin) skipped 4.5× fewer updates
 * on Seahorse Valley at 1e-30 (3.7× slower) and was no more often right: at maxiter 100,000 the
 * two disagree on 0.34% of the points, and on 30 of those mpmath found each right twice.
 */
export const BLA_EPSILON = 2 ** -53;

/**
 * A looser radius, kept only where a pilot finds it changes no count (perturbation.ts,
 * deepInputOf). Fraktaler 3 uses 2^-24 for every number type. Measured on Seahorse Valley at
 * 1e-30, 1024 × 768: at maxiter 20,000 (every point inside) 2^-40 performs 60 M updates where
 * 2^-53 performs 495 M, with the same counts; at maxiter 100,000 it moves 10,471 counts (1.3%),
 * and MPFR found it wrong on all 12 of those it checked (2^-53 right on 8): there it must not
 * be used. 2^-35 and 2^-30 moved 2.6% and 4.9% there.
 */
export const BLA_EPSILON_LOOSE = 2 ** -40;

/**
 * Looser still, tried first under the same check. Measured at 256 × 192 (native, one thread):
 * Seahorse Valley at 1e-30 (every point inside) 1.87 M updates where 2^-40 performs 3.74 M,
 * the same counts; c = i at 1e-100 1.50 M for 1.89 M, the same counts; the spiral at 1e-25
 * moves 58 counts and the check's 1,024 points see it, as at maxiter 100,000 (2,381 moved).
 */
export const BLA_EPSILON_LOOSEST = 2 ** -30;

export function blaTable(
  reference: { readonly zr: Float64Array; readonly zi: Float64Array; readonly length: number },
  dc: DcBound,
  allocate: (bytes: number) => ArrayBufferLike = (bytes) => new ArrayBuffer(bytes),
  /** The radius of one update, relative to |2Z|. */
  epsilon = BLA_EPSILON,
  arithmetic: TableArithmetic = 'auto',
): BlaTable {
  return blaRadii(blaBlocks(reference, dc, allocate, arithmetic), epsilon, allocate, arithmetic);
}

/** The largest |dc| of a view's points: offset × 2^exponent (exact at any depth, where |dc| itself underflows). */
export interface DcBound {
  readonly offset: number;
  readonly exponent: number;
}

/**
 * Who computes the table: `auto` is the native addon where it loads (native/bla.c: ~1 ms
 * where the js loops, run once per process and so never optimised, took 20–30 ms at maxiter
 * 20,000), js otherwise. Both perform the same double operations in the same order (hypot
 * and every power of two included: src/portable-math.ts), so a cluster worker without the
 * addon builds the same table bit for bit (tested).
 */
export type TableArithmetic = 'auto' | 'native' | 'js';

/**
 * What every radius of a table is computed from: the blocks' A and B (the same at every
 * epsilon) and the magnitudes the radii need. A view's tables at several radii (deepInputOf
 * tries up to three) share one: each then costs its radii alone, ~1/5 of a table.
 */
export interface BlaBlocks extends BlaLevels {
  /** Per block: |A| (for level 0 the radius's scale |2 Z_m|), |B|·|dc|max, and 2 − |Z| at its middle. */
  readonly absA: Float64Array;
  readonly bdc: Float64Array;
  readonly inside: Float64Array;
  /** For the tail: |Z_m| for every reference index, and |dc|max. */
  readonly absZ: Float64Array;
  readonly dc: number;
  readonly length: number;
}

/** The blocks' A and B, level by level (x then y: A = A_y A_x, B = A_y B_x + B_y). */
export function blaBlocks(
  reference: { readonly zr: Float64Array; readonly zi: Float64Array; readonly length: number },
  dc: DcBound,
  allocate: (bytes: number) => ArrayBufferLike = (bytes) => new ArrayBuffer(bytes),
  arithmetic: TableArithmetic = 'auto',
): BlaBlocks {
  const { zr, zi, length } = reference;
  const last = length - 1;
  const counts: number[] = [Math.max(0, last - 1)]; // level 0: one block per m = 1 … last − 1
  while (counts[counts.length - 1]! >= 2) counts.push(Math.floor(counts[counts.length - 1]! / 2));
  const levels = counts.length;
  const offsets = new Int32Array(allocate(levels * 4));
  const countArray = new Int32Array(allocate(levels * 4));
  let total = 0;
  for (let l = 0; l < levels; l++) {
    offsets[l] = total;
    countArray[l] = counts[l]!;
    total += counts[l]!;
  }
  const make = () => new Float64Array(allocate(Math.max(1, total) * 8));
  const ar = make();
  const ai = make();
  const br = make();
  const bi = make();
  // Only to compute radii from: never shared with the kernels.
  const absA = new Float64Array(Math.max(1, total));
  const bdc = new Float64Array(Math.max(1, total));
  const inside = new Float64Array(Math.max(1, total));
  const absZ = new Float64Array(Math.max(1, length));
  const one = bdcOf(1, dc); // |dc|max itself: every level-0 block's B is 1
  const blocks = { levels, offsets, counts: countArray, ar, ai, br, bi, absA, bdc, inside, absZ, dc: one, length };
  const addon = tableAddon(arithmetic);
  if (addon) {
    addon.blaBlocks(zr, zi, length, dc.offset, dc.exponent, countArray, offsets, ar, ai, br, bi, absA, bdc, inside, absZ);
    return blocks;
  }
  for (let j = 0; j < counts[0]!; j++) {
    const m = j + 1;
    ar[j] = 2 * zr[m]!;
    ai[j] = 2 * zi[m]!;
    br[j] = 1;
    bi[j] = 0;
    absA[j] = portableHypot(ar[j]!, ai[j]!);
    bdc[j] = one;
  }
  for (let l = 1; l < levels; l++) {
    const half = 1 << (l - 1);
    for (let j = 0; j < counts[l]!; j++) {
      const x = offsets[l - 1]! + 2 * j;
      const y = x + 1;
      const e = offsets[l]! + j;
      ar[e] = ar[y]! * ar[x]! - ai[y]! * ai[x]!;
      ai[e] = ar[y]! * ai[x]! + ai[y]! * ar[x]!;
      br[e] = ar[y]! * br[x]! - ai[y]! * bi[x]! + br[y]!;
      bi[e] = ar[y]! * bi[x]! + ai[y]! * br[x]! + bi[y]!;
      absA[e] = portableHypot(ar[e]!, ai[e]!);
      bdc[e] = bdcOf(portableHypot(br[e]!, bi[e]!), dc);
      // The state between x and y is skipped too: it must stay inside the escape circle.
      const mid = 1 + (2 * j + 1) * half;
      inside[e] = 2 - portableHypot(zr[mid]!, zi[mid]!);
    }
  }
  for (let m = 0; m < length; m++) absZ[m] = portableHypot(zr[m]!, zi[m]!);
  return blocks;
}

/** The addon, for `auto` where it loads and for `native`; undefined for js. */
function tableAddon(arithmetic: TableArithmetic): Addon | undefined {
  if (arithmetic === 'js') return undefined;
  const addon = loadAddon();
  if ('reason' in addon) {
    if (arithmetic === 'native') throw new Error(`the native BLA table is not available: ${addon.reason}`);
    return undefined;
  }
  return addon;
}

/** A table of the blocks with the radii of this epsilon (Zhuoran's merging rule, in the header). */
export function blaRadii(
  blocks: BlaBlocks,
  epsilon: number,
  allocate: (bytes: number) => ArrayBufferLike,
  arithmetic: TableArithmetic = 'auto',
): BlaTable {
  const { levels, offsets, counts, absA, bdc, inside, absZ, dc, length } = blocks;
  const total = absA.length;
  const r = new Float64Array(allocate(total * 8)); // radius (squared at the end)
  const tail = new Float64Array(allocate(Math.max(1, length) * 8));
  const { ar, ai, br, bi } = blocks;
  const table = { levels, offsets, counts, ar, ai, br, bi, r2: r, tail };
  const addon = tableAddon(arithmetic);
  if (addon) {
    addon.blaRadii(counts, offsets, absA, bdc, inside, epsilon, r, absZ, length, dc, tail);
    return table;
  }
  for (let j = 0; j < counts[0]!; j++) r[j] = epsilon * absA[j]!;
  for (let l = 1; l < levels; l++) {
    for (let j = 0; j < counts[l]!; j++) {
      const x = offsets[l - 1]! + 2 * j;
      const y = x + 1;
      const e = offsets[l]! + j;
      const ax = absA[x]!;
      const bx = bdc[x]!;
      const fromY = ax > 0 ? (Math.min(r[y]!, inside[e]!) - bx) / ax : bx < Math.min(r[y]!, inside[e]!) ? Infinity : 0;
      r[e] = Math.max(0, Math.min(r[x]!, fromY));
    }
  }
  for (let e = 0; e < total; e++) r[e] = r[e]! * r[e]!;
  tailRadii(absZ, dc, length, epsilon, tail);
  return table;
}

/**
 * |B|·|dc|max = (|B| × offset) × 2^exponent, the power of two applied last, in two steps below
 * doubles' normal range (as native/bla.c does): exact where the product is a normal double.
 */
function bdcOf(b: number, dc: DcBound): number {
  const product = b * dc.offset;
  if (dc.exponent >= -1022) return product * pow2(dc.exponent);
  return product * pow2(-1022) * pow2(dc.exponent + 1022);
}

/**
 * The tail: for each reference index m, the radius under which every state after m, to the
 * orbit's end, stays inside the escape circle — the blocks' rule applied one update at a time
 * from the end back, x = one update from m (A = 2 Z_m, B = 1, valid while |δ| < ε·|2 Z_m|):
 *
 *   T(last) = ∞,   T(m) = min(ε·|2 Z_m|, (min(T(m + 1), 2 − |Z_(m+1)|) − |dc|max) / ((1 + ε)·|2 Z_m|))
 *
 * (1 + ε) bounds the δ² the linear step drops. An orbit that reaches maxiter (its end) without
 * escaping then answers, for a point at m with |δ|² < T(m)², that the point reaches maxiter
 * too: the kernels stop it there in one step, where the blocks would take one step per set bit
 * of what is left (9 from index 1 at maxiter 20,000). Where the reference escapes, T is 0
 * everywhere (2 − |Z_last| < 0), and near a Z of 0 it is 0 before it: no tail there.
 */
function tailRadii(absZ: Float64Array, dc: number, length: number, epsilon: number, tail: Float64Array): void {
  const last = length - 1;
  let t = Infinity; // nothing after the end: tail[last] stays 0 (the loops rebase there)
  for (let m = last - 1; m >= 1; m--) {
    const a = 2 * absZ[m]!;
    const bound = Math.min(t, 2 - absZ[m + 1]!) - dc;
    t = a > 0 ? Math.max(0, Math.min(epsilon * a, bound / ((1 + epsilon) * a))) : 0;
    tail[m] = t * t;
  }
}

/** The largest |dc| of a deep workload's points (for the BLA table's radii); 0 below doubles. */
export function deepDcMax(workload: Workload): number {
  return farthestOffset(workload) * 2 ** (workload.deep?.exponent ?? 0);
}

/** The largest |dc|, at any depth, as offset × 2^exponent. */
export function deepDcBound(workload: Workload): DcBound {
  return { offset: farthestOffset(workload), exponent: workload.deep?.exponent ?? 0 };
}

/** The largest |offset| of the workload's points, in units of 2^exponent. */
function farthestOffset(workload: Workload): number {
  const far = (axis: Workload['re']) => Math.max(Math.abs(axis.start), Math.abs(axis.start + (axis.count - 1) * axis.step));
  return portableHypot(far(workload.re), far(workload.im));
}

/**
 * Whether BLA can pay on this view: its dc must be small enough that a δ can be under a
 * block's radius (2^-64 |2Z|) at all — on shallower views the table would never apply and
 * would only cost the native kernel its SIMD lanes. (Below ~1e-300 dc underflows to 0 here:
 * blocks then apply in the double branch of the extended loop, where B·dc is negligible.)
 */
export const blaApplies = (workload: Workload) => workload.deep !== undefined && deepDcMax(workload) < 2 ** -60;
