/**
 * Grid axes, apart from the rest of the workload module so that worker threads can build
 * coordinates without loading the validation library (zod costs ~140 ms per thread).
 */

/**
 * One axis of the grid. `accumulate` spacing is the tutorial's: coordinate i is `start`
 * plus `step` added i times, each addition rounded. `multiply` spacing is `start + i * step`.
 * `fraction` spacing is `(step * i) / count + start`: the Benchmarks Game's `2x/N − 1.5`
 * (step 2, start −1.5), rounded exactly as its programs round it.
 */
export interface Axis {
  readonly start: number;
  readonly step: number;
  readonly count: number;
  readonly spacing: 'accumulate' | 'multiply' | 'fraction';
}

/** The coordinates of an axis, computed exactly as its spacing says. */
export function axisCoordinates(axis: Axis): Float64Array {
  const out = new Float64Array(axis.count);
  if (axis.spacing === 'accumulate') {
    let value = axis.start;
    for (let i = 0; i < axis.count; i++) {
      out[i] = value;
      value += axis.step;
    }
  } else if (axis.spacing === 'fraction') {
    for (let i = 0; i < axis.count; i++) out[i] = (axis.step * i) / axis.count + axis.start;
  } else {
    for (let i = 0; i < axis.count; i++) out[i] = axis.start + i * axis.step;
  }
  return out;
}

/**
 * The one axes cache. A workload that crossed a thread or a queue is a new object with the
 * same values, so the cache is keyed by the axes' values, not by object; every chunk of a
 * render then reuses coordinates built once per process (or thread). Bounded: a few renders.
 */
const axesCache = new Map<string, { re: Float64Array; im: Float64Array }>();
const AXES_CACHE_ENTRIES = 8;
const axisKey = (axis: Axis) => `${axis.spacing}:${axis.start}:${axis.step}:${axis.count}`;

/** Both axes of a grid, built once and shared by every caller asking for the same axes. */
export function axesOf(grid: { readonly re: Axis; readonly im: Axis }): { re: Float64Array; im: Float64Array } {
  const key = `${axisKey(grid.re)}|${axisKey(grid.im)}`;
  let axes = axesCache.get(key);
  if (!axes) {
    if (axesCache.size >= AXES_CACHE_ENTRIES) axesCache.delete(axesCache.keys().next().value!);
    axes = { re: axisCoordinates(grid.re), im: axisCoordinates(grid.im) };
    axesCache.set(key, axes);
  }
  return axes;
}

/** `side` coordinates spread evenly over an axis (every one of them if it has fewer): samples of a view. */
export function spread(axis: Float64Array, side: number): Float64Array {
  return Float64Array.from({ length: Math.min(side, axis.length) }, (_, i) => axis[Math.floor(((i + 0.5) * axis.length) / side)]!);
}
