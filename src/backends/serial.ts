/**
 * The serial backend: every chunk in this thread, one after another. It yields to the event
 * loop between chunks so that progress is drawn and an AbortSignal (Ctrl-C) is honoured.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AbortError, MandelError } from '../errors.js';
import { getKernel } from '../kernels/registry.js';
import { axesOf } from '../workload.js';
import type { Backend, ChunkJob, RunHooks } from './types.js';
import { chunkKernelInput } from './chunk-input.js';

export class SerialBackend implements Backend {
  readonly name = 'serial';
  readonly workers = 1;

  async run(job: ChunkJob, counts: Int32Array, hooks: RunHooks): Promise<void> {
    const kernel = getKernel(job.kernel);
    const { re, im } = axesOf(job.workload);
    const cols = job.workload.re.count;
    const queuedMs = hooks.now();
    for (const chunk of job.chunks) {
      if (hooks.signal?.aborted) throw new AbortError();
      const startMs = hooks.now();
      let iterations: number;
      try {
        iterations = kernel.compute(chunkKernelInput(chunk, re, im, cols, job.workload.maxiter, counts, job.prune));
      } catch (error) {
        throw new MandelError('ERR_CHUNK_FAILED', `kernel "${kernel.name}" failed on chunk ${chunk.id}: ${String(error)}`, {
          cause: error,
        });
      }
      const endMs = hooks.now();
      hooks.onChunk?.({ chunk, worker: 'main', queuedMs, startMs, endMs, iterations, bytesIn: 0, bytesOut: 0 });
      await yieldToEventLoop();
    }
    if (hooks.signal?.aborted) throw new AbortError();
  }

  async close(): Promise<void> {}
}
