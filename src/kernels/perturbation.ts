/**
 * Perturbation: every point c = C + dc of a deep view is iterated as its difference δ from
 * the reference orbit Z at the centre C, in ordinary doubles:
 *
 *   z_n = Z_m + δ,   δ ← (2 Z_m + δ) δ + dc,   m ← m + 1
 *
 * With rebasing (Zhuoran, 2021): whenever |Z_m + δ| < |δ|, or the reference runs out (it
 * escaped, or ended), the point restarts from the reference's beginning with δ ← Z_m + δ,
 * m ← 0. This keeps δ small relative to z, so no glitch detection is needed, and a
 * reference that escapes early still serves every point.
 *
 * Below about 1e-300 a point's dc is not a double any more (doubles stop at 2^-1074): δ is
 * then held as a mantissa pair and a shared binary exponent (an "extended exponent" float)
 * until it has grown past 2^-460, which takes a few hundred updates, and the loop goes on in
 * doubles. Once δ is that large, dc (below 2^-1000) is smaller than δ's last bit and drops out.
 *
 * The escape test is |z|² > 4 on the double z = Z_m + δ; a count is the index of the update
 * after which it first holds, as everywhere in mandel.
 */
import type { BlaTable } from '../deep/bla.js';
import type { ReferenceOrbit } from '../deep/reference.js';
import { axesOf, spread } from '../axis.js';
import { BLA_EPSILON, BLA_EPSILON_LOOSE, BLA_EPSILON_LOOSEST, blaApplies, blaBlocks, blaRadii, deepDcBound } from '../deep/bla.js';
import { linearSeries, skipTo } from '../deep/series.js';
import type { Workload } from '../workload.js';
import { loadNativeKernel } from './native.js';
import { pow2 } from '../portable-math.js';
import { smoothFraction } from './smooth.js';
import type { DeepInput, KernelInput } from './types.js';

/** The length of the block blaBlock found last. */
let blockLength = 0;

/** What blaBlock answers for a point under the tail's radius: it stays inside to maxiter. */
const STAYS_INSIDE = -2;

/**
 * The table entry of the longest block that starts at reference index m (levels ≥ 1: a block
 * of one update saves nothing), ends before maxiter, and whose radius |δ|² = d2 is under; −1
 * for none. Sets blockLength.
 */
function blaBlock(bla: BlaTable, m: number, n: number, maxiter: number, d2: number): number {
  // Under the tail's radius the point stays inside to the orbit's end: maxiter, if the end is
  // at least as far for it as maxiter (it is at iteration n ≥ m, m updates along the orbit).
  if (d2 < bla.tail[m]! && n + (bla.tail.length - 1 - m) >= maxiter) return STAYS_INSIDE;
  const aligned = m - 1 === 0 ? bla.levels - 1 : 31 - Math.clz32((m - 1) & -(m - 1));
  for (let l = Math.min(aligned, bla.levels - 1); l >= 1; l--) {
    const j = (m - 1) >> l;
    const k = 1 << l;
    if (j >= bla.counts[l]! || n + k > maxiter) continue;
    const e = bla.offsets[l]! + j;
    if (d2 < bla.r2[e]!) {
      blockLength = k;
      return e;
    }
  }
  return -1;
}

/** δ past 2^-460 continues in plain doubles (dc, below 2^-1000, adds nothing to it; δ² does not underflow). */
const DOUBLE_FROM = -460;

