/**
 * The code of one worker thread of the pool (loaded by piscina). It resolves kernels by
 * name from its own registry — a task names a kernel, it never carries code — and writes
 * each chunk's counts straight into the shared counts buffer. A kernel loads on the first
 * chunk that names it, so a thread starts without loading kernels it may never use.
 */
import { threadId, workerData } from 'node:worker_threads';
import { runBitmapChunk, runChunk } from './run-chunk.js';
import type { ChunkOutcome, ThreadTask, ThreadWorkerData, WarmupOutcome } from './thread-task.js';

const data = (workerData ?? { kernelModules: [] }) as ThreadWorkerData;
for (const url of data.kernelModules) await import(url);

export default function runTask(task: ThreadTask): ChunkOutcome | WarmupOutcome {
  if (task.type === 'warmup') return { threadId };
  if (task.type === 'bitmap') return { threadId, ...runBitmapChunk(task) };
  return { threadId, ...runChunk(task) };
}
