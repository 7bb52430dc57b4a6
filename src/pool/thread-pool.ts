/**
 * The thread pool: a piscina pool of worker threads that run one chunk each at a time, and
 * the labels ("thread-1", …) that name them in traces. The threads backend and the cluster
 * worker both run chunks through it; neither knows the other.
 */
import { Piscina } from 'piscina';
import { InvalidOptionError } from '../errors.js';
import {
  poolClosedError,
  threadCount,
  type BitmapTask,
  type BitmapWork,
  type ChunkOutcome,
  type ChunkTask,
  type ChunkWork,
  type ThreadTask,
  type ThreadWorkerData,
  type WarmupOutcome,
} from './thread-task.js';

export { epochNow, type BitmapWork, type ChunkWork } from './thread-task.js';

export interface ThreadPoolOptions {
  /** Worker threads; default: the machine's available parallelism. */
  readonly threads?: number;
  /** Modules (paths or URLs) each thread imports first, to register extra kernels. */
  readonly kernelModules?: readonly (string | URL)[];
}

export interface PoolOutcome extends ChunkOutcome {
  /** The thread's label in traces: "thread-1", "thread-2", … (a replaced thread gets a new one). */
  readonly worker: string;
}

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

/** A module given as a path (relative to the working directory) or URL, as a URL string. */
export function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^(file|data):/.test(module)) return module;
  return new URL(module, `file://${process.cwd()}/`).href;
}

export class ThreadPool {
  readonly threads: number;
  private readonly pool: Piscina<ThreadTask, ChunkOutcome | WarmupOutcome>;
  private readonly labels = new Map<number, string>();
  private starting?: Promise<void>;
  private isClosed = false;

  constructor(options: ThreadPoolOptions = {}) {
    const threads = threadCount(options.threads);
    this.threads = threads;
    const kernelModules = (options.kernelModules ?? []).map(moduleUrl);
    const { workerFile, ...source } = workerSource(kernelModules);
    const workerData: ThreadWorkerData = { kernelModules, workerFile };
    this.pool = new Piscina({
      ...source,
      minThreads: threads,
      maxThreads: threads,
      // Threads live as long as the pool: restarting them would cost more than a chunk.
      idleTimeout: 2 ** 31 - 1,
      concurrentTasksPerWorker: 2,
      workerData,
    });
    // A thread that dies is replaced by piscina; its task is rejected and reported by the caller.
    this.pool.on('error', () => {});
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Thread ids seen so far, in the order their labels were given. */
  threadIds(): number[] {
    return [...this.labels.keys()];
  }

  /** Starts every thread and waits until each has loaded its modules. Idempotent. */
  start(): Promise<void> {
    this.checkOpen();
    this.starting ??= (async () => {
      // Tasks go to idle threads first, so N concurrent warm-ups reach all N threads.
      const outcomes = (await Promise.all(
        Array.from({ length: this.threads }, () => this.pool.run({ type: 'warmup' })),
      )) as WarmupOutcome[];
      for (const outcome of outcomes) this.label(outcome.threadId);
    })();
    return this.starting;
  }

  /**
   * Runs one chunk on the next free thread; the thread writes its counts in place. Rejects
   * with the kernel's error, or with piscina's abort error when `signal` fires (the thread
   * running the chunk is stopped and replaced).
   */
  async run(task: ChunkWork, signal?: AbortSignal): Promise<PoolOutcome> {
    return this.post({ type: 'chunk', ...task }, task.counts, signal);
  }

  /** Runs one chunk of whole rows as membership bits, written in place into `task.bits`. */
  async runBitmap(task: BitmapWork, signal?: AbortSignal): Promise<PoolOutcome> {
    return this.post({ type: 'bitmap', ...task }, task.bits, signal);
  }

  private async post(message: ChunkTask | BitmapTask, output: ArrayBufferView, signal?: AbortSignal): Promise<PoolOutcome> {
    this.checkOpen();
    if (!(output.buffer instanceof SharedArrayBuffer)) {
      throw new InvalidOptionError(
        `the thread pool writes into shared memory: ${message.type === 'chunk' ? 'counts' : 'bits'} must be on a SharedArrayBuffer`,
      );
    }
    await this.start();
    const outcome = (await this.pool.run(message, signal ? { signal } : {})) as ChunkOutcome;
    return { ...outcome, worker: this.label(outcome.threadId) };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.pool.destroy();
  }

  /** The label ("thread-2") of a thread, by its threadId: the same one its chunks report. */
  label(threadId: number): string {
    let label = this.labels.get(threadId);
    if (!label) {
      label = `thread-${this.labels.size + 1}`;
      this.labels.set(threadId, label);
    }
    return label;
  }

  private checkOpen(): void {
    if (this.isClosed) throw poolClosedError();
  }
}
