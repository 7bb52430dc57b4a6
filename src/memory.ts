/**
 * What each representation of the data costs, measured. The tutorial's lesson was
 * `sys.getsizeof(0+0j)` = 32 bytes, so 250,000 points cost at least 8 MB as Python complex
 * objects. Here every figure is measured: the structure is built, the heap or array-buffer
 * growth is read after a forced garbage collection, and compared to the information lower
 * bound (two doubles per complex point, one int32 per count).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
}

export function memorySample(): MemorySample {
  const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, arrayBuffers };
}

export function memoryDelta(after: MemorySample, before: MemorySample): MemorySample {
  return {
    rss: after.rss - before.rss,
    heapUsed: after.heapUsed - before.heapUsed,
    arrayBuffers: after.arrayBuffers - before.arrayBuffers,
  };
}

export interface RepresentationCost {
  readonly name: string;
  readonly lowerBoundBytesPerElement: number;
  readonly measuredBytesPerElement: number;
}

let collect: (() => void) | undefined;

/** A full garbage collection, so deltas are what stays alive, not garbage waiting. */
export function collectGarbage(): void {
  if (!collect) {
    // The documented way to reach gc() without starting node with --expose-gc.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}

function measure(build: () => unknown, field: 'heapUsed' | 'arrayBuffers'): { bytes: number; keep: unknown } {
  collectGarbage();
  const before = memorySample()[field];
  const keep = build();
  collectGarbage();
  const bytes = memorySample()[field] - before;
  return { bytes, keep };
}

/**
 * Builds each representation of a rows × cols render's points and counts, and reports
 * bytes per point: lower bound and measured.
 */
export function measureRepresentations(rows: number, cols: number, maxiter: number): RepresentationCost[] {
  const elements = rows * cols;
  const results: RepresentationCost[] = [];
  const add = (name: string, lowerBound: number, bytes: number) =>
    results.push({ name, lowerBoundBytesPerElement: lowerBound, measuredBytesPerElement: bytes / elements });

  const objects = measure(() => {
    const points: { re: number; im: number }[] = [];
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) points.push({ re: c * 0.5, im: r * 0.25 });
    return points;
  }, 'heapUsed');
  add("points as an array of {re, im} objects (like the tutorial's list of complex)", 16, objects.bytes);

  const interleaved = measure(() => new Float64Array(elements * 2).fill(0.5), 'arrayBuffers');
  add('points as one Float64Array, re and im interleaved', 16, interleaved.bytes);

  const axes = measure(() => [new Float64Array(cols).fill(0.5), new Float64Array(rows).fill(0.25)], 'arrayBuffers');
  add('points as two axes, cols + rows doubles (what mandel keeps)', ((rows + cols) * 8) / elements, axes.bytes);

  const list = measure(() => Array.from({ length: elements }, (_, i) => (i * 7) % (maxiter + 1)), 'heapUsed');
  add("counts as an array of numbers (like the tutorial's output list)", 4, list.bytes);

  const typed = measure(() => new Int32Array(elements).fill(1), 'arrayBuffers');
  add('counts as an Int32Array (what mandel keeps)', 4, typed.bytes);

  // Keep every structure alive until all were measured, so none is collected early.
  void [objects.keep, interleaved.keep, axes.keep, list.keep, typed.keep];
  return results;
}
