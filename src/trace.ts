/**
 * The trace of a render: one event per chunk (who ran it, when, how many bytes moved) and
 * one per phase (with memory). Every report, timeline and Amdahl fit is built from it, so
 * times are all milliseconds since the same origin, the start of the render.
 */
import { collectGarbage, memoryDelta, memorySample, type MemorySample } from './memory.js';
import type { Chunk } from './plan.js';

export type { MemorySample } from './memory.js';

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
  async phase<T>(name: string, step: () => T | Promise<T>): Promise<T> {
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
}

function retainedMemory(): MemorySample {
  collectGarbage();
  return memorySample();
}
