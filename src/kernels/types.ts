/**
 * The kernel contract. A kernel computes escape counts for a chunk: the cartesian product
 * of some columns (real parts) and some rows (imaginary parts). It writes them into `out`
 * at `offset + row * rowStride + col`, so a backend can point it straight at the right
 * place of the full image (a shared buffer) or at a private chunk buffer. It knows nothing
 * of backends, workloads or threads, which is what lets every backend run every kernel.
 */

import type { ReferenceOrbit } from '../deep/reference.js';
import type { BlaTable } from '../deep/bla.js';
import type { LinearSeries } from '../deep/series.js';

export interface KernelInput {
  /** Real parts of the chunk's columns, left to right. */
  readonly re: Float64Array;
  /** Imaginary parts of the chunk's rows, in output order. */
  readonly im: Float64Array;
  readonly maxiter: number;
  readonly out: Int32Array;
  /** Index in `out` of the chunk's first point. */
  readonly offset: number;
  /** Distance in `out` between the starts of two consecutive rows of the chunk. */
  readonly rowStride: number;
  /** Skip work that provably cannot change a count (cardioid, bulb, cycles). */
  readonly prune: boolean;
  /**
   * Where to write each point's smooth fraction (kernels/smooth.ts), at the same places as its
   * count in `out`: μ = count + fraction, 0 for a point that never escapes. Without it, none is
   * computed. Every kernel writes the same fraction, bit for bit.
   */
  readonly smooth?: Float32Array;
  /**
   * One element on shared memory that another thread sets to non-zero to stop the kernel: a
   * kernel that reads it (the native one, every block) returns early, its counts incomplete —
   * the caller, who cancelled, discards them. Terminating a thread stops JavaScript, not C.
   */
  readonly cancel?: Int32Array;
}

/**
 * A chunk of whole rows as membership bits: 1 where a point never escapes (its count would be
 * maxiter), packed 8 points a byte, most significant bit first, each row starting on a byte —
 * a PBM (P4) row. Bits past the last column are 0.
 */
export interface BitmapInput {
  /** Real parts of every column of the row, left to right. */
  readonly re: Float64Array;
  /** Imaginary parts of the chunk's rows, in output order. */
  readonly im: Float64Array;
  readonly maxiter: number;
  readonly out: Uint8Array;
  /** Index in `out` of the chunk's first row's first byte. */
  readonly offset: number;
  /** Distance in `out` between the starts of two consecutive rows of the chunk. */
  readonly rowBytes: number;
  /** Skip points inside the main cardioid or the period-2 bulb (they never escape). */
  readonly prune: boolean;
}

/** The deep part of a chunk's input: the render's shared reference orbit and the offsets' scale. */
export interface DeepInput {
  readonly reference: ReferenceOrbit;
  /** A point is the centre plus (re[i] + i·im[j]) × 2^exponent. */
  readonly exponent: number;
  /** The orbits' common start, skipped (deep/series.ts); without it every update is performed. */
  readonly series?: LinearSeries;
  /** Blocks of updates skipped anywhere in an orbit (deep/bla.ts), where dc is a double. */
  readonly bla?: BlaTable;
}

export interface Kernel {
  /** The name users pass to `--kernel`. */
  readonly name: string;
  readonly description: string;
  /**
   * Writes the count of every point of the chunk: the index of the first iteration after
   * which |z| > 2, or `maxiter` for a point that never escapes. Returns the number of
   * z updates actually performed.
   */
  compute(input: KernelInput): number;
  /**
   * A deep chunk by perturbation (kernels/perturbation.ts), for kernels that have it: `re` and
   * `im` are then offsets from the reference's centre. Returns the updates performed.
   */
  computeDeep?(input: KernelInput, deep: DeepInput): number;
  /**
   * Membership bits only (kernels/bitmap.ts), for kernels with a loop of their own for it;
   * others are run for counts, row by row, and the bits taken from those. Returns the z
   * updates performed.
   */
  bitmap?(input: BitmapInput): number;
}
