/**
 * The threads backend: chunks run on the thread pool, one chunk per thread at a time. All
 * chunks are queued at once and each thread takes the next as soon as it is free, so small
 * chunks balance themselves. Counts are written by the threads straight into the render's
 * SharedArrayBuffer: nothing is cloned, copied or assembled.
 *
 * The pool (piscina) loads with the first start, not with this module: a process that renders
 * on another backend, or whose work is too small for threads (`sizeToWork`), never pays for it.
 */
import { setMaxListeners } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AbortError, InvalidOptionError, MandelError } from '../errors.js';
import { axesOf, spread } from '../axis.js';
import { computeDeep, getKernel } from '../kernels/registry.js';
import type { DeepInput } from '../kernels/types.js';
import { chunkElements, type Chunk } from '../plan.js';
import type { PoolOutcome, ThreadPool, ThreadPoolOptions } from '../pool/thread-pool.js';
import { runBitmapChunk, runChunk } from '../pool/run-chunk.js';
import { epochNow, poolClosedError, threadCount, type ChunkOutcome } from '../pool/thread-task.js';
import type { Backend, BitmapJob, RenderJob, RunHooks } from './types.js';

export interface ThreadsBackendOptions {
  /** Worker threads; default: the machine's available parallelism. */
  readonly workers?: number | undefined;
  /** Modules (paths or URLs) each thread imports first, to register extra kernels. */
  readonly kernelModules?: ThreadPoolOptions['kernelModules'];
  /**
   * Start the threads only for work that needs them: until they are started, a render's chunks
   * are computed on the calling thread, from the first, and as soon as the chunks done so far
   * say the rest would take longer than starting the threads does (~0.1 s here), the threads
   * are started and take every chunk left. A render of a few milliseconds then never starts a
   * thread; a long one starts them after its first chunk (~10 ms), later than an eager start
   * would, or at once when its chunks are too big to run here without leaving Ctrl-C unanswered.
   * Built-in kernels only (the calling thread has no kernel modules); once started, the pool is
   * used as usual. Default false: every chunk runs on the threads.
   */
  readonly sizeToWork?: boolean;
}

/** Points per chunk above which the default plan splits further (~0.1–0.2 s of js work). */
const DEFAULT_CHUNK_ELEMENTS = 262_144;
/**
 * What starting the threads costs before the first chunk runs on one (loading piscina, each
 * thread's boot and modules: 80–130 ms measured here): remaining work estimated above it
 * starts them.
 */
const THREAD_START_MS = 100;
/**
 * The most point-iterations (points × maxiter: its worst case) a chunk may have to run on the
 * calling thread, which cannot answer Ctrl-C or anything else during it: ~5–10 ms of the
 * native kernel, ~90 ms of js at worst. A bigger chunk starts the threads instead. The default
 * workload's chunks (31,250 points × 1,000) fit.
 */
const HERE_CHUNK_ITERATIONS = 2 ** 25;

/**
 * Sample points a side of a deep render's probe. A deep chunk's worst case (points × maxiter)
 * says nothing of its cost where series and BLA skip 99.9% of the updates, as on most views.
 * So the kernel is timed on points spread over the view: 2 × 2 first, untimed (they take the
 * kernel's first-call costs, ~1 ms natively), then 4 × 4, and 16 × 16 only if those say the
 * 256 take under PROBE_MS — ~20 µs on a view of quick escapes. The probe's own worst
 * case (every point to maxiter) is bounded like a chunk's: 256 × maxiter within 2^25, or no
 * probe.
 */
const PROBE_SIDE = 16;

/** The longest the 16 × 16 probe may hold this thread, as the 4 × 4 probe foresees it. */
const PROBE_MS = 20;

export class ThreadsBackend implements Backend {
  readonly name = 'threads';
  readonly sharedMemory = true;
  readonly workers: number;
  private readonly options: ThreadsBackendOptions;
  private loading?: Promise<ThreadPool>;
  private pool?: ThreadPool;
  private online = false;
  private isClosed = false;

  constructor(options: ThreadsBackendOptions = {}) {
    this.workers = threadCount(options.workers);
    this.options = options;
  }

