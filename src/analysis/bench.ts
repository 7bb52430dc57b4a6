/**
 * The sweep behind `mandel bench`: backends × workers × chunk counts × schedules × kernels,
 * each point rendered several times and its median kept; speed-up and efficiency against
 * the serial backend with the same kernel; Amdahl's serial fraction fitted per kernel; the
 * explanation of the largest threads configuration; memory per phase of one render.
 */
import { availableParallelism } from 'node:os';
import { ThreadsBackend } from '../backends/threads.js';
import { DEFAULT_SCHEDULE, type Schedule } from '../plan.js';
import { render } from '../render.js';
import type { RenderResult } from '../result.js';
import { TraceRecorder, type PhaseEvent, type Trace } from '../trace.js';
import { DEFAULT_MAXITER, DEFAULT_SIZE, tutorialWorkload } from '../workload.js';
import { fitAmdahl, karpFlatt, type AmdahlFit } from './amdahl.js';
import { explain, type Explanation } from './explain.js';
import { median } from './stats.js';

export interface BenchOptions {
  readonly size?: number;
  readonly maxiter?: number;
  readonly backends?: readonly ('serial' | 'threads')[];
  readonly workers?: readonly number[];
  /** Chunk counts; 'auto' is the default rule. */
  readonly chunks?: readonly (number | 'auto')[];
  readonly schedules?: readonly Schedule[];
  readonly kernels?: readonly string[];
  readonly prune?: boolean;
  readonly reps?: number;
  readonly onPoint?: (point: BenchPoint) => void;
}

export interface BenchPoint {
  readonly backend: 'serial' | 'threads';
  readonly kernel: string;
  readonly workers: number;
  readonly schedule: Schedule;
  readonly chunks: number;
  /** As asked: a count, or 'auto' (the default rule, which grows with the workers). */
  readonly chunkSetting: number | 'auto';
  readonly startupMs: number;
  readonly medianMs: number;
  readonly runsMs: number[];
  readonly speedup: number;
  readonly efficiency: number;
  readonly karpFlatt: number | null;
}

export interface BenchResult {
  readonly size: number;
  readonly maxiter: number;
  readonly cores: number;
  readonly prune: boolean;
  readonly reps: number;
  readonly points: BenchPoint[];
  /** Per kernel: the fit over the fastest threads point of each worker count. */
  readonly amdahl: Record<string, AmdahlFit | null>;
  readonly explanation: Explanation & { readonly config: string };
  readonly timeline: Trace;
  readonly memory: PhaseEvent[];
  readonly caveat: string;
  readonly seconds: number;
}

/**
 * The default sweep: the tutorial's workload, brute force with the js kernel (the one whose
 * work is worth sharing), serial against 1, 2 and 4 threads, on the default schedule and
 * on contiguous bands, the tutorial's own split.
 */
export const BENCH_DEFAULTS = {
  size: DEFAULT_SIZE,
  maxiter: DEFAULT_MAXITER,
  backends: ['serial', 'threads'],
  workers: [1, 2, 4],
  chunks: ['auto'],
  schedules: [DEFAULT_SCHEDULE, 'contiguous'],
  kernels: ['js'],
  prune: false,
  reps: 3,
} as const satisfies Required<Omit<BenchOptions, 'onPoint'>>;

