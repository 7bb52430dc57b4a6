/**
 * Colour maps: a count becomes an RGB colour through a 256-entry table. `viridis` (the
 * default), `magma`, `inferno` and `turbo` are matplotlib's / Google's published tables as
 * d3-scale-chromatic ships them; `grey` is plain luminance; `hot` is matplotlib's segment
 * map, the one the tutorial drew with.
 */
import { rgb } from 'd3-color';
import { interpolateInferno, interpolateMagma, interpolateTurbo, interpolateViridis } from 'd3-scale-chromatic';
import { InvalidOptionError } from '../errors.js';

import { COLORMAPS, type ColormapName, type Scale } from '../defaults.js';
import { colourScale, INTERIOR } from '../../web/scale.js';

export { COLORMAPS, SCALES, type ColormapName, type Scale } from '../defaults.js';

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

/**
 * RGBA pixels of the counts, one per point, row-major; by μ = count + fraction where the smooth
 * fractions are given, under the palette's density and offset (web/scale.js).
 */
export function colourise(
  counts: Int32Array,
  maxiter: number,
  colormap: ColormapName,
  scale: Scale,
  options: { readonly smooth?: Float32Array; readonly density?: number; readonly offset?: number } = {},
): Uint8Array {
  const table = colormapTable(colormap);
  let indexOf: (count: number, fraction?: number) => number;
  try {
    indexOf = colourScale([counts], maxiter, scale, { density: options.density, offset: options.offset }).index;
  } catch (error) {
    throw new InvalidOptionError((error as Error).message);
  }
  const smooth = options.smooth;
  const rgba = new Uint8Array(counts.length * 4);
  for (let i = 0; i < counts.length; i++) {
    rgba[i * 4 + 3] = 255;
    const index = smooth ? indexOf(counts[i]!, smooth[i]!) : indexOf(counts[i]!);
    if (index === INTERIOR) continue; // the set itself: black, in every image and in the explorer
    rgba[i * 4] = table[index * 3]!;
    rgba[i * 4 + 1] = table[index * 3 + 1]!;
    rgba[i * 4 + 2] = table[index * 3 + 2]!;
  }
  return rgba;
}