/** Writes every count of the chunk; returns the updates performed. */
export function computePerturbedChunk(input: KernelInput, deep: DeepInput): number {
  const { re, im, maxiter, out, offset, rowStride, smooth } = input;
  const { zr, zi, length } = deep.reference;
  // c for the smooth fraction's updates past |z| = 2: the centre's (Z_1 = c), as a double —
  // dc is far below its last bit there.
  const ccr = length > 1 ? zr[1]! : 0;
  const cci = length > 1 ? zi[1]! : 0;
  const last = length - 1;
  const doubleDc = deep.exponent >= DOUBLE_DC_FROM;
  const unit = pow2(deep.exponent);
  const series = deep.series;
  let updates = 0;
  for (let row = 0; row < im.length; row++) {
    for (let col = 0; col < re.length; col++) {
      let point: Counted;
      const cr = re[col]!;
      const ci = im[row]!;
      // Updates 0 … s − 1 in one step: δ_s = A_s · dc (A_1 = 1: with no skip, δ_1 = dc).
      const s = startIndex(deep, cr, ci, unit, doubleDc, maxiter);
      const skipped = s > 1;
      const ar = skipped ? series!.ar[s]! : 1;
      const ai = skipped ? series!.ai[s]! : 0;
      const tr = ar * cr - ai * ci;
      const ti = ar * ci + ai * cr;
      const te = (skipped ? series!.ae[s]! : 0) + deep.exponent;
      if (doubleDc) {
        const scale = pow2(te);
        point = deep.bla
          ? iterateDoubleBla(cr * unit, ci * unit, zr, zi, last, maxiter, s - 1, s, tr * scale, ti * scale, 1, deep.bla)
          : iterateDouble(cr * unit, ci * unit, zr, zi, last, maxiter, s - 1, s, tr * scale, ti * scale, 1);
      } else {
        point = iterateExtended(cr, ci, deep.exponent, deep.reference, maxiter, s - 1, s, tr, ti, te, deep.bla);
      }
      out[offset + row * rowStride + col] = point.count;
      if (smooth) smooth[offset + row * rowStride + col] = point.count < maxiter ? smoothFraction(point.er, point.ei, ccr, cci) : 0;
      updates += point.updates;
    }
  }
  return updates;
}

/**
 * Where a point's loop starts: after the series' skip — or, with a BLA table, at the orbit's
 * start when the block from there reaches further than the skip. The table's blocks from
 * index 1 are its longest (every level starts there); a start at s > 1 climbs back to long
 * blocks one level at a time, as s − 1 gains trailing zero bits. Seahorse Valley at 1e-300
 * (every point inside): 19 updates a point after the skip to 78, 10 from index 1 (measured).
 * The same rule as native/perturb.c's, so both kernels take the same steps.
 */
function startIndex(deep: DeepInput, cr: number, ci: number, unit: number, doubleDc: boolean, maxiter: number): number {
  const skip = () => (deep.series ? skipTo(deep.series, cr, ci, deep.exponent) : 1);
  if (!deep.bla) return skip();
  let d2: number;
  if (doubleDc) {
    const dr = cr * unit;
    const di = ci * unit;
    d2 = dr * dr + di * di;
  } else {
    // As iterateExtended holds δ = dc: its exponent, and the bound its small branch tests.
    const big = Math.max(Math.abs(cr), Math.abs(ci));
    if (big === 0) return skip();
    d2 = pow2(2 * (deep.exponent + Math.floor(Math.log2(big))) + 3);
  }
  // The lookup the loop makes at index 1, after its first ++n. Under the tail from there the
  // point is done in one step: no skip to look up.
  const e = blaBlock(deep.bla, 1, 1, maxiter, d2);
  if (e === STAYS_INSIDE) return 1;
  const s = skip();
  return s > 1 && e >= 0 && 1 + blockLength > s ? 1 : s;
}

/** dc as a double from this exponent on: offsets × 2^-1000 are still normal doubles. */
const DOUBLE_DC_FROM = -1000;

interface Counted {
  count: number;
  updates: number;
  /** z = Z_m + δ where it escaped (when count < maxiter), for the smooth fraction. */
  er: number;
  ei: number;
}
const result: Counted = { count: 0, updates: 0, er: 0, ei: 0 };

/**
 * One point, dc a double, from the state after update `n`: z = Z_m + δ, `updates` done so far.
 */
function iterateDouble(
  dcr: number,
  dci: number,
  zr: Float64Array,
  zi: Float64Array,
  last: number,
  maxiter: number,
  n: number,
  m: number,
  dr: number,
  di: number,
  updates: number,
): Counted {
  for (;;) {
    const xr = zr[m]! + dr;
    const xi = zi[m]! + di;
    const z2 = xr * xr + xi * xi;
    if (z2 > 4) {
      result.count = n;
      result.er = xr;
      result.ei = xi;
      break;
    }
    if (z2 < dr * dr + di * di || m === last) {
      dr = xr;
      di = xi;
      m = 0;
    }
    if (++n >= maxiter) {
      result.count = maxiter;
      break;
    }
    // Update n: δ ← (2Z + δ)δ + dc.
    const ar = 2 * zr[m]! + dr;
    const ai = 2 * zi[m]! + di;
    const nr = ar * dr - ai * di + dcr;
    di = ar * di + ai * dr + dci;
    dr = nr;
    m++;
    updates++;
  }
  result.updates = updates;
  return result;
}

