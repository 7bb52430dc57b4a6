/**
 * The grids a workload's points lie on, built from values already checked: workload.ts checks
 * a library caller's spec with its schemas and builds here; the command line, whose flags
 * its parsers have checked, builds here directly, so a run loads no validation library
 * (zod costs ~100 ms of start-up). What only the built grid can tell is checked here, for
 * both: the memory a render would need, and a step between points that is usable. The
 * types of a workload live here too (workload.ts re-exports them), so that the two modules
 * import each other in one direction only.
 */
import { InvalidOptionError, MandelError } from './errors.js';
import { formatBytes } from './format.js';
import type { Axis } from './axis.js';

/** A rectangle of the complex plane: real part x1..x2, imaginary part y1 (bottom)..y2 (top). */
export interface Region {
  readonly x1: number;
  readonly x2: number;
  readonly y1: number;
  readonly y2: number;
}

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

/** Default ceiling for a render's memory estimate; `maxMemoryBytes` raises it. */
export const DEFAULT_MAX_MEMORY_BYTES = 4 * 2 ** 30;
/** Bytes a render needs per point: the Int32 counts and, when drawn, an RGBA image row buffer. */
const BYTES_PER_ELEMENT_COUNTS = 4;
/** A bitmap render (bitmap.ts) keeps one bit a point. */
const BYTES_PER_ELEMENT_BITS = 1 / 8;

/** Renders above this many points are refused whatever the memory limit (typed-array length). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

export interface TutorialGridSpec {
  readonly size: number;
  readonly maxiter: number;
  readonly region: Region;
  readonly maxMemoryBytes: number;
  /** For a bitmap render (one bit a point): its memory is estimated as such. */
  readonly bitsOnly?: boolean;
}

export interface GeneralGridSpec {
  readonly width: number;
  readonly height: number;
  readonly maxiter: number;
  readonly region: Region;
  readonly maxMemoryBytes: number;
  readonly bitsOnly?: boolean;
}

/** The tutorial's grid (workload.ts's header says how it is built), for any size, region and maxiter. */
export function tutorialGrid({ size, maxiter, region, maxMemoryBytes, bitsOnly }: TutorialGridSpec): Workload {
  // Refuse before counting: the count loop is O(size), and size alone bounds the result.
  checkMemory(Math.ceil(size / 2) + 1, Math.ceil(size / 2) + 1, maxMemoryBytes, `--size ${size}`, bitsOnly);
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
  checkMemory(rows, cols, maxMemoryBytes, `--size ${size}`, bitsOnly);
  return workload;
}

/** The Benchmarks Game's grid (see benchmarksGameWorkload): N × N points, 2x/N − 1.5 + (2y/N − 1)i. */
export function benchmarksGameGrid({
  size,
  maxiter,
  maxMemoryBytes,
  bitsOnly,
}: {
  size: number;
  maxiter: number;
  maxMemoryBytes: number;
  bitsOnly?: boolean;
}): Workload {
  checkMemory(size, size, maxMemoryBytes, `--benchmarks-game ${size}`, bitsOnly);
  return {
    re: { start: -1.5, step: 2, count: size, spacing: 'fraction' },
    im: { start: -1, step: 2, count: size, spacing: 'fraction' },
    maxiter,
  };
}

/** A general render: width × height points from the region's top-left corner. */
export function generalGrid({ width, height, maxiter, region, maxMemoryBytes, bitsOnly }: GeneralGridSpec): Workload {
  checkMemory(height, width, maxMemoryBytes, `--width ${width} --height ${height}`, bitsOnly);
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
function estimateMemoryBytes(rows: number, cols: number, bitsOnly = false): number {
  return rows * cols * (bitsOnly ? BYTES_PER_ELEMENT_BITS : BYTES_PER_ELEMENT_COUNTS + 4) + (rows + cols) * 8;
}

/**
 * What a deep render keeps per iteration of maxiter, besides its points, once per render: the
 * reference orbit as doubles (16 B), in the extended form too below ~1e-280 (20 B), the linear
 * series (28 B) and the BLA table (at most 2 blocks an iteration, 40 B each: 80 B; its tail,
 * one radius an iteration: 8 B).
 */
export function deepBytesPerIteration(extended: boolean): number {
  return 16 + (extended ? 20 : 0) + 28 + 80 + 8;
}

/**
 * Refuses a render over the point cap or the memory limit, before anything is allocated.
 * `perRender` adds what a deep render keeps once (its orbit and tables: deepBytesPerIteration).
 */
export function checkMemory(
  rows: number,
  cols: number,
  limitBytes: number,
  asked: string,
  bitsOnly = false,
  perRender?: { readonly bytes: number; readonly what: string },
): void {
  const elements = rows * cols;
  const needed = estimateMemoryBytes(rows, cols, bitsOnly) + (perRender?.bytes ?? 0);
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
      `${asked} means ${rows} × ${cols} points ${perRender ? `and ${perRender.what}: ` : 'and '}about ${formatBytes(needed)} of memory, ` +
        `over the limit of ${formatBytes(limitBytes)}; ` +
        `choose a smaller ${perRender ? 'maxiter or view' : 'size'}, or raise the limit with --max-memory MB`,
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
