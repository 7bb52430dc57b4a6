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