/**
 * iterateDouble with BLA steps. Apart, so that the loop without them stays as fast as it was
 * (one function for both ran at half the speed in V8).
 */
function iterateDoubleBla(
  dcr: number,
  dci: number,
  zr: Float64Array,
  zi: Float64Array,
  last: number,
  maxiter: number,
  n: number,
  m: number,
  dr: number,
  di: number,
  updates: number,
  bla: BlaTable,
): Counted {
  for (;;) {
    const xr = zr[m]! + dr;
    const xi = zi[m]! + di;
    const z2 = xr * xr + xi * xi;
    if (z2 > 4) {
      result.count = n;
      result.er = xr;
      result.ei = xi;
      break;
    }
    if (z2 < dr * dr + di * di || m === last) {
      dr = xr;
      di = xi;
      m = 0;
    }
    if (++n >= maxiter) {
      result.count = maxiter;
      break;
    }
    // Updates n … n + k − 1 in one step, by the largest block of the table that starts at m,
    // ends before maxiter and whose radius δ is under.
    if (m > 0) {
      const e = blaBlock(bla, m, n, maxiter, dr * dr + di * di);
      if (e === STAYS_INSIDE) {
        result.count = maxiter;
        updates++;
        break;
      }
      if (e >= 0) {
        const nr = bla.ar[e]! * dr - bla.ai[e]! * di + (bla.br[e]! * dcr - bla.bi[e]! * dci);
        di = bla.ar[e]! * di + bla.ai[e]! * dr + (bla.br[e]! * dci + bla.bi[e]! * dcr);
        dr = nr;
        m += blockLength;
        n += blockLength - 1;
        updates++;
        continue;
      }
    }
    // Update n: δ ← (2Z + δ)δ + dc.
    const ar = 2 * zr[m]! + dr;
    const ai = 2 * zi[m]! + di;
    const nr = ar * dr - ai * di + dcr;
    di = ar * di + ai * dr + dci;
    dr = nr;
    m++;
    updates++;
  }
  result.updates = updates;
  return result;
}

/**
 * One point whose dc is (cr + i·ci) × 2^ce with ce below doubles' range. While δ is below
 * 2^-470 it is held as (dr + i·di) × 2^de, the larger mantissa in [1, 2), and dc counts; once
 * it has grown past 2^-460 the loop goes on in doubles, where dc is under δ's last bit. A
 * rebase that leaves δ tiny again (the orbit passing a minibrot's nucleus) returns to the
 * extended form, where dc counts again.
 */
