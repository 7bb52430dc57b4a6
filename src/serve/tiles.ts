/**
 * Tiles of the explorer: the complex plane cut into 256 × 256 squares, halved at every zoom
 * level, the same scheme as a web map. A tile is a small general workload — exactly what
 * `mandel run --width 256 --height 256 --region …` renders — so its counts are the CLI's.
 *
 * At zoom 0 one tile spans real parts −2.5 … 1.5 and imaginary parts 2 … −2 (top to bottom);
 * tile (x, y) of zoom z spans 4 / 2^z on each side, x growing rightwards, y downwards.
 */
import { z } from 'zod';
import { COLORMAPS, SCALES } from '../defaults.js';
import { DENSITY_MAX, DENSITY_MIN } from '../../web/scale.js';
import { viewWorkload } from '../deep/view.js';
import { gridWorkload, type Region, type Workload } from '../workload.js';

/** A decimal as a person types it, of any length the deep views take (1e-1000: ~1,000 digits). */
export const decimalText = z
  .string()
  .max(1200, 'at most 1,200 characters')
  .regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,5})?$/, 'a decimal number such as -0.7453 or 1.5e-30');

const flag = (what: string) =>
  z
    .enum(['0', '1', 'true', 'false'], { error: `${what} must be 0, 1, true or false` })
    .default('0')
    .transform((text) => text === '1' || text === 'true');

/**
 * How counts are coloured in a PNG the server draws, a tile's or a watched render's: the map,
 * the scale, the palette (web/scale.js), and for a tile whether it is coloured (and its counts
 * sent) with the smooth fractions.
 */
export const colourFields = {
  colormap: z.enum(COLORMAPS, { error: `colormap must be one of ${COLORMAPS.join(', ')}` }).default('viridis'),
  scale: z.enum(SCALES, { error: `scale must be one of ${SCALES.join(', ')}` }).default('auto'),
  density: z.coerce
    .number({ error: 'density must be a number' })
    .min(DENSITY_MIN, `density must be at least ${DENSITY_MIN}`)
    .max(DENSITY_MAX, `density must be at most ${DENSITY_MAX}`)
    .default(1),
  offset: z.coerce
    .number({ error: 'offset must be a number' })
    .min(-1e6, 'offset must be from -1000000 to 1000000')
    .max(1e6, 'offset must be from -1000000 to 1000000')
    .default(0),
  smooth: flag('smooth'),
};

export const TILE_SIZE = 256;
/** Real part of the left edge, imaginary part of the top edge, and side of the zoom-0 tile. */
export const WORLD = { re: -2.5, im: 2, side: 4 } as const;
/**
 * Up to this zoom a tile is an ordinary grid of doubles, exactly `mandel run --region` of it;
 * deeper tiles are deep views (perturbation, src/deep/). Doubles would go on to about zoom 40
 * (a pixel 4 / 2^48 ≈ 60 ulps of a coordinate near 1), but not without error: measured on a
 * spiral (M(24,1), 250–270 distinct counts a tile), the double tile and the perturbation tiles
 * one zoom deeper agree on 96% of their shared points at zoom 40, 98% at 36 and 99.5% at 32.
 * The switch is where that seam cannot be seen.
 */
export const DOUBLE_ZOOM = 32;
/** The deepest zoom served: a tile 4 / 2^3000 ≈ 3e-903 wide (deep views reach 1e-1000). */
export const MAX_ZOOM = 3000;
export const MAX_TILE_MAXITER = 100_000;

/** The region a tile covers, as `mandel run --region` takes it. */
export function tileRegion(zoom: number, x: number, y: number): Region {
  const side = WORLD.side / 2 ** zoom;
  const x1 = WORLD.re + x * side;
  const y2 = WORLD.im - y * side;
  return { x1, x2: x1 + side, y1: y2 - side, y2 };
}

/**
 * Tile (z, x, y) at this maxiter: what a tile request renders, whatever its kernel. Down to
 * DOUBLE_ZOOM the grid of its region; deeper, the deep view whose pixel (i, j) is the point the
 * grid's would be, x1 + i·h + i(y2 − j·h), computed by perturbation: its centre, a dyadic
 * rational, written exactly in decimal (never through a double).
 */
export function tileWorkload(tile: {
  readonly z: number;
  readonly x: number | bigint;
  readonly y: number | bigint;
  readonly maxiter: number;
}): Workload {
  if (tile.z <= DOUBLE_ZOOM) {
    return gridWorkload({
      width: TILE_SIZE,
      height: TILE_SIZE,
      maxiter: tile.maxiter,
      region: tileRegion(tile.z, Number(tile.x), Number(tile.y)),
    });
  }
  // In units of 2^-(z + 9): h = 4 / 2^z / 256 = 2^-(z + 6) is 8 units; the centre is pixel 127.5.
  const shift = BigInt(tile.z + 9);
  const side = 4n << (shift - BigInt(tile.z)); // 4 / 2^z
  const h = side / BigInt(TILE_SIZE);
  const half = (h * BigInt(2 * (TILE_SIZE / 2) - 1)) / 2n; // 127.5 h
  const re = -(5n << (shift - 1n)) + BigInt(tile.x) * side + half;
  const im = (2n << shift) - BigInt(tile.y) * side - half;
  return viewWorkload({
    center: { re: dyadic(re, tile.z + 9), im: dyadic(im, tile.z + 9) },
    width: dyadic(side, tile.z + 9),
    cols: TILE_SIZE,
    rows: TILE_SIZE,
    maxiter: tile.maxiter,
    perturbation: 'always',
  });
}

/** n / 2^k as an exact decimal: n · 5^k × 10^-k. */
function dyadic(n: bigint, k: number): string {
  return `${n * 5n ** BigInt(k)}e-${k}`;
}

const integer = (what: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .refine(Number.isInteger, { message: `${what} must be a whole number` })
    .refine((n) => n >= min && n <= max, { message: `${what} must be from ${min} to ${max}` });

/** The tile coordinates and options of a request, validated: every message names its field. */
export const tileQuerySchema = z
  .strictObject({
    z: integer('z', 0, MAX_ZOOM),
    // Whole numbers of any size: at zoom 3000 a tile's index has over 900 digits.
    x: z
      .string()
      .regex(/^-?\d{1,1000}$/, 'x must be a whole number')
      .transform(BigInt),
    y: z
      .string()
      .regex(/^-?\d{1,1000}$/, 'y must be a whole number')
      .transform(BigInt),
    maxiter: integer('maxiter', 1, MAX_TILE_MAXITER).default(1000),
    kernel: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}$/, 'kernel must be a kernel name')
      .default('auto'),
    prune: z.enum(['0', '1', 'true', 'false']).default('1'),
    format: z.enum(['counts', 'counts16', 'png']).default('counts'),
    ...colourFields,
    token: z.string().optional(),
  })
  // Tiles far outside the set are all zeros; a bound keeps coordinates sane at every zoom.
  .refine((q) => abs(q.x) <= 1n << BigInt(q.z + 4) && abs(q.y) <= 1n << BigInt(q.z + 4), {
    message: 'x and y must be within 16 tile widths of the set at this zoom',
  });

const abs = (n: bigint) => (n < 0n ? -n : n);
