/**
 * Kernels for a command: --kernel-module files imported here (they register kernels, and
 * their URLs go to every worker thread), and `--kernel auto` resolved once, saying which
 * faster kernel it passed over and why.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidOptionError } from '../errors.js';
import { getKernel, resolveAuto } from '../kernels/registry.js';

/** Imports --kernel-module files here (they register kernels); returns their URLs for the workers. */
export async function loadKernelModules(files: readonly string[]): Promise<string[]> {
  const urls = files.map((file) => pathToFileURL(resolve(file)).href);
  for (const url of urls) {
    try {
      await import(url);
    } catch (error) {
      throw new InvalidOptionError(`--kernel-module ${url}: cannot load it: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return urls;
}

/** Loads --kernel-module files, resolves `auto` (saying what it passed over), checks the name. */
export async function prepareKernel(flags: {
  kernel: string;
  kernelModule: readonly string[];
  json?: boolean | undefined;
}): Promise<{ kernelName: string; moduleUrls: string[] }> {
  const moduleUrls = await loadKernelModules(flags.kernelModule);
  let kernelName = flags.kernel;
  if (kernelName === 'auto') {
    const auto = resolveAuto();
    kernelName = auto.kernel.name;
    // Say once why a faster kernel was passed over (an addon that did not build, say).
    if (!flags.json)
      for (const { name, reason } of auto.skipped)
        process.stderr.write(`mandel: ${name} kernel unavailable (${reason}); auto uses ${kernelName}\n`);
  } else {
    getKernel(kernelName); // an unknown name fails here, before any thread starts
  }
  return { kernelName, moduleUrls };
}
