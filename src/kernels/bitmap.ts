/**
 * Membership bitmaps: a chunk of whole rows as one bit a point (1: never escapes), the rows of
 * a PBM (P4) image. A kernel with a loop of its own for it (`Kernel.bitmap`) is called with
 * the chunk; any other computes the counts of one row at a time and keeps the bits of those
 * at maxiter — the same bits, as a kernel's counts are exact.
 */
import type { Chunk } from '../plan.js';
import type { BitmapInput, Kernel } from './types.js';

/** Bytes of one row of `cols` points. */
export const rowBytesOf = (cols: number): number => Math.ceil(cols / 8);

/** The bitmap input of a chunk of whole rows, writing into the image's bits. */
export function chunkBitmapInput(
  chunk: Chunk,
  re: Float64Array,
  im: Float64Array,
  maxiter: number,
  bits: Uint8Array,
  prune: boolean,
): BitmapInput {
  const rowBytes = rowBytesOf(re.length);
  const chunkIm = new Float64Array(chunk.rowCount);
  for (let i = 0; i < chunk.rowCount; i++) chunkIm[i] = im[chunk.row0 + i * chunk.rowStep]!;
  return { re, im: chunkIm, maxiter, out: bits, offset: chunk.row0 * rowBytes, rowBytes: chunk.rowStep * rowBytes, prune };
}

/** Writes the chunk's bits; returns the z updates performed. */
export function computeBitmap(kernel: Kernel, input: BitmapInput): number {
  if (kernel.bitmap) return kernel.bitmap(input);
  const cols = input.re.length;
  const width = rowBytesOf(cols);
  const counts = new Int32Array(cols);
  const im = new Float64Array(1);
  let updates = 0;
  for (let row = 0; row < input.im.length; row++) {
    im[0] = input.im[row]!;
    updates += kernel.compute({ re: input.re, im, maxiter: input.maxiter, out: counts, offset: 0, rowStride: cols, prune: input.prune });
    const at = input.offset + row * input.rowBytes;
    input.out.fill(0, at, at + width);
    for (let col = 0; col < cols; col++) {
      if (counts[col] === input.maxiter) input.out[at + (col >> 3)]! |= 0x80 >> (col & 7);
    }
  }
  return updates;
}
