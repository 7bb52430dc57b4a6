/**
 * The serial backend: every chunk in this thread, one after another. It yields to the event
 * loop between chunks so that progress is drawn and an AbortSignal (Ctrl-C) is honoured.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { axesOf } from '../axis.js';
import { AbortError, InvalidOptionError, MandelError } from '../errors.js';
import { chunkBitmapInput, computeBitmap } from '../kernels/bitmap.js';
import { chunkKernelInput } from '../kernels/chunk-input.js';
import { computeDeep, getKernel } from '../kernels/registry.js';
import type { Chunk } from '../plan.js';
import type { Backend, BitmapJob, RenderJob, RunHooks } from './types.js';

/**
 * A chunk here costs no hand-over, so the serial backend splits into many: the progress bar
 * moves smoothly and Ctrl-C is honoured within a hundredth of the render.
 */
const SERIAL_CHUNKS = 100;

export interface SerialBackendOptions {
  /** Always 1; anything else is refused, so `--workers 4 --backend serial` cannot mislead. */
  readonly workers?: number | undefined;
}

export class SerialBackend implements Backend {
  readonly name = 'serial';
  readonly workers = 1;

  constructor(options: SerialBackendOptions = {}) {
    if (options.workers !== undefined && options.workers !== 1) {
      throw new InvalidOptionError(`the serial backend has exactly one worker (got workers ${options.workers}); use the threads backend`);
    }
  }

  defaultChunks(): number {
    return SERIAL_CHUNKS;
  }

  async run(job: RenderJob, counts: Int32Array, hooks: RunHooks, smooth?: Float32Array): Promise<void> {
    const kernel = getKernel(job.kernel);
    const { re, im } = axesOf(job.workload);
    const cols = job.workload.re.count;
    await runInTurn(job.chunks, kernel.name, hooks, (chunk) => {
      const input = chunkKernelInput(chunk, re, im, cols, job.workload.maxiter, counts, job.prune, false, smooth);
      return job.deep ? computeDeep(kernel, input, job.deep) : kernel.compute(input);
    });
  }

  async runBitmap(job: BitmapJob, bits: Uint8Array, hooks: RunHooks): Promise<void> {
    const kernel = getKernel(job.kernel);
    const { re, im } = axesOf(job.workload);
    await runInTurn(job.chunks, kernel.name, hooks, (chunk) =>
      computeBitmap(kernel, chunkBitmapInput(chunk, re, im, job.workload.maxiter, bits, job.prune)),
    );
  }

  async close(): Promise<void> {}
}

/** Every chunk in turn on this thread, yielding between them; `compute` returns a chunk's updates. */
async function runInTurn(chunks: readonly Chunk[], kernel: string, hooks: RunHooks, compute: (chunk: Chunk) => number): Promise<void> {
  const queuedMs = hooks.now();
  for (const chunk of chunks) {
    if (hooks.signal?.aborted) throw new AbortError();
    const startMs = hooks.now();
    let iterations: number;
    try {
      iterations = compute(chunk);
    } catch (error) {
      throw new MandelError('ERR_CHUNK_FAILED', `kernel "${kernel}" failed on chunk ${chunk.id}: ${String(error)}`, { cause: error });
    }
    const endMs = hooks.now();
    hooks.onChunk?.({ chunk, worker: 'main', queuedMs, startMs, endMs, iterations, bytesIn: 0, bytesOut: 0 });
    await yieldToEventLoop();
  }
  if (hooks.signal?.aborted) throw new AbortError();
}
