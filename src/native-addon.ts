/**
 * The native addon (native/*.c, built by node-gyp at install into
 * build/Release/mandel_native.node), loaded once per thread on first use: the kernels
 * (kernels/native.ts) and the reference orbit's fixed-point arithmetic (deep/reference.ts).
 * Optional: where it was not built, callers fall back (wasm kernels, BigInt orbits).
 */
import { createRequire } from 'node:module';

/** An instruction set compiled into the addon. */
export interface NativeIsa {
  readonly name: string;
  readonly lanes: number;
  readonly vectors: number;
  readonly supported: boolean;
}

export interface Addon {
  compute(
    re: Float64Array,
    im: Float64Array,
    maxiter: number,
    out: Int32Array,
    offset: number,
    rowStride: number,
    prune: boolean,
    isa?: string,
    cancel?: Int32Array,
    smooth?: Float32Array,
  ): number;
  isas(): NativeIsa[];
  bitmap(
    re: Float64Array,
    im: Float64Array,
    maxiter: number,
    out: Uint8Array,
    offset: number,
    rowBytes: number,
    prune: boolean,
    vector: boolean,
  ): number;
  perturb(
    re: Float64Array,
    im: Float64Array,
    maxiter: number,
    out: Int32Array,
    offset: number,
    rowStride: number,
    zr: Float64Array,
    zi: Float64Array,
    length: number,
    exponent: number,
    ext: [Float64Array, Float64Array, Int32Array] | null,
    series: [Float64Array, Float64Array, Int32Array, Float64Array, number] | null,
    bla: [number, Int32Array, Int32Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array] | null,
    isa?: string,
    cancel?: Int32Array,
    smooth?: Float32Array,
  ): number;
  orbitStart(
    bits: number,
    crSign: number,
    crLimbs: BigUint64Array,
    ciSign: number,
    ciLimbs: BigUint64Array,
    narrow: number,
    scaleBits: number,
  ): ArrayBuffer;
  orbitAdvance(
    state: ArrayBuffer,
    count: number,
    zr: Float64Array,
    zi: Float64Array,
    ext: [Float64Array, Float64Array, Int32Array] | null,
  ): number;
  /** The BLA table's blocks (native/bla.c; src/deep/bla.ts is the reference), into the arrays given. */
  blaBlocks(
    zr: Float64Array,
    zi: Float64Array,
    length: number,
    dcOffset: number,
    dcExponent: number,
    counts: Int32Array,
    offsets: Int32Array,
    ar: Float64Array,
    ai: Float64Array,
    br: Float64Array,
    bi: Float64Array,
    absA: Float64Array,
    bdc: Float64Array,
    inside: Float64Array,
    absZ: Float64Array,
  ): void;
  /** Its squared radii at one epsilon, and the tail's. */
  blaRadii(
    counts: Int32Array,
    offsets: Int32Array,
    absA: Float64Array,
    bdc: Float64Array,
    inside: Float64Array,
    epsilon: number,
    r2: Float64Array,
    absZ: Float64Array,
    length: number,
    dc: number,
    tail: Float64Array,
  ): void;
}

export const NATIVE_FILE = new URL('../build/Release/mandel_native.node', import.meta.url);

let addon: Addon | { reason: string } | undefined;

export function loadAddon(): Addon | { reason: string } {
  if (!addon) {
    try {
      addon = createRequire(import.meta.url)(NATIVE_FILE.pathname) as Addon;
    } catch (error) {
      addon = { reason: `cannot load ${NATIVE_FILE.pathname}: ${(error as Error).message.split('\n')[0]} (run npm run build:native)` };
    }
  }
  return addon;
}
