/**
 * A frame of the movie from its two keyframes' pictures (RGBA, the frame's size): keyframe k
 * shrunk by s = 2^(z−k) about the centre, keyframe k + 1 (twice as deep) wherever it reaches.
 * Pixel x of a picture of `cols` is the centre plus (x − (cols−1)/2)·h (deep/view.ts), so a
 * frame pixel at offset d from the centre is keyframe k's pixel at offset d·s and keyframe
 * k + 1's at 2·d·s. Bilinear: the frame is never sharper than its keyframes, and never blocky.
 */

export interface Picture {
  readonly rgba: Uint8Array;
  readonly cols: number;
  readonly rows: number;
}

/**
 * Writes the frame at zoom z (keyframe k = ⌊z⌋ as `outer`, keyframe k + 1 as `inner`, or none
 * at the end) into `out`, RGBA, outer's size.
 */
export function composeFrame(outer: Picture, inner: Picture | undefined, fraction: number, out: Uint8Array): void {
  const { cols, rows } = outer;
  const s = 2 ** -fraction; // 1 at the keyframe itself, → 1/2 just before the next
  const cx = (cols - 1) / 2;
  const cy = (rows - 1) / 2;
  for (let y = 0; y < rows; y++) {
    const dy = (y - cy) * s;
    const innerY = cy + 2 * dy;
    const useInnerRow = inner !== undefined && innerY >= 0 && innerY <= rows - 1;
    for (let x = 0; x < cols; x++) {
      const dx = (x - cx) * s;
      const innerX = cx + 2 * dx;
      const at = (y * cols + x) * 4;
      if (useInnerRow && innerX >= 0 && innerX <= cols - 1) sample(inner!, innerX, innerY, out, at);
      else sample(outer, cx + dx, cy + dy, out, at);
    }
  }
}

/** The bilinear blend of the four pixels around (x, y), written at out[at…at+3]. */
function sample(picture: Picture, x: number, y: number, out: Uint8Array, at: number): void {
  const { rgba, cols, rows } = picture;
  const x0 = Math.min(cols - 1, Math.max(0, Math.floor(x)));
  const y0 = Math.min(rows - 1, Math.max(0, Math.floor(y)));
  const x1 = Math.min(cols - 1, x0 + 1);
  const y1 = Math.min(rows - 1, y0 + 1);
  const fx = Math.min(1, Math.max(0, x - x0));
  const fy = Math.min(1, Math.max(0, y - y0));
  const a = (y0 * cols + x0) * 4;
  const b = (y0 * cols + x1) * 4;
  const c = (y1 * cols + x0) * 4;
  const d = (y1 * cols + x1) * 4;
  for (let channel = 0; channel < 4; channel++) {
    const top = rgba[a + channel]! + (rgba[b + channel]! - rgba[a + channel]!) * fx;
    const bottom = rgba[c + channel]! + (rgba[d + channel]! - rgba[c + channel]!) * fx;
    out[at + channel] = Math.round(top + (bottom - top) * fy);
  }
}
