/**
 * Grid axes, apart from the rest of the workload module so that worker threads can build
 * coordinates without loading the validation library (zod costs ~140 ms per thread).
 */

/**
 * One axis of the grid. `accumulate` spacing is the tutorial's: coordinate i is `start`
 * plus `step` added i times, each addition rounded. `multiply` spacing is `start + i * step`.
 */
export interface Axis {
  readonly start: number;
  readonly step: number;
  readonly count: number;
  readonly spacing: 'accumulate' | 'multiply';
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
  } else {
    for (let i = 0; i < axis.count; i++) out[i] = axis.start + i * axis.step;
  }
  return out;
}
