/**
 * The code of one worker thread of the threads backend (loaded by piscina). It resolves
 * kernels by name from its own registry — a task names a kernel, it never carries code —
 * and writes each chunk's counts straight into the shared counts buffer.
 */
import { threadId, workerData } from 'node:worker_threads';
import { getKernel, kernelNames } from '../kernels/registry.js';
import { axisCoordinates, type Axis } from '../axis.js';
import { chunkKernelInput } from './chunk-input.js';
import { epochNow, type ChunkOutcome, type ThreadTask, type ThreadWorkerData, type WarmupOutcome } from './thread-task.js';

const data = (workerData ?? { kernelModules: [] }) as ThreadWorkerData;
for (const url of data.kernelModules) await import(url);

// A render posts the same axes with every chunk; build their coordinates once per render.
const axisCache = new Map<string, Float64Array>();
function coordinates(axis: Axis): Float64Array {
  const key = `${axis.spacing}:${axis.start}:${axis.step}:${axis.count}`;
  let values = axisCache.get(key);
  if (!values) {
    if (axisCache.size > 16) axisCache.clear();
    values = axisCoordinates(axis);
    axisCache.set(key, values);
  }
  return values;
}

export default function runTask(task: ThreadTask): ChunkOutcome | WarmupOutcome {
  if (task.type === 'warmup') return { threadId, kernels: kernelNames() };
  const kernel = getKernel(task.kernel);
  const re = coordinates(task.workload.re);
  const im = coordinates(task.workload.im);
  const startEpochMs = epochNow();
  const input = chunkKernelInput(task.chunk, re, im, task.workload.re.count, task.workload.maxiter, task.counts, task.prune, task.packed);
  const iterations = kernel.compute(input);
  return { threadId, startEpochMs, endEpochMs: epochNow(), iterations };
}
