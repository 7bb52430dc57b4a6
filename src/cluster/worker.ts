/**
 * A cluster worker: takes chunk jobs from the BullMQ queue, computes each on a thread pool
 * with a registered kernel, and stores the counts in Redis. The kernels run in worker
 * threads, so this process's event loop stays free to renew job locks: a chunk that runs
 * for minutes is never declared stalled. A worker killed mid-chunk loses its lock, and
 * another worker picks the chunk up after `lockMs`.
 *
 * Bad payloads fail their job for good (UnrecoverableError, with the reason) and the worker
 * serves the next; a lost Redis is retried with back-off, never fatal.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { isMandelError } from '../errors.js';
import { getKernel, kernelNames } from '../kernels/registry.js';
import { ThreadPool } from '../pool/thread-pool.js';
import { connectRedis, displayUrl } from './connection.js';
import { CHUNK_QUEUE, DEFAULT_PREFIX, RENDER_ID, encodeCounts, keys, parsePayload, type ChunkMeta } from './wire.js';

export interface WorkerOptions {
  readonly redis: string;
  readonly prefix?: string;
  /** Threads computing chunks; default: available parallelism. */
  readonly threads?: number;
  /** Chunks taken at once; default: one per thread. */
  readonly concurrency?: number;
  /** How long a job's lock lasts without renewal (ms); a dead worker's chunk is retried after it. */
  readonly lockMs?: number;
  /** Optional limit per chunk (ms): a longer chunk fails with a clear error. None by default. */
  readonly chunkTimeoutMs?: number;
  /** Modules that register extra kernels, loaded by every thread. */
  readonly kernelModules?: readonly string[];
  /** One line per event worth telling an operator. */
  readonly log?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; name: string; redis: string; prefix: string; kernels: string[]; threads: number; concurrency: number }
  | { type: 'chunk'; render: string; chunk: number; ms: number; iterations: number; bytes: number; worker: string }
  | { type: 'failed'; job: string; reason: string; final: boolean }
  | { type: 'redis-error'; message: string }
  | { type: 'closed' };

export interface RunningWorker {
  readonly name: string;
  close(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const log = options.log ?? (() => {});
  const name = `${hostname()}:${process.pid}`;
  const pool = new ThreadPool({ threads: options.threads, kernelModules: options.kernelModules });
  await pool.start();
  let lastRedisError = '';
  const onRedisError = (error: Error) => {
    const message = `${displayUrl(options.redis)}: ${error.message || error.name}`;
    if (message !== lastRedisError) log({ type: 'redis-error', message: `${message}; retrying with back-off` });
    lastRedisError = message;
  };
  const connection = connectRedis(options.redis, { persistent: true, name: `mandel-worker:${name}`, onError: onRedisError });
  connection.on('ready', () => (lastRedisError = ''));

  const buffers: Int32Array[] = [];
  const processor = async (job: Job): Promise<{ iterations: number }> => {
    let payload;
    try {
      payload = parsePayload(job.data);
      getKernel(payload.kernel); // only kernels registered here run, by name
    } catch (error) {
      throw new UnrecoverableError(isMandelError(error) ? error.message : `invalid job payload: ${String(error)}`);
    }
    const signal = options.chunkTimeoutMs ? AbortSignal.timeout(options.chunkTimeoutMs) : undefined;
    // Reuse result buffers: fresh memory costs page faults on every chunk, which on a
    // small VM take time from the kernels themselves.
    const elements = payload.chunk.rowCount * payload.chunk.colCount;
    let buffer = buffers.pop();
    if (!buffer || buffer.length < elements) buffer = new Int32Array(new SharedArrayBuffer(elements * 4));
    const counts = buffer.subarray(0, elements);
    let result;
    try {
      const task = { workload: payload.workload, chunk: payload.chunk, kernel: payload.kernel, prune: payload.prune, counts, packed: true };
      result = await pool.run(task, signal);
    } catch (error) {
      if (signal?.aborted) {
        throw new UnrecoverableError(`chunk ${payload.chunk.id} ran over the per-chunk time limit of ${options.chunkTimeoutMs} ms`);
      }
      throw error; // retried (attempts), e.g. a thread that died
    }
    const data = encodeCounts(counts);
    buffers.push(buffer);
    const meta: ChunkMeta = {
      worker: `${name}/${result.worker}`,
      startEpochMs: result.startEpochMs,
      endEpochMs: result.endEpochMs,
      iterations: result.iterations,
      bytes: data.length,
    };
    const k = keys(prefix, payload.render);
    // Idempotent: a chunk done twice (a retry after a lost lock) stores the same thing.
    await connection
      .multi()
      .set(k.chunk(payload.chunk.id), data, 'EX', payload.ttl)
      .hset(k.meta, String(payload.chunk.id), JSON.stringify(meta))
      .sadd(k.done, String(payload.chunk.id))
      .expire(k.meta, payload.ttl)
      .expire(k.done, payload.ttl)
      .expire(k.render, payload.ttl)
      .exec();
    log({
      type: 'chunk',
      render: payload.render,
      chunk: payload.chunk.id,
      ms: result.endEpochMs - result.startEpochMs,
      iterations: result.iterations,
      bytes: data.length,
      worker: meta.worker,
    });
    return { iterations: result.iterations };
  };

  const lockMs = options.lockMs ?? 30_000;
  const concurrency = options.concurrency ?? pool.threads;
  const worker = new Worker(CHUNK_QUEUE, processor, {
    connection,
    prefix,
    concurrency,
    lockDuration: lockMs,
    // Renew four times per lock length (BullMQ's default is twice): a busy host can delay a
    // renewal by a good part of the lock without the chunk being taken for stalled.
    lockRenewTime: Math.max(100, Math.floor(lockMs / 4)),
    stalledInterval: lockMs,
    maxStalledCount: 2,
    name,
  });
  worker.on('error', onRedisError);
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    log({ type: 'failed', job: job.id ?? '?', reason: error.message, final });
    if (!final) return;
    // Tell the render's followers, if the payload named a render we can trust as a key.
    const render = (job.data as { render?: unknown } | undefined)?.render;
    const chunk = (job.data as { chunk?: { id?: unknown } } | undefined)?.chunk?.id;
    if (typeof render === 'string' && RENDER_ID.test(render)) {
      connection
        .hset(keys(prefix, render).render, 'error', `chunk ${typeof chunk === 'number' ? chunk : '?'}: ${error.message}`)
        .catch(() => {});
    }
  });
  // Redis may be down at start: the worker keeps retrying, and says so once it is connected.
  worker
    .waitUntilReady()
    .then(() =>
      log({ type: 'ready', name, redis: displayUrl(options.redis), prefix, kernels: kernelNames(), threads: pool.threads, concurrency }),
    )
    .catch(() => {});

  let closing: Promise<void> | undefined;
  return {
    name,
    close: () =>
      (closing ??= (async () => {
        // Finish the chunks in hand when Redis is there to take their results; without
        // Redis nothing can be stored, so stop at once rather than wait for it forever.
        const graceful = connection.status === 'ready' ? worker.close() : Promise.resolve();
        const gaveUp = await Promise.race([
          graceful.then(() => false),
          new Promise<boolean>((resolve) => setTimeout(resolve, 10_000, true)),
        ]);
        if (gaveUp || connection.status !== 'ready') await worker.close(true).catch(() => {});
        await pool.close();
        connection.disconnect();
        log({ type: 'closed' });
      })()),
  };
}
