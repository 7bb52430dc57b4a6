/**
 * The kernels this process knows, by name. Workers (threads, cluster) look kernels up here:
 * a job names a kernel, it never carries code. The built-in compiled kernels (the native
 * addon, the wasm module) load on first use — importing mandel, printing its help or
 * starting a worker thread loads neither — and `auto` resolves to the fastest that loads.
 */
import { InvalidOptionError, MandelError } from '../errors.js';
import { jsKernel } from './js.js';
import { loadNativeKernel } from './native.js';
import type { DeepInput, Kernel, KernelInput } from './types.js';
import { loadWasmKernel } from './wasm.js';

/**
 * One registry per process, even when mandel is loaded twice (its compiled and its source
 * modules, or two copies in node_modules): a kernel registered through either is known to
 * both, so a worker never refuses a kernel that a module did register.
 */
const REGISTRY = Symbol.for('mandel.kernels.v1');
const shared = globalThis as { [REGISTRY]?: { kernels: Map<string, Kernel>; unavailable: Map<string, string> } };
const registry = (shared[REGISTRY] ??= { kernels: new Map<string, Kernel>([[jsKernel.name, jsKernel]]), unavailable: new Map() });
const kernels = registry.kernels;
/** Built-in kernels that could not load here, and why. */
const unavailable = registry.unavailable;

const BUILT_IN: Record<string, () => { kernel: Kernel } | { reason: string }> = {
  native: () => loadNativeKernel(),
  wasm: loadWasmKernel,
};

/** A kernel by name, loading a built-in compiled one the first time it is asked for. */
function lookup(name: string): Kernel | undefined {
  const known = kernels.get(name);
  if (known || unavailable.has(name)) return known;
  const load = BUILT_IN[name];
  if (!load) return undefined;
  const loaded = load();
  if ('kernel' in loaded) kernels.set(name, loaded.kernel);
  else unavailable.set(name, loaded.reason);
  return kernels.get(name);
}

/** Fastest first: what `auto` tries. */
const AUTO_ORDER = ['native', 'wasm', 'js'] as const;

export function registerKernel(kernel: Kernel): void {
  if (!/^[a-z][a-z0-9-]*$/.test(kernel.name) || kernel.name === 'auto') {
    throw new MandelError(
      'ERR_INVALID_OPTION',
      `a kernel name is lower-case letters, digits and dashes, not "auto" (got "${kernel.name}")`,
    );
  }
  kernels.set(kernel.name, kernel);
}

export function getKernel(name: string): Kernel {
  if (name === 'auto') return resolveAuto().kernel;
  const kernel = lookup(name);
  if (!kernel) {
    const why = unavailable.get(name);
    if (why) throw new MandelError('ERR_UNKNOWN_KERNEL', `kernel "${name}" is not available here: ${why}`);
    throw new MandelError('ERR_UNKNOWN_KERNEL', `unknown kernel "${name}"; available: ${['auto', ...kernelNames()].join(', ')}`);
  }
  return kernel;
}

/** What `auto` picks, and the faster built-ins it had to pass over, with their reasons. */
export function resolveAuto(): { kernel: Kernel; skipped: { name: string; reason: string }[] } {
  const skipped: { name: string; reason: string }[] = [];
  for (const name of AUTO_ORDER) {
    const kernel = lookup(name);
    if (kernel) return { kernel, skipped };
    skipped.push({ name, reason: unavailable.get(name) ?? 'not registered' });
  }
  return { kernel: jsKernel, skipped };
}

/** Every kernel that can run here; tries to load the built-in compiled ones to know. */
export function kernelNames(): string[] {
  for (const name of Object.keys(BUILT_IN)) lookup(name);
  return [...kernels.keys()];
}

/** A deep chunk on this kernel; one without perturbation is refused by name, never replaced. */
export function computeDeep(kernel: Kernel, input: KernelInput, deep: DeepInput): number {
  if (!kernel.computeDeep) throw new MandelError('ERR_UNKNOWN_KERNEL', deepRefusal(kernel.name));
  return kernel.computeDeep(input, deep);
}

export const deepRefusal = (name: string) =>
  `kernel ${name} has no perturbation, which deep views (past double precision, or --perturbation) need; they run on ${deepKernelNames().join(' or ')}`;

/** The kernels with perturbation, best first. */
export function deepKernelNames(): string[] {
  return ['native', 'js'].filter((name) => lookup(name)?.computeDeep);
}

/** The kernel of a deep render: `auto` is the best with perturbation; another must have it. */
export function getDeepKernel(name: string): Kernel {
  if (name === 'auto') return lookup(deepKernelNames()[0] ?? 'js') ?? jsKernel;
  const kernel = getKernel(name);
  if (!kernel.computeDeep) throw new InvalidOptionError(deepRefusal(kernel.name));
  return kernel;
}
