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
import { gridWorkload, type Region, type Workload } from '../workload.js';

export const TILE_SIZE = 256;
/** Real part of the left edge, imaginary part of the top edge, and side of the zoom-0 tile. */
export const WORLD = { re: -2.5, im: 2, side: 4 } as const;
/**
 * The deepest zoom served. A double carries 53 bits: at zoom 40 a pixel is 4 / 2^48 ≈ 1.4e-14
 * wide, about 60 ulps of a coordinate near 1 — past that neighbouring pixels share
 * coordinates and the image turns to blocks. The explorer says so before it gets there.
 */
export const MAX_ZOOM = 40;
/** From this zoom on, a pixel is within a few hundred ulps of its neighbour: the explorer warns. */
export const DOUBLE_LIMIT_ZOOM = 36;
export const MAX_TILE_MAXITER = 100_000;

/** The region a tile covers, as `mandel run --region` takes it. */
export function tileRegion(zoom: number, x: number, y: number): Region {
  const side = WORLD.side / 2 ** zoom;
  const x1 = WORLD.re + x * side;
  const y2 = WORLD.im - y * side;
  return { x1, x2: x1 + side, y1: y2 - side, y2 };
}

/** Tile (z, x, y) at this maxiter: what a tile request renders, whatever its kernel. */
export function tileWorkload(tile: { readonly z: number; readonly x: number; readonly y: number; readonly maxiter: number }): Workload {
  return gridWorkload({ width: TILE_SIZE, height: TILE_SIZE, maxiter: tile.maxiter, region: tileRegion(tile.z, tile.x, tile.y) });
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
    x: z.coerce.number({ error: 'x must be a number' }).refine(Number.isInteger, { message: 'x must be a whole number' }),
    y: z.coerce.number({ error: 'y must be a number' }).refine(Number.isInteger, { message: 'y must be a whole number' }),
    maxiter: integer('maxiter', 1, MAX_TILE_MAXITER).default(1000),
    kernel: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}$/, 'kernel must be a kernel name')
      .default('auto'),
    prune: z.enum(['0', '1', 'true', 'false']).default('1'),
    format: z.enum(['counts', 'counts16', 'png']).default('counts'),
    colormap: z.enum(COLORMAPS, { error: `colormap must be one of ${COLORMAPS.join(', ')}` }).default('viridis'),
    scale: z.enum(SCALES, { error: `scale must be one of ${SCALES.join(', ')}` }).default('log'),
    token: z.string().optional(),
  })
  // Tiles far outside the set are all zeros; a bound keeps coordinates sane at every zoom.
  .refine((q) => Math.abs(q.x) <= 2 ** (q.z + 4) && Math.abs(q.y) <= 2 ** (q.z + 4), {
    message: 'x and y must be within 16 tile widths of the set at this zoom',
  });