  /**
   * Four chunks per worker, so dynamic pulling can even out what the schedule did not, and
   * more for big renders so progress moves. Not more: a task costs 0.1–0.4 ms of hand-over
   * on this kind of machine (bench/threads.ts).
   */
  defaultChunks(elements: number, maxiter: number): number {
    const chunks = Math.max(4 * this.workers, Math.ceil(elements / DEFAULT_CHUNK_ELEMENTS));
    if (!this.options.sizeToWork) return chunks;
    // Sized to the work, the first chunks run on this thread, so they must fit its limit —
    // whatever the core count (on one core, 4 chunks of the default workload would not) —
    // up to 8 a thread, past which a render is big enough for the threads anyway.
    return Math.max(chunks, Math.min(Math.ceil((elements * maxiter) / HERE_CHUNK_ITERATIONS), 8 * this.workers));
  }

  /**
   * Starts every thread and waits until each has loaded its modules. render() calls it in
   * its own phase, so pool start-up is never counted as compute. Idempotent.
   */
  async start(): Promise<void> {
    if (this.options.sizeToWork) return; // run() starts them when the work needs them
    await this.startPool();
  }

  /** The pool's thread ids seen so far (a thread that died is replaced by a new id). */
  threadIds(): number[] {
    return this.pool?.threadIds() ?? [];
  }

  /** Loads piscina, starts every thread and waits until each is online. Idempotent. */
  private async startPool(): Promise<ThreadPool> {
    this.loading ??= import('../pool/thread-pool.js').then(({ ThreadPool }) => {
      if (this.isClosed) throw poolClosedError();
      this.pool = new ThreadPool({ threads: this.workers, kernelModules: this.options.kernelModules });
      return this.pool;
    });
    const pool = await this.loading;
    await pool.start();
    this.online = true;
    return pool;
  }

  async run(job: RenderJob, counts: Int32Array, hooks: RunHooks, smooth?: Float32Array): Promise<void> {
    if (!(counts.buffer instanceof SharedArrayBuffer) || (smooth && !(smooth.buffer instanceof SharedArrayBuffer))) {
      throw new InvalidOptionError('the threads backend writes into shared memory: counts and smooth must be on a SharedArrayBuffer');
    }
    // Set when the render is cancelled or a chunk fails: the native kernel then stops within a
    // block, where terminating its thread alone would leave the C loop running to its end.
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const base = {
      workload: job.workload,
      kernel: job.kernel,
      prune: job.prune,
      counts,
      ...(smooth ? { smooth } : {}),
      cancel,
      ...(job.deep ? { deep: job.deep } : {}),
    };
    const board = hooks.onChunkStart ? new StartBoard(job.chunks, hooks, (id) => this.pool?.label(id) ?? `thread ${id}`) : undefined;
    try {
      await this.runAll(
        job.chunks,
        job.kernel,
        job.workload.maxiter,
        board?.hooks ?? hooks,
        descriptorBytes({ ...base, chunk: job.chunks[0] }),
        {
          post: (pool, chunk, signal) => pool.run({ ...base, chunk, ...(board ? { started: board.slotOf(chunk) } : {}) }, signal),
          here: (chunk) => {
            board?.startedHere(chunk);
            return runChunk({ ...base, chunk });
          },
        },
        job.background === true,
        cancel,
        job.deep ? () => deepEstimateMs(job, job.deep!) : undefined,
      );
    } finally {
      board?.close();
    }
  }

  async runBitmap(job: BitmapJob, bits: Uint8Array, hooks: RunHooks): Promise<void> {
    if (!(bits.buffer instanceof SharedArrayBuffer)) {
      throw new InvalidOptionError('the threads backend writes into shared memory: bits must be on a SharedArrayBuffer');
    }
    const base = { workload: job.workload, kernel: job.kernel, prune: job.prune, bits };
    await this.runAll(job.chunks, job.kernel, job.workload.maxiter, hooks, descriptorBytes({ ...base, chunk: job.chunks[0] }), {
      post: (pool, chunk, signal) => pool.runBitmap({ ...base, chunk }, signal),
      here: (chunk) => runBitmapChunk({ ...base, chunk }),
    });
  }