function iterateExtended(
  cr: number,
  ci: number,
  ce: number,
  reference: ReferenceOrbit,
  maxiter: number,
  n0: number,
  m0: number,
  dr0: number,
  di0: number,
  de0: number,
  bla?: BlaTable,
): Counted {
  const { zr, zi } = reference;
  const last = reference.length - 1;
  const extended = reference.extended;
  // After update n0: z = Z_m0 + δ, δ = (dr0 + i·di0) × 2^de0.
  const big0 = Math.max(Math.abs(dr0), Math.abs(di0));
  const k0 = big0 === 0 ? 0 : Math.floor(Math.log2(big0));
  let dr = dr0 * pow2(-k0);
  let di = di0 * pow2(-k0);
  let de = de0 + k0;
  let m = m0;
  let n = n0;
  let updates = 1;
  let small = de <= DOUBLE_FROM;
  if (!small) {
    dr *= pow2(de);
    di *= pow2(de);
  }
  for (;;) {
    if (small) {
      // z = Z_m + δ is Z_m to a double's precision while δ is this small, unless Z_m is tiny too.
      const xr = zr[m]!;
      const xi = zi[m]!;
      if (xr * xr + xi * xi > 4) {
        result.count = n;
        result.er = xr;
        result.ei = xi;
        break;
      }
      if (m === last) {
        // The reference ends: rebase onto its start, δ ← Z_m + δ (= Z_m), in doubles.
        dr = xr;
        di = xi;
        m = 0;
        small = false;
        continue;
      }
      // Z_m within reach of δ (near a minibrot's nucleus): z = Z_m + δ exactly, and rebase
      // onto the start (Z_0 = 0) when |z| < |δ|, as the double loop does.
      const ze = extended ? extended.exponent[m]! : 0;
      if (extended && m > 0 && ze <= de + 3) {
        const top = Math.max(ze, de);
        const sz = pow2(ze - top);
        const sd = pow2(de - top);
        const wr = extended.mr[m]! * sz + dr * sd;
        const wi = extended.mi[m]! * sz + di * sd;
        if (wr * wr + wi * wi < (dr * sd) ** 2 + (di * sd) ** 2) {
          const k = wr === 0 && wi === 0 ? 0 : Math.floor(Math.log2(Math.max(Math.abs(wr), Math.abs(wi))));
          dr = wr * pow2(-k);
          di = wi * pow2(-k);
          de = top + k;
          m = 0;
        }
      }
      if (++n >= maxiter) {
        result.count = maxiter;
        break;
      }
      // A BLA block from here, if δ is under its radius: |δ|² < 2^(2de+3) (mantissas below 2),
      // a bound that only underflows where the radius itself would be 0.
      const e = bla && m > 0 ? blaBlock(bla, m, n, maxiter, pow2(2 * de + 3)) : -1;
      if (e === STAYS_INSIDE) {
        result.count = maxiter;
        updates++;
        break;
      }
      let nr: number;
      let ni: number;
      if (e >= 0) {
        // δ ← A·δ + B·dc at δ's exponent.
        const shiftC = pow2(ce - de);
        nr = bla!.ar[e]! * dr - bla!.ai[e]! * di + (bla!.br[e]! * cr - bla!.bi[e]! * ci) * shiftC;
        ni = bla!.ar[e]! * di + bla!.ai[e]! * dr + (bla!.br[e]! * ci + bla!.bi[e]! * cr) * shiftC;
        m += blockLength;
        n += blockLength - 1;
      } else {
        // Update n at δ's exponent: 2Zδ + δ² + dc, with δ² = d²·2^(2de) and dc = c·2^ce.
        const square = pow2(de);
        const shiftC = pow2(ce - de);
        nr = 2 * (xr * dr - xi * di) + (dr * dr - di * di) * square + cr * shiftC;
        ni = 2 * (xr * di + xi * dr) + 2 * dr * di * square + ci * shiftC;
        m++;
      }
      updates++;
      const big = Math.max(Math.abs(nr), Math.abs(ni));
      if (big === 0) {
        // δ cancelled out exactly: it is dc again after the next update.
        dr = 0;
        di = 0;
        de = ce;
        continue;
      }
      const k = Math.floor(Math.log2(big));
      dr = nr * pow2(-k);
      di = ni * pow2(-k);
      de += k;
      if (de > DOUBLE_FROM) {
        dr *= pow2(de);
        di *= pow2(de);
        small = false;
      }
    } else {
      const xr = zr[m]! + dr;
      const xi = zi[m]! + di;
      let z2 = xr * xr + xi * xi;
      if (z2 > 4) {
        result.count = n;
        result.er = xr;
        result.ei = xi;
        break;
      }
      let d2 = dr * dr + di * di;
      if (d2 < SMALL_AGAIN * SMALL_AGAIN) {
        // δ has shrunk (the orbit near a minibrot's nucleus): δ² and dc need the extended form.
        toExtended(dr, di, ce);
        ({ dr, di, de } = extended_);
        small = true;
        continue;
      }
      if (d2 < 2 ** -1000) {
        // Squares of parts below 2^-537 underflow: compare at a scale where they do not.
        z2 = (xr * 2 ** 600) ** 2 + (xi * 2 ** 600) ** 2;
        d2 = (dr * 2 ** 600) ** 2 + (di * 2 ** 600) ** 2;
      }
      if (z2 < d2 || m === last) {
        dr = xr;
        di = xi;
        m = 0;
        if (Math.max(Math.abs(xr), Math.abs(xi)) < SMALL_AGAIN) {
          // Tiny again: back to the extended form, where dc counts.
          toExtended(xr, xi, ce);
          ({ dr, di, de } = extended_);
          small = true;
          continue;
        }
      }
      if (++n >= maxiter) {
        result.count = maxiter;
        break;
      }
      // A BLA block where one applies: δ ← A·δ (B·dc is under δ's last bit here, dc < 2^-1000).
      if (bla !== undefined && m > 0) {
        const e = blaBlock(bla, m, n, maxiter, dr * dr + di * di);
        if (e === STAYS_INSIDE) {
          result.count = maxiter;
          updates++;
          break;
        }
        if (e >= 0) {
          const nr = bla.ar[e]! * dr - bla.ai[e]! * di;
          di = bla.ar[e]! * di + bla.ai[e]! * dr;
          dr = nr;
          m += blockLength;
          n += blockLength - 1;
          updates++;
          continue;
        }
      }
      const ar = 2 * zr[m]! + dr;
      const ai = 2 * zi[m]! + di;
      const nr = ar * dr - ai * di;
      di = ar * di + ai * dr;
      dr = nr;
      m++;
      updates++;
    }
  }
  result.updates = updates;
  return result;
}

