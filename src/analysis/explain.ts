/**
 * Where the wall time of a render went, split from its trace alone, and the change that
 * would help most. The parts add up to the wall time by construction: the compute phase is
 * split into the kernels' work (average busy time per worker lane), imbalance (the busiest
 * lane's extra over the average: others idle meanwhile) and hand-over (the rest: queueing,
 * transfer, serialisation and assembly while no lane computed); the other phases are taken
 * as recorded (a deep view's reference orbit and its series and BLA tables among them);
 * whatever lies between phases is "other".
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
  /** A deep view's reference orbit, in arbitrary precision on one thread (0 otherwise). */
  readonly referenceMs: number;
  /** A deep view's series and BLA tables, and the pilot that decides on BLA (0 otherwise). */
  readonly skipTablesMs: number;
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
  // Threads started inside the compute phase (sized to the work) are start-up, not hand-over.
  const startedInCompute = sum((trace.threadStarts ?? []).map((t) => t.endMs - t.startMs));
  const handoverMs = Math.max(0, computeMs - startedInCompute - workMs - imbalanceMs);
  const startupMs = length([PHASE.startWorkers, PHASE.stopWorkers]) + startedInCompute;
  const setupMs = length([PHASE.coordinates, PHASE.allocate]);
  const summaryMs = length([PHASE.summarise, PHASE.fetch]);
  const outputMs = length(OUTPUT_PHASES);
  const referenceMs = length([PHASE.reference]);
  const skipTablesMs = length([PHASE.skipTables]);
  const otherMs = Math.max(
    0,
    wallMs - startupMs - setupMs - (computeMs - startedInCompute) - summaryMs - outputMs - referenceMs - skipTablesMs,
  );
  return {
    wallMs,
    startupMs,
    setupMs,
    workMs,
    imbalanceMs,
    handoverMs,
    summaryMs,
    outputMs,
    referenceMs,
    skipTablesMs,
    otherMs,
    lanes,
    chunks: trace.chunks.length,
    bytesIn: sum(trace.chunks.map((e) => e.bytesIn)),
    bytesOut: sum(trace.chunks.map((e) => e.bytesOut)),
  };
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1)) + ' ms';

/** How the chunks were laid out, read from their shapes (the trace does not name the schedule). */
function layoutOf(trace: Trace): 'contiguous' | 'interleaved' | 'tiles' | 'unknown' {
  const chunks = trace.chunks.map((event) => event.chunk);
  if (chunks.length === 0) return 'unknown';
  const width = Math.max(...chunks.map((c) => c.col0 + c.colCount));
  if (chunks.some((c) => c.rowStep > 1)) return 'interleaved';
  if (chunks.every((c) => c.col0 === 0 && c.colCount === width)) return 'contiguous';
  return 'tiles';
}

type Overhead = 'startup' | 'imbalance' | 'handover' | 'output' | 'setup' | 'reference' | 'skipTables';

const times = (a: number, b: number) => `${(a / Math.max(b, 1e-9)).toFixed(1)}×`;

/** An overhead is worth naming when it costs more than this share of the kernels' work. */
const NAMED_OVERHEAD = 0.25;
/**
 * …and imbalance of contiguous bands from this share: its remedy, --schedule interleaved,
 * costs nothing (the same chunks, the same hand-over), so a smaller gain is still worth it.
 */
const NAMED_CONTIGUOUS_IMBALANCE = 0.1;

/**
 * The changes that would help most, worded from the numbers the explanation prints: each
 * overhead over a quarter of the kernels' work is named with its measured ratio to it,
 * the largest first (at most two); otherwise, what would speed up the work itself.
 */
function adviceFor(trace: Trace, parts: WallTimeParts, context: ExplainContext): string {
  const overheads: [Overhead, number][] = [
    ['startup', parts.startupMs],
    ['imbalance', parts.imbalanceMs],
    ['handover', parts.handoverMs],
    ['output', parts.outputMs],
    ['setup', parts.setupMs + parts.summaryMs + parts.otherMs],
    ['reference', parts.referenceMs],
    ['skipTables', parts.skipTablesMs],
  ];
  const contiguous = layoutOf(trace) === 'contiguous';
  const threshold = (overhead: Overhead) => (overhead === 'imbalance' && contiguous ? NAMED_CONTIGUOUS_IMBALANCE : NAMED_OVERHEAD);
  const named = overheads
    .filter(([overhead, overheadMs]) => overheadMs > parts.workMs * threshold(overhead))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([overhead, overheadMs]) => overheadAdvice(trace, parts, overhead, overheadMs));
  if (named.length > 0) return named.join('; next, ');
  if (context.kernel === 'js')
    return "the kernels' own work dominates: a faster kernel (--kernel auto picks native here) and pruning would cut it most";
  if (context.workers < context.cores)
    return `the kernels' own work dominates: ${context.cores} cores are available, use --workers ${context.cores}`;
  return "the kernels' own work dominates and every core is busy: only more cores or more machines (the cluster backend) would help";
}

