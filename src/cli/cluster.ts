/**
 * The cluster's commands: `worker` (compute chunks from the queue), `submit` (post a render,
 * return its id at once or wait), `status` (queue depth, workers, a render's progress) and
 * `result` (assemble a finished render and write its outputs). `REDIS_URL` stands in for
 * --redis. Every command takes --json.
 */
import { Command } from 'commander';
import type { ClusterClient } from '../cluster/client.js';
import { DEFAULT_TTL_SECONDS } from '../cluster/wire.js';
import { grouped } from '../format.js';
import { writeOutputs } from '../outputs/index.js';
import { TraceRecorder } from '../trace.js';
import { loadKernelModules, prepareKernel } from './kernels.js';
import {
  addComputeOptions,
  addOutputOptions,
  addRedisOptions,
  addWorkloadOptions,
  buildWorkload,
  collect,
  outputOptions,
  type ComputeFlags,
  type OutputFlags,
  type RedisFlags,
  type WorkloadFlags,
} from './options.js';
import { positiveInteger } from './parse.js';
import { createProgress } from './progress.js';
import { jsonReport, textReport } from './report.js';

/** A client for one command (BullMQ and ioredis load only here), closed when it is done. */
async function withClient<T>(flags: RedisFlags, use: (cluster: ClusterClient) => Promise<T>): Promise<T> {
  const { ClusterClient } = await import('../cluster/client.js');
  const { checkRedisUrl } = await import('../cluster/url.js');
  const cluster = new ClusterClient({ redis: checkRedisUrl(flags.redis), prefix: flags.prefix, timeoutMs: flags.timeout * 1000 });
  try {
    return await use(cluster);
  } finally {
    await cluster.close();
  }
}

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : text + '\n');

