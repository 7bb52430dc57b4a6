/**
 * The native kernel: an N-API addon (native/*.c, built by node-gyp at install into
 * build/Release/mandel_native.node) with AVX-512, AVX2 and SSE2 versions of one SIMD loop,
 * the widest this CPU supports chosen at run time. It writes straight into `out`, shared
 * memory included. Optional: where it was not built, `auto` falls back to wasm.
 */
import { loadAddon, type NativeIsa } from '../native-addon.js';
import type { BitmapInput, DeepInput, Kernel, KernelInput } from './types.js';

export { NATIVE_FILE, type NativeIsa } from '../native-addon.js';

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
        loaded.compute(
          input.re,
          input.im,
          input.maxiter,
          input.out,
          input.offset,
          input.rowStride,
          input.prune,
          name,
          input.cancel,
          input.smooth,
        ),
      // Perturbation in C (native/perturb.c): the js kernel's algorithm operation for operation,
      // on SIMD lanes that take the next point as soon as theirs is done.
      computeDeep: (
        { re, im, maxiter, out, offset, rowStride, cancel, smooth }: KernelInput,
        { reference, exponent, series, bla }: DeepInput,
      ) =>
        loaded.perturb(
          re,
          im,
          maxiter,
          out,
          offset,
          rowStride,
          reference.zr,
          reference.zi,
          reference.length,
          exponent,
          reference.extended ? [reference.extended.mr, reference.extended.mi, reference.extended.exponent] : null,
          series ? [series.ar, series.ai, series.ae, series.logMax, series.limit] : null,
          bla ? [bla.levels, bla.offsets, bla.counts, bla.ar, bla.ai, bla.br, bla.bi, bla.r2, bla.tail] : null,
          name,
          cancel,
          smooth,
        ),
      // Membership bits by their own AVX-512 loop (native/bitmap.c); narrower ISAs have none
      // there, and their count loop with a threshold is faster than one point at a time.
      ...(name === 'avx512'
        ? {
            bitmap: ({ re, im, maxiter, out, offset, rowBytes, prune }: BitmapInput) =>
              loaded.bitmap(re, im, maxiter, out, offset, rowBytes, prune, true),
          }
        : {}),
    },
  };
}
