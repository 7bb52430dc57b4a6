/**
 * A kernel of your own, through the same interface as the built-in ones: the Burning Ship
 * fractal (z ← (|re z| + i|im z|)² + c). Registering it makes it available by name to
 * render(), to every worker thread that imports this module, and to
 * `mandel run --kernel-module examples/custom-kernel.ts --kernel burning-ship` (run the CLI
 * with `node --import tsx bin/mandel.js …` for a TypeScript module).
 *
 *   node --import tsx examples/custom-kernel.ts [ship.png]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { encodePng, gridWorkload, registerKernel, render, type Kernel, type KernelInput } from 'mandel';

export const burningShip: Kernel = {
  name: 'burning-ship',
  description: 'the Burning Ship fractal, one point at a time',
  compute({ re, im, maxiter, out, offset, rowStride }: KernelInput): number {
    let iterations = 0;
    for (let row = 0; row < im.length; row++) {
      // By custom the ship is drawn upside down: the imaginary axis points down.
      const ci = -im[row]!;
      for (let col = 0; col < re.length; col++) {
        const cr = re[col]!;
        let zr = 0;
        let zi = 0;
        let count = maxiter;
        for (let i = 0; i < maxiter; i++) {
          const ar = Math.abs(zr);
          const ai = Math.abs(zi);
          zr = ar * ar - ai * ai + cr;
          zi = 2 * ar * ai + ci;
          if (zr * zr + zi * zi > 4) {
            count = i;
            break;
          }
        }
        out[offset + row * rowStride + col] = count;
        iterations += count < maxiter ? count + 1 : maxiter;
      }
    }
    return iterations;
  },
};

registerKernel(burningShip);

// Run as a script (not when a worker thread imports it to learn the kernel).
if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? 'burning-ship.png';
  const workload = gridWorkload({ width: 600, height: 400, maxiter: 300, region: { x1: -2.3, x2: 1.4, y1: -1.0, y2: 1.8 } });
  // kernelModules: each worker thread imports this file, so it knows "burning-ship" too.
  const result = await render(workload, { kernel: 'burning-ship', kernelModules: [import.meta.url], workers: 2 });
  writeFileSync(file, encodePng(result.counts, result.rows, result.cols, result.maxiter, { colormap: 'inferno' }));
  const workers = new Set(result.trace.chunks.map((chunk) => chunk.worker));
  console.log(`${result.kernel}: ${result.elements} points, sum ${result.sum}, on ${[...workers].sort().join(' ')}; wrote ${file}`);
}
