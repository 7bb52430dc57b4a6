/**
 * The counts as a portable bitmap (PBM, binary "P4"): one bit per point, 1 for a point that
 * never escaped (its count is maxiter), 0 otherwise; rows in the counts' order, each padded
 * to whole bytes, most significant bit first. With the Benchmarks Game's grid
 * (`--benchmarks-game N`) it is, byte for byte, that benchmark's output.
 */
export function encodePbm(counts: Int32Array, rows: number, cols: number, maxiter: number): Buffer {
  const header = Buffer.from(`P4\n${cols} ${rows}\n`, 'latin1');
  const rowBytes = Math.ceil(cols / 8);
  const bits = Buffer.alloc(rowBytes * rows);
  for (let row = 0; row < rows; row++) {
    const base = row * cols;
    const out = row * rowBytes;
    for (let col = 0; col < cols; col++) {
      if (counts[base + col] === maxiter) bits[out + (col >> 3)]! |= 0x80 >> (col & 7);
    }
  }
  return Buffer.concat([header, bits]);
}
