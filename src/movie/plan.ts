/**
 * A zoom movie's plan: keyframes at every halving of the width, from `from` (the whole set)
 * down past `to`, and frames that zoom at a constant rate between them.
 *
 * Keyframe k is the view of width from / 2^k at the movie's centre, rendered at the frame's
 * size. A frame at zoom z (k ≤ z < k + 1, width from / 2^z) is keyframe k shrunk by 2^(z−k)
 * around the centre, with keyframe k + 1 over its middle half: the centre, where the eye is,
 * always comes from a keyframe at least as sharp as the frame, and only the edges are enlarged
 * (by up to 2×). Keyframes at the frame's size cost a quarter of keyframes at twice it, which
 * would never enlarge; zoomasm's exponential strips cost less still but need a renderer of
 * their own (every kernel of mandel renders rectangles).
 *
 * Widths are exact decimals (from × 5^k × 10^-k), so a keyframe is the same view in every run,
 * on every machine: what `mandel run --center … --zoom <its width>` renders.
 */
import { InvalidOptionError } from '../errors.js';
import { parseDecimal, log10Of } from '../deep/decimal.js';

export interface MoviePlanSpec {
  readonly center: { readonly re: string; readonly im: string };
  /** Decimal strings: the first keyframe's width and the last frame's. */
  readonly from: string;
  readonly to: string;
  readonly seconds: number;
  readonly fps: number;
  /** A fixed maxiter, or undefined: one that grows with depth (maxiterAt). */
  readonly maxiter?: number;
}

export interface Keyframe {
  readonly index: number;
  /** The view's width, an exact decimal string. */
  readonly width: string;
  readonly maxiter: number;
}

export interface MoviePlan {
  readonly keyframes: readonly Keyframe[];
  readonly frames: number;
  /** Halvings from the first keyframe's width to the last frame's: log2(from / to). */
  readonly depth: number;
}

/** The maxiter a keyframe gets without -m: the explorer's rule, by halvings from a width of 4. */
export function maxiterAt(halvings: number): number {
  return Math.min(20_000, Math.round(200 + 120 * Math.max(0, halvings) ** 1.3));
}

export function moviePlan(spec: MoviePlanSpec): MoviePlan {
  const from = parseDecimal(spec.from, '--zoom-from');
  const to = parseDecimal(spec.to, '--zoom-to');
  if (from.digits <= 0n || to.digits <= 0n) throw new InvalidOptionError('--zoom-from and --zoom-to must be above 0');
  const depth = (log10Of(from) - log10Of(to)) * Math.log2(10);
  if (!(depth > 0)) throw new InvalidOptionError(`--zoom-to ${spec.to} must be narrower than --zoom-from ${spec.from}`);
  if (!Number.isInteger(spec.fps) || spec.fps < 1 || spec.fps > 240)
    throw new InvalidOptionError('--fps must be a whole number from 1 to 240');
  if (!(spec.seconds > 0) || spec.seconds * spec.fps > 1_000_000)
    throw new InvalidOptionError('--seconds must be above 0 (at most a million frames)');
  const frames = Math.max(2, Math.round(spec.seconds * spec.fps));
  // Keyframes 0 … ⌈depth⌉: the last frame (z = depth) takes keyframe ⌊depth⌋ and, over its middle, the next.
  const count = Math.ceil(depth - 1e-9) + 1;
  const fromLog2 = log10Of(from) * Math.log2(10);
  const keyframes = Array.from({ length: count }, (_, index): Keyframe => {
    const width = halved(from, index);
    return { index, width, maxiter: spec.maxiter ?? maxiterAt(Math.log2(4) - fromLog2 + index) };
  });
  return { keyframes, frames, depth };
}

/** from / 2^k exactly, as a decimal string: from's digits × 5^k, ten to the power (exponent − k). */
function halved(from: { digits: bigint; exponent: number }, k: number): string {
  return `${from.digits * 5n ** BigInt(k)}e${from.exponent - k}`;
}

/** The zoom of frame i of n, in halvings from the first keyframe: constant speed, 0 … depth. */
export function frameZoom(frame: number, frames: number, depth: number): number {
  return (frame / (frames - 1)) * depth;
}
