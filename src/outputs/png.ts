/** The counts as a PNG image, through pngjs (pure JavaScript, nothing to compile). */
import { PNG } from 'pngjs';
import { colourise, type ColormapName, type Scale } from './colormap.js';

export interface ImageOptions {
  readonly colormap?: ColormapName;
  readonly scale?: Scale;
}

export function encodePng(counts: Int32Array, rows: number, cols: number, maxiter: number, options: ImageOptions = {}): Buffer {
  const rgba = colourise(counts, maxiter, options.colormap ?? 'viridis', options.scale ?? 'auto');
  return PNG.sync.write({ width: cols, height: rows, data: Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength) } as PNG, {
    colorType: 6,
  });
}
