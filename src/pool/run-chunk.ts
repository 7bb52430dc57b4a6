/**
 * One chunk computed on the calling thread: by a pool's worker thread, and by a cluster
 * worker for chunks too small to hand to one. Its kernel is resolved by name from this
 * thread's registry; its counts are written where the chunk's work says.
 */
import { axesOf } from '../axis.js';
import { chunkBitmapInput, computeBitmap } from '../kernels/bitmap.js';
import { chunkKernelInput } from '../kernels/chunk-input.js';
import { computeDeep, getKernel } from '../kernels/registry.js';
import { AbortError } from '../errors.js';
import { threadId } from 'node:worker_threads';
import { epochNow, type BitmapWork, type ChunkOutcome, type ChunkWork } from './thread-task.js';

export function runChunk(work: ChunkWork): Omit<ChunkOutcome, 'threadId'> {
  const kernel = getKernel(work.kernel);
  const { re, im } = axesOf(work.workload);
  const startEpochMs = epochNow();
  if (work.started) {
    // The time first, the thread last: the main thread reads a slot once its thread is set.
    work.started.board[2 * work.started.slot + 1] = startEpochMs;
    work.started.board[2 * work.started.slot] = threadId;
  }
  const input = {
    ...chunkKernelInput(
      work.chunk,
      re,
      im,
      work.workload.re.count,
      work.workload.maxiter,
      work.counts,
      work.prune,
      work.packed,
      work.smooth,
    ),
    ...(work.cancel ? { cancel: work.cancel } : {}),
  };
  const iterations = work.deep ? computeDeep(kernel, input, work.deep) : kernel.compute(input);
  // Stopped part way: its counts are incomplete, and nobody waits for them.
  if (work.cancel && Atomics.load(work.cancel, 0) !== 0) throw new AbortError();
  return { startEpochMs, endEpochMs: epochNow(), iterations };
}

/** One chunk of whole rows as membership bits, written into the image's bits. */
export function runBitmapChunk(work: BitmapWork): Omit<ChunkOutcome, 'threadId'> {
  const kernel = getKernel(work.kernel);
  const { re, im } = axesOf(work.workload);
  const startEpochMs = epochNow();
  const iterations = computeBitmap(kernel, chunkBitmapInput(work.chunk, re, im, work.workload.maxiter, work.bits, work.prune));
  return { startEpochMs, endEpochMs: epochNow(), iterations };
}