/** What toExtended last wrote (no allocation per call). */
const extended_ = { dr: 0, di: 0, de: 0 };

/**
 * δ = (xr + i·xi) as mantissas in [1, 2) × 2^de, for the extended form (0 at dc's exponent):
 * into extended_. As to_extended in native/perturb.c.
 */
function toExtended(xr: number, xi: number, ce: number): void {
  const size = Math.max(Math.abs(xr), Math.abs(xi));
  const k = size === 0 ? ce : Math.floor(Math.log2(size));
  extended_.dr = size === 0 ? 0 : xr * pow2(-k);
  extended_.di = size === 0 ? 0 : xi * pow2(-k);
  extended_.de = k;
}

/** δ's larger part below this after a rebase: the next δ, δ² + dc (Z_0 = 0), needs the extended form. */
const SMALL_AGAIN = 2 ** -470;

/** Sample points a side for the BLA pilot. */
const PILOT_SIDE = 8;

/**
 * What a BLA step costs against one update of the native kernel's SIMD lanes: BLA runs point
 * by point (a lane per point was tried: 3.4–5× slower, native/perturb.c), where 8 to 32 lanes
 * share the plain loop's work. Measured per step from whole renders (1024 × 768, maxiter
 * 20,000, 2 threads, the table forced on and off): 7.4× in Seahorse Valley at 1e-20, 10× at
 * 1e-30, 4.2–4.4× on M(24,1) at 1e-25 and 1e-40. The js kernel's steps cost about the same
 * either way, so there the rule keeps the table less often than it could.
 */
export const BLA_STEP_COST = 8;

/**
 * Whether BLA pays on this view, by cost: 8 × 8 points spread over it run with the table
 * (sampleCounts), and the table is kept when those steps, at BLA_STEP_COST each, cost less
 * than the updates the points would perform without it. Skipped counts alone misled: in
 * Seahorse Valley at 1e-20 the table skips 37% of the updates and made the render 4.7×
 * slower (11.4 s against 2.4 s); where it skips 97% (1e-30) it is 3.2× faster. Deterministic:
 * a cluster worker decides as the submitter does.
 */
export function blaPays(re: Float64Array, im: Float64Array, maxiter: number, deep: DeepInput & { bla: BlaTable }): boolean {
  const { withBla, without } = blaPilot(re, im, maxiter, deep);
  return withBla * BLA_STEP_COST < without;
}

/** The pilot's steps with the table and updates without it, on 8 × 8 points spread over the view. */
export function blaPilot(
  re: Float64Array,
  im: Float64Array,
  maxiter: number,
  deep: DeepInput & { bla: BlaTable },
): { withBla: number; without: number } {
  const sre = spread(re, PILOT_SIDE);
  const sim = spread(im, PILOT_SIDE);
  const { counts, updates } = sampleCounts(sre, sim, maxiter, deep);
  return { withBla: updates, without: updatesWithoutBla(sre, sim, counts, deep) };
}

