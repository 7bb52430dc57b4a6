/**
 * The backend contract, shared by serial, threads and cluster. A backend receives a render
 * job — the workload and its plan of small, serialisable chunk descriptors — and writes
 * each chunk's counts into the full counts buffer (on a SharedArrayBuffer when the backend
 * asks for it, so threads can write in place). Each backend knows its own options and its
 * own default chunk count; render() names none of them.
 */
import type { DeepInput } from '../kernels/types.js';
import type { Chunk } from '../plan.js';
import type { ChunkEvent, ChunkStart } from '../trace.js';
import type { Workload } from '../workload.js';

/** One render for a backend: every chunk of the plan, with the kernel that computes them. */
export interface RenderJob {
  readonly workload: Workload;
  readonly chunks: readonly Chunk[];
  /** A registered kernel's name; workers resolve it themselves. */
  readonly kernel: string;
  readonly prune: boolean;
  /** A deep workload's reference orbit and scale (on shared memory for the threads backend). */
  readonly deep?: DeepInput;
  /**
   * Work that must not hold up other renders on the same backend (a watched render beside the
   * explorer's tiles): the threads backend hands over at most one of its chunks per thread at a
   * time, so a tile queued later waits for one chunk, not for all; the cluster queues its jobs
   * at a lower priority than the others'.
   */
  readonly background?: boolean;
}

/** One membership-bitmap render for a backend (bitmap.ts): chunks of whole rows. */
export interface BitmapJob {
  readonly workload: Workload;
  readonly chunks: readonly Chunk[];
  readonly kernel: string;
  readonly prune: boolean;
}

export interface RunHooks {
  readonly signal?: AbortSignal;
  /** Milliseconds on the render's clock, so chunk events line up with phases. */
  readonly now: () => number;
  /** Called once per finished chunk, in completion order. */
  readonly onChunk?: (event: ChunkEvent) => void;
  /**
   * Called when a chunk starts on a worker, before its onChunk (the threads backend; others
   * do not report starts). Times on the render's clock.
   */
  readonly onChunkStart?: (event: ChunkStart) => void;
  /** A line worth telling the user while the render runs (the cluster: the render's id). */
  readonly onNote?: (note: string) => void;
  /** Threads started during the run (a backend sized to the work): when, on the render's clock. */
  readonly onThreadsStarted?: (startMs: number, endMs: number) => void;
}

export interface Backend {
  readonly name: string;
  /** How many chunks can run at once. */
  readonly workers: number;
  /** True when chunks are written from other threads: render() then puts the counts on shared memory. */
  readonly sharedMemory?: boolean;
  /**
   * `orbit`: of a deep render this backend uses only the reference orbit (its workers derive
   * what skips updates themselves), so render() does not build the series and BLA table.
   */
  readonly deepInput?: 'orbit';
  /** How many chunks this backend splits a render of `elements` points (at `maxiter`) into, unless told. */
  defaultChunks(elements: number, maxiter: number): number;
  /** Starts threads or connections ahead of the first run, so start-up is timed apart. */
  start?(): Promise<void>;
  /**
   * Computes every chunk into `counts` (row-major, rows × cols), and each point's smooth fraction
   * into `smooth` when given (kernels/smooth.ts; laid out as counts, shared like them);
   * rejects if any chunk fails.
   */
  run(job: RenderJob, counts: Int32Array, hooks: RunHooks, smooth?: Float32Array): Promise<void>;
  /**
   * Computes every chunk's membership bits into `bits` (a row every ⌈cols / 8⌉ bytes, on a
   * SharedArrayBuffer when `sharedMemory`). Backends without it render counts only.
   */
  runBitmap?(job: BitmapJob, bits: Uint8Array, hooks: RunHooks): Promise<void>;
  /** Frees threads and connections; a closed backend cannot run again. */
  close(): Promise<void>;
}
