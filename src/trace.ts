/**
 * The trace of a render: one event per chunk (who ran it, when, how many bytes moved) and
 * one per phase (with memory). Every report, timeline and Amdahl fit is built from it, so
 * times are all milliseconds since the same origin, the start of the render.
 */
import { collectGarbage, memoryDelta, memorySample, type MemorySample } from './memory.js';
import type { Chunk } from './plan.js';

export type { MemorySample } from './memory.js';

/**
 * The names of the phases a render's trace may hold, in the order they happen. Everything
 * that records a phase, and everything that reads one (explain, timeline, reports), uses
 * these names, so a renamed phase cannot silently drop out of an analysis.
 */
export const PHASE = {
  startWorkers: 'start workers',
  coordinates: 'coordinates',
  /** A deep render's reference orbit at the centre, in high precision. */
  reference: 'reference orbit',
  /** What a deep render's points skip updates by: the linear series, the BLA table, its pilot. */
  skipTables: 'series and BLA',
  allocate: 'allocate',
  compute: 'compute',
  /** A cluster render read back from Redis by id: fetching and assembling its chunks. */
  fetch: 'fetch and assemble',
  summarise: 'summarise',
  stopWorkers: 'stop workers',
  encodePng: 'encode png',
  encodeNpy: 'encode npy',
  encodePbm: 'encode pbm',
  encode3d: 'encode 3d',
  encodeTimeline: 'encode timeline',
} as const;
export type PhaseName = (typeof PHASE)[keyof typeof PHASE];

/** The phases that write outputs. */
export const OUTPUT_PHASES: readonly PhaseName[] = [
  PHASE.encodePng,
  PHASE.encodeNpy,
  PHASE.encodePbm,
  PHASE.encode3d,
  PHASE.encodeTimeline,
];

export interface ChunkEvent {
  readonly chunk: Chunk;
  /** Which worker ran it: "main" for the serial backend, "thread-2", "host:pid/1", … */
  readonly worker: string;
  readonly queuedMs: number;
  readonly startMs: number;
  readonly endMs: number;
  /** z updates performed. */
  readonly iterations: number;
  /** Bytes sent to the worker for this chunk (the descriptor), and back (the counts). */
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** A chunk that has started and not yet finished: who runs it, since when. */
export interface ChunkStart {
  readonly chunk: Chunk;
  readonly worker: string;
  readonly startMs: number;
}

export interface PhaseEvent {
  readonly name: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Memory after the phase minus memory before it. */
  readonly memoryDelta?: MemorySample;
}

export interface Trace {
  /** Wall-clock time of the origin, ms since the epoch. */
  readonly originEpochMs: number;
  readonly phases: PhaseEvent[];
  readonly chunks: ChunkEvent[];
  /**
   * Threads started inside the compute phase, by a backend sized to the work (it starts them
   * once the first chunks or a probe say the work needs them): from the start to the moment
   * every thread could take a chunk. Not a phase — it overlaps compute — but start-up all the
   * same, which explain counts as such rather than as hand-over.
   */
  readonly threadStarts?: { startMs: number; endMs: number }[];
}

export interface LaneSummary {
  readonly worker: string;
  readonly chunks: number;
  readonly busyMs: number;
  /** Busy time over the compute phase's length. */
  readonly utilisation: number;
}

/** Per worker: chunks, busy time, and utilisation of the compute phase. */
export function laneSummaries(trace: Trace): LaneSummary[] {
  const span = computeSpanMs(trace);
  const lanes = new Map<string, { chunks: number; busyMs: number }>();
  for (const event of trace.chunks) {
    const lane = lanes.get(event.worker) ?? { chunks: 0, busyMs: 0 };
    lane.chunks += 1;
    lane.busyMs += Math.max(0, event.endMs - event.startMs);
    lanes.set(event.worker, lane);
  }
  return [...lanes.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([worker, lane]) => ({ worker, ...lane, utilisation: span > 0 ? lane.busyMs / span : 0 }));
}

/**
 * How long the chunks took, as the render saw it: its compute phase; for a trace without
 * one (a cluster render fetched later), from the first chunk's start to the last one's end.
 */
export function computeSpanMs(trace: Trace): number {
  const compute = trace.phases.find((phase) => phase.name === PHASE.compute);
  if (compute) return compute.endMs - compute.startMs;
  if (trace.chunks.length === 0) return 0;
  return Math.max(...trace.chunks.map((c) => c.endMs)) - Math.min(...trace.chunks.map((c) => c.startMs));
}

/** Records phases against one clock; `phase` times an async step and, if asked, its memory. */
export class TraceRecorder {
  readonly trace: Trace;
  private readonly origin: number;
  private readonly withMemory: boolean;

  constructor(options: { memory?: boolean } = {}) {
    this.origin = performance.now();
    this.withMemory = options.memory ?? false;
    this.trace = { originEpochMs: Date.now(), phases: [], chunks: [] };
  }

  now(): number {
    return performance.now() - this.origin;
  }

  /** With memory on, a full GC precedes each sample, so deltas are what the phase retains. */
  async phase<T>(name: PhaseName, step: () => T | Promise<T>): Promise<T> {
    const before = this.withMemory ? retainedMemory() : undefined;
    const startMs = this.now();
    const result = await step();
    const endMs = this.now();
    const memoryDeltaValue = before ? memoryDelta(retainedMemory(), before) : undefined;
    this.trace.phases.push(memoryDeltaValue ? { name, startMs, endMs, memoryDelta: memoryDeltaValue } : { name, startMs, endMs });
    return result;
  }

  chunk(event: ChunkEvent): void {
    this.trace.chunks.push(event);
  }

  /** Threads started inside the compute phase (Trace.threadStarts). */
  threadsStarted(startMs: number, endMs: number): void {
    ((this.trace as { threadStarts?: { startMs: number; endMs: number }[] }).threadStarts ??= []).push({ startMs, endMs });
  }
}

function retainedMemory(): MemorySample {
  collectGarbage();
  return memorySample();
}
