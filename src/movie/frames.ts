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
  // Where each column and row of the frame falls in each keyframe: the same for every row
  // (column) of the frame, so worked out once a frame, not once a pixel.
  const outerX = axisSamples(cols, s);
  const outerY = axisSamples(rows, s);
  const innerX = inner ? axisSamples(cols, 2 * s) : undefined;
  const innerY = inner ? axisSamples(rows, 2 * s) : undefined;
  for (let y = 0; y < rows; y++) {
    const useInnerRow = innerY !== undefined && innerY.inside[y] === 1;
    for (let x = 0; x < cols; x++) {
      const at = (y * cols + x) * 4;
      if (useInnerRow && innerX!.inside[x] === 1) blend(inner!, innerX!, x, innerY!, y, out, at);
      else blend(outer, outerX, x, outerY, y, out, at);
    }
  }
}

/** For each pixel along an axis of n: the two neighbours it falls between, the weight of the second, and whether it lies within the picture. */
interface AxisSamples {
  readonly low: Int32Array;
  readonly high: Int32Array;
  readonly weight: Float64Array;
  readonly inside: Uint8Array;
}

function axisSamples(n: number, scale: number): AxisSamples {
  const centre = (n - 1) / 2;
  const low = new Int32Array(n);
  const high = new Int32Array(n);
  const weight = new Float64Array(n);
  const inside = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const at = centre + (i - centre) * scale;
    inside[i] = at >= 0 && at <= n - 1 ? 1 : 0;
    const l = Math.min(n - 1, Math.max(0, Math.floor(at)));
    low[i] = l;
    high[i] = Math.min(n - 1, l + 1);
    weight[i] = Math.min(1, Math.max(0, at - l));
  }
  return { low, high, weight, inside };
}

/** The bilinear blend of the four pixels around frame pixel (x, y), written at out[at…at+3]. */
function blend(picture: Picture, xs: AxisSamples, x: number, ys: AxisSamples, y: number, out: Uint8Array, at: number): void {
  const { rgba, cols } = picture;
  const fx = xs.weight[x]!;
  const fy = ys.weight[y]!;
  const a = (ys.low[y]! * cols + xs.low[x]!) * 4;
  const b = (ys.low[y]! * cols + xs.high[x]!) * 4;
  const c = (ys.high[y]! * cols + xs.low[x]!) * 4;
  const d = (ys.high[y]! * cols + xs.high[x]!) * 4;
  for (let channel = 0; channel < 4; channel++) {
    const top = rgba[a + channel]! + (rgba[b + channel]! - rgba[a + channel]!) * fx;
    const bottom = rgba[c + channel]! + (rgba[d + channel]! - rgba[c + channel]!) * fx;
    out[at + channel] = (top + (bottom - top) * fy + 0.5) | 0; // Math.round, for the non-negative values here
  }
}
