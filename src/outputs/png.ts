/** The counts as a PNG image, through pngjs (pure JavaScript, nothing to compile). */
import { PNG } from 'pngjs';
import { colourise, type ColormapName, type Scale } from './colormap.js';

export interface ImageOptions {
  readonly colormap?: ColormapName;
  readonly scale?: Scale;
  /** Each point's smooth fraction (RenderResult.smooth): colours by μ = count + fraction, without steps. */
  readonly smooth?: Float32Array;
  /** The palette (web/scale.js): the map `density` times as often, shifted by `offset` cycles. */
  readonly density?: number;
  readonly offset?: number;
}

export function encodePng(counts: Int32Array, rows: number, cols: number, maxiter: number, options: ImageOptions = {}): Buffer {
  const rgba = colourise(counts, maxiter, options.colormap ?? 'viridis', options.scale ?? 'auto', {
    ...(options.smooth ? { smooth: options.smooth } : {}),
    ...(options.density !== undefined ? { density: options.density } : {}),
    ...(options.offset !== undefined ? { offset: options.offset } : {}),
  });
  return PNG.sync.write({ width: cols, height: rows, data: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength) } as PNG, {
    colorType: 6,
  });
}
