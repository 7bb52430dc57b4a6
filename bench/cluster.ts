/**
 * The cluster against the threads backend, in one run, on this machine:
 *  1. throughput: a render of ≥ 10 s brute force (js kernel, no pruning) on the threads
 *     backend with 2 threads, then on the cluster with 2 local `mandel worker` processes of
 *     1 thread each, through a real redis-server started here; medians, and their ratio;
 *  2. queue rate: a render of tiny chunks (one point each) through the same 2 workers, against
 *     the independent anchor, a bare BullMQ producer and 2 worker processes doing no-op jobs
 *     at the same concurrency (bench/bullmq-anchor-worker.mjs), alternately, same Redis;
 *  3. latency of an idle cluster: one one-point render at a time, request to result (p50,
 *     p99), against one no-op BullMQ job awaited with QueueEvents;
 *  4. Redis memory: used_memory before and after 100 more renders, and the keys left.
 *
 *   npm run build && node --import tsx bench/cluster.ts [--size 8400] [--reps 3] [--tiny 4000]
 */
import type { ChildProcess } from 'node:child_process';
import { startChild } from './child.js';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { ThreadsBackend, gridWorkload, render, tutorialWorkload } from '../dist/index.js';
import { ClusterBackend, ClusterClient } from '../dist/cluster/index.js';
import { RedisServer } from '../test/helpers/redis.js';
import { median } from '../dist/analysis/stats.js';

const { values } = parseArgs({
  options: { size: { type: 'string', default: '8400' }, reps: { type: 'string', default: '3' }, tiny: { type: 'string', default: '4000' } },
});
const size = Number(values.size);
const reps = Number(values.reps);
const tiny = Number(values.tiny);
const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const anchorWorker = fileURLToPath(new URL('./bullmq-anchor-worker.mjs', import.meta.url));
const CONCURRENCY = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

