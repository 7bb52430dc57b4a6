/**
 * The kernels this process knows, by name. Workers (threads, cluster) look kernels up here:
 * a job names a kernel, it never carries code.
 */
import { MandelError } from '../errors.js';
import { jsKernel } from './js.js';
import type { Kernel } from './types.js';

const kernels = new Map<string, Kernel>([[jsKernel.name, jsKernel]]);

export function registerKernel(kernel: Kernel): void {
  if (!/^[a-z][a-z0-9-]*$/.test(kernel.name)) {
    throw new MandelError('ERR_INVALID_OPTION', `a kernel name is lower-case letters, digits and dashes (got "${kernel.name}")`);
  }
  kernels.set(kernel.name, kernel);
}

export function getKernel(name: string): Kernel {
  const kernel = kernels.get(name);
  if (!kernel) {
    throw new MandelError('ERR_UNKNOWN_KERNEL', `unknown kernel "${name}"; available: ${[...kernels.keys()].join(', ')}`);
  }
  return kernel;
}

export function kernelNames(): string[] {
  return [...kernels.keys()];
}