  /**
   * Every chunk, each on the next free thread — first on this one, with `sizeToWork`, while the
   * threads are not started. On the first failure the others are cancelled.
   */
  private async runAll(
    chunks: readonly Chunk[],
    kernel: string,
    maxiter: number,
    hooks: RunHooks,
    bytesIn: number,
    runners: {
      post: (pool: ThreadPool, chunk: Chunk, signal: AbortSignal) => Promise<PoolOutcome>;
      here: (chunk: Chunk) => Omit<ChunkOutcome, 'threadId'>;
    },
    background = false,
    cancel?: Int32Array,
    /** This thread's estimate of the whole job, in ms, for jobs points × maxiter cannot bound. */
    estimateMs?: () => number | undefined,
  ): Promise<void> {
    if (this.isClosed) throw poolClosedError();
    const helping = this.options.sizeToWork === true && !this.online && this.runsHere(kernel);
    // Threads started here, inside the compute phase, are reported as start-up (not hand-over).
    const startHere = async () => {
      const wasOnline = this.online;
      const startMs = hooks.now();
      const pool = await this.startPool();
      if (!wasOnline) hooks.onThreadsStarted?.(startMs, hooks.now());
      return pool;
    };
    if (!helping) await startHere();
    if (hooks.signal?.aborted) throw new AbortError();
    const failed = new AbortController();
    const signal = hooks.signal ? AbortSignal.any([hooks.signal, failed.signal]) : failed.signal;
    setMaxListeners(chunks.length + 16, signal); // piscina listens once per queued task
    if (cancel) signal.addEventListener('abort', () => Atomics.store(cancel, 0, 1), { once: true });
    const toMainClock = hooks.now() - epochNow();
    const queuedMs = hooks.now();
    let next = 0;
    let firstError: MandelError | undefined;
    const report = (chunk: Chunk, outcome: Omit<ChunkOutcome, 'threadId'>, worker: string) =>
      hooks.onChunk?.({
        chunk,
        worker,
        queuedMs,
        startMs: outcome.startEpochMs + toMainClock,
        endMs: outcome.endEpochMs + toMainClock,
        iterations: outcome.iterations,
        bytesIn: worker === 'main' ? 0 : bytesIn,
        bytesOut: 0, // written in place on shared memory
      });
    const fail = (chunk: Chunk, error: unknown, where = 'a worker thread') => {
      if (signal.aborted && !failed.signal.aborted) return; // the caller cancelled
      if (firstError) return; // cancelled because another chunk failed first
      firstError = chunkError(chunk, error, where);
      failed.abort();
    };
    // Every chunk not taken yet is queued at once: each thread takes the next as soon as it is
    // free, and piscina hands a thread its next task before the last is done. In the background,
    // one chunk per thread is queued at a time, so other work queued meanwhile goes between.
    const onThreads = async (pool: ThreadPool) => {
      const rest = chunks.slice(next);
      next = chunks.length;
      let taken = 0;
      const feeders = background ? Math.min(this.workers, rest.length) : rest.length;
      await Promise.all(
        Array.from({ length: feeders }, async () => {
          while (taken < rest.length && !signal.aborted) {
            const chunk = rest[taken++]!;
            try {
              const outcome = await runners.post(pool, chunk, signal);
              report(chunk, outcome, outcome.worker);
            } catch (error) {
              fail(chunk, error);
            }
          }
        }),
      );
    };
    if (!helping) {
      await onThreads(this.pool!);
    } else {
      // This thread computes from the first chunk until the rest looks longer than starting the
      // threads, or the next chunk is too big to run here; then it starts them and leaves every
      // chunk left to them. (Computing on while they boot was measured: the boot, sharing two
      // cores with this thread, took 255 ms instead of 70–90, and the render was slower.)
      const started = epochNow();
      // A deep job runs here only when the probe says the whole of it is shorter than starting
      // the threads; its chunks are then small enough too. Each chunk done re-checks below.
      const estimate = estimateMs?.(); // undefined: no probe, points × maxiter bounds a chunk
      while (next < chunks.length && !signal.aborted) {
        if (estimate !== undefined ? estimate > THREAD_START_MS : chunkElements(chunks[next]!) * maxiter > HERE_CHUNK_ITERATIONS) break;
        const chunk = chunks[next++]!;
        try {
          report(chunk, runners.here(chunk), 'main');
        } catch (error) {
          fail(chunk, error, 'the main thread');
        }
        if (((epochNow() - started) / next) * (chunks.length - next) > THREAD_START_MS) break;
        await yieldToEventLoop(); // progress, Ctrl-C
      }
      if (next < chunks.length && !signal.aborted) await onThreads(await startHere());
    }
    if (hooks.signal?.aborted) throw new AbortError();
    if (firstError) throw firstError;
  }

