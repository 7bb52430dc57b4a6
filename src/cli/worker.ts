/**
 * `mandel worker`: compute chunks from the Redis queue until stopped. It says once where it
 * serves (Redis with the password masked, prefix, kernels, threads), then a summary every
 * --summary seconds; one line per chunk only with --verbose. Failures and Redis trouble go
 * to stderr as they happen.
 */
import type { Command as CommandType } from 'commander';
import { Command } from 'commander';
import type { WorkerEvent } from '../cluster/worker.js';
import { DEFAULT_MAX_CHUNK_ITERATIONS } from '../defaults.js';
import { grouped } from '../format.js';
import { loadKernelModules } from './kernels.js';
import { addRedisOptions, collect, type RedisFlags } from './options.js';
import { positiveInteger } from './parse.js';

interface WorkerFlags extends RedisFlags {
  threads?: number;
  concurrency?: number;
  lockMs: number;
  chunkTimeout?: number;
  kernelModule: string[];
  verbose?: boolean;
  summary: number;
  maxChunkIterations?: number;
}

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

/** The text line for one event, or undefined for events shown only in summaries. */
export function workerLine(event: WorkerEvent, verbose: boolean): string | undefined {
  switch (event.type) {
    case 'ready':
      return (
        `worker ${event.name} ready: Redis ${event.redis}, prefix ${event.prefix}, ${event.threads} thread${event.threads === 1 ? '' : 's'}, ` +
        `${event.concurrency} chunk${event.concurrency === 1 ? '' : 's'} at a time, kernels ${event.kernels.join(', ')}`
      );
    case 'chunk':
      return verbose
        ? `render ${event.render} chunk ${event.chunk}: ${event.ms.toFixed(1)} ms, ${grouped(event.iterations)} iterations, ${grouped(event.bytes)} bytes (${event.worker})`
        : undefined;
    case 'failed':
      return `job ${event.job} failed${event.final ? '' : ' (will retry)'}: ${event.reason}`;
    case 'redis-error':
      return `redis: ${event.message}`;
    case 'lock-lost':
      return `lost the lock of a chunk (${event.message}); another worker will do it`;
    case 'fatal':
      return `mandel: ${event.message}`;
    case 'closed':
      return 'worker closed';
  }
}

export function workerCommand(signal: AbortSignal): CommandType {
  const command = new Command('worker').description(
    'compute chunks from the Redis queue until stopped (Ctrl-C finishes the chunks in hand)',
  );
  addRedisOptions(command);
  return command
    .option('--threads <n>', 'threads computing chunks (default: available parallelism)', positiveInteger(2))
    .option('--concurrency <n>', 'chunks taken at once (default: one per thread)', positiveInteger(4))
    .option(
      '--lock-ms <ms>',
      "job lock, renewed while a chunk runs; a dead worker's chunk is retried after it",
      positiveInteger(30_000),
      30_000,
    )
    .option('--chunk-timeout <ms>', 'fail a chunk that runs longer than this (default: no limit)', positiveInteger(60_000))
    .option('--kernel-module <file>', 'a module that registers kernels (repeatable)', collect, [])
    .option(
      '--max-chunk-iterations <n>',
      `refuse chunks that may cost more iterations (points × maxiter; default ${DEFAULT_MAX_CHUNK_ITERATIONS.toExponential()})`,
      positiveInteger(1e12),
    )
    .option('--summary <seconds>', 'log what was done every this many seconds (when anything was)', positiveInteger(10), 10)
    .option('--verbose', 'also log one line per chunk')
    .option('--json', 'log one JSON object per event')
    .action(async (flags: WorkerFlags, self: Command) => {
      const { startWorker } = await import('../cluster/worker.js');
      const { checkRedisUrl, hasPassword } = await import('../cluster/url.js');
      const redis = checkRedisUrl(flags.redis);
      if (self.getOptionValueSource('redis') === 'cli' && hasPassword(redis)) {
        err(
          'mandel: warning: the Redis password was given on the command line, where every local user can read it (ps); set REDIS_URL instead',
        );
      }
      const kernelModules = await loadKernelModules(flags.kernelModule);
      let window = { chunks: 0, iterations: 0, failed: 0, startedMs: Date.now() };
      let fatal = false;
      const log = (event: WorkerEvent) => {
        if (event.type === 'fatal') fatal = true;
        if (event.type === 'chunk') {
          window.chunks++;
          window.iterations += event.iterations;
        }
        if (event.type === 'failed') window.failed++;
        if (flags.json) {
          if (event.type !== 'chunk' || flags.verbose) out(JSON.stringify({ time: new Date().toISOString(), ...event }));
          return;
        }
        const line = workerLine(event, flags.verbose ?? false);
        if (line)
          (event.type === 'failed' || event.type === 'redis-error' || event.type === 'lock-lost' || event.type === 'fatal' ? err : out)(
            line,
          );
      };
      const summary = setInterval(() => {
        const seconds = (Date.now() - window.startedMs) / 1000;
        if (window.chunks > 0 || window.failed > 0) {
          const line = `last ${seconds.toFixed(0)} s: ${grouped(window.chunks)} chunks, ${grouped(window.iterations)} iterations${window.failed ? `, ${window.failed} failed` : ''}`;
          if (flags.json) out(JSON.stringify({ time: new Date().toISOString(), type: 'summary', seconds, ...window }));
          else out(line);
        }
        window = { chunks: 0, iterations: 0, failed: 0, startedMs: Date.now() };
      }, flags.summary * 1000);
      summary.unref();
      const worker = await startWorker({
        redis,
        prefix: flags.prefix,
        threads: flags.threads,
        concurrency: flags.concurrency,
        lockMs: flags.lockMs,
        chunkTimeoutMs: flags.chunkTimeout,
        maxChunkIterations: flags.maxChunkIterations,
        kernelModules,
        log,
      });
      // Until Ctrl-C, or until the worker stops by itself (a Redis it cannot serve).
      await Promise.race([
        worker.stopped,
        new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }))),
      ]);
      clearInterval(summary);
      await worker.close();
      self.setOptionValue('exitCode', fatal ? 1 : 0);
    });
}
