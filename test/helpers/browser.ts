/**
 * A real headless Chromium (Debian's package) driven by playwright-core, for pages mandel
 * writes. Without the browser the caller skips — except in CI, where .ci/run installs it
 * and its absence is a failure, not a skip.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((path): path is string => path !== undefined && existsSync(path));
}

/** Why the browser tests cannot run here, or undefined when they can (CI insists they can). */
export function browserSkipReason(): string | undefined {
  if (chromiumPath()) return undefined;
  if (process.env.CI) throw new Error('CI=true but no Chromium found: .ci/run should have installed the chromium package');
  return 'no Chromium on this machine (apt-get install chromium)';
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath()!,
    // Software WebGL (SwiftShader): the 3D surface needs WebGL and CI has no GPU.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
