/**
 * Where the wall time of a render went, split from its trace alone, and the change that
 * would help most. The parts add up to the wall time by construction: the compute phase is
 * split into the kernels' work (average busy time per worker lane), imbalance (the busiest
 * lane's extra over the average: others idle meanwhile) and hand-over (the rest: queueing,
 * transfer, serialisation and assembly while no lane computed); the other phases are taken
 * as recorded; whatever lies between phases is "other".
 */
import { formatBytes } from '../format.js';
import { laneSummaries, OUTPUT_PHASES, PHASE, type PhaseName, type Trace } from '../trace.js';

export interface WallTimeParts {
  readonly wallMs: number;
  readonly startupMs: number;
  readonly setupMs: number;
  readonly workMs: number;
  readonly imbalanceMs: number;
  readonly handoverMs: number;
  readonly summaryMs: number;
  readonly outputMs: number;
  readonly otherMs: number;
  readonly lanes: number;
  readonly chunks: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

export interface Explanation {
  readonly parts: WallTimeParts;
  readonly advice: string;
  readonly text: string;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function wallTimeParts(trace: Trace): WallTimeParts {
  const phases = trace.phases;
  const start = Math.min(...phases.map((p) => p.startMs));
  const end = Math.max(...phases.map((p) => p.endMs));
  const wallMs = phases.length > 0 ? end - start : 0;
  const length = (names: readonly PhaseName[]) =>
    sum(phases.filter((p) => (names as readonly string[]).includes(p.name)).map((p) => p.endMs - p.startMs));
  const computeMs = length([PHASE.compute]);
  const busy = laneSummaries(trace).map((lane) => lane.busyMs);
  const lanes = Math.max(1, busy.length);
  const average = sum(busy) / lanes;
  const busiest = Math.max(0, ...busy);
  const workMs = Math.min(computeMs, average);
  const imbalanceMs = Math.min(computeMs - workMs, Math.max(0, busiest - average));
  const handoverMs = Math.max(0, computeMs - workMs - imbalanceMs);
  const startupMs = length([PHASE.startWorkers, PHASE.stopWorkers]);
  const setupMs = length([PHASE.coordinates, PHASE.allocate]);
  const summaryMs = length([PHASE.summarise, PHASE.fetch]);
  const outputMs = length(OUTPUT_PHASES);
  const otherMs = Math.max(0, wallMs - startupMs - setupMs - computeMs - summaryMs - outputMs);
  return {
    wallMs,
    startupMs,
    setupMs,
    workMs,
    imbalanceMs,
    handoverMs,
    summaryMs,
    outputMs,
    otherMs,
    lanes,
    chunks: trace.chunks.length,
    bytesIn: sum(trace.chunks.map((e) => e.bytesIn)),
    bytesOut: sum(trace.chunks.map((e) => e.bytesOut)),
  };
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1)) + ' ms';

/** One paragraph for a person, and the advice on its own, from a render's trace. */
export function explain(trace: Trace, context: { kernel: string; backend: string; workers: number; cores: number }): Explanation {
  const parts = wallTimeParts(trace);
  const share = (value: number) => `${Math.round((100 * value) / Math.max(parts.wallMs, 1e-9))}%`;
  const overheads: [string, number][] = [
    ['startup', parts.startupMs],
    ['imbalance', parts.imbalanceMs],
    ['handover', parts.handoverMs],
    ['output', parts.outputMs],
    ['setup', parts.setupMs + parts.summaryMs + parts.otherMs],
  ];
  const [worst, worstMs] = overheads.reduce((a, b) => (b[1] > a[1] ? b : a));
  let advice: string;
  if (worstMs > parts.workMs * 0.5) {
    advice = {
      startup:
        'start-up costs more than the work: keep the pool warm (reuse one backend across renders), or use fewer workers for a render this small',
      imbalance: `workers idled while the slowest finished: more, smaller chunks (--chunks ${Math.max(4 * parts.lanes, parts.chunks * 2)}) or --schedule interleaved would even out the lanes`,
      handover: `hand-over and transfer between chunks outweigh them: fewer, larger chunks (--chunks ${Math.max(parts.lanes, Math.ceil(parts.chunks / 4))}) or fewer bytes per chunk`,
      output: 'writing the outputs takes longer than computing: write only the outputs you need',
      setup: 'bookkeeping around the compute dominates: the render is too small for parallelism to matter',
    }[worst]!;
  } else if (context.kernel === 'js') {
    advice = "the kernels' own work dominates: a faster kernel (--kernel auto picks native here) and pruning would cut it most";
  } else if (context.workers < context.cores) {
    advice = `the kernels' own work dominates: ${context.cores} cores are available, use --workers ${context.cores}`;
  } else {
    advice = "the kernels' own work dominates and every core is busy: only more cores or more machines (the cluster backend) would help";
  }
  const text =
    `Wall time ${ms(parts.wallMs)} (${context.backend} backend, ${context.kernel} kernel, ${parts.lanes} worker lane${parts.lanes === 1 ? '' : 's'}, ${parts.chunks} chunks): ` +
    `starting and stopping workers ${ms(parts.startupMs)} (${share(parts.startupMs)}); ` +
    `the kernels' work ${ms(parts.workMs)} (${share(parts.workMs)}, the average lane's busy time); ` +
    `imbalance ${ms(parts.imbalanceMs)} (${share(parts.imbalanceMs)}, others idle while the busiest lane finished); ` +
    `hand-over, transfer and assembly ${ms(parts.handoverMs)} (${share(parts.handoverMs)}; ${formatBytes(parts.bytesIn)} of descriptors sent, ${formatBytes(parts.bytesOut)} of results moved); ` +
    `setup and summary ${ms(parts.setupMs + parts.summaryMs)} (${share(parts.setupMs + parts.summaryMs)}); ` +
    `output encoding ${ms(parts.outputMs)} (${share(parts.outputMs)}); other ${ms(parts.otherMs)}. ` +
    `What would help most: ${advice}.`;
  return { parts, advice, text };
}
