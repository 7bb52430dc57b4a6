/**
 * The threads backend: chunks run on the thread pool, one chunk per thread at a time. All
 * chunks are queued at once and each thread takes the next as soon as it is free, so small
 * chunks balance themselves. Counts are written by the threads straight into the render's
 * SharedArrayBuffer: nothing is cloned, copied or assembled.
 */
import { setMaxListeners } from 'node:events';
import { AbortError, InvalidOptionError, MandelError } from '../errors.js';
import type { Chunk } from '../plan.js';
import { epochNow, ThreadPool, type PoolOutcome, type ThreadPoolOptions } from '../pool/thread-pool.js';
import type { Backend, BitmapJob, RenderJob, RunHooks } from './types.js';

export interface ThreadsBackendOptions {
  /** Worker threads; default: the machine's available parallelism. */
  readonly workers?: number | undefined;
  /** Modules (paths or URLs) each thread imports first, to register extra kernels. */
  readonly kernelModules?: ThreadPoolOptions['kernelModules'];
}

/** Points per chunk above which the default plan splits further (~0.1–0.2 s of js work). */
const DEFAULT_CHUNK_ELEMENTS = 262_144;

export class ThreadsBackend implements Backend {
  readonly name = 'threads';
  readonly sharedMemory = true;
  readonly workers: number;
  private readonly pool: ThreadPool;

  constructor(options: ThreadsBackendOptions = {}) {
    this.pool = new ThreadPool({ threads: options.workers, kernelModules: options.kernelModules });
    this.workers = this.pool.threads;
  }

  /**
   * Four chunks per worker, so dynamic pulling can even out what the schedule did not, and
   * more for big renders so progress moves. Not more: a task costs 0.1–0.4 ms of hand-over
   * on this kind of machine (bench/threads.ts).
   */
  defaultChunks(elements: number): number {
    return Math.max(4 * this.workers, Math.ceil(elements / DEFAULT_CHUNK_ELEMENTS));
  }

  /**
   * Starts every thread and waits until each has loaded its modules. render() calls it in
   * its own phase, so pool start-up is never counted as compute. Idempotent.
   */
  start(): Promise<void> {
    return this.pool.start();
  }

  /** The pool's thread ids seen so far (a thread that died is replaced by a new id). */
  threadIds(): number[] {
    return this.pool.threadIds();
  }

  async run(job: RenderJob, counts: Int32Array, hooks: RunHooks): Promise<void> {
    if (!(counts.buffer instanceof SharedArrayBuffer)) {
      throw new InvalidOptionError('the threads backend writes into shared memory: counts must be on a SharedArrayBuffer');
    }
    const base = { workload: job.workload, kernel: job.kernel, prune: job.prune, counts, ...(job.deep ? { deep: job.deep } : {}) };
    await this.runAll(job.chunks, hooks, descriptorBytes({ ...base, chunk: job.chunks[0] }), (chunk, signal) =>
      this.pool.run({ ...base, chunk }, signal),
    );
  }

  async runBitmap(job: BitmapJob, bits: Uint8Array, hooks: RunHooks): Promise<void> {
    if (!(bits.buffer instanceof SharedArrayBuffer)) {
      throw new InvalidOptionError('the threads backend writes into shared memory: bits must be on a SharedArrayBuffer');
    }
    const base = { workload: job.workload, kernel: job.kernel, prune: job.prune, bits };
    await this.runAll(job.chunks, hooks, descriptorBytes({ ...base, chunk: job.chunks[0] }), (chunk, signal) =>
      this.pool.runBitmap({ ...base, chunk }, signal),
    );
  }

  /** Queues every chunk at once; on the first failure the others are cancelled. */
  private async runAll(
    chunks: readonly Chunk[],
    hooks: RunHooks,
    bytesIn: number,
    post: (chunk: Chunk, signal: AbortSignal) => Promise<PoolOutcome>,
  ): Promise<void> {
    await this.pool.start();
    if (hooks.signal?.aborted) throw new AbortError();
    const failed = new AbortController();
    const signal = hooks.signal ? AbortSignal.any([hooks.signal, failed.signal]) : failed.signal;
    setMaxListeners(chunks.length + 16, signal); // piscina listens once per queued task
    const toMainClock = hooks.now() - epochNow();
    const queuedMs = hooks.now();
    let firstError: MandelError | undefined;
    const settle = chunks.map(async (chunk) => {
      try {
        const outcome = await post(chunk, signal);
        hooks.onChunk?.({
          chunk,
          worker: outcome.worker,
          queuedMs,
          startMs: outcome.startEpochMs + toMainClock,
          endMs: outcome.endEpochMs + toMainClock,
          iterations: outcome.iterations,
          bytesIn,
          bytesOut: 0, // written in place on shared memory
        });
      } catch (error) {
        if (signal.aborted && !failed.signal.aborted) return; // the caller cancelled
        if (firstError) return; // cancelled because another chunk failed first
        firstError = chunkError(chunk, error);
        failed.abort();
      }
    });
    await Promise.all(settle);
    if (hooks.signal?.aborted) throw new AbortError();
    if (firstError) throw firstError;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * What structured cloning carries for one chunk (the shared counts or bits travel as a
 * handle). Chunk descriptors differ by a few digits: measured once a render, on its first.
 */
function descriptorBytes(task: object): number {
  return Buffer.byteLength(JSON.stringify({ type: 'chunk', ...task, counts: undefined, bits: undefined, deep: undefined }));
}

function chunkError(chunk: Chunk, error: unknown): MandelError {
  const reason = error instanceof Error ? error.message : String(error);
  const rows =
    chunk.rowStep === 1 ? `rows ${chunk.row0}–${chunk.row0 + chunk.rowCount - 1}` : `every ${chunk.rowStep}th row from ${chunk.row0}`;
  return new MandelError(
    'ERR_CHUNK_FAILED',
    `chunk ${chunk.id} (${rows}, columns ${chunk.col0}–${chunk.col0 + chunk.colCount - 1}) failed in a worker thread: ${reason}`,
    { cause: error },
  );
}