/**
 * The counts of the sample grid re × im, and the updates performed: by the native kernel where
 * it is built (3–5× faster here), by the js kernel otherwise — the same counts and the same
 * updates either way (test/deep.test.ts checks both on every fixture), so every machine of a
 * cluster decides alike.
 */
function sampleCounts(re: Float64Array, im: Float64Array, maxiter: number, deep: DeepInput): { counts: Int32Array; updates: number } {
  const counts = new Int32Array(re.length * im.length);
  const input = { re, im, maxiter, out: counts, offset: 0, rowStride: re.length, prune: false };
  const native = loadNativeKernel();
  const updates = 'kernel' in native ? native.kernel.computeDeep!(input, deep) : computePerturbedChunk(input, deep);
  return { counts, updates };
}

/**
 * The updates the pilot's points would perform without the table, from their counts: every
 * update from where the series leaves a point to its count (rebasing adds none), as the loop
 * counts them. Running the pilot a second time without the table would say the same (checked
 * on six views) and cost far more below ~1e-300, where every update is in the extended form:
 * 210 ms of a 256 × 192 view's 274 at 1e-300 in Seahorse Valley.
 */
function updatesWithoutBla(re: Float64Array, im: Float64Array, counts: Int32Array, deep: DeepInput): number {
  let total = 0;
  for (let row = 0; row < im.length; row++) {
    for (let col = 0; col < re.length; col++) {
      const s = deep.series ? skipTo(deep.series, re[col]!, im[row]!, deep.exponent) : 1;
      total += counts[row * re.length + col]! - s + 2;
    }
  }
  return total;
}

/**
 * A deep workload's input for the kernels, from its reference orbit: the series of the orbits'
 * common start and the BLA table where its pilot says it pays — or neither when `skip` is off
 * (`--no-prune`: every update performed). The submitter and every cluster worker call this on
 * the same orbit and workload, so they skip exactly alike.
 */
export function deepInputOf(
  workload: Workload,
  reference: ReferenceOrbit,
  skip: boolean,
  allocate: (bytes: number) => ArrayBufferLike,
): DeepInput {
  const exponent = workload.deep!.exponent;
  if (!skip) return { reference, exponent };
  const series = linearSeries(reference, allocate);
  if (!blaApplies(workload)) return { reference, exponent, series };
  // The blocks once; each radius tried costs its radii alone.
  const blocks = blaBlocks(reference, deepDcBound(workload), allocate);
  const table = (epsilon: number) => blaRadii(blocks, epsilon, allocate);
  const bla = table(BLA_EPSILON);
  const { re, im } = axesOf(workload);
  const strict = { reference, exponent, series, bla };
  if (!blaPays(re, im, workload.maxiter, strict)) return { reference, exponent, series };
  // The loosest radius that moves no count of the check's points, the strict table's counted once.
  const expected = checkCounts(re, im, workload.maxiter, strict);
  for (const epsilon of [BLA_EPSILON_LOOSEST, BLA_EPSILON_LOOSE]) {
    const loose = { reference, exponent, series, bla: table(epsilon) };
    if (sameValues(checkCounts(re, im, workload.maxiter, loose), expected)) return loose;
  }
  return strict;
}

/** Points a side of the check that the looser table moves no count. */
const CHECK_SIDE = 32;

/**
 * Whether two inputs give the same counts on 32 × 32 points spread over the view. A radius
 * that moves 0.3% of a view's counts moves none of 1,024 points about 5% of the time, so what
 * passes here is right on well over 99% of the points (mpmath checks it in bench/anchors.ts).
 * Deterministic: a cluster worker decides as the submitter does.
 */
export function sameCounts(re: Float64Array, im: Float64Array, maxiter: number, a: DeepInput, b: DeepInput): boolean {
  return sameValues(checkCounts(re, im, maxiter, a), checkCounts(re, im, maxiter, b));
}

/** The counts of the check's 32 × 32 points spread over the view. */
function checkCounts(re: Float64Array, im: Float64Array, maxiter: number, deep: DeepInput): Int32Array {
  return sampleCounts(spread(re, CHECK_SIDE), spread(im, CHECK_SIDE), maxiter, deep).counts;
}

const sameValues = (a: Int32Array, b: Int32Array) => a.every((value, i) => value === b[i]);