function overheadAdvice(trace: Trace, parts: WallTimeParts, worst: Overhead, worstMs: number): string {
  const totalWorkMs = parts.workMs * parts.lanes;
  switch (worst) {
    case 'startup':
      if (parts.lanes > 1 && parts.startupMs >= totalWorkMs)
        return (
          `the render is too small to gain from more workers: starting and stopping ${parts.lanes} of them (${ms(parts.startupMs)}) ` +
          `costs more than all the kernels' work together (${ms(totalWorkMs)}); render bigger workloads, keep one pool warm across renders, ` +
          'or use --backend serial for a render this small'
        );
      return (
        `start-up (${ms(parts.startupMs)}) costs ${times(parts.startupMs, parts.workMs)} the kernels' work (${ms(parts.workMs)})` +
        `${parts.startupMs > parts.workMs ? ', more than the work itself' : ''}: keep the pool warm (reuse one backend across renders)`
      );
    case 'imbalance':
      if (layoutOf(trace) === 'contiguous')
        return (
          `workers idled ${ms(parts.imbalanceMs)} while the busiest finished (${times(parts.imbalanceMs, parts.workMs)} the average lane's work): ` +
          'contiguous bands give some workers the expensive rows; --schedule interleaved deals rows round-robin, so every chunk costs about the same'
        );
      return (
        `workers idled ${ms(parts.imbalanceMs)} while the busiest finished (${times(parts.imbalanceMs, parts.workMs)} the average lane's work): ` +
        `more, smaller chunks (--chunks ${Math.max(4 * parts.lanes, parts.chunks * 2)}) would even out the lanes`
      );
    case 'handover':
      return (
        `hand-over and transfer between chunks (${ms(parts.handoverMs)}) cost ${times(parts.handoverMs, parts.workMs)} the kernels' work: ` +
        `fewer, larger chunks (--chunks ${Math.max(parts.lanes, Math.ceil(parts.chunks / 4))}) or fewer bytes per chunk`
      );
    case 'output':
      return `writing the outputs (${ms(parts.outputMs)}) takes ${times(parts.outputMs, parts.workMs)} the kernels' work: write only the outputs you need`;
    case 'reference':
      return (
        `the reference orbit (${ms(parts.referenceMs)}) costs ${times(parts.referenceMs, parts.workMs)} the kernels' work: it is computed once ` +
        'per render, in arbitrary precision on one thread, and grows with maxiter and depth, not with the number of points — ' +
        'more points (--width/--height) cost little more here, and a lower -m shortens it; more workers or smaller chunks would not help'
      );
    case 'skipTables':
      return (
        `building the series and BLA tables (${ms(parts.skipTablesMs)}) costs ${times(parts.skipTablesMs, parts.workMs)} the kernels' work: ` +
        'they are built once per render whatever its size (the pilot that decides on BLA included), so a larger view shares them among more points'
      );
    case 'setup':
      return (
        `bookkeeping around the compute (${ms(worstMs)}) costs ${times(worstMs, parts.workMs)} the kernels' work: ` +
        'the render is too small for parallelism to matter'
      );
  }
}

export interface ExplainContext {
  readonly kernel: string;
  readonly backend: string;
  readonly workers: number;
  readonly cores: number;
}

/** One paragraph for a person, and the advice on its own, from a render's trace. */
export function explain(trace: Trace, context: ExplainContext): Explanation {
  const parts = wallTimeParts(trace);
  const share = (value: number) => `${Math.round((100 * value) / Math.max(parts.wallMs, 1e-9))}%`;
  const advice = adviceFor(trace, parts, context);
  const text =
    `Wall time ${ms(parts.wallMs)} (${context.backend} backend, ${context.kernel} kernel, ${parts.lanes} worker lane${parts.lanes === 1 ? '' : 's'}, ${parts.chunks} chunks): ` +
    `starting and stopping workers ${ms(parts.startupMs)} (${share(parts.startupMs)}); ` +
    `the kernels' work ${ms(parts.workMs)} (${share(parts.workMs)}, the average lane's busy time); ` +
    `imbalance ${ms(parts.imbalanceMs)} (${share(parts.imbalanceMs)}, others idle while the busiest lane finished); ` +
    `hand-over, transfer and assembly ${ms(parts.handoverMs)} (${share(parts.handoverMs)}; ${formatBytes(parts.bytesIn)} of descriptors sent, ${formatBytes(parts.bytesOut)} of results moved); ` +
    `setup and summary ${ms(parts.setupMs + parts.summaryMs)} (${share(parts.setupMs + parts.summaryMs)}); ` +
    `output encoding ${ms(parts.outputMs)} (${share(parts.outputMs)}); ` +
    (parts.referenceMs > 0 || parts.skipTablesMs > 0
      ? `reference orbit ${ms(parts.referenceMs)} (${share(parts.referenceMs)}); series and BLA tables ${ms(parts.skipTablesMs)} (${share(parts.skipTablesMs)}); `
      : '') +
    `other ${ms(parts.otherMs)}. ` +
    `What would help most: ${advice}.`;
  return { parts, advice, text };
}
