/** Every kernel that runs here, for tests that hold each one to the same values. */
import { jsKernel } from '../../src/kernels/js.js';
import { loadNativeKernel, nativeIsas } from '../../src/kernels/native.js';
import type { Kernel } from '../../src/kernels/types.js';
import { loadWasmKernel } from '../../src/kernels/wasm.js';
import { gridWorkload, type Workload } from '../../src/workload.js';

/** js, wasm (when built) and the native kernel once per instruction set this CPU supports. */
export function kernelsHere(): Kernel[] {
  const wasm = loadWasmKernel();
  return [
    jsKernel,
    ...('kernel' in wasm ? [wasm.kernel] : []),
    ...nativeIsas()
      .filter((isa) => isa.supported)
      .flatMap((isa) => {
        const loaded = loadNativeKernel(isa.name);
        return 'kernel' in loaded ? [loaded.kernel] : [];
      }),
  ];
}

/** Seeded random regions: wide views, and zooms down to 1e-13 around boundary points. */
export function randomWorkloads(count: number, seed: number): Workload[] {
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const boundary: [number, number][] = [
    [-0.75, 0.1],
    [0.25, 0],
    [-2, 0],
    [-1.25, 0],
    [-0.1011, 0.9563],
    [-0.7453, 0.1127],
    [0.2925, 0.0149],
    [-1.7687, 0.0017],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [cx, cy] = i % 3 === 0 ? [-2.2 + random() * 2.8, -1.4 + random() * 2.8] : boundary[Math.floor(random() * boundary.length)]!;
    const span = i % 3 === 0 ? 0.05 + random() * 3 : 10 ** -(1 + random() * 12);
    const x1 = cx - span * random();
    const y1 = cy - span * random();
    return gridWorkload({
      width: 1 + Math.floor(random() * 90),
      height: 1 + Math.floor(random() * 40),
      maxiter: 1 + Math.floor(random() * (i % 4 === 0 ? 5000 : 600)),
      region: { x1, x2: x1 + span, y1, y2: y1 + span },
    });
  });
}
