/**
 * render(): the whole flow for one workload — plan, run the chunks on a backend, check
 * and summarise the counts — with a trace of every step. This is the library's main entry;
 * the CLI is a thin layer over it.
 */
import { AbortError, InvalidOptionError, MandelError } from './errors.js';
import { SerialBackend } from './backends/serial.js';
import { ThreadsBackend } from './backends/threads.js';
import { checkRedisUrl } from './cluster/url.js';
import { DEFAULT_CLUSTER_CHUNKS } from './cluster/wire.js';
import type { Backend } from './backends/types.js';
import { getKernel } from './kernels/registry.js';
import { chunkElements, planChunks, type Schedule } from './plan.js';
import { TraceRecorder, type Trace } from './trace.js';
import { axesOf, elementsOf, type Workload } from './workload.js';

export interface RenderOptions {
  /** A backend instance (the caller closes it) or a built-in name. Default: threads. */
  readonly backend?: Backend | BackendName;
  /** Threads of a built-in threads backend; default: the machine's available parallelism. */
  readonly workers?: number;
  /** Modules each worker thread imports to register extra kernels (built-in threads backend). */
  readonly kernelModules?: readonly (string | URL)[];
  /** Redis URL of the built-in cluster backend. */
  readonly redis?: string;
  /** A registered kernel, or `auto` (the default): the fastest available here. */
  readonly kernel?: string;
  /** Skip work that provably cannot change a count (default true); false for brute force. */
  readonly prune?: boolean;
  readonly schedule?: Schedule;
  /** Default: see defaultChunkCount (4 per worker, more for big renders). */
  readonly chunks?: number;
  readonly signal?: AbortSignal;
  /** Points done so far, out of the total; called after every chunk. */
  readonly onProgress?: (doneElements: number, totalElements: number) => void;
  /**
   * Where phases and chunks are recorded. Pass your own to time later steps (outputs) on
   * the same clock, or to record memory deltas per phase.
   */
  readonly recorder?: TraceRecorder;
}

export interface RenderResult {
  readonly workload: Workload;
  readonly rows: number;
  readonly cols: number;
  readonly elements: number;
  readonly maxiter: number;
  /** Escape counts, row-major, top row first (on a SharedArrayBuffer for the threads backend). */
  readonly counts: Int32Array;
  /** The tutorial's validation figure: the sum of all counts. */
  readonly sum: number;
  /** z updates performed. */
  readonly iterations: number;
  /** z updates brute force needs for the same counts; equals `iterations` without pruning. */
  readonly bruteForceIterations: number;
  /** The compute phase alone: from the first chunk queued to the last chunk done. */
  readonly computeMs: number;
  readonly backend: string;
  readonly kernel: string;
  readonly prune: boolean;
  readonly workers: number;
  readonly chunks: number;
  readonly trace: Trace;
}

/**
 * Interleaved rows by default: every chunk samples the whole image, so chunks cost about
 * the same whatever the region (contiguous bands of a zoom can differ a hundredfold).
 */
export const DEFAULT_SCHEDULE: Schedule = 'interleaved';
/** Points per chunk above which the default plan splits further (~0.1–0.2 s of js work). */
export const DEFAULT_CHUNK_ELEMENTS = 262_144;

/**
 * The default chunk count: four per worker, so dynamic pulling can even out what the
 * schedule did not, and more for big renders so progress moves. Not more: a task costs
 * 0.1–0.4 ms of hand-over on this kind of machine (bench/threads.ts). The serial backend
 * has no hand-over cost, so it takes 100 chunks for a smooth progress bar.
 */
export function defaultChunkCount(workers: number, elements: number, backend: string): number {
  if (backend === 'serial') return 100;
  if (backend === 'cluster') return DEFAULT_CLUSTER_CHUNKS;
  return Math.max(4 * workers, Math.ceil(elements / DEFAULT_CHUNK_ELEMENTS));
}

