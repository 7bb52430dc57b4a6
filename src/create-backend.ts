/**
 * The built-in backends by name, for render() and the CLI. Each backend checks its own
 * options in its constructor; this table only maps a name to a constructor. The cluster's
 * (BullMQ, ioredis) is imported when first asked for, so `import 'mandel'` loads no Redis
 * client.
 */
import { MandelError } from './errors.js';
import { SerialBackend } from './backends/serial.js';
import { ThreadsBackend } from './backends/threads.js';
import type { Backend } from './backends/types.js';

import { BACKENDS, type BackendName } from './defaults.js';

export { BACKENDS, DEFAULT_BACKEND, type BackendName } from './defaults.js';

export interface BackendOptions {
  /** Threads of the threads backend; the serial backend accepts only 1, the cluster none. */
  readonly workers?: number | undefined;
  /** Modules each worker thread imports to register extra kernels (threads backend). */
  readonly kernelModules?: readonly (string | URL)[] | undefined;
  /** The cluster backend's Redis URL. */
  readonly redis?: string | undefined;
}

const factories: Record<BackendName, (options: BackendOptions) => Promise<Backend>> = {
  serial: async (options) => new SerialBackend({ workers: options.workers }),
  threads: async (options) => new ThreadsBackend({ workers: options.workers, kernelModules: options.kernelModules }),
  cluster: async (options) => {
    const { ClusterBackend } = await import('./cluster/backend.js');
    return ClusterBackend.fromOptions(options);
  },
};

/** A built-in backend by name. The caller closes it. */
export async function createBackend(name: string, options: BackendOptions = {}): Promise<Backend> {
  const factory = (factories as Record<string, (typeof factories)[BackendName] | undefined>)[name];
  if (!factory) throw new MandelError('ERR_UNKNOWN_BACKEND', `unknown backend "${name}"; available: ${BACKENDS.join(', ')}`);
  return factory(options);
}
