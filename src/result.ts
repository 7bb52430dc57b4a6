/**
 * What a finished render is: its counts with the figures a person checks (the tutorial's
 * validation sum, iterations performed and what brute force would have needed) and the
 * trace they came from. One builder, so a render run here and a cluster render read back
 * from Redis later report the same figures the same way.
 */
import { computeSpanMs, type Trace } from './trace.js';
import type { Workload } from './workload.js';

export interface RenderResult {
  readonly workload: Workload;
  readonly rows: number;
  readonly cols: number;
  readonly elements: number;
  readonly maxiter: number;
  /** Escape counts, row-major, top row first (on a SharedArrayBuffer for the threads backend). */
  readonly counts: Int32Array;
  /**
   * Each point's smooth fraction, laid out as `counts`, when the render asked for it (`smooth`):
   * its continuous count μ = count + fraction (kernels/smooth.ts), 0 for points inside.
   */
  readonly smooth?: Float32Array;
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

export interface ResultParts {
  readonly workload: Workload;
  readonly counts: Int32Array;
  readonly smooth?: Float32Array;
  /** Its chunk events give the iterations performed, the chunk count and (by default) the workers. */
  readonly trace: Trace;
  readonly backend: string;
  readonly kernel: string;
  readonly prune: boolean;
  /** Default: the distinct workers in the trace. */
  readonly workers?: number;
}

/** A RenderResult from counts and the trace of the chunks that made them. */
export function toRenderResult(parts: ResultParts): RenderResult {
  const { workload, counts, trace } = parts;
  const { sum, bruteForceIterations } = summarise(counts, workload.maxiter);
  let iterations = 0;
  for (const event of trace.chunks) iterations += event.iterations;
  return {
    workload,
    rows: workload.im.count,
    cols: workload.re.count,
    elements: counts.length,
    maxiter: workload.maxiter,
    counts,
    ...(parts.smooth ? { smooth: parts.smooth } : {}),
    sum,
    iterations,
    bruteForceIterations,
    computeMs: computeSpanMs(trace),
    backend: parts.backend,
    kernel: parts.kernel,
    prune: parts.prune,
    workers: parts.workers ?? new Set(trace.chunks.map((event) => event.worker)).size,
    chunks: trace.chunks.length,
    trace,
  };
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
