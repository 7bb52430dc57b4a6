/**
 * The reference orbit of a deep render: z ← z² + c from 0 at the view's centre, in binary
 * fixed point (exact to the bits asked for), stored as doubles. Every other point of the view
 * is then iterated as a small difference from it (perturbation.ts). The orbit is computed once
 * per render and shared: on shared memory with the threads.
 *
 * Two implementations of one arithmetic: the native addon's limbs (native/orbit.c, 10–20×
 * faster) where it is built, BigInt otherwise. Both store the same doubles, bit for bit (the
 * tests compare them), so a worker without the addon computes the same orbit as one with it.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AbortError } from '../errors.js';
import { loadAddon, type Addon } from '../native-addon.js';
import type { DeepCentre } from '../workload.js';
import { parseDecimal, toFixed, type Decimal } from './decimal.js';

export interface ReferenceOrbit {
  /** Z_0 … Z_{length−1}, real and imaginary parts; Z_0 = 0. */
  readonly zr: Float64Array;
  readonly zi: Float64Array;
  /** Stored values: maxiter + 1, or fewer when the centre escapes (then the last has |Z| > 2). */
  readonly length: number;
  /**
   * Past 1000 bits (views below ~1e-280) a double cannot hold a Z that comes within a pixel of
   * 0 (at a minibrot's nucleus, every period): Z_n is then also kept as mantissas × 2^exponent.
   */
  readonly extended?: { readonly mr: Float64Array; readonly mi: Float64Array; readonly exponent: Int32Array };
}

/** Past this many bits the orbit is also kept in the extended form (see ReferenceOrbit.extended). */
export const EXTENDED_BITS = 1000;

/**
 * The orbit at `centre`, `bits` bits after the binary point, until |Z| > 2 or `maxiter`
 * updates. `allocate` gives the arrays' memory (shared memory for the threads backend).
 * Synchronous: for a caller with nothing else to serve (tests, a worker thread).
 */
export function referenceOrbit(
  centre: { readonly re: Decimal; readonly im: Decimal },
  bits: number,
  maxiter: number,
  allocate: (bytes: number) => ArrayBufferLike = (bytes) => new ArrayBuffer(bytes),
  arithmetic: OrbitArithmetic = 'auto',
): ReferenceOrbit {
  const orbit = orbitStepper(centre, bits, maxiter, allocate, arithmetic);
  orbit.advance(Infinity);
  return orbit.result();
}

/** `auto`: the native addon's where it loads, BigInt otherwise. */
export type OrbitArithmetic = 'auto' | 'native' | 'bigint';

export interface OrbitOptions {
  readonly allocate?: (bytes: number) => ArrayBufferLike;
  /** Stops the computation between two slices (AbortError). */
  readonly signal?: AbortSignal | undefined;
  /** The longest the event loop is held at once (default 10 ms). */
  readonly sliceMs?: number;
  readonly arithmetic?: OrbitArithmetic;
}

/**
 * The same orbit, computed in slices of about `sliceMs` with the event loop turned between
 * them: a server keeps answering while a deep tile's orbit is computed (1–4 s at 3,000 bits
 * and maxiter 100,000), and Ctrl-C or a cancelled request stops it within a slice.
 */
export async function referenceOrbitAsync(
  centre: { readonly re: Decimal; readonly im: Decimal },
  bits: number,
  maxiter: number,
  { allocate = (bytes) => new ArrayBuffer(bytes), signal, sliceMs = 10, arithmetic = 'auto' }: OrbitOptions = {},
): Promise<ReferenceOrbit> {
  if (signal?.aborted) throw new AbortError();
  const orbit = orbitStepper(centre, bits, maxiter, allocate, arithmetic);
  while (!orbit.advance(performance.now() + sliceMs)) {
    await yieldToEventLoop();
    if (signal?.aborted) throw new AbortError();
  }
  return orbit.result();
}

interface OrbitStepper {
  /** Runs until done (true) or past the deadline (false). */
  advance(deadlineMs: number): boolean;
  result(): ReferenceOrbit;
}

/** The orbit's loop, resumable, in the arithmetic asked for. */
function orbitStepper(
  centre: { readonly re: Decimal; readonly im: Decimal },
  bits: number,
  maxiter: number,
  allocate: (bytes: number) => ArrayBufferLike,
  arithmetic: OrbitArithmetic,
): OrbitStepper {
  if (arithmetic === 'bigint') return bigintStepper(centre, bits, maxiter, allocate);
  const addon = loadAddon();
  if ('reason' in addon) {
    if (arithmetic === 'native') throw new Error(`the native orbit is not available: ${addon.reason}`);
    return bigintStepper(centre, bits, maxiter, allocate);
  }
  return nativeStepper(addon, centre, bits, maxiter, allocate);
}

/** Updates per call into the addon: ≤ 1 ms even at 3,400 bits, so a slice ends on time. */
const NATIVE_BATCH = 256;

function nativeStepper(
  addon: Addon,
  centre: { readonly re: Decimal; readonly im: Decimal },
  bits: number,
  maxiter: number,
  allocate: (bytes: number) => ArrayBufferLike,
): OrbitStepper {
  const { zr, zi, extended } = orbitArrays(bits, maxiter, allocate);
  const cr = toFixed(centre.re, bits);
  const ci = toFixed(centre.im, bits);
  const narrow = Math.max(0, bits - EXTENDED_BITS);
  const state = addon.orbitStart(bits, cr < 0n ? 1 : 0, limbsOf(cr), ci < 0n ? 1 : 0, limbsOf(ci), narrow, Math.min(bits, EXTENDED_BITS));
  const ext: [Float64Array, Float64Array, Int32Array] | null = extended ? [extended.mr, extended.mi, extended.exponent] : null;
  let length = 1;
  let escaped = false;
  return {
    advance(deadlineMs: number): boolean {
      while (length - 1 < maxiter && !escaped) {
        const stored = addon.orbitAdvance(state, Math.min(NATIVE_BATCH, maxiter - (length - 1)), zr, zi, ext);
        escaped = stored < 0;
        length = Math.abs(stored);
        if (deadlineMs !== Infinity && performance.now() > deadlineMs) return length - 1 >= maxiter || escaped;
      }
      return true;
    },
    result: () => ({ zr, zi, length, ...(extended ? { extended } : {}) }),
  };
}

