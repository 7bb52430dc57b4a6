/**
 * The code of one worker thread of the pool (loaded by piscina). It resolves kernels by
 * name from its own registry — a task names a kernel, it never carries code — and writes
 * each chunk's counts straight into the shared counts buffer. A kernel loads on the first
 * chunk that names it, so a thread starts without loading kernels it may never use.
 */
import { threadId, workerData } from 'node:worker_threads';
import { axesOf } from '../axis.js';
import { chunkKernelInput } from '../kernels/chunk-input.js';
import { computeDeep, getKernel } from '../kernels/registry.js';
import { epochNow, type ChunkOutcome, type ThreadTask, type ThreadWorkerData, type WarmupOutcome } from './thread-task.js';

const data = (workerData ?? { kernelModules: [] }) as ThreadWorkerData;
for (const url of data.kernelModules) await import(url);

export default function runTask(task: ThreadTask): ChunkOutcome | WarmupOutcome {
  if (task.type === 'warmup') return { threadId };
  const kernel = getKernel(task.kernel);
  const { re, im } = axesOf(task.workload);
  const startEpochMs = epochNow();
  const input = chunkKernelInput(task.chunk, re, im, task.workload.re.count, task.workload.maxiter, task.counts, task.prune, task.packed);
  const iterations = task.deep ? computeDeep(kernel, input, task.deep) : kernel.compute(input);
  return { threadId, startEpochMs, endEpochMs: epochNow(), iterations };
}
