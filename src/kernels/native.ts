/**
 * The native kernel: an N-API addon (native/*.c, built by node-gyp at install into
 * build/Release/mandel_native.node) with AVX-512, AVX2 and SSE2 versions of one SIMD loop,
 * the widest this CPU supports chosen at run time. It writes straight into `out`, shared
 * memory included. Optional: where it was not built, `auto` falls back to wasm.
 */
import { createRequire } from 'node:module';
import type { Kernel, KernelInput } from './types.js';

export interface NativeIsa {
  readonly name: string;
  readonly lanes: number;
  readonly vectors: number;
  readonly supported: boolean;
}

interface Addon {
  compute(
    re: Float64Array,
    im: Float64Array,
    maxiter: number,
    out: Int32Array,
    offset: number,
    rowStride: number,
    prune: boolean,
    isa?: string,
  ): number;
  isas(): NativeIsa[];
}

export const NATIVE_FILE = new URL('../../build/Release/mandel_native.node', import.meta.url);

let addon: Addon | { reason: string } | undefined;

function loadAddon(): Addon | { reason: string } {
  if (!addon) {
    try {
      addon = createRequire(import.meta.url)(NATIVE_FILE.pathname) as Addon;
    } catch (error) {
      addon = { reason: `cannot load ${NATIVE_FILE.pathname}: ${(error as Error).message.split('\n')[0]} (run npm run build:native)` };
    }
  }
  return addon;
}

/** The instruction sets compiled into the addon, widest first; empty when it is not built. */
export function nativeIsas(): NativeIsa[] {
  const loaded = loadAddon();
  return 'reason' in loaded ? [] : loaded.isas();
}

/** The kernel on the widest supported ISA, or on the one named (tests use every one). */
export function loadNativeKernel(isaName?: string): { kernel: Kernel } | { reason: string } {
  const loaded = loadAddon();
  if ('reason' in loaded) return loaded;
  const isa = isaName
    ? loaded.isas().find((candidate) => candidate.name === isaName)
    : loaded.isas().find((candidate) => candidate.supported);
  if (!isa || !isa.supported) return { reason: `the native kernel has no ${isaName ?? 'usable'} instruction set on this CPU` };
  const name = isa.name;
  return {
    kernel: {
      name: isaName ? `native-${name}` : 'native',
      description: `native N-API addon, ${name}: ${isa.vectors} vectors of ${isa.lanes} points in flight`,
      compute: (input: KernelInput) =>
        loaded.compute(input.re, input.im, input.maxiter, input.out, input.offset, input.rowStride, input.prune, name),
    },
  };
}
