/**
 * render(): the whole flow for one workload — plan, run the chunks on a backend, check
 * and summarise the counts — with a trace of every step. This is the library's main entry;
 * the CLI is a thin layer over it. It names no backend: each says its own default chunk
 * count and checks its own options.
 */
import { axesOf } from './axis.js';
import { createBackend, DEFAULT_BACKEND, type BackendName } from './create-backend.js';
import type { Backend, RunHooks } from './backends/types.js';
import { AbortError, InvalidOptionError, MandelError } from './errors.js';
import { deepCentre, orbitPrefix, referenceBits, referenceOrbitAsync, type ReferenceOrbit } from './deep/reference.js';
import { deepInputOf } from './kernels/perturbation.js';
import { getDeepKernel, getKernel } from './kernels/registry.js';
import { chunkElements, DEFAULT_SCHEDULE, planChunks, type Schedule } from './plan.js';
import { toRenderResult, type RenderResult } from './result.js';
import { PHASE, TraceRecorder, type ChunkEvent, type ChunkStart } from './trace.js';
import { elementsOf } from './grid.js';
import type { Workload } from './workload.js';

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
  /**
   * Also compute each point's smooth fraction (kernels/smooth.ts): the result's `smooth`, μ =
   * count + fraction, for colours without steps. Counts are the same either way. Default false.
   */
  readonly smooth?: boolean;
  readonly schedule?: Schedule;
  /** Default: the backend's own rule (threads: 4 per worker, more for big renders). */
  readonly chunks?: number;
  readonly signal?: AbortSignal;
  /** Points done so far, out of the total; called after every chunk. */
  readonly onProgress?: (doneElements: number, totalElements: number) => void;
  /** Each chunk as it finishes (times on the recorder's clock; add `trace.originEpochMs` for epoch ms). */
  readonly onChunk?: (event: ChunkEvent) => void;
  /** Each chunk as it starts, on the backends that report it (threads), before its onChunk. */
  readonly onChunkStart?: (event: ChunkStart) => void;
  /** Lines worth telling the user while the render runs (the cluster backend: the render's id). */
  readonly onNote?: (note: string) => void;
  /**
   * Where phases and chunks are recorded. Pass your own to time later steps (outputs) on
   * the same clock, or to record memory deltas per phase.
   */
  readonly recorder?: TraceRecorder;
  /**
   * The array the counts are written into, instead of a new one: one element per point, on a
   * SharedArrayBuffer when the backend writes in place (`backend.sharedMemory`). For a caller
   * that renders many small workloads and copies each result away (the tile server): a new
   * 256 KiB SharedArrayBuffer costs ~0.4 ms of the main thread here, more than a tile's copy.
   * The result's `counts` is this array.
   */
  readonly into?: Int32Array;
  /** The array the smooth fractions are written into (with `smooth`), as `into` is for the counts. */
  readonly smoothInto?: Float32Array;
  /** Let other renders on the same backend go first (RenderJob.background). Default false. */
  readonly background?: boolean;
  /**
   * A deep workload's reference orbit, when the caller has it already: the orbit at the
   * workload's centre, at referenceBits(workload.deep) bits, for at least its maxiter (a longer
   * one serves: only its first maxiter + 1 values are used). On shared memory for a backend
   * with `sharedMemory`. Default: computed here.
   */
  readonly reference?: ReferenceOrbit;
}

export const RENDER_OPTIONS: readonly string[] = [
  'backend',
  'workers',
  'kernelModules',
  'redis',
  'kernel',
  'prune',
  'smooth',
  'schedule',
  'chunks',
  'signal',
  'onProgress',
  'onChunk',
  'onChunkStart',
  'onNote',
  'recorder',
  'into',
  'smoothInto',
  'background',
  'reference',
] satisfies (keyof RenderOptions)[];

/** Refuses option names a call does not know (a typo would otherwise be ignored in silence). */
export function checkOptionNames(options: object, known: readonly string[], what: string): void {
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new InvalidOptionError(
      `unknown ${what} option${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; known: ${known.join(', ')}`,
    );
  }
}

