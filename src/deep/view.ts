/**
 * A view given by its centre, as decimal strings of any length, and its width: the workload
 * of `mandel run --center RE,IM --zoom WIDTH`. While doubles can tell neighbouring points
 * apart it is an ordinary grid (the same kernels, exact as ever); below that it is a deep
 * workload, whose points are the centre plus small offsets, computed by perturbation.
 *
 * Either way pixel (x, y), x from the left and y from the top, is the point
 * centre + (x − (cols−1)/2)·h + i((rows−1)/2 − y)·h with h = width / cols, so the switch
 * from one to the other moves no pixel.
 */
import { InvalidOptionError } from '../errors.js';
import { grouped } from '../format.js';
import { DEFAULT_MAXITER } from '../defaults.js';
import { checkMemory, DEFAULT_MAX_MEMORY_BYTES, deepBytesPerIteration, generalGrid, MAX_ELEMENTS, type Workload } from '../grid.js';
import { fixedToNumber, log10Of, parseDecimal, toFixed } from './decimal.js';

import { EXTENDED_BITS, referenceBits } from './reference.js';

export { blaApplies, deepDcMax } from './bla.js';
export { deepCentre, referenceBits } from './reference.js';

/** The narrowest view served: 1e-1000 wide (a reference orbit of ~3,400 bits). */
export const MIN_WIDTH_LOG10 = -1000;
/**
 * Doubles serve while a pixel spans at least 2^10 ulps of the centre's larger coordinate:
 * below that, rounding the coordinates themselves moves a point by a visible fraction of a
 * pixel (the blocks of an explorer pushed past its depth).
 */
const DOUBLE_PIXEL_ULPS = 1024;

export interface ViewSpec {
  readonly center: { readonly re: string; readonly im: string };
  /** The view's width in the complex plane, as a decimal string ("1e-100"). */
  readonly width: string;
  readonly cols: number;
  readonly rows: number;
  readonly maxiter?: number;
  /** `auto`: perturbation only where doubles fall short; `always`: perturbation at any depth. */
  readonly perturbation?: 'auto' | 'always';
  /** Refuse a view whose memory estimate (its points; a deep one's orbit and tables too) is above this (default 4 GiB). */
  readonly maxMemoryBytes?: number;
}

const SPEC_KEYS = new Set(['center', 'width', 'cols', 'rows', 'maxiter', 'perturbation', 'maxMemoryBytes']);

/**
 * The spec checked, defaults filled in. By hand, not by zod: the schema library takes ~100 ms
 * to load and ~25 ms to compile its first parse, a quarter of a deep `mandel run` (its grid
 * path does without it too; test/sources.test.ts keeps it so).
 */
function checkSpec(spec: ViewSpec): Required<ViewSpec> {
  const fail = (message: string): never => {
    throw new InvalidOptionError(`invalid view: ${message}`);
  };
  if (typeof spec !== 'object' || spec === null) return fail('must be an object');
  for (const key of Object.keys(spec)) if (!SPEC_KEYS.has(key)) fail(`unknown option "${key}"`);
  const { center } = spec;
  if (typeof center !== 'object' || center === null || typeof center.re !== 'string' || typeof center.im !== 'string') {
    fail('center must be { re, im }, two decimal strings');
  }
  for (const key of Object.keys(center)) if (key !== 're' && key !== 'im') fail(`center: unknown option "${key}"`);
  if (typeof spec.width !== 'string') fail('width must be a decimal string');
  const whole = (value: unknown, what: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ELEMENTS) {
      return fail(`${what} must be a whole number from 1 to ${MAX_ELEMENTS}`);
    }
    return value;
  };
  const perturbation = spec.perturbation ?? 'auto';
  if (perturbation !== 'auto' && perturbation !== 'always') fail('perturbation must be auto or always');
  const maxMemoryBytes = spec.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES;
  if (typeof maxMemoryBytes !== 'number' || !(maxMemoryBytes > 0)) fail('maxMemoryBytes must be a positive number');
  return {
    center: { re: center.re, im: center.im },
    width: spec.width,
    cols: whole(spec.cols, 'width in points'),
    rows: whole(spec.rows, 'height in points'),
    maxiter: whole(spec.maxiter ?? DEFAULT_MAXITER, 'maxiter'),
    perturbation,
    maxMemoryBytes,
  };
}

/** The view's workload: a grid while doubles suffice, a deep workload below. */
export function viewWorkload(spec: ViewSpec): Workload {
  const checked = checkSpec(spec);
  const re = parseDecimal(checked.center.re, 'the centre’s real part');
  const im = parseDecimal(checked.center.im, 'the centre’s imaginary part');
  const width = parseDecimal(checked.width, 'the zoom (the view’s width)');
  const widthLog = log10Of(width);
  if (width.digits <= 0n) throw new InvalidOptionError(`the zoom (the view's width) must be above 0 (got ${checked.width})`);
  if (widthLog < MIN_WIDTH_LOG10) {
    throw new InvalidOptionError(`the zoom (the view's width) ${checked.width} is narrower than the 1e${MIN_WIDTH_LOG10} supported`);
  }
  if (widthLog > 1.3) throw new InvalidOptionError(`the zoom (the view's width) ${checked.width} is over 20: the whole set is 4 wide`);
  for (const [part, value] of [
    ['real', re],
    ['imaginary', im],
  ] as const) {
    if (log10Of(value) > Math.log10(4)) throw new InvalidOptionError(`the centre's ${part} part must be within −4 … 4`);
  }
  const { cols, rows, maxiter, maxMemoryBytes } = checked;
  const asked = `--width ${cols} --height ${rows}`;
  checkMemory(rows, cols, maxMemoryBytes, asked); // the points alone, before anything is computed
  // h = width / cols as hs × 2^exponent with hs in [1, 2): exact to a double, through BigInt.
  const exponent = Math.floor(widthLog * Math.log2(10) - Math.log2(cols)) - 1;
  const hs = fixedToNumber(toFixed(width, 64 - exponent) / BigInt(cols), 64);
  const centreRe = fixedToNumber(toFixed(re, 1100), 1100);
  const centreIm = fixedToNumber(toFixed(im, 1100), 1100);
  const h = hs * 2 ** exponent;
  const ulp = 2 ** -52 * Math.max(Math.abs(centreRe), Math.abs(centreIm), 2 ** -1000);
  if (checked.perturbation === 'auto' && h >= DOUBLE_PIXEL_ULPS * ulp && exponent > -1000) {
    const x1 = centreRe - ((cols - 1) / 2) * h;
    const y2 = centreIm + ((rows - 1) / 2) * h;
    return generalGrid({ width: cols, height: rows, maxiter, maxMemoryBytes, region: { x1, x2: x1 + cols * h, y1: y2 - rows * h, y2 } });
  }
  // The reference orbit and its tables are kept for the whole render: ~144 B an iteration.
  const extended = referenceBits({ re: '', im: '', exponent }) > EXTENDED_BITS;
  checkMemory(rows, cols, maxMemoryBytes, `${asked} -m ${maxiter}`, false, {
    bytes: (maxiter + 1) * deepBytesPerIteration(extended),
    what: `a reference orbit of ${grouped(maxiter)} iterations with its tables`,
  });
  return {
    re: { start: -((cols - 1) / 2) * hs, step: hs, count: cols, spacing: 'multiply' },
    im: { start: ((rows - 1) / 2) * hs, step: -hs, count: rows, spacing: 'multiply' },
    maxiter,
    deep: { re: checked.center.re.trim(), im: checked.center.im.trim(), exponent },
  };
}
