/**
 * What the thread pool posts to a worker thread and gets back. Both are small plain
 * objects; the counts travel as an Int32Array over a SharedArrayBuffer, which structured
 * cloning shares rather than copies, so the thread writes the counts in place.
 */
import { availableParallelism } from 'node:os';
import { InvalidOptionError, MandelError } from '../errors.js';
import type { DeepInput } from '../kernels/types.js';
import type { Chunk } from '../plan.js';
import type { Workload } from '../workload.js';

/** One chunk for a thread: what to compute, and where its counts go. */
export interface ChunkWork {
  readonly workload: Workload;
  readonly chunk: Chunk;
  readonly kernel: string;
  readonly prune: boolean;
  /** The full counts, rows × cols, on shared memory; or the chunk's alone when `packed`. */
  readonly counts: Int32Array;
  /** The smooth fractions (KernelInput.smooth), laid out as `counts`, when the render asks for them. */
  readonly smooth?: Float32Array;
  readonly packed?: boolean;
  /** A deep workload's reference orbit (shared memory) and scale. */
  readonly deep?: DeepInput;
  /** The render's cancel flag (KernelInput.cancel), set by the thread that cancels. */
  readonly cancel?: Int32Array;
  /** Where the thread marks the chunk as started, for a watcher of running chunks (StartBoard). */
  readonly started?: { readonly board: Float64Array; readonly slot: number };
}

export interface ChunkTask extends ChunkWork {
  readonly type: 'chunk';
}

/** One chunk of whole rows for a thread, as membership bits (kernels/bitmap.ts). */
export interface BitmapWork {
  readonly workload: Workload;
  readonly chunk: Chunk;
  readonly kernel: string;
  readonly prune: boolean;
  /** The image's bits, a row every ⌈cols / 8⌉ bytes, on shared memory. */
  readonly bits: Uint8Array;
}

export interface BitmapTask extends BitmapWork {
  readonly type: 'bitmap';
}

interface WarmupTask {
  readonly type: 'warmup';
}

export type ThreadTask = ChunkTask | BitmapTask | WarmupTask;

export interface ChunkOutcome {
  readonly threadId: number;
  /** Wall-clock times in ms since the epoch (performance.timeOrigin + now()), sub-ms. */
  readonly startEpochMs: number;
  readonly endEpochMs: number;
  readonly iterations: number;
}

export interface WarmupOutcome {
  readonly threadId: number;
}

/** Passed once to every worker thread at start. */
export interface ThreadWorkerData {
  /** Module URLs each worker imports before its first task: they register extra kernels. */
  readonly kernelModules: readonly string[];
  /** The worker module itself, for the tsx bootstrap to load. */
  readonly workerFile: string;
}

const MAX_THREADS = 256;

/** A pool's thread count, checked (default: the machine's available parallelism). */
export function threadCount(threads: number | undefined): number {
  const count = threads ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1 || count > MAX_THREADS) {
    throw new InvalidOptionError(`workers must be a whole number from 1 to ${MAX_THREADS} (got ${count})`);
  }
  return count;
}

/** What running on a closed pool throws (a program error, not bad usage). */
export const poolClosedError = (): MandelError => new MandelError('ERR_POOL_CLOSED', 'this thread pool has been closed; create a new one');

/** Wall-clock ms since the epoch with sub-ms precision, comparable across threads. */
export const epochNow = (): number => performance.timeOrigin + performance.now();
