/**
 * How long a chunk held by a killed worker takes to be done by another: a worker process is
 * killed with SIGKILL inside a chunk, a second worker starts at once, and the time from the
 * kill to the render's completion is measured, in lock lengths. At most 8 chunks of 50 ms
 * remain, so nearly all of it is waiting for the dead worker's lock to expire and the
 * stalled-job check to return its chunk to the queue.
 *
 *   npm run build && node --import tsx bench/recovery.ts [--reps 3]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ClusterClient, startWorker } from '../dist/cluster/index.js';
import { tutorialWorkload } from '../dist/index.js';
import { median } from '../dist/analysis/stats.js';
import { RedisServer } from '../test/helpers/redis.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '3' } } });
const reps = Number(values.reps);
const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const faulty = fileURLToPath(new URL('../test/fixtures/faulty-kernels.ts', import.meta.url));

const server = await RedisServer.start();
const client = new ClusterClient({ redis: server.url, timeoutMs: 10_000 });
try {
  for (const lockMs of [2000, 5000]) {
    const ratios: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const { id } = await client.submit(tutorialWorkload({ size: 200, maxiter: 200 }), { kernel: 'slow', prune: false, chunkCount: 8 });
      const args = ['--import', 'tsx', bin, 'worker', '--redis', server.url, '--threads', '1', '--lock-ms', String(lockMs)];
      const victim = spawn(process.execPath, [...args, '--kernel-module', faulty, '--verbose'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let log = '';
      victim.stdout.setEncoding('utf8').on('data', (text: string) => (log += text));
      while (!/chunk \d+:/.test(log)) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 10)); // inside its next chunk
      victim.kill('SIGKILL');
      const killed = Date.now();
      const rescuer = await startWorker({ redis: server.url, threads: 1, lockMs, kernelModules: [faulty] });
      await client.wait(id, { pollMs: 20 });
      const ms = Date.now() - killed;
      ratios.push(ms / lockMs);
      console.log(`lock ${lockMs} ms, run ${rep + 1}: done ${ms} ms after the kill = ${(ms / lockMs).toFixed(2)} lock lengths`);
      await rescuer.close();
    }
    console.log(`lock ${lockMs} ms: median ${median(ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)} lock lengths\n`);
  }
} finally {
  await client.close();
  await server.destroy();
}
