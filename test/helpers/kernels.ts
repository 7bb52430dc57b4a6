/** Every kernel that runs here, for tests that hold each one to the same values. */
import { jsKernel } from '../../src/kernels/js.js';
import { loadNativeKernel, nativeIsas } from '../../src/kernels/native.js';
import type { Kernel } from '../../src/kernels/types.js';
import { loadWasmKernel } from '../../src/kernels/wasm.js';

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
