/**
 * The sweep behind `mandel bench`: backends × workers × chunk counts × schedules × kernels,
 * each point rendered several times and its median kept; speed-up and efficiency against
 * the serial backend with the same kernel; Amdahl's serial fraction fitted per kernel; the
 * explanation of the largest threads configuration; memory per phase of one render.
 */
import { availableParallelism, loadavg } from 'node:os';
import { ThreadsBackend } from '../backends/threads.js';
import { BENCH_DEFAULTS } from '../defaults.js';
import type { Schedule } from '../plan.js';
import { render } from '../render.js';
import type { RenderResult } from '../result.js';
import { TraceRecorder, type PhaseEvent, type Trace } from '../trace.js';
import { tutorialWorkload, type Workload } from '../workload.js';
import { fitAmdahl, karpFlatt, type AmdahlFit } from './amdahl.js';
import { explain, type Explanation } from './explain.js';
import { median } from './stats.js';

export interface BenchOptions {
  readonly size?: number;
  /** Another workload to sweep instead of the tutorial's (a deep view, say); `size` is then unused. */
  readonly workload?: Workload;
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
  /** What was swept, in words: the tutorial's size, or the view given. */
  readonly workloadLabel: string;
  readonly maxiter: number;
  readonly cores: number;
  readonly prune: boolean;
  readonly reps: number;
  readonly points: BenchPoint[];
  /** Per kernel: the fit over the fastest threads point of each worker count. */
  readonly amdahl: Record<string, AmdahlFit | null>;
  /** Per kernel: the same fit on each rep alone (rep r of every point), to show its spread. */
  readonly amdahlByRep: Record<string, number[]>;
  /** Whether the machine looked busy, which makes every figure above suspect. */
  readonly machine: MachineCondition;
  readonly explanation: Explanation & { readonly config: string };
  readonly timeline: Trace;
  readonly memory: PhaseEvent[];
  readonly caveat: string;
  readonly seconds: number;
}

export { BENCH_DEFAULTS } from '../defaults.js';

/**
 * Amdahl's fit over the fastest point of each worker count. Beyond the cores, threads share
 * them and speed-up flattens for want of cores, which Amdahl's law does not model: fit on
 * points with at most one worker per core.
 */
function fitFastest(measured: readonly { workers: number; speedup: number }[], cores: number): AmdahlFit | null {
  const fastest = new Map<number, number>();
  for (const p of measured) fastest.set(p.workers, Math.max(fastest.get(p.workers) ?? 0, p.speedup));
  const all = [...fastest].map(([workers, speedup]) => ({ workers, speedup }));
  const withinCores = all.filter((p) => p.workers <= cores);
  return fitAmdahl(withinCores.some((p) => p.workers > 1) ? withinCores : all) ?? null;
}

export interface MachineCondition {
  /** One-minute load average when the sweep started. */
  readonly loadAverage: number;
  /** The largest spread of one kernel's serial reps: (slowest − fastest) / fastest. */
  readonly serialSpread: number;
  readonly busy: boolean;
  /** Why it looked busy, in one sentence; empty when it did not. */
  readonly warning: string;
}

/** Load above this share of the cores before the sweep, from others, means a busy machine. */
const BUSY_LOAD_PER_CORE = 0.5;
/** Serial reps of the same work differing by more than this mean a noisy machine. */
const BUSY_SERIAL_SPREAD = 0.1;

/**
 * Whether the figures can be trusted: a machine already loaded before the sweep, or whose
 * identical serial runs differ widely, gives speed-ups (and fits) that describe the
 * machine's load, not the program.
 */
export function machineCondition(input: {
  loadAverage: number;
  cores: number;
  serialRunsMs: readonly (readonly number[])[];
}): MachineCondition {
  const spreads = input.serialRunsMs.filter((runs) => runs.length > 1).map((runs) => Math.max(...runs) / Math.min(...runs) - 1);
  const serialSpread = spreads.length > 0 ? Math.max(...spreads) : 0;
  const reasons: string[] = [];
  if (input.loadAverage > input.cores * BUSY_LOAD_PER_CORE)
    reasons.push(`load average ${input.loadAverage.toFixed(2)} on ${input.cores} cores before the sweep`);
  if (serialSpread > BUSY_SERIAL_SPREAD) reasons.push(`identical serial runs differed by ${Math.round(serialSpread * 100)}%`);
  const busy = reasons.length > 0;
  return {
    loadAverage: input.loadAverage,
    serialSpread,
    busy,
    warning: busy ? `the machine looked busy (${reasons.join('; ')}): speed-ups and the fit are suspect; run again on a quiet machine` : '',
  };
}

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
  const workload = options.workload ?? tutorialWorkload({ size, maxiter });
  const points: BenchPoint[] = [];
  const serialRunsByKernel = new Map<string, number[]>();
  const loadBefore = loadavg()[0]!;
  let best: { result: RenderResult; workers: number; schedule: Schedule; config: string } | undefined;

  for (const kernel of kernels) {
    // The serial reference for this kernel: always measured, speed-ups are against it.
    const serialRuns: number[] = [];
    for (let r = 0; r < reps; r++) serialRuns.push((await render(workload, { backend: 'serial', kernel, prune, chunks: 1 })).computeMs);
    const serialMs = median(serialRuns);
    serialRunsByKernel.set(kernel, serialRuns);
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
  const amdahlByRep: Record<string, number[]> = {};
  for (const kernel of kernels) {
    const threadPoints = points.filter((p) => p.kernel === kernel && p.backend === 'threads');
    amdahl[kernel] = fitFastest(
      threadPoints.map((p) => ({ workers: p.workers, speedup: p.speedup })),
      cores,
    );
    const serial = serialRunsByKernel.get(kernel)!;
    amdahlByRep[kernel] = serial.flatMap((serialMs, rep) => {
      const fit = fitFastest(
        threadPoints.map((p) => ({ workers: p.workers, speedup: serialMs / p.runsMs[rep]! })),
        cores,
      );
      return fit ? [fit.serialFraction] : [];
    });
  }
  const machine = machineCondition({ loadAverage: loadBefore, cores, serialRunsMs: [...serialRunsByKernel.values()] });

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
    workloadLabel: options.workload ? workloadLabel(options.workload) : `tutorial workload --size ${size}`,
    maxiter: workload.maxiter,
    cores,
    prune,
    reps,
    points,
    amdahl,
    amdahlByRep,
    machine,
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

function workloadLabel(workload: Workload): string {
  const size = `${workload.re.count} × ${workload.im.count} points`;
  if (!workload.deep) return `a grid of ${size}`;
  const short = (text: string) => (text.length > 24 ? `${text.slice(0, 24)}…` : text);
  return `a deep view of ${size} at ${short(workload.deep.re)} + ${short(workload.deep.im)}i (perturbation)`;
}
