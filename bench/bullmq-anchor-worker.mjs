/**
 * The queue's independent anchor (issue 14): a bare BullMQ worker doing no-op jobs, nothing of
 * mandel's. bench/cluster.ts starts two of these beside its producer and compares their jobs/s
 * with mandel's one-point chunks on the same Redis, at the same concurrency.
 *
 *   node bench/bullmq-anchor-worker.mjs REDIS_URL QUEUE CONCURRENCY
 */
import { Worker } from 'bullmq';

const [url, queue, concurrency] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const worker = new Worker(queue, async () => ({}), {
  connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
  concurrency: Number(concurrency),
});
await worker.waitUntilReady();
process.stdout.write('ready\n');
const stop = async () => {
  await worker.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
