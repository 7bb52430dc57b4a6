/**
 * A progress bar on stderr, only where a person watches (a TTY) and only for runs longer
 * than a moment: it appears after `delayMs`, so quick runs print nothing extra.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

export function createProgress(enabled: boolean, label: string, delayMs = 300): Progress {
  if (!enabled || !process.stderr.isTTY) return silent;
  const startedAt = performance.now();
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(done, total) {
      if (!bar) {
        if (performance.now() - startedAt < delayMs || done >= total) return;
        bar = new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format: `${label} [{bar}] {percentage}% | {eta_formatted} left`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      }
      bar.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