  /** Whether this thread can run the kernel: a built-in one (kernel modules load on the threads only). */
  private runsHere(kernel: string): boolean {
    if ((this.options.kernelModules ?? []).length > 0) return false;
    try {
      getKernel(kernel);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.isClosed = true;
    const pool = await this.loading?.catch(() => undefined);
    await pool?.close();
  }
}

/**
 * How long the whole deep job would take on this thread, in ms, from the kernel timed on points
 * spread over the view (counts written to a scratch array); undefined where no probe is made:
 * nothing skipped (every update performed: points × maxiter is its cost), or maxiter too high
 * for the probe's worst case.
 */
function deepEstimateMs(job: RenderJob, deep: DeepInput): number | undefined {
  const { maxiter } = job.workload;
  if ((!deep.series && !deep.bla) || PROBE_SIDE * PROBE_SIDE * maxiter > HERE_CHUNK_ITERATIONS) return undefined;
  const { re, im } = axesOf(job.workload);
  const kernel = getKernel(job.kernel);
  /** ms a point, on side × side points. */
  const timed = (side: number) => {
    const sre = spread(re, side);
    const sim = spread(im, side);
    const out = new Int32Array(sre.length * sim.length);
    const start = performance.now();
    computeDeep(kernel, { re: sre, im: sim, maxiter, out, offset: 0, rowStride: sre.length, prune: job.prune }, deep);
    return (performance.now() - start) / out.length;
  };
  timed(2);
  // 4 × 4 first (a call costs ~7 µs besides its points: it overstates quick views 10-fold),
  // then 16 × 16 where those say the 256 take under PROBE_MS.
  const rough = timed(4);
  return (rough * PROBE_SIDE * PROBE_SIDE > PROBE_MS ? rough : timed(PROBE_SIDE)) * re.length * im.length;
}

/**
 * Running chunks, for a watcher (the dashboard's task stream): each thread writes its threadId
 * and start time into the chunk's slot of one shared board as it starts; this thread reads the
 * board every POLL_MS, and once more before each chunk's end is reported, so every start comes
 * before its end. Piscina says nothing when a thread picks a task up: hence the board.
 */
class StartBoard {
  static readonly POLL_MS = 50;
  private readonly board: Float64Array;
  private readonly slots = new Map<Chunk, number>();
  private readonly reported: Uint8Array;
  private readonly timer: NodeJS.Timeout;
  readonly hooks: RunHooks;

  constructor(
    chunks: readonly Chunk[],
    private readonly outer: RunHooks,
    label: (threadId: number) => string,
  ) {
    this.board = new Float64Array(new SharedArrayBuffer(16 * Math.max(1, chunks.length)));
    this.reported = new Uint8Array(chunks.length);
    chunks.forEach((chunk, slot) => this.slots.set(chunk, slot));
    const toMainClock = outer.now() - epochNow();
    this.poll = () => {
      for (let slot = 0; slot < chunks.length; slot++) {
        if (this.reported[slot] || this.board[2 * slot] === 0) continue;
        this.reported[slot] = 1;
        outer.onChunkStart?.({
          chunk: chunks[slot]!,
          worker: label(this.board[2 * slot]!),
          startMs: this.board[2 * slot + 1]! + toMainClock,
        });
      }
    };
    this.timer = setInterval(this.poll, StartBoard.POLL_MS).unref();
    this.hooks = {
      ...outer,
      onChunk: (event) => {
        this.poll();
        outer.onChunk?.(event);
      },
    };
  }

  private readonly poll: () => void;

  slotOf(chunk: Chunk): { board: Float64Array; slot: number } {
    return { board: this.board, slot: this.slots.get(chunk)! };
  }

  /** A chunk this thread runs itself (before the threads start): its start, now. */
  startedHere(chunk: Chunk): void {
    const slot = this.slots.get(chunk)!;
    this.reported[slot] = 1;
    this.outer.onChunkStart?.({ chunk, worker: 'main', startMs: this.outer.now() });
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/**
 * What structured cloning carries for one chunk (the shared counts or bits travel as a
 * handle). Chunk descriptors differ by a few digits: measured once a render, on its first.
 */
function descriptorBytes(task: object): number {
  return Buffer.byteLength(
    JSON.stringify({ type: 'chunk', ...task, counts: undefined, smooth: undefined, bits: undefined, deep: undefined, cancel: undefined }),
  );
}

function chunkError(chunk: Chunk, error: unknown, where: string): MandelError {
  const reason = error instanceof Error ? error.message : String(error);
  const rows =
    chunk.rowStep === 1 ? `rows ${chunk.row0}–${chunk.row0 + chunk.rowCount - 1}` : `every ${chunk.rowStep}th row from ${chunk.row0}`;
  return new MandelError(
    'ERR_CHUNK_FAILED',
    `chunk ${chunk.id} (${rows}, columns ${chunk.col0}–${chunk.col0 + chunk.colCount - 1}) failed in ${where}: ${reason}`,
    { cause: error },
  );
}
