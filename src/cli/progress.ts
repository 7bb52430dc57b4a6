/**
 * A progress bar on stderr, only where a person watches (a TTY) and only for runs longer
 * than a moment: it appears after `delayMs`, so quick runs print nothing extra.
 */
import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';

// Loaded when a bar is first drawn, not with the CLI: most runs (pipes, CI, quick renders)
// never draw one, and the module costs ~20 ms of start-up.
const require = createRequire(import.meta.url);

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

/** With `unit`, the bar shows how many of the total are done and their rate (frames, 12.3 frames/s). */
export function createProgress(enabled: boolean, label: string, delayMs = 300, unit?: string): Progress {
  if (!enabled || !process.stderr.isTTY) return silent;
  const startedAt = performance.now();
  let bar: cliProgressModule.SingleBar | undefined;
  return {
    update(done, total) {
      if (!bar) {
        if (performance.now() - startedAt < delayMs || done >= total) return;
        const cliProgress = require('cli-progress') as typeof cliProgressModule;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: unit
              ? `${label} [{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | {eta_formatted} left`
              : `${label} [{bar}] {percentage}% | {eta_formatted} left`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { rate: '…' });
      }
      const seconds = (performance.now() - startedAt) / 1000;
      bar.update(done, { rate: (done / Math.max(seconds, 1e-3)).toFixed(1) });
    },
    stop() {
      bar?.stop();
    },
  };
}
