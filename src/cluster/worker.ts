/**
 * A cluster worker: takes chunk jobs from the BullMQ queue, computes each on the thread pool
 * with a registered kernel, and stores the counts in Redis. The kernels run in worker
 * threads, so this process's event loop stays free to renew job locks: a chunk that runs
 * for minutes is never declared stalled. A worker killed mid-chunk loses its lock, and
 * another worker picks the chunk up after the lock expires.
 *
 * A job names a render and a chunk; everything else comes from the render's own record in
 * Redis (read once per render and cached), so a forged job can only ask for work its render
 * asked for. Bad jobs, records and data fail their job for good (UnrecoverableError, with
 * the reason) and the worker serves the next; a lost Redis is retried with back-off.
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job, type JobJson } from 'bullmq';
import type { DeepInput } from '../kernels/types.js';
import { deepInputOf } from '../kernels/perturbation.js';
import { isMandelError, MandelError } from '../errors.js';
import { grouped } from '../format.js';
import { getKernel, kernelNames } from '../kernels/registry.js';
import { chunkElements, type Chunk } from '../plan.js';
import { moduleUrl, ThreadPool } from '../pool/thread-pool.js';
import { runChunk } from '../pool/run-chunk.js';
import { connectRedis, displayUrl, prefixFor, type RedisClient } from './connection.js';
import { evictionMessage, evictionPolicy, markRenderFailed, storeResult } from './scripts.js';
import {
  CHUNK_QUEUE,
  DEFAULT_MAX_CHUNK_ITERATIONS,
  encodeResult,
  jobId,
  keys,
  parseChunkJob,
  decodeReference,
  referenceChecksum,
  parseRenderRecord,
  type ChunkJobData,
  type ChunkMeta,
  type RenderRecord,
} from './wire.js';

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
  /** Refuse chunks that may cost more iterations (points × maxiter); default DEFAULT_MAX_CHUNK_ITERATIONS. */
  readonly maxChunkIterations?: number;
  /** Modules that register extra kernels, loaded by every thread. */
  readonly kernelModules?: readonly string[];
  /** One line per event worth telling an operator. */
  readonly log?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'ready'; name: string; redis: string; prefix: string; kernels: string[]; threads: number; concurrency: number }
  | { type: 'chunk'; render: string; chunk: number; ms: number; iterations: number; bytes: number; worker: string }
  | { type: 'failed'; job: string; reason: string; final: boolean }
  | { type: 'lock-lost'; message: string }
  | { type: 'redis-error'; message: string }
  /** The worker cannot serve this Redis at all (an eviction policy): it stops. */
  | { type: 'fatal'; message: string }
  | { type: 'closed' };

export interface RunningWorker {
  readonly name: string;
  /** Resolves when the worker has stopped: closed, or stopped by a fatal problem. */
  readonly stopped: Promise<void>;
  close(): Promise<void>;
}

/** BullMQ parses job data as JSON before any processor sees it; data that is not JSON would
 * make the job bounce between active and wait for ever. Here it becomes a job that fails. */
class ChunkWorker extends Worker {
  protected override createJob(data: JobJson, id: string): Job {
    try {
      return super.createJob(data, id);
    } catch (error) {
      const reason = `job data is not JSON: ${(error as Error).message}`;
      return super.createJob({ ...data, data: JSON.stringify({ unreadable: reason }) }, id);
    }
  }
}

/** Render records by id, read once per render; a few renders at a time are in flight. */
class RecordCache {
  private readonly records = new Map<string, Promise<CachedRender>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** The render's record, and a deep render's reference orbit, fetched once per render. */
  get(id: string): Promise<CachedRender> {
    let entry = this.records.get(id);
    if (!entry) {
      if (this.records.size >= 32) this.records.delete(this.records.keys().next().value!);
      entry = this.fetch(id);
      // A failed read (Redis away, no such render) is not cached: the next job asks again.
      entry.catch(() => this.records.delete(id));
      this.records.set(id, entry);
    }
    return entry;
  }

  private async fetch(id: string): Promise<CachedRender> {
    const k = keys(this.prefix, id);
    const record = parseRenderRecord(id, await this.redis.hgetall(k.render));
    const deep = record.workload.deep;
    if (!deep) return { record };
    const data = await this.redis.getBuffer(k.reference);
    if (!data) throw new MandelError('ERR_NOT_FOUND', `render ${id} is deep but has no reference orbit in Redis`);
    // Once per render (~1 ms a MB): a changed orbit would give wrong counts that look right.
    if (referenceChecksum(data) !== record.referenceSha256) {
      throw new MandelError(
        'ERR_CORRUPT_RESULT',
        `render ${id}: the stored reference orbit does not match the SHA-256 its record was submitted with; resubmit the render`,
      );
    }
    // On shared memory: every chunk's thread reads the one copy.
    const shared = (bytes: number) => new SharedArrayBuffer(bytes);
    const reference = decodeReference(data, record.workload.maxiter, `render ${id}`, shared);
    // What skips updates is derived from the orbit and the record alone: as the submitter derives it.
    return { record, deep: deepInputOf(record.workload, reference, record.prune, shared) };
  }
}