export function workerCommand(signal: AbortSignal): Command {
  const command = new Command('worker').description(
    'compute chunks from the Redis queue until stopped (Ctrl-C finishes the chunks in hand)',
  );
  addRedisOptions(command);
  return command
    .option('--threads <n>', 'threads computing chunks (default: available parallelism)', positiveInteger)
    .option('--concurrency <n>', 'chunks taken at once (default: one per thread)', positiveInteger)
    .option('--lock-ms <ms>', "job lock, renewed while a chunk runs; a dead worker's chunk is retried after it", positiveInteger, 30_000)
    .option('--chunk-timeout <ms>', 'fail a chunk that runs longer than this (default: no limit)', positiveInteger)
    .option('--kernel-module <file>', 'a module that registers kernels (repeatable)', collect, [])
    .option('--json', 'log one JSON object per event')
    .action(
      async (
        flags: RedisFlags & { threads?: number; concurrency?: number; lockMs: number; chunkTimeout?: number; kernelModule: string[] },
        self: Command,
      ) => {
        const { startWorker } = await import('../cluster/worker.js');
        const { checkRedisUrl } = await import('../cluster/url.js');
        const kernelModules = await loadKernelModules(flags.kernelModule);
        const worker = await startWorker({
          redis: checkRedisUrl(flags.redis),
          prefix: flags.prefix,
          threads: flags.threads,
          concurrency: flags.concurrency,
          lockMs: flags.lockMs,
          chunkTimeoutMs: flags.chunkTimeout,
          kernelModules,
          log: (event) => {
            if (flags.json) return out(JSON.stringify({ time: new Date().toISOString(), ...event }));
            const line =
              event.type === 'ready'
                ? `worker ${event.name} ready: ${event.threads} threads, ${event.concurrency} chunks at a time`
                : event.type === 'chunk'
                  ? `render ${event.render} chunk ${event.chunk}: ${event.ms.toFixed(1)} ms, ${grouped(event.iterations)} iterations, ${grouped(event.bytes)} bytes (${event.worker})`
                  : event.type === 'failed'
                    ? `job ${event.job} failed${event.final ? '' : ' (will retry)'}: ${event.reason}`
                    : event.type === 'redis-error'
                      ? `redis unreachable: ${event.message}`
                      : 'worker closed';
            (event.type === 'failed' || event.type === 'redis-error' ? process.stderr : process.stdout).write(`${line}\n`);
          },
        });
        await new Promise<void>((resolve) =>
          signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        await worker.close();
        // A Redis client still retrying a dead server can hold the event loop open after a
        // clean close; the worker's work is done, so do not let that keep the process alive.
        setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
        self.setOptionValue('exitCode', 0);
      },
    );
}

interface SubmitFlags extends WorkloadFlags, ComputeFlags, RedisFlags {
  ttl: number;
  wait?: boolean;
  progress: boolean;
}

export function submitCommand(signal: AbortSignal): Command {
  const command = new Command('submit').description('post a render to the Redis queue; prints its id at once, or waits with --wait');
  addWorkloadOptions(command);
  addComputeOptions(command);
  addRedisOptions(command);
  return command
    .option('--ttl <seconds>', 'how long the render and its results stay in Redis', positiveInteger, DEFAULT_TTL_SECONDS)
    .option('--wait', 'wait until every chunk is done, with a progress bar')
    .option('--json', 'print {"id": …} (and the progress when waiting) as JSON')
    .option('--no-progress', 'never draw a progress bar')
    .action(async (flags: SubmitFlags, self: Command) => {
      const workload = buildWorkload(flags);
      const { kernelName } = await prepareKernel(flags);
      await withClient(flags, async (cluster) => {
        const { id, plan } = await cluster.submit(workload, {
          kernel: kernelName,
          prune: flags.prune,
          chunkCount: flags.chunks,
          schedule: flags.schedule,
          ttl: flags.ttl,
        });
        const chunks = plan.length;
        if (!flags.wait) {
          out(flags.json ? JSON.stringify({ id, chunks }) : id);
        } else {
          const bar = createProgress(flags.progress && !flags.json, 'cluster');
          try {
            await cluster.wait(id, { signal, onProgress: (p) => bar.update(p.done, p.chunks) });
          } finally {
            bar.stop();
          }
          out(
            flags.json
              ? JSON.stringify({ id, chunks, state: 'done' })
              : `${id}\nrender ${id} done: ${chunks} chunks (mandel result ${id} --out …)`,
          );
        }
      });
      self.setOptionValue('exitCode', 0);
    });
}

export function statusCommand(): Command {
  const command = new Command('status').description('queue depth, workers alive, and the progress of one render').argument('[render]');
  addRedisOptions(command);
  return command.option('--json', 'print one JSON object').action(async (render: string | undefined, flags: RedisFlags, self: Command) => {
    await withClient(flags, async (cluster) => {
      const queue = await cluster.queueStatus();
      const progress = render ? await cluster.progress(render) : undefined;
      if (flags.json) {
        out(JSON.stringify({ queue, ...(progress ? { render: progress } : {}) }));
      } else {
        out(
          `queue: ${queue.waiting} waiting, ${queue.active} active, ${queue.delayed} delayed, ${queue.failed} failed; ${queue.workers} worker${queue.workers === 1 ? '' : 's'} connected`,
        );
        if (progress)
          out(
            `render ${progress.id}: ${progress.state}, ${progress.done} of ${progress.chunks} chunks done${progress.error ? ` (${progress.error})` : ''}`,
          );
      }
    });
    self.setOptionValue('exitCode', 0);
  });
}

export function resultCommand(): Command {
  const command = new Command('result').description('assemble a finished render from Redis and write its outputs').argument('<render>');
  addRedisOptions(command);
  addOutputOptions(command);
  return command.action(async (id: string, flags: RedisFlags & OutputFlags, self: Command) => {
    await withClient(flags, async (cluster) => {
      const recorder = new TraceRecorder();
      const result = await cluster.result(id, { recorder });
      const files = await writeOutputs(result, outputOptions(flags), recorder);
      const context = { kernelChoice: result.kernel, files };
      out(flags.json ? JSON.stringify({ id, ...jsonReport(result, context) }) : textReport(result, context));
    });
    self.setOptionValue('exitCode', 0);
  });
}
