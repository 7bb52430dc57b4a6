/**
 * How far one Redis carries the cluster's queue: chunks/s against the number of worker
 * processes (1 … 32), with chunks so small (one point, maxiter 10) that the queue itself is
 * measured, not the kernel; for each, Redis's own CPU per chunk (INFO cpu) and the commands
 * it ran per chunk (INFO stats). All on this machine: a real redis-server on loopback and
 * `mandel worker` processes of 1 thread at concurrency 8, a fresh set for every count.
 *
 *   npm run build && node --import tsx bench/queue-scaling.ts [--chunks 6000] [--counts 1,2,4,8,16,32]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { gridWorkload, render } from '../dist/index.js';
import { ClusterClient } from '../dist/cluster/index.js';
import { RedisServer } from '../test/helpers/redis.js';

const { values } = parseArgs({
  options: { chunks: { type: 'string', default: '6000' }, counts: { type: 'string', default: '1,2,4,8,16,32' } },
});
const total = Number(values.chunks);
const counts = values.counts.split(',').map(Number);
const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bin, 'worker', '--redis', url, '--threads', '1', '--concurrency', '8', '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`a worker exited with ${code}`)));
    child.stdout!.on('data', (text: Buffer) => text.includes('"ready"') && resolve(child));
  });
}

/** Redis's CPU seconds (user + sys) and commands processed so far. */
async function redisUsage(redis: Redis): Promise<{ cpu: number; commands: number }> {
  const info = await redis.info();
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)![1]);
  return { cpu: field('used_cpu_user') + field('used_cpu_sys'), commands: field('total_commands_processed') };
}

const server = await RedisServer.start();
const redis = new Redis(server.url);
const client = new ClusterClient({ redis: server.url });
const workload = gridWorkload({ width: total, height: 1, maxiter: 10 });
const chunks = Array.from({ length: total }, (_, id) => ({ id, row0: 0, rowStep: 1, rowCount: 1, col0: id, colCount: 1 }));
const check = await render(workload, { backend: 'serial', kernel: 'js', prune: false });
console.log(`queue scaling: ${total} one-point chunks (maxiter 10) per run, workers of 1 thread at concurrency 8, one redis-server`);
console.log('  workers   chunks/s   Redis CPU per chunk   Redis CPU busy   Redis commands per chunk');
try {
  for (const count of counts) {
    const workers: ChildProcess[] = [];
    try {
      // Started a few at a time: 32 node processes booting at once on 2 cores take long.
      for (let i = 0; i < count; i += 4) {
        workers.push(...(await Promise.all(Array.from({ length: Math.min(4, count - i) }, () => startWorker(server.url)))));
      }
      await new Promise((resolve) => setTimeout(resolve, 500)); // let start-up settle
      const before = await redisUsage(redis);
      const started = performance.now();
      const record = await client.submit(workload, { kernel: 'js', prune: false, chunks });
      const result = await client.collect(record);
      const seconds = (performance.now() - started) / 1000;
      const after = await redisUsage(redis);
      if (Buffer.compare(Buffer.from(result.buffer), Buffer.from(check.counts.buffer)) !== 0) throw new Error('counts differ');
      const cpu = after.cpu - before.cpu;
      console.log(
        `  ${String(count).padStart(7)}   ${String(Math.round(total / seconds)).padStart(8)}   ` +
          `${((cpu / total) * 1e6).toFixed(0).padStart(14)} µs   ${((cpu / seconds) * 100).toFixed(0).padStart(12)} %   ` +
          `${((after.commands - before.commands) / total).toFixed(1).padStart(24)}`,
      );
    } finally {
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(
        workers.map((worker) => new Promise((resolve) => (worker.exitCode !== null ? resolve(0) : worker.once('exit', resolve)))),
      );
    }
  }
} finally {
  await client.close();
  redis.disconnect();
  await server.destroy();
}