interface CachedRender {
  readonly record: RenderRecord;
  readonly deep?: DeepInput;
}

/**
 * A chunk whose points × maxiter are at most this runs on the worker's main thread: handing it
 * to a pool thread (a structured clone, a wake-up, a reply: ~0.1 ms, measured with CPU
 * profiles) costs more than computing it. Such chunks show in the trace as worker `main`.
 */
export const INLINE_ITERATIONS = 4096;
/**
 * Only mandel's own kernels, whose cost per iteration is known: a kernel module's could be
 * slow per point, and on this thread it would stall lock renewals and every other chunk.
 */
const INLINE_KERNELS = new Set(['js', 'native', 'wasm']);

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const prefix = prefixFor(options.redis, options.prefix);
  const log = options.log ?? (() => {});
  const name = `${hostname()}:${process.pid}`;
  const maxChunkIterations = options.maxChunkIterations ?? DEFAULT_MAX_CHUNK_ITERATIONS;
  // Kernel modules register their kernels here too: this thread checks each record's kernel
  // before a worker thread runs it.
  for (const module of options.kernelModules ?? []) await import(moduleUrl(module));
  const pool = new ThreadPool({ threads: options.threads, kernelModules: options.kernelModules });
  await pool.start();
  let lastRedisError = '';
  const onRedisError = (error: Error) => {
    // BullMQ reports a lock it could not renew or release as an error too: that is not Redis
    // being away, and another worker redoes the chunk.
    if (/lock/i.test(error.message)) return log({ type: 'lock-lost', message: error.message });
    const message = `${displayUrl(options.redis)}: ${error.message || error.name}`;
    if (message !== lastRedisError) log({ type: 'redis-error', message: `${message}; retrying with back-off` });
    lastRedisError = message;
  };
  const connection = connectRedis(options.redis, { persistent: true, name: `mandel-worker:${name}`, onError: onRedisError });
  connection.on('ready', () => (lastRedisError = ''));
  const records = new RecordCache(connection, prefix);

  /** The job's render and chunk, checked against the render's own record. */
  async function chunkOf(job: Job): Promise<{ data: ChunkJobData; record: RenderRecord; chunk: Chunk; deep?: DeepInput }> {
    let data: ChunkJobData;
    try {
      data = parseChunkJob(job.data);
    } catch (error) {
      const unreadable = (job.data as { unreadable?: unknown } | undefined)?.unreadable;
      throw new UnrecoverableError(typeof unreadable === 'string' ? unreadable : (error as Error).message);
    }
    let record: RenderRecord;
    let deep: DeepInput | undefined;
    try {
      ({ record, deep } = await records.get(data.render));
    } catch (error) {
      if (isMandelError(error)) throw new UnrecoverableError(error.message);
      throw error; // Redis away: retried
    }
    const chunk = record.plan[data.chunk];
    if (!chunk) throw new UnrecoverableError(`render ${data.render} has no chunk ${data.chunk} (its plan has ${record.plan.length})`);
    try {
      getKernel(record.kernel); // only kernels registered here run, by name
    } catch (error) {
      throw new UnrecoverableError((error as Error).message);
    }
    const cost = chunkElements(chunk) * record.workload.maxiter;
    if (cost > maxChunkIterations) {
      throw new UnrecoverableError(
        `chunk ${data.chunk} of render ${data.render} may cost ${grouped(cost)} iterations, over this worker's limit of ` +
          `${grouped(maxChunkIterations)} (raise it with --max-chunk-iterations, or split the render into more chunks)`,
      );
    }
    return { data, record, chunk, ...(deep ? { deep } : {}) };
  }

  const buffers: Int32Array[] = [];
  const processor = async (job: Job): Promise<{ iterations: number }> => {
    const { data, record, chunk, deep } = await chunkOf(job);
    const signal = options.chunkTimeoutMs ? AbortSignal.timeout(options.chunkTimeoutMs) : undefined;
    // Reuse result buffers: fresh memory costs page faults on every chunk, which on a
    // small VM take time from the kernels themselves.
    // The result: the counts, then (a render with smooth) the fractions, in one buffer as stored.
    const elements = chunkElements(chunk);
    const values = record.smooth ? 2 * elements : elements;
    let buffer = buffers.pop();
    if (!buffer || buffer.length < values) buffer = new Int32Array(new SharedArrayBuffer(values * 4));
    const counts = buffer.subarray(0, elements);
    const work = {
      workload: record.workload,
      chunk,
      kernel: record.kernel,
      prune: record.prune,
      counts,
      ...(record.smooth ? { smooth: new Float32Array(buffer.buffer, elements * 4, elements) } : {}),
      packed: true,
      ...(deep ? { deep } : {}),
    };
    let result;
    try {
      result =
        !deep && elements * record.workload.maxiter <= INLINE_ITERATIONS && INLINE_KERNELS.has(record.kernel)
          ? { worker: 'main', ...runChunk(work) }
          : await pool.run(work, signal);
    } catch (error) {
      if (signal?.aborted) {
        throw new UnrecoverableError(`chunk ${data.chunk} ran over the per-chunk time limit of ${options.chunkTimeoutMs} ms`);
      }
      throw error; // retried (attempts), e.g. a thread that died
    }
    const encoded = encodeResult(counts, work.smooth);
    buffers.push(buffer);
    const meta: ChunkMeta = {
      worker: `${name}/${result.worker}`,
      startEpochMs: result.startEpochMs,
      endEpochMs: result.endEpochMs,
      iterations: result.iterations,
      bytes: encoded.length,
    };
    // Idempotent: a chunk done twice (a retry after a lost lock) stores the same thing.
    const stored = await storeResult(connection, prefix, data.render, data.chunk, encoded, JSON.stringify(meta));
    if (stored === 'no-render')
      throw new UnrecoverableError(`render ${data.render} is gone from Redis (cancelled or expired); result dropped`);
    if (stored === 'stored')
      log({
        type: 'chunk',
        render: data.render,
        chunk: data.chunk,
        ms: result.endEpochMs - result.startEpochMs,
        iterations: result.iterations,
        bytes: encoded.length,
        worker: meta.worker,
      });
    return { iterations: result.iterations };
  };

  const lockMs = options.lockMs ?? 30_000;
  const concurrency = options.concurrency ?? pool.threads;
  const worker = new ChunkWorker(CHUNK_QUEUE, processor, {
    connection,
    prefix,
    concurrency,
    lockDuration: lockMs,
    // Renew four times per lock length (BullMQ's default is twice): a busy host can delay a
    // renewal by a good part of the lock without the chunk being taken for stalled.
    lockRenewTime: Math.max(100, Math.floor(lockMs / 4)),
    // Look for stalled jobs twice per lock length: a dead worker's chunk goes back to the
    // queue within 1.5 lock lengths of its last renewal.
    stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
    maxStalledCount: 2,
    name,
  });
  worker.on('error', onRedisError);
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    log({ type: 'failed', job: job.id ?? '?', reason: error.message, final });
    if (!final) return;
    // Tell the render's followers — only for a job that is the render's own (its id is the
    // render's and the chunk's), and only while the render is unfinished (the script checks).
    let data: ChunkJobData;
    try {
      data = parseChunkJob(job.data);
    } catch {
      return; // no render can be trusted from a job that does not parse
    }
    if (job.id !== jobId(data.render, data.chunk)) return;
    markRenderFailed(connection, prefix, data.render, `chunk ${data.chunk}: ${error.message}`).catch(() => {});
  });

  let closing: Promise<void> | undefined;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const close = () =>
    (closing ??= (async () => {
      // Finish the chunks in hand when Redis is there to take their results; without
      // Redis nothing can be stored, so stop at once rather than wait for it forever.
      const graceful = connection.status === 'ready' ? worker.close() : Promise.resolve();
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(resolve, 10_000, true))),
      ]);
      clearTimeout(timer); // or it would keep a program that closed its worker alive for 10 s
      if (gaveUp || connection.status !== 'ready') await worker.close(true).catch(() => {});
      await pool.close();
      connection.disconnect();
      log({ type: 'closed' });
      stop();
    })());

  // Redis may be down at start: the worker keeps retrying, and says so once it is connected —
  // unless this Redis may evict keys, which no render could survive.
  worker
    .waitUntilReady()
    .then(async () => {
      const policy = await evictionPolicy(connection);
      if (policy !== 'noeviction') {
        log({ type: 'fatal', message: evictionMessage(displayUrl(options.redis), policy) });
        await close();
        return;
      }
      log({ type: 'ready', name, redis: displayUrl(options.redis), prefix, kernels: kernelNames(), threads: pool.threads, concurrency });
    })
    .catch(() => {});

  return { name, stopped, close };
}