export async function render(workload: Workload, options: RenderOptions = {}): Promise<RenderResult> {
  checkOptionNames(options, RENDER_OPTIONS, 'render');
  const kernel = workload.deep ? getDeepKernel(options.kernel ?? 'auto') : getKernel(options.kernel ?? 'auto');
  const recorder = options.recorder ?? new TraceRecorder();
  const elements = elementsOf(workload);
  const prune = options.prune ?? true;
  return withBackend(options, recorder, async (backend) => {
    if (options.signal?.aborted) throw new AbortError();
    const chunks = planChunks(workload, {
      schedule: options.schedule ?? DEFAULT_SCHEDULE,
      chunks: options.chunks ?? backend.defaultChunks(elements, workload.maxiter),
    });
    if (backend.start) await recorder.phase(PHASE.startWorkers, () => backend.start!());
    await recorder.phase(PHASE.coordinates, () => axesOf(workload));
    const deep = workload.deep;
    const allocate = (bytes: number) => (backend.sharedMemory ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const reference = deep
      ? await recorder.phase(PHASE.reference, async () => {
          // In slices: the event loop (a server's other requests, Ctrl-C) is never held long.
          return options.reference
            ? orbitPrefix(options.reference, workload.maxiter)
            : await referenceOrbitAsync(deepCentre(deep), referenceBits(deep), workload.maxiter, { allocate, signal: options.signal });
        })
      : undefined;
    // Built here only for a backend that uses them (the cluster's workers derive their own).
    const deepInput =
      deep && reference
        ? backend.deepInput === 'orbit'
          ? { reference, exponent: deep.exponent }
          : await recorder.phase(PHASE.skipTables, () => deepInputOf(workload, reference, prune, allocate))
        : undefined;
    // Shared memory when threads write every chunk in place (no copy, no clone); plain memory
    // otherwise, where copies into it take V8's fast path (into shared memory they do not).
    const counts = await recorder.phase(PHASE.allocate, () => {
      if (options.into) return checkInto(options.into, elements, backend);
      return new Int32Array(allocate(elements * Int32Array.BYTES_PER_ELEMENT));
    });
    const smooth = options.smooth
      ? options.smoothInto
        ? checkInto(options.smoothInto, elements, backend, Float32Array, 'smoothInto')
        : new Float32Array(allocate(elements * Float32Array.BYTES_PER_ELEMENT))
      : undefined;
    await recorder.phase(PHASE.compute, () =>
      backend.run(
        {
          workload,
          chunks,
          kernel: kernel.name,
          prune,
          ...(deepInput ? { deep: deepInput } : {}),
          ...(options.background ? { background: true } : {}),
        },
        counts,
        runHooks(recorder, options, elements),
        smooth,
      ),
    );
    checkEveryChunk(recorder, chunks.length, backend);
    return await recorder.phase(PHASE.summarise, () =>
      toRenderResult({
        workload,
        counts,
        ...(smooth ? { smooth } : {}),
        trace: recorder.trace,
        backend: backend.name,
        kernel: kernel.name,
        prune,
        workers: backend.workers,
      }),
    );
  });
}

/**
 * Runs `use` on the backend the options name: an instance, which its caller keeps and closes,
 * or a built-in one made for this render and stopped with it — which takes time too, so it is
 * traced.
 */
export async function withBackend<T>(
  options: Pick<RenderOptions, 'backend' | 'workers' | 'kernelModules' | 'redis'>,
  recorder: TraceRecorder,
  use: (backend: Backend) => Promise<T>,
): Promise<T> {
  if (options.backend !== undefined && typeof options.backend !== 'string') return use(options.backend);
  const backend = await createBackend(options.backend ?? DEFAULT_BACKEND, {
    workers: options.workers,
    kernelModules: options.kernelModules,
    redis: options.redis,
  });
  try {
    return await use(backend);
  } finally {
    if (backend.start) await recorder.phase(PHASE.stopWorkers, () => backend.close());
    else await backend.close();
  }
}

/** What a render gives its backend to report to: each chunk traced, passed on, counted for progress. */
export function runHooks(
  recorder: TraceRecorder,
  options: Pick<RenderOptions, 'signal' | 'onChunk' | 'onChunkStart' | 'onProgress' | 'onNote'>,
  elements: number,
): RunHooks {
  let doneElements = 0;
  return {
    signal: options.signal,
    now: () => recorder.now(),
    ...(options.onNote ? { onNote: options.onNote } : {}),
    ...(options.onChunkStart ? { onChunkStart: options.onChunkStart } : {}),
    onThreadsStarted: (startMs, endMs) => recorder.threadsStarted(startMs, endMs),
    onChunk: (event) => {
      recorder.chunk(event);
      options.onChunk?.(event);
      doneElements += chunkElements(event.chunk);
      options.onProgress?.(doneElements, elements);
    },
  };
}

/** A backend that resolved without reporting every chunk has not rendered the image. */
export function checkEveryChunk(recorder: TraceRecorder, chunks: number, backend: Backend): void {
  if (recorder.trace.chunks.length !== chunks) {
    throw new MandelError('ERR_CHUNK_FAILED', `backend ${backend.name} reported ${recorder.trace.chunks.length} of ${chunks} chunks`);
  }
}

function checkInto<T extends Int32Array | Float32Array>(
  into: T,
  elements: number,
  backend: Backend,
  type: typeof Int32Array | typeof Float32Array = Int32Array,
  name = 'into',
): T {
  if (!(into instanceof type) || into.length !== elements) {
    throw new InvalidOptionError(
      `${name} must be a${type === Int32Array ? 'n' : ''} ${type.name} of ${elements} elements, one per point of the workload`,
    );
  }
  if (backend.sharedMemory && !(into.buffer instanceof SharedArrayBuffer)) {
    throw new InvalidOptionError(`the ${backend.name} backend writes in place: ${name} must be on a SharedArrayBuffer`);
  }
  return into;
}
