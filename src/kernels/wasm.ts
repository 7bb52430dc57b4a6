/**
 * The WebAssembly SIMD kernel: assembly/mandel.ts compiled by AssemblyScript at install
 * (npm run build:wasm) to wasm/mandel.wasm. The module has its own linear memory, so a
 * chunk's coordinates are copied in and its counts copied out into `out`, a batch of rows
 * at a time, which keeps the wasm memory small whatever the chunk.
 */
import { readFileSync } from 'node:fs';
import type { Kernel, KernelInput } from './types.js';

interface WasmExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  reserve(bytes: number): number;
  compute(
    rePtr: number,
    cols: number,
    imPtr: number,
    rows: number,
    maxiter: number,
    outPtr: number,
    prune: number,
    smoothPtr: number,
  ): number;
  libmHypot(x: number, y: number): number;
}

const WASM_FILE = new URL('../../wasm/mandel.wasm', import.meta.url);
/** Points per batch copied through wasm memory. */
const BATCH_POINTS = 1 << 18;

// The WebAssembly global, typed here: this project's TypeScript libs (ES2022 + Node 20) omit it.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

/** A fresh instance of the module, with memory of its own. */
export function instantiateWasm(): WasmExports {
  const module = new WebAssembly.Module(readFileSync(WASM_FILE));
  const imports = {
    env: {
      abort: () => {
        throw new Error('the wasm kernel aborted');
      },
    },
  };
  return new WebAssembly.Instance(module, imports).exports as unknown as WasmExports;
}

/** The kernel, or why it cannot run here (not built, or no WebAssembly SIMD). */
export function loadWasmKernel(): { kernel: Kernel } | { reason: string } {
  let wasm: WasmExports;
  try {
    wasm = instantiateWasm();
  } catch (error) {
    return { reason: `cannot load ${WASM_FILE.pathname}: ${(error as Error).message} (run npm run build:wasm)` };
  }
  const compute = (input: KernelInput): number => {
    const { re, im, maxiter, out, offset, rowStride, prune, smooth } = input;
    const cols = re.length;
    if (cols === 0) return 0;
    const batchRows = Math.max(1, Math.min(im.length, Math.floor(BATCH_POINTS / cols)));
    let iterations = 0;
    for (let row0 = 0; row0 < im.length; row0 += batchRows) {
      const rows = Math.min(batchRows, im.length - row0);
      const base = wasm.reserve((cols + rows) * 8 + rows * cols * (smooth ? 8 : 4));
      const memory = wasm.memory.buffer; // read after reserve: growing replaces the buffer
      new Float64Array(memory, base, cols).set(re);
      new Float64Array(memory, base + cols * 8, rows).set(im.subarray(row0, row0 + rows));
      const outPtr = base + (cols + rows) * 8;
      const smoothPtr = smooth ? outPtr + rows * cols * 4 : 0;
      iterations += wasm.compute(base, cols, base + cols * 8, rows, maxiter, outPtr, prune ? 1 : 0, smoothPtr);
      const counts = new Int32Array(wasm.memory.buffer, outPtr, rows * cols);
      for (let r = 0; r < rows; r++) out.set(counts.subarray(r * cols, (r + 1) * cols), offset + (row0 + r) * rowStride);
      if (smooth) {
        const fractions = new Float32Array(wasm.memory.buffer, smoothPtr, rows * cols);
        for (let r = 0; r < rows; r++) smooth.set(fractions.subarray(r * cols, (r + 1) * cols), offset + (row0 + r) * rowStride);
      }
    }
    return iterations;
  };
  return {
    kernel: {
      name: 'wasm',
      description: 'WebAssembly SIMD (AssemblyScript, f64x2), 4 vectors of 2 points in flight',
      compute,
    },
  };
}
