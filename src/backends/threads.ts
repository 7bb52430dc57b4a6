/**
 * The threads backend: chunks run on a piscina pool of worker threads, one chunk per
 * thread at a time. All chunks are queued at once and each thread takes the next as soon as
 * it is free, so small chunks balance themselves. Counts are written by the threads
 * straight into the render's SharedArrayBuffer: nothing is cloned, copied or assembled.
 */
import { setMaxListeners } from 'node:events';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { AbortError, InvalidOptionError, MandelError } from '../errors.js';
import type { Chunk } from '../plan.js';
import type { Workload } from '../workload.js';
import { epochNow, type ChunkOutcome, type ThreadTask, type ThreadWorkerData, type WarmupOutcome } from './thread-task.js';
import type { Backend, ChunkJob, RunHooks } from './types.js';

export interface ThreadsBackendOptions {
  /** Worker threads; default: the machine's available parallelism. */
  readonly workers?: number;
  /** Modules (paths or URLs) each thread imports first, to register extra kernels. */
  readonly kernelModules?: readonly (string | URL)[];
}

export const MAX_THREADS = 256;

/**
 * Where the worker code is: compiled .js next to this file, or — from the .ts sources, or
 * with a kernel module written in TypeScript — through a bootstrap that registers tsx.
 * Compiled workers get no execArgv: by default threads inherit the parent's, and a loader
 * such as `--import tsx` in it would cost every thread a few hundred ms at start-up.
 */
function workerSource(kernelModules: readonly string[]): { filename: string; execArgv: string[]; workerFile: string } {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const workerFile = new URL(fromSource ? './thread-worker.ts' : './thread-worker.js', here).href;
  const needsTsx = fromSource || kernelModules.some((url) => /\.[cm]?ts$/.test(url));
  return { filename: needsTsx ? new URL('./thread-worker-tsx.mjs', here).href : workerFile, execArgv: [], workerFile };
}

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^(file|data):/.test(module)) return module;
  return new URL(module, `file://${process.cwd()}/`).href;
}

export class ThreadsBackend implements Backend {
  readonly name = 'threads';
  readonly sharedMemory = true;
  readonly workers: number;
  private readonly pool: Piscina<ThreadTask, ChunkOutcome | WarmupOutcome>;
  private readonly labels = new Map<number, string>();
  private starting?: Promise<void>;
  private closed = false;

  constructor(options: ThreadsBackendOptions = {}) {
    const workers = options.workers ?? availableParallelism();
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_THREADS) {
      throw new InvalidOptionError(`workers must be a whole number from 1 to ${MAX_THREADS} (got ${workers})`);
    }
    this.workers = workers;
    const kernelModules = (options.kernelModules ?? []).map(moduleUrl);
    const { workerFile, ...source } = workerSource(kernelModules);
    const workerData: ThreadWorkerData = { kernelModules, workerFile };
    this.pool = new Piscina({
      ...source,
      minThreads: workers,
      maxThreads: workers,
      // Threads live as long as the backend: restarting them would cost more than a chunk.
      idleTimeout: 2 ** 31 - 1,
      concurrentTasksPerWorker: 2,
      workerData,
    });
    // A thread that dies is replaced by piscina; its task is rejected and reported by run().
    this.pool.on('error', () => {});
  }

  /**
   * Starts every thread and waits until each has loaded its modules. render() calls it in
   * its own phase, so pool start-up is never counted as compute. Idempotent.
   */
  start(): Promise<void> {
    this.starting ??= (async () => {
      // Tasks go to idle threads first, so N concurrent warm-ups reach all N threads.
      const outcomes = (await Promise.all(
        Array.from({ length: this.workers }, () => this.pool.run({ type: 'warmup' })),
      )) as WarmupOutcome[];
      for (const outcome of outcomes) this.label(outcome.threadId);
    })();
    return this.starting;
  }

  private label(threadId: number): string {
    let label = this.labels.get(threadId);
    if (!label) {
      label = `thread-${this.labels.size + 1}`;
      this.labels.set(threadId, label);
    }
    return label;
  }

  async run(job: ChunkJob, counts: Int32Array, hooks: RunHooks): Promise<void> {
    if (this.closed) throw new MandelError('ERR_UNKNOWN_BACKEND', 'this threads backend has been closed');
    if (!(counts.buffer instanceof SharedArrayBuffer)) {
      throw new InvalidOptionError('the threads backend writes into shared memory: counts must be on a SharedArrayBuffer');
    }
    await this.start();
    if (hooks.signal?.aborted) throw new AbortError();
    // On the first failure the other chunks are cancelled: the render is not complete.
    const failed = new AbortController();
    const signal = hooks.signal ? AbortSignal.any([hooks.signal, failed.signal]) : failed.signal;
    setMaxListeners(job.chunks.length + 16, signal); // piscina listens once per queued task
    const toMainClock = hooks.now() - epochNow();
    const queuedMs = hooks.now();
    let firstError: MandelError | undefined;
    const settle = job.chunks.map(async (chunk) => {
      const task: ThreadTask = { type: 'chunk', workload: job.workload, chunk, kernel: job.kernel, prune: job.prune, counts };
      try {
        const outcome = (await this.pool.run(task, { signal })) as ChunkOutcome;
        hooks.onChunk?.({
          chunk,
          worker: this.label(outcome.threadId),
          queuedMs,
          startMs: outcome.startEpochMs + toMainClock,
          endMs: outcome.endEpochMs + toMainClock,
          iterations: outcome.iterations,
          bytesIn: descriptorBytes(task),
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

  /**
   * One chunk into a buffer of its own (row-major over the chunk), for callers that move
   * chunk results elsewhere — the cluster worker stores them in Redis. The buffer is shared
   * memory, so the thread writes it in place. Rejects with the kernel's error, or with an
   * AbortError when `signal` fires (the thread running the chunk is stopped).
   */
  async computeChunk(
    workload: Workload,
    chunk: Chunk,
    kernel: string,
    prune: boolean,
    signal?: AbortSignal,
    /** Where to write (shared memory, at least the chunk's size); a fresh buffer otherwise. */
    out?: Int32Array,
  ): Promise<{ counts: Int32Array; iterations: number; worker: string; startEpochMs: number; endEpochMs: number }> {
    if (this.closed) throw new MandelError('ERR_UNKNOWN_BACKEND', 'this threads backend has been closed');
    await this.start();
    const elements = chunk.rowCount * chunk.colCount;
    if (out && (!(out.buffer instanceof SharedArrayBuffer) || out.length < elements)) {
      throw new InvalidOptionError(`computeChunk: out must be on a SharedArrayBuffer and hold ${elements} counts`);
    }
    const counts = out ? out.subarray(0, elements) : new Int32Array(new SharedArrayBuffer(elements * 4));
    const task: ThreadTask = { type: 'chunk', workload, chunk, kernel, prune, counts, packed: true };
    const outcome = (await this.pool.run(task, signal ? { signal } : {})) as ChunkOutcome;
    return {
      counts,
      iterations: outcome.iterations,
      worker: this.label(outcome.threadId),
      startEpochMs: outcome.startEpochMs,
      endEpochMs: outcome.endEpochMs,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}

/** What structured cloning carries for one chunk (the shared counts travel as a handle). */
function descriptorBytes(task: ThreadTask): number {
  if (task.type !== 'chunk') return 0;
  return Buffer.byteLength(JSON.stringify({ ...task, counts: undefined }));
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
