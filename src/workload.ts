/**
 * The workload: what to render (the points of the complex plane and the iteration limit),
 * independent of how and where it is computed. A workload is small, plain data, so it can
 * travel to worker threads and over a queue unchanged.
 *
 * Two grids exist:
 * - `tutorialWorkload` rebuilds the grid of the tutorial's serial_python.py exactly: the
 *   step is `((x2 - x1) / size) * 2` and the coordinates come from *repeated addition* of
 *   that step while still inside the region, so the point count per axis depends on
 *   rounding (size 100 gives 50 × 50, size 1000 gives 500 × 500, odd sizes do not simply
 *   give size / 2).
 * - `gridWorkload` is the general render: `width` × `height` points, coordinate
 *   `start + i * step`, from the top-left corner of the region.
 */
import { z } from 'zod';
import { BENCHMARKS_GAME_MAXITER, DEFAULT_MAXITER, DEFAULT_SIZE, TUTORIAL_REGION } from './defaults.js';
import { benchmarksGameGrid, DEFAULT_MAX_MEMORY_BYTES, generalGrid, MAX_ELEMENTS, tutorialGrid, type Workload } from './grid.js';
import { finite, parseOrThrow, positiveInt } from './schema.js';

export { axisCoordinates, axesOf, type Axis } from './axis.js';
export { elementsOf, type DeepCentre, type Region, type Workload } from './grid.js';

export { DEFAULT_MAXITER, DEFAULT_SIZE, TUTORIAL_REGION } from './defaults.js';

const regionSchema = z
  .object({ x1: finite('x1'), x2: finite('x2'), y1: finite('y1'), y2: finite('y2') })
  .refine((r) => r.x1 < r.x2, { message: 'region must have x1 < x2 (real part, left to right)' })
  .refine((r) => r.y1 < r.y2, { message: 'region must have y1 < y2 (imaginary part, bottom to top)' });

const commonSchema = {
  maxiter: positiveInt('maxiter').default(DEFAULT_MAXITER),
  region: regionSchema.default(TUTORIAL_REGION),
  maxMemoryBytes: z.number().positive().default(DEFAULT_MAX_MEMORY_BYTES),
};

const tutorialSpecSchema = z.strictObject({ size: positiveInt('size').default(DEFAULT_SIZE), ...commonSchema });
const gridSpecSchema = z.strictObject({ width: positiveInt('width'), height: positiveInt('height'), ...commonSchema });

const benchmarksGameSpecSchema = z.strictObject({
  size: positiveInt('size'),
  maxiter: positiveInt('maxiter').default(BENCHMARKS_GAME_MAXITER),
  maxMemoryBytes: z.number().positive().default(DEFAULT_MAX_MEMORY_BYTES),
});

export type TutorialSpec = z.input<typeof tutorialSpecSchema>;
export type GridSpec = z.input<typeof gridSpecSchema>;

/** The tutorial's grid (see the module header), for any size, region and maxiter. */
export function tutorialWorkload(spec: TutorialSpec = {}): Workload {
  return tutorialGrid(parseOrThrow(tutorialSpecSchema, spec, 'workload'));
}

/**
 * The Benchmarks Game's mandelbrot: N × N points, real part 2x/N − 1.5 and imaginary part
 * 2y/N − 1.0 for x, y = 0 … N − 1 (row 0 is the bottom edge, as its bitmap's first row), 50
 * iterations unless told otherwise. Written as a `.pbm`, it is that benchmark's output.
 */
export function benchmarksGameWorkload(spec: { size: number; maxiter?: number; maxMemoryBytes?: number }): Workload {
  return benchmarksGameGrid(parseOrThrow(benchmarksGameSpecSchema, spec, 'workload'));
}

/** A general render: width × height points from the region's top-left corner. */
export function gridWorkload(spec: GridSpec): Workload {
  return generalGrid(parseOrThrow(gridSpecSchema, spec, 'workload'));
}

/** Schema for a workload that arrives from elsewhere (a worker thread, a queue payload). */
const axisSchema = z.strictObject({
  start: finite('axis start'),
  step: finite('axis step').refine((step) => step !== 0, { message: 'axis step must not be 0' }),
  count: positiveInt('axis count'),
  spacing: z.enum(['accumulate', 'multiply', 'fraction']),
});
/** A deep view's centre travels as written: decimals, never doubles. */
const decimalSchema = (what: string) =>
  z
    .string()
    .max(5000, `${what} has over 5000 characters`)
    .regex(/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,6})?$/, `${what} must be a decimal number`);
const deepSchema = z.strictObject({
  re: decimalSchema('deep.re'),
  im: decimalSchema('deep.im'),
  // 2^-3500 is past the 1e-1000 views mandel makes; beyond it a reference orbit would be huge.
  exponent: z.number().int().min(-3500).max(16),
});
export const workloadSchema = z
  .strictObject({ re: axisSchema, im: axisSchema, maxiter: positiveInt('maxiter'), deep: deepSchema.optional() })
  .refine((w) => w.re.count * w.im.count <= MAX_ELEMENTS, { message: `a workload has at most ${MAX_ELEMENTS} points` });