const server = await RedisServer.start();
const workers: ChildProcess[] = [];
try {
  for (let i = 0; i < 2; i++) {
    workers.push(
      await startChild([bin, 'worker', '--redis', server.url, '--threads', '1', '--concurrency', String(CONCURRENCY), '--json'], '"ready"'),
    );
    workers.push(await startChild([anchorWorker, server.url, 'anchor', String(CONCURRENCY)], 'ready'));
  }
  const brute = { kernel: 'js', prune: false } as const;
  const workload = tutorialWorkload({ size, maxiter: 1000 });
  console.log(
    `mandel bench/cluster: --size ${size} (${workload.im.count} × ${workload.re.count} points), js kernel, brute force, median of ${reps}`,
  );

  const threads = new ThreadsBackend({ workers: 2 });
  const cluster = new ClusterBackend({ redis: server.url });
  await threads.start();
  await cluster.start();
  const times = { threads: [] as number[], cluster: [] as number[] };
  let iterations = 0;
  let reference: Int32Array | undefined;
  try {
    for (let r = 0; r < reps; r++) {
      // Alternate, so drift of this shared machine falls on both.
      const t = await render(workload, { backend: threads, chunks: 64, ...brute });
      times.threads.push(t.computeMs);
      iterations = t.iterations;
      const c = await render(workload, { backend: cluster, chunks: 64, ...brute });
      times.cluster.push(c.computeMs);
      reference ??= t.counts;
      if (Buffer.compare(Buffer.from(c.counts.buffer), Buffer.from(t.counts.buffer)) !== 0) throw new Error('cluster counts differ');
    }
  } finally {
    await threads.close();
    await cluster.close();
  }
  const tMs = median(times.threads);
  const cMs = median(times.cluster);
  console.log(
    `  ${(iterations / 1e9).toFixed(2)} G iterations per render (${(iterations / 0.37e9).toFixed(1)} s on one js thread at 0.37 G it/s)`,
  );
  console.log(
    `  threads backend, 2 threads:          ${(tMs / 1000).toFixed(2)} s   (${times.threads.map((x) => (x / 1000).toFixed(2)).join(' ')})`,
  );
  console.log(
    `  cluster backend, 2 worker processes: ${(cMs / 1000).toFixed(2)} s   (${times.cluster.map((x) => (x / 1000).toFixed(2)).join(' ')})`,
  );
  console.log(`  cluster / threads throughput: ${(tMs / cMs).toFixed(3)}   (target ≥ 0.9)`);

  // Tiny chunks: one point each, through the queue and back; the anchor's no-op jobs between.
  const client = new ClusterClient({ redis: server.url });
  const { hostname, port } = new URL(server.url);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const anchor = new Queue('anchor', { connection });
  const anchorEvents = new QueueEvents('anchor', { connection });
  try {
    await anchorEvents.waitUntilReady();
    const small = gridWorkload({ width: tiny, height: 1, maxiter: 10 });
    const chunks = Array.from({ length: tiny }, (_, id) => ({ id, row0: 0, rowStep: 1, rowCount: 1, col0: id, colCount: 1 }));
    const check = await render(small, { backend: 'serial', kernel: 'js', prune: false });
    const mandelRun = async () => {
      const start = performance.now();
      const { id } = await client.submit(small, { kernel: 'js', prune: false, chunks });
      await client.wait(id, { pollMs: 20 });
      const seconds = (performance.now() - start) / 1000;
      const result = await client.result(id);
      if (Buffer.compare(Buffer.from(result.counts.buffer), Buffer.from(check.counts.buffer)) !== 0) throw new Error('tiny counts differ');
      return tiny / seconds;
    };
    // As a producer of BullMQ would: jobs added in bulk, then waited for until none is left.
    const anchorRun = async () => {
      const start = performance.now();
      for (let at = 0; at < tiny; at += 1000) {
        const batch = Array.from({ length: Math.min(1000, tiny - at) }, (_, i) => ({
          name: 'noop',
          data: { n: at + i },
          opts: { removeOnComplete: true },
        }));
        await anchor.addBulk(batch);
      }
      for (;;) {
        const counts = await anchor.getJobCounts('wait', 'active', 'delayed', 'prioritized');
        if (Object.values(counts).every((n) => n === 0)) break;
        await sleep(20);
      }
      return tiny / ((performance.now() - start) / 1000);
    };
    const rates = { mandel: [] as number[], anchor: [] as number[] };
    for (let r = 0; r < reps; r++) {
      rates.mandel.push(await mandelRun());
      rates.anchor.push(await anchorRun());
    }
    const mandelRate = median(rates.mandel);
    const anchorRate = median(rates.anchor);
    const list = (values: number[]) => values.map((v) => Math.round(v)).join(' ');
    console.log(`  queue rate, ${tiny} jobs, 2 worker processes at concurrency ${CONCURRENCY}, medians of ${reps}:`);
    console.log(
      `    mandel, one-point chunks (submitted, computed, stored, waited for): ${Math.round(mandelRate)} chunks/s   (${list(rates.mandel)})`,
    );
    console.log(
      `    anchor, bare BullMQ no-op jobs (added in bulk, waited for):          ${Math.round(anchorRate)} jobs/s   (${list(rates.anchor)})`,
    );
    console.log(`    mandel / anchor: ${(mandelRate / anchorRate).toFixed(2)}   (issue 14: target ≥ 0.5)`);

    // Latency of an idle cluster: what one explorer tile waits for, beyond its compute.
    const cluster1 = new ClusterBackend({ redis: server.url });
    await cluster1.start();
    const one = gridWorkload({ width: 1, height: 1, maxiter: 10 });
    const latency = { mandel: [] as number[], anchor: [] as number[] };
    try {
      for (let i = 0; i < 60; i++) {
        let start = performance.now();
        await render(one, { backend: cluster1, chunks: 1, kernel: 'js', prune: false });
        latency.mandel.push(performance.now() - start);
        start = performance.now();
        const job = await anchor.add('noop', { n: i }, { removeOnComplete: 100 });
        await job.waitUntilFinished(anchorEvents, 10_000);
        latency.anchor.push(performance.now() - start);
      }
    } finally {
      await cluster1.close();
    }
    const ms = (values: number[]) => `p50 ${quantile(values, 0.5).toFixed(1)} ms, p99 ${quantile(values, 0.99).toFixed(1)} ms`;
    console.log(`  latency of an idle cluster, 60 requests one at a time:`);
    console.log(`    mandel, a one-point render (submit, compute, store, collect): ${ms(latency.mandel)}`);
    console.log(`    anchor, one no-op job (add, process, completed event):       ${ms(latency.anchor)}`);

    // Redis memory: 100 more renders of 16 chunks each.
    const redis = new Redis(server.url);
    const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    const before = await used();
    const beforeKeys = await redis.dbsize();
    for (let i = 0; i < 100; i++) {
      const job = await client.submit(tutorialWorkload({ size: 200 }), { kernel: 'auto', prune: true, chunkCount: 16, ttl: 3600 });
      await client.wait(job.id, { pollMs: 10 });
    }
    const after = await used();
    const keys = await redis.dbsize();
    const completed = await redis.zcard('mandel:chunks:completed');
    const events = await redis.xlen('mandel:chunks:events');
    console.log(
      `  Redis after 100 renders × 16 chunks (results kept 1 h): used_memory ${(before / 2 ** 20).toFixed(2)} → ${(after / 2 ** 20).toFixed(2)} MiB, keys ${beforeKeys} → ${keys} (4 per render, all with a TTL), completed jobs kept: ${completed}, events stream: ${events} entries (capped at 1000)`,
    );
    redis.disconnect();
  } finally {
    await client.close();
    await anchorEvents.close();
    await anchor.close();
  }
} finally {
  for (const child of workers) child.kill('SIGTERM');
  await server.destroy();
}
