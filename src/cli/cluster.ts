/**
 * The cluster's producer commands (`mandel worker` is in worker.ts): `submit` (post a render,
 * return its id at once or wait), `status` (queue depth, workers, a render's progress) and
 * `result` (assemble a finished render and write its outputs). `REDIS_URL` stands in for
 * --redis. Every command takes --json.
 */
import { InvalidOptionError } from '../errors.js';
import { Command } from 'commander';
import type { ClusterClient } from '../cluster/client.js';
import { DEFAULT_TTL_SECONDS } from '../defaults.js';
import { prepareKernel } from './kernels.js';
import {
  addComputeOptions,
  addOutputOptions,
  addRedisOptions,
  addWorkloadOptions,
  buildWorkload,
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

interface SubmitFlags extends WorkloadFlags, ComputeFlags, RedisFlags {
  ttl: number;
  smooth?: boolean;
  wait?: boolean;
  progress: boolean;
}

export function submitCommand(signal: AbortSignal): Command {
  const command = new Command('submit').description('post a render to the Redis queue; prints its id at once, or waits with --wait');
  addWorkloadOptions(command);
  addComputeOptions(command);
  addRedisOptions(command);
  return command
    .option('--ttl <seconds>', 'how long the render and its results stay in Redis', positiveInteger(86_400), DEFAULT_TTL_SECONDS)
    .option('--smooth', "workers also store each point's smooth fraction (for mandel result --smooth)")
    .option('--wait', 'wait until every chunk is done, with a progress bar')
    .option('--json', 'print {"id": …} as one JSON line (and, with --wait, the summary as a second)')
    .option('--no-progress', 'never draw a progress bar')
    .action(async (flags: SubmitFlags, self: Command) => {
      const workload = await buildWorkload(flags);
      const { kernelName } = await prepareKernel(flags);
      await withClient(flags, async (cluster) => {
        const { id, plan } = await cluster.submit(workload, {
          kernel: kernelName,
          prune: flags.prune,
          ...(flags.smooth ? { smooth: true } : {}),
          chunkCount: flags.chunks,
          schedule: flags.schedule,
          ttl: flags.ttl,
        });
        // The id first, as soon as the render is recorded: whatever happens while waiting,
        // the render goes on in the cluster and can be fetched by it.
        out(flags.json ? JSON.stringify({ id, chunks: plan.length }) : id);
        if (flags.wait) {
          const bar = createProgress(flags.progress && !flags.json, 'cluster');
          try {
            await cluster.wait(id, { signal, onProgress: (p) => bar.update(p.done, p.chunks) });
          } finally {
            bar.stop();
          }
          // The summary `run` gives, read back from the stored result.
          const result = await cluster.result(id);
          const context = { kernelChoice: flags.kernel, files: [] };
          out(
            flags.json
              ? JSON.stringify({ id, state: 'done', ...jsonReport(result, context) })
              : `${textReport(result, context)}render ${id} done (mandel result ${id} --out image.png)`,
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

export function resultCommand(signal: AbortSignal): Command {
  const command = new Command('result').description('assemble a finished render from Redis and write its outputs').argument('<render>');
  addRedisOptions(command);
  addOutputOptions(command);
  return command.action(async (id: string, flags: RedisFlags & OutputFlags, self: Command) => {
    const outputs = outputOptions(flags);
    const [{ writeOutputs }, { TraceRecorder }] = await Promise.all([import('../outputs/index.js'), import('../trace.js')]);
    await withClient(flags, async (cluster) => {
      const recorder = new TraceRecorder();
      const result = await cluster.result(id, { recorder });
      if (flags.smooth !== undefined && !result.smooth) {
        throw new InvalidOptionError(`render ${id} was submitted without --smooth: it has counts only (submit it again with --smooth)`);
      }
      const files = await writeOutputs(result, { ...outputs, signal }, recorder);
      const context = { kernelChoice: result.kernel, files };
      out(flags.json ? JSON.stringify({ id, ...jsonReport(result, context) }) : textReport(result, context));
    });
    self.setOptionValue('exitCode', 0);
  });
}