/** |value| as little-endian 64-bit limbs. */
function limbsOf(value: bigint): BigUint64Array {
  let magnitude = value < 0n ? -value : value;
  const limbs: bigint[] = [];
  while (magnitude > 0n) {
    limbs.push(magnitude & 0xffffffffffffffffn);
    magnitude >>= 64n;
  }
  return BigUint64Array.from(limbs);
}

/** The orbit's arrays for maxiter updates, and its extended form past EXTENDED_BITS. */
function orbitArrays(bits: number, maxiter: number, allocate: (bytes: number) => ArrayBufferLike) {
  return {
    zr: new Float64Array(allocate((maxiter + 1) * 8)),
    zi: new Float64Array(allocate((maxiter + 1) * 8)),
    extended:
      bits > EXTENDED_BITS
        ? {
            mr: new Float64Array(allocate((maxiter + 1) * 8)),
            mi: new Float64Array(allocate((maxiter + 1) * 8)),
            exponent: new Int32Array(allocate((maxiter + 1) * 4)),
          }
        : undefined,
  };
}

function bigintStepper(
  centre: { readonly re: Decimal; readonly im: Decimal },
  bits: number,
  maxiter: number,
  allocate: (bytes: number) => ArrayBufferLike,
): OrbitStepper {
  const { zr, zi, extended } = orbitArrays(bits, maxiter, allocate);
  const shift = BigInt(bits);
  const cr = toFixed(centre.re, bits);
  const ci = toFixed(centre.im, bits);
  const escape = 4n << (2n * shift); // |Z|² > 4, at the scale of a product
  const scale = 2 ** -Math.min(bits, EXTENDED_BITS);
  const narrow = BigInt(Math.max(0, bits - EXTENDED_BITS));
  let x = 0n;
  let y = 0n;
  // x² and y² of the current Z: the escape test's, kept for the next update (3 products an update, not 5).
  let xx = 0n;
  let yy = 0n;
  let length = 1;
  let n = 0;
  let escaped = false;
  return {
    advance(deadlineMs: number): boolean {
      while (n < maxiter && !escaped) {
        // The clock is read every 64 updates: an update costs 0.1–2 µs, a clock read ~50 ns.
        if ((n & 63) === 0 && deadlineMs !== Infinity && performance.now() > deadlineMs) return false;
        n++;
        const xy = x * y;
        x = ((xx - yy) >> shift) + cr;
        y = ((xy + xy) >> shift) + ci;
        xx = x * x;
        yy = y * y;
        zr[length] = Number(x >> narrow) * scale;
        zi[length] = Number(y >> narrow) * scale;
        if (extended) {
          // Keep 62 significant bits of the larger part: Z = (mr + i·mi) × 2^exponent.
          const magnitude = Math.max(bitLength(x, bits), bitLength(y, bits));
          const drop = Math.max(0, magnitude - 62);
          extended.mr[length] = Number(x >> BigInt(drop)) * 2 ** -(magnitude - drop);
          extended.mi[length] = Number(y >> BigInt(drop)) * 2 ** -(magnitude - drop);
          extended.exponent[length] = magnitude - bits;
        }
        length++;
        if (xx + yy > escape) escaped = true;
      }
      return true;
    },
    result: () => ({ zr, zi, length, ...(extended ? { extended } : {}) }),
  };
}

/**
 * The orbit for a lower maxiter, from one computed for a higher: the same values, fewer of them
 * (the orbit for maxiter m stops after m updates or at the escape, whichever comes first).
 */
export function orbitPrefix(orbit: ReferenceOrbit, maxiter: number): ReferenceOrbit {
  if (orbit.length <= maxiter + 1) return orbit;
  return { ...orbit, length: maxiter + 1 };
}

/**
 * The bits of |value| (1 for 0). A Z of the orbit is below 2^(bits + 5) (|Z| < 32 even past the
 * escape), so its top 50 bits are a small double whose bit length is exact; only a value below
 * 2^(bits − 45) (Z near 0) takes the slow, exact route through its binary digits.
 */
function bitLength(value: bigint, bits: number): number {
  const magnitude = value < 0n ? -value : value;
  if (bits > 45) {
    const top = Number(magnitude >> BigInt(bits - 45));
    if (top >= 1 && top < 2 ** 50) {
      const high = Math.floor(top / 2 ** 32);
      return bits - 45 + (high > 0 ? 64 - Math.clz32(high) : 32 - Math.clz32(top));
    }
  }
  return magnitude.toString(2).length;
}

/** The centre of a deep workload as exact decimals. */
export function deepCentre(deep: DeepCentre): { re: Decimal; im: Decimal } {
  return { re: parseDecimal(deep.re, 'the centre’s real part'), im: parseDecimal(deep.im, 'the centre’s imaginary part') };
}

/** Bits after the binary point of the reference orbit: the pixel's, and a margin for long orbits. */
export function referenceBits(deep: DeepCentre): number {
  return Math.max(64, -deep.exponent + 96);
}
