/**
 * Colour maps: a count becomes an RGB colour through a 256-entry table. `viridis` (the
 * default), `magma`, `inferno` and `turbo` are matplotlib's / Google's published tables as
 * d3-scale-chromatic ships them; `grey` is plain luminance; `hot` is matplotlib's segment
 * map, the one the tutorial drew with.
 */
import { rgb } from 'd3-color';
import { interpolateInferno, interpolateMagma, interpolateTurbo, interpolateViridis } from 'd3-scale-chromatic';
import { InvalidOptionError } from '../errors.js';

export const COLORMAPS = ['viridis', 'magma', 'inferno', 'turbo', 'grey', 'hot'] as const;
export type ColormapName = (typeof COLORMAPS)[number];
export const SCALES = ['log', 'linear'] as const;
export type Scale = (typeof SCALES)[number];

type Rgb = [number, number, number];

/** matplotlib's segment data: [position, value] pairs per channel, linearly interpolated. */
type Segments = readonly (readonly [number, number])[];
const HOT: readonly Segments[] = [
  [
    [0, 0.0416],
    [0.365079, 1],
    [1, 1],
  ],
  [
    [0, 0],
    [0.365079, 0],
    [0.746032, 1],
    [1, 1],
  ],
  [
    [0, 0],
    [0.746032, 0],
    [1, 1],
  ],
];

function interpolate(segments: Segments, t: number): number {
  for (let i = 1; i < segments.length; i++) {
    const [x1, y1] = segments[i]!;
    const [x0, y0] = segments[i - 1]!;
    if (t <= x1) return x1 === x0 ? y1 : y0 + ((t - x0) / (x1 - x0)) * (y1 - y0);
  }
  return segments[segments.length - 1]![1];
}

const D3: Record<'viridis' | 'magma' | 'inferno' | 'turbo', (t: number) => string> = {
  viridis: interpolateViridis,
  magma: interpolateMagma,
  inferno: interpolateInferno,
  turbo: interpolateTurbo,
};

/** The colour at t in 0 … 1, channels in 0 … 1. */
function colourAt(name: ColormapName, t: number): Rgb {
  switch (name) {
    case 'grey':
      return [t, t, t];
    case 'hot':
      return HOT.map((segments) => interpolate(segments, t)) as Rgb;
    default: {
      const { r, g, b } = rgb(D3[name](t));
      return [r / 255, g / 255, b / 255];
    }
  }
}

/** 256 RGB triples, 768 bytes. */
export function colormapTable(name: ColormapName): Uint8Array {
  if (!COLORMAPS.includes(name)) throw new InvalidOptionError(`colormap must be one of ${COLORMAPS.join(', ')} (got "${name}")`);
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const rgb = colourAt(name, i / 255);
    for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(Math.min(1, Math.max(0, rgb[c]!)) * 255);
  }
  return table;
}

/** Where a count falls on the colour scale, 0 … 1. log spreads the many low counts out. */
function scalePosition(count: number, maxiter: number, scale: Scale): number {
  if (scale === 'linear') return count / maxiter;
  return Math.log1p(count) / Math.log1p(maxiter);
}

/** RGBA pixels of the counts, one per point, row-major. */
export function colourise(counts: Int32Array, maxiter: number, colormap: ColormapName, scale: Scale): Uint8Array {
  const table = colormapTable(colormap);
  // Counts run 0 … maxiter, so for the usual limits one table lookup per count is cheapest.
  const byCount = maxiter <= 1 << 20 ? new Uint8Array(maxiter + 1) : undefined;
  if (byCount) for (let c = 0; c <= maxiter; c++) byCount[c] = Math.round(scalePosition(c, maxiter, scale) * 255);
  const rgba = new Uint8Array(counts.length * 4);
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    const index = byCount ? byCount[count]! : Math.round(scalePosition(count, maxiter, scale) * 255);
    rgba[i * 4] = table[index * 3]!;
    rgba[i * 4 + 1] = table[index * 3 + 1]!;
    rgba[i * 4 + 2] = table[index * 3 + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