export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const started = performance.now();
  const size = options.size ?? BENCH_DEFAULTS.size;
  const maxiter = options.maxiter ?? BENCH_DEFAULTS.maxiter;
  const cores = availableParallelism();
  const backends = options.backends ?? BENCH_DEFAULTS.backends;
  const workerCounts = options.workers ?? BENCH_DEFAULTS.workers;
  const chunkCounts = options.chunks ?? BENCH_DEFAULTS.chunks;
  const schedules = options.schedules ?? BENCH_DEFAULTS.schedules;
  const kernels = options.kernels ?? BENCH_DEFAULTS.kernels;
  const prune = options.prune ?? BENCH_DEFAULTS.prune;
  const reps = options.reps ?? BENCH_DEFAULTS.reps;
  const workload = tutorialWorkload({ size, maxiter });
  const points: BenchPoint[] = [];
  let best: { result: RenderResult; workers: number; schedule: Schedule; config: string } | undefined;

  for (const kernel of kernels) {
    // The serial reference for this kernel: always measured, speed-ups are against it.
    const serialRuns: number[] = [];
    for (let r = 0; r < reps; r++) serialRuns.push((await render(workload, { backend: 'serial', kernel, prune, chunks: 1 })).computeMs);
    const serialMs = median(serialRuns);
    const record = (point: Omit<BenchPoint, 'speedup' | 'efficiency' | 'karpFlatt'>) => {
      const speedup = serialMs / point.medianMs;
      const full: BenchPoint = {
        ...point,
        speedup,
        efficiency: speedup / point.workers,
        karpFlatt: karpFlatt(speedup, point.workers) ?? null,
      };
      points.push(full);
      options.onPoint?.(full);
    };
    if (backends.includes('serial')) {
      record({
        backend: 'serial',
        kernel,
        workers: 1,
        schedule: 'contiguous',
        chunks: 1,
        chunkSetting: 1,
        startupMs: 0,
        medianMs: serialMs,
        runsMs: serialRuns,
      });
    }
    if (!backends.includes('threads')) continue;
    for (const workers of workerCounts) {
      const pool = new ThreadsBackend({ workers });
      const startAt = performance.now();
      await pool.start();
      const startupMs = performance.now() - startAt;
      try {
        for (const schedule of schedules) {
          for (const chunks of chunkCounts) {
            const runs: number[] = [];
            let last: RenderResult | undefined;
            for (let r = 0; r < reps; r++) {
              last = await render(workload, { backend: pool, kernel, prune, schedule, ...(chunks === 'auto' ? {} : { chunks }) });
              runs.push(last.computeMs);
            }
            record({
              backend: 'threads',
              kernel,
              workers,
              schedule,
              chunks: last!.chunks,
              chunkSetting: chunks,
              startupMs,
              medianMs: median(runs),
              runsMs: runs,
            });
            const config = `threads, ${kernel}, ${workers} workers, ${schedule} × ${last!.chunks} chunks`;
            if (!best || workers > best.workers || (workers === best.workers && last!.computeMs < best.result.computeMs)) {
              best = { result: last!, workers, schedule, config };
            }
          }
        }
      } finally {
        await pool.close();
      }
    }
  }

  const amdahl: Record<string, AmdahlFit | null> = {};
  for (const kernel of kernels) {
    const fastest = new Map<number, number>();
    for (const p of points.filter((p) => p.kernel === kernel && p.backend === 'threads')) {
      fastest.set(p.workers, Math.max(fastest.get(p.workers) ?? 0, p.speedup));
    }
    // Beyond the cores, threads share them and speed-up flattens for want of cores, which
    // Amdahl's law does not model: fit on points with at most one worker per core.
    const all = [...fastest].map(([workers, speedup]) => ({ workers, speedup }));
    const withinCores = all.filter((p) => p.workers <= cores);
    amdahl[kernel] = fitAmdahl(withinCores.some((p) => p.workers > 1) ? withinCores : all) ?? null;
  }

  // One more render of the explained configuration, with its start-up, phases and memory
  // traced on one clock: the explanation, the timeline and the memory chart come from it.
  const explained = best ?? { workers: 1, config: `serial, ${kernels[0]}` };
  const again = (recorder: TraceRecorder) =>
    best
      ? render(workload, {
          workers: best.workers,
          kernel: best.result.kernel,
          prune,
          recorder,
          schedule: best.schedule,
          chunks: best.result.chunks,
        })
      : render(workload, { backend: 'serial', kernel: kernels[0], prune, recorder });
  const last = await again(new TraceRecorder());
  // Memory separately: its forced collections before each sample would show up as time.
  const withMemory = await again(new TraceRecorder({ memory: true }));
  const explanation = explain(last.trace, { kernel: last.kernel, backend: last.backend, workers: last.workers, cores });
  return {
    size,
    maxiter,
    cores,
    prune,
    reps,
    points,
    amdahl,
    explanation: { ...explanation, config: explained.config },
    timeline: last.trace,
    memory: withMemory.trace.phases.filter((p) => p.memoryDelta),
    caveat:
      `The fit knows only what was measured: ${cores} cores on one machine, so it uses the points with at most ${cores} workers. ` +
      `Past ${cores} workers the threads share cores and speed-up flattens for want of cores, not because of a serial part; ` +
      'the predictions for 8, 32 and 128 workers assume that many cores, equally fast, and no network, which a cluster adds.',
    seconds: (performance.now() - started) / 1000,
  };
}
