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
import type { Axis } from './axis.js';
import { InvalidOptionError, MandelError } from './errors.js';
import { formatBytes } from './format.js';
import { BENCHMARKS_GAME_MAXITER, DEFAULT_MAXITER, DEFAULT_SIZE, TUTORIAL_REGION } from './defaults.js';
import { MAX_INT32, finite, parseOrThrow, positiveInt } from './schema.js';

export { axisCoordinates, axesOf, type Axis } from './axis.js';

/** A rectangle of the complex plane: real part x1..x2, imaginary part y1 (bottom)..y2 (top). */
export interface Region {
  readonly x1: number;
  readonly x2: number;
  readonly y1: number;
  readonly y2: number;
}

export { DEFAULT_MAXITER, DEFAULT_SIZE, TUTORIAL_REGION } from './defaults.js';

export interface Workload {
  /** Real parts, one per column, left to right (a deep workload: offsets from its centre). */
  readonly re: Axis;
  /** Imaginary parts, one per row, top row first (a deep workload: offsets from its centre). */
  readonly im: Axis;
  readonly maxiter: number;
  /** Set on a view past doubles' precision (deep/view.ts): computed by perturbation. */
  readonly deep?: DeepCentre;
}

/** What a deep workload adds to a grid: the centre, exactly, and the offsets' scale. */
export interface DeepCentre {
  /** Decimal strings, exactly as given. */
  readonly re: string;
  readonly im: string;
  /** The axes are offsets from the centre in units of 2^exponent. */
  readonly exponent: number;
}

/** Renders above this many points are refused whatever the memory limit (typed-array length). */
const MAX_ELEMENTS = MAX_INT32;
/** Default ceiling for a render's memory estimate; `maxMemoryBytes` raises it. */
const DEFAULT_MAX_MEMORY_BYTES = 4 * 2 ** 30;
/** Bytes a render needs per point: the Int32 counts and, when drawn, an RGBA image row buffer. */
const BYTES_PER_ELEMENT_COUNTS = 4;

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
  const { size, maxiter, region, maxMemoryBytes } = parseOrThrow(tutorialSpecSchema, spec, 'workload');
  // Refuse before counting: the count loop is O(size), and size alone bounds the result.
  checkMemory(Math.ceil(size / 2) + 1, Math.ceil(size / 2) + 1, maxMemoryBytes, `--size ${size}`);
  // Python: x_step = (float(x2 - x1) / float(w)) * 2 ; y_step = (float(y1 - y2) / float(h)) * 2
  const xStep = ((region.x2 - region.x1) / size) * 2;
  const yStep = ((region.y1 - region.y2) / size) * 2;
  checkStep(xStep, 'real axis', region.x1, region.x2);
  checkStep(yStep, 'imaginary axis', region.y1, region.y2);
  let cols = 0;
  for (let x = region.x1; x < region.x2; x += xStep) cols++;
  let rows = 0;
  for (let y = region.y2; y > region.y1; y += yStep) rows++;
  const workload: Workload = {
    re: { start: region.x1, step: xStep, count: cols, spacing: 'accumulate' },
    im: { start: region.y2, step: yStep, count: rows, spacing: 'accumulate' },
    maxiter,
  };
  checkMemory(rows, cols, maxMemoryBytes, `--size ${size}`);
  return workload;
}

/**
 * The Benchmarks Game's mandelbrot: N × N points, real part 2x/N − 1.5 and imaginary part
 * 2y/N − 1.0 for x, y = 0 … N − 1 (row 0 is the bottom edge, as its bitmap's first row), 50
 * iterations unless told otherwise. Written as a `.pbm`, it is that benchmark's output.
 */
export function benchmarksGameWorkload(spec: { size: number; maxiter?: number; maxMemoryBytes?: number }): Workload {
  const { size, maxiter, maxMemoryBytes } = parseOrThrow(benchmarksGameSpecSchema, spec, 'workload');
  checkMemory(size, size, maxMemoryBytes, `--benchmarks-game ${size}`);
  return {
    re: { start: -1.5, step: 2, count: size, spacing: 'fraction' },
    im: { start: -1, step: 2, count: size, spacing: 'fraction' },
    maxiter,
  };
}

/** A general render: width × height points from the region's top-left corner. */
export function gridWorkload(spec: GridSpec): Workload {
  const { width, height, maxiter, region, maxMemoryBytes } = parseOrThrow(gridSpecSchema, spec, 'workload');
  checkMemory(height, width, maxMemoryBytes, `--width ${width} --height ${height}`);
  const xStep = (region.x2 - region.x1) / width;
  const yStep = (region.y1 - region.y2) / height;
  checkStep(xStep, 'real axis', region.x1, region.x2);
  checkStep(yStep, 'imaginary axis', region.y1, region.y2);
  return {
    re: { start: region.x1, step: xStep, count: width, spacing: 'multiply' },
    im: { start: region.y2, step: yStep, count: height, spacing: 'multiply' },
    maxiter,
  };
}

export function elementsOf(workload: Workload): number {
  return workload.re.count * workload.im.count;
}

/** The memory a render of this many points needs at least: counts plus an RGBA image. */
function estimateMemoryBytes(rows: number, cols: number): number {
  return rows * cols * (BYTES_PER_ELEMENT_COUNTS + 4) + (rows + cols) * 8;
}

function checkMemory(rows: number, cols: number, limitBytes: number, asked: string): void {
  const elements = rows * cols;
  const needed = estimateMemoryBytes(rows, cols);
  if (elements > MAX_ELEMENTS) {
    // A hard cap of the counts' typed array, whatever memory there is.
    throw new MandelError(
      'ERR_TOO_LARGE',
      `${asked} means ${rows} × ${cols} = ${elements.toLocaleString('en-US')} points, over the cap of ` +
        `${MAX_ELEMENTS.toLocaleString('en-US')} (2^31 − 1) points per render; render it in parts`,
    );
  }
  if (needed > limitBytes) {
    throw new MandelError(
      'ERR_TOO_LARGE',
      `${asked} means ${rows} × ${cols} points and about ${formatBytes(needed)} of memory, ` +
        `over the limit of ${formatBytes(limitBytes)}; ` +
        'choose a smaller size, or raise the limit with --max-memory MB',
    );
  }
}

/**
 * The one check of a grid's spacing, for every way a workload is built or received: a step
 * that is not a finite, non-zero number (a region wider than the largest double, or too
 * narrow to divide) would give NaN coordinates or a one-column image.
 */
function checkStep(step: number, axis: string, from: number, to: number): void {
  if (!Number.isFinite(step) || step === 0) {
    throw new InvalidOptionError(
      `the region's ${axis} from ${from} to ${to} gives a step of ${step} between points; it must be a finite number other than 0 (choose a narrower or wider region)`,
    );
  }
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
