/**
 * renderBitmap(): a render that keeps one bit a point — whether it never escapes — instead of
 * its count, packed as the rows of a PBM (P4) image. For the Benchmarks Game's mandelbrot
 * (N × N points, one bit each): at N = 16000 the counts are 1 GB of int32 and the bits 32 MB,
 * and a kernel that only needs to know whether a point escaped can stop a group of points as
 * soon as all of them have (kernels/bitmap.ts, native/bitmap.c). The bits are exactly those of
 * `count == maxiter` from render() (a test compares them for every kernel).
 *
 * Backends with a bitmap path (serial, threads) run it; the cluster stores counts, so there
 * render() and encodePbm() give the same image.
 */
import { AbortError, InvalidOptionError } from './errors.js';
import { elementsOf } from './grid.js';
import { rowBytesOf } from './kernels/bitmap.js';
import { getKernel } from './kernels/registry.js';
import { DEFAULT_SCHEDULE, planChunks } from './plan.js';
import { checkEveryChunk, checkOptionNames, RENDER_OPTIONS, runHooks, withBackend, type RenderOptions } from './render.js';
import type { RenderResult } from './result.js';
import { PHASE, TraceRecorder, computeSpanMs } from './trace.js';
import type { Workload } from './workload.js';

/** render()'s options that a bitmap render takes; `prune` skips the main cardioid and period-2 bulb. */
export type BitmapOptions = Pick<
  RenderOptions,
  'backend' | 'workers' | 'kernelModules' | 'kernel' | 'prune' | 'schedule' | 'chunks' | 'signal' | 'onProgress' | 'onChunk' | 'recorder'
>;

/** render()'s options that a bitmap render has no use for; the others are its own. */
const NOT_FOR_BITMAPS: readonly string[] = ['redis', 'onNote', 'into'] satisfies Exclude<keyof RenderOptions, keyof BitmapOptions>[];
const BITMAP_OPTIONS = RENDER_OPTIONS.filter((name) => !NOT_FOR_BITMAPS.includes(name));

/** What render() reports, with bits instead of counts (and no validation sum, which needs counts). */
export interface BitmapResult extends Pick<
  RenderResult,
  'workload' | 'rows' | 'cols' | 'elements' | 'maxiter' | 'computeMs' | 'backend' | 'kernel' | 'prune' | 'workers' | 'chunks' | 'trace'
> {
  /** Row r's bits at r · ⌈cols / 8⌉, most significant bit first; 1: never escapes. */
  readonly bits: Uint8Array;
  /** Points that never escape (the 1 bits). */
  readonly inSet: number;
  /** z updates performed (a loop of 8 lanes counts a lane until its group's block ends). */
  readonly iterations: number;
}

/** Chunks per worker: rows differ a lot in cost (the set's middle rows are long), so many. */
const CHUNKS_PER_WORKER = 32;

export async function renderBitmap(workload: Workload, options: BitmapOptions = {}): Promise<BitmapResult> {
  checkOptionNames(options, BITMAP_OPTIONS, 'bitmap render');
  if (workload.deep) throw new InvalidOptionError('bitmaps are rendered from grids of doubles; a deep view renders counts (render())');
  const schedule = options.schedule ?? DEFAULT_SCHEDULE;
  if (schedule === 'tiles') throw new InvalidOptionError('a bitmap is computed in whole rows: use the contiguous or interleaved schedule');
  const kernel = getKernel(options.kernel ?? 'auto');
  const recorder = options.recorder ?? new TraceRecorder();
  const prune = options.prune ?? true;
  const rows = workload.im.count;
  const cols = workload.re.count;
  const elements = elementsOf(workload);
  return withBackend(options, recorder, async (backend) => {
    if (!backend.runBitmap) {
      throw new InvalidOptionError(`the ${backend.name} backend renders counts only: use render() and encodePbm() there`);
    }
    if (options.signal?.aborted) throw new AbortError();
    const chunks = planChunks(workload, { schedule, chunks: options.chunks ?? Math.min(rows, CHUNKS_PER_WORKER * backend.workers) });
    if (backend.start) await recorder.phase(PHASE.startWorkers, () => backend.start!());
    const bits = await recorder.phase(PHASE.allocate, () => {
      const bytes = rowBytesOf(cols) * rows;
      return new Uint8Array(backend.sharedMemory ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    });
    await recorder.phase(PHASE.compute, () =>
      backend.runBitmap!({ workload, chunks, kernel: kernel.name, prune }, bits, runHooks(recorder, options, elements)),
    );
    checkEveryChunk(recorder, chunks.length, backend);
    return await recorder.phase(PHASE.summarise, () => {
      let iterations = 0;
      for (const event of recorder.trace.chunks) iterations += event.iterations;
      return {
        workload,
        rows,
        cols,
        elements,
        maxiter: workload.maxiter,
        bits,
        inSet: popcount(bits),
        iterations,
        computeMs: computeSpanMs(recorder.trace),
        backend: backend.name,
        kernel: kernel.name,
        prune,
        workers: backend.workers,
        chunks: chunks.length,
        trace: recorder.trace,
      };
    });
  });
}

/** 1 bits, a 32-bit word at a time where the bytes allow. */
function popcount(bytes: Uint8Array): number {
  let count = 0;
  const words = Math.floor(bytes.length / 4);
  const aligned = bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, words) : undefined;
  const bitsOf = (v: number) => {
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  };
  let i = 0;
  if (aligned) {
    for (; i < words; i++) count += bitsOf(aligned[i]!);
    i *= 4;
  }
  for (; i < bytes.length; i++) count += bitsOf(bytes[i]!);
  return count;
}

/** The bits as a PBM (P4) file: its header, then the rows as they are. */
export function bitmapPbm(result: Pick<BitmapResult, 'bits' | 'rows' | 'cols'>): Buffer[] {
  return [
    Buffer.from(`P4\n${result.cols} ${result.rows}\n`, 'latin1'),
    Buffer.from(result.bits.buffer, result.bits.byteOffset, result.bits.byteLength),
  ];
}
