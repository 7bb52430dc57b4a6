/**
 * Binds a chunk to a kernel: the chunk's own coordinates and where in the full counts
 * buffer its points go. Shared by the serial backend and the pool's threads, whatever calls a kernel in-process.
 */
import type { KernelInput } from './types.js';
import type { Chunk } from '../plan.js';

export function chunkKernelInput(
  chunk: Chunk,
  re: Float64Array,
  im: Float64Array,
  cols: number,
  maxiter: number,
  counts: Int32Array,
  prune: boolean,
  /** Write into a buffer of the chunk alone (row-major, colCount wide) instead of the image. */
  packed = false,
  /** Where the smooth fractions go, laid out as `counts`; none computed without it. */
  smooth?: Float32Array,
): KernelInput {
  const chunkRe = re.subarray(chunk.col0, chunk.col0 + chunk.colCount);
  let chunkIm: Float64Array;
  if (chunk.rowStep === 1) {
    chunkIm = im.subarray(chunk.row0, chunk.row0 + chunk.rowCount);
  } else {
    chunkIm = new Float64Array(chunk.rowCount);
    for (let i = 0; i < chunk.rowCount; i++) chunkIm[i] = im[chunk.row0 + i * chunk.rowStep]!;
  }
  return {
    re: chunkRe,
    im: chunkIm,
    maxiter,
    out: counts,
    offset: packed ? 0 : chunk.row0 * cols + chunk.col0,
    rowStride: packed ? chunk.colCount : chunk.rowStep * cols,
    prune,
    ...(smooth ? { smooth } : {}),
  };
}