export async function render(workload: Workload, options: RenderOptions = {}): Promise<RenderResult> {
  const kernel = getKernel(options.kernel ?? 'auto');
  const ownBackend = options.backend === undefined || typeof options.backend === 'string';
  const backend = ownBackend
    ? await createBackend((options.backend as BackendName | undefined) ?? 'threads', {
        workers: options.workers,
        kernelModules: options.kernelModules,
        redis: options.redis,
      })
    : (options.backend as Backend);
  const recorder = options.recorder ?? new TraceRecorder();
  const rows = workload.im.count;
  const cols = workload.re.count;
  const elements = elementsOf(workload);
  try {
    if (options.signal?.aborted) throw new AbortError();
    const chunks = planChunks(workload, {
      schedule: options.schedule ?? DEFAULT_SCHEDULE,
      chunks: options.chunks ?? defaultChunkCount(backend.workers, elements, backend.name),
    });
    if (backend.start) await recorder.phase('start workers', () => backend.start!());
    await recorder.phase('coordinates', () => axesOf(workload));
    // Shared memory when threads write every chunk in place (no copy, no clone); plain memory
    // otherwise, where copies into it take V8's fast path (into shared memory they do not).
    const counts = await recorder.phase('allocate', () => {
      const bytes = elements * Int32Array.BYTES_PER_ELEMENT;
      return new Int32Array(backend.sharedMemory ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    });
    let doneElements = 0;
    let iterations = 0;
    const computeStart = recorder.now();
    await recorder.phase('compute', () =>
      backend.run({ workload, chunks, kernel: kernel.name, prune: options.prune ?? true }, counts, {
        signal: options.signal,
        now: () => recorder.now(),
        onChunk: (event) => {
          recorder.chunk(event);
          iterations += event.iterations;
          doneElements += chunkElements(event.chunk);
          options.onProgress?.(doneElements, elements);
        },
      }),
    );
    const computeMs = recorder.now() - computeStart;
    if (recorder.trace.chunks.length !== chunks.length) {
      throw new MandelError(
        'ERR_CHUNK_FAILED',
        `backend ${backend.name} reported ${recorder.trace.chunks.length} of ${chunks.length} chunks`,
      );
    }
    const { sum, bruteForceIterations } = await recorder.phase('summarise', () => summarise(counts, workload.maxiter));
    return {
      workload,
      rows,
      cols,
      elements,
      maxiter: workload.maxiter,
      counts,
      sum,
      iterations,
      bruteForceIterations,
      computeMs,
      backend: backend.name,
      kernel: kernel.name,
      prune: options.prune ?? true,
      workers: backend.workers,
      chunks: chunks.length,
      trace: recorder.trace,
    };
  } finally {
    // A pool started for this render is stopped with it; that takes time too, so it is traced.
    if (ownBackend) {
      if (backend.start) await recorder.phase('stop workers', () => backend.close());
      else await backend.close();
    }
  }
}

export const BACKENDS = ['threads', 'serial', 'cluster'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendOptions {
  readonly workers?: number | undefined;
  readonly kernelModules?: readonly (string | URL)[] | undefined;
  /** The cluster backend's Redis URL. */
  readonly redis?: string | undefined;
}

/** A built-in backend by name. The caller closes it. (Async: the cluster's client loads on demand.) */
export async function createBackend(name: string, options: BackendOptions = {}): Promise<Backend> {
  switch (name) {
    case 'serial':
      if (options.workers !== undefined && options.workers !== 1) {
        throw new InvalidOptionError(`the serial backend has exactly one worker (got workers ${options.workers}); use the threads backend`);
      }
      return new SerialBackend();
    case 'threads':
      return new ThreadsBackend({ workers: options.workers, kernelModules: options.kernelModules });
    case 'cluster':
      if (options.workers !== undefined)
        throw new InvalidOptionError('the cluster backend has as many workers as run `mandel worker`; drop --workers');
      {
        const redis = checkRedisUrl(options.redis);
        const { ClusterBackend } = await import('./backends/cluster.js');
        return new ClusterBackend({ redis });
      }
    default:
      throw new MandelError('ERR_UNKNOWN_BACKEND', `unknown backend "${name}"; available: ${BACKENDS.join(', ')}`);
  }
}

/** The validation sum, and the updates brute force needs: k + 1 for a point escaping at k. */
export function summarise(counts: Int32Array, maxiter: number): { sum: number; bruteForceIterations: number } {
  let sum = 0;
  let bruteForceIterations = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    sum += count;
    bruteForceIterations += count < maxiter ? count + 1 : maxiter;
  }
  return { sum, bruteForceIterations };
}
