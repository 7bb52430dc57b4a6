/**
 * The producer side of the cluster: submit a render as one BullMQ job per chunk, follow its
 * progress, and assemble its result from Redis. Nothing here computes; any number of
 * `mandel worker` processes, started before or after, do.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AbortError, MandelError } from '../errors.js';
import { chunkElements, DEFAULT_SCHEDULE, planChunks, type Chunk, type Schedule } from '../plan.js';
import { toRenderResult, type RenderResult } from '../result.js';
import { parseOrThrow } from '../schema.js';
import { PHASE, TraceRecorder, type ChunkEvent } from '../trace.js';
import { workloadSchema, type Workload } from '../workload.js';
import { connectRedis, displayUrl, waitForRedis } from './connection.js';
import {
  CHUNK_QUEUE,
  DEFAULT_CLUSTER_CHUNKS,
  DEFAULT_PREFIX,
  DEFAULT_TTL_SECONDS,
  WIRE_VERSION,
  chunkSchema,
  decodeCounts,
  jobId,
  keys,
  metaSchema,
  type ChunkMeta,
  type ChunkPayload,
} from './wire.js';

export interface ClusterClientOptions {
  readonly redis: string;
  readonly prefix?: string;
  /** How long a command may wait for Redis before failing (ms). */
  readonly timeoutMs?: number;
}

export interface SubmitOptions {
  readonly kernel: string;
  readonly prune: boolean;
  /** The plan; default: planned here from `chunkCount` and `schedule`. */
  readonly chunks?: readonly Chunk[];
  readonly chunkCount?: number;
  readonly schedule?: Schedule;
  /** Seconds the render's keys live after the last chunk is stored. */
  readonly ttl?: number;
}

export interface RenderProgress {
  readonly id: string;
  readonly chunks: number;
  readonly done: number;
  readonly state: 'queued' | 'running' | 'done' | 'failed';
  readonly error?: string;
}

export interface QueueStatus {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
  readonly completed: number;
  readonly workers: number;
}

/** A render as recorded in Redis: what a producer submitted, and all it needs to assemble it. */
export interface RenderRecord {
  readonly id: string;
  readonly workload: Workload;
  readonly kernel: string;
  readonly prune: boolean;
  readonly plan: readonly Chunk[];
}

/** A cluster render read back from Redis: a RenderResult with its id. */
export interface ClusterResult extends RenderResult {
  readonly id: string;
}

export interface CollectOptions {
  /** Where to assemble (rows × cols); allocated when not given. */
  readonly counts?: Int32Array;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  /** Each chunk once, in arrival order; times in ms since the epoch, bytesOut = compressed bytes read. */
  readonly onChunk?: (event: ChunkEvent) => void;
}

export class ClusterClient {
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly queue: Queue;
  private readonly url: string;
  private readonly timeoutMs: number;
  private ready?: Promise<void>;

  constructor(options: ClusterClientOptions) {
    this.url = options.redis;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.redis = connectRedis(options.redis, { name: 'mandel-client' });
    this.queue = new Queue(CHUNK_QUEUE, {
      connection: this.redis,
      prefix: this.prefix,
      // The events stream keeps return values; bound it so Redis memory stays flat.
      streams: { events: { maxLen: 1000 } },
    });
    this.queue.on('error', () => {}); // surfaced by the commands themselves, with context
  }

  /** Fails with ERR_REDIS within the timeout when Redis is unreachable. */
  connect(): Promise<void> {
    this.ready ??= waitForRedis(this.redis, this.url, this.timeoutMs);
    return this.ready;
  }

  /** Records the render and queues one job per chunk; resolves with the record once both are in Redis. */
  async submit(workload: Workload, options: SubmitOptions): Promise<RenderRecord> {
    await this.connect();
    const checked = parseOrThrow(workloadSchema, workload, 'workload');
    const chunks =
      options.chunks ??
      planChunks(checked, { schedule: options.schedule ?? DEFAULT_SCHEDULE, chunks: options.chunkCount ?? DEFAULT_CLUSTER_CHUNKS });
    const ttl = options.ttl ?? DEFAULT_TTL_SECONDS;
    const id = randomUUID();
    const k = keys(this.prefix, id);
    await this.command(() =>
      this.redis
        .multi()
        .hset(k.render, {
          v: WIRE_VERSION,
          workload: JSON.stringify(checked),
          kernel: options.kernel,
          prune: options.prune ? '1' : '0',
          chunks: chunks.length,
          chunkPlan: JSON.stringify(chunks),
          createdEpochMs: Date.now(),
          ttl,
        })
        .expire(k.render, ttl)
        .exec(),
    );
    const jobs = chunks.map((chunk) => {
      const data: ChunkPayload = {
        v: WIRE_VERSION,
        render: id,
        workload: checked,
        chunk,
        kernel: options.kernel,
        prune: options.prune,
        ttl,
      };
      return {
        name: 'chunk',
        data,
        opts: {
          jobId: jobId(id, chunk.id),
          attempts: 3,
          backoff: { type: 'exponential', delay: 500 },
          removeOnComplete: true,
          removeOnFail: { age: ttl },
        },
      };
    });
    await this.command(() => this.queue.addBulk(jobs));
    return { id, workload: checked, kernel: options.kernel, prune: options.prune, plan: chunks };
  }

  /** The record of a render submitted earlier, read back from Redis. */
  async record(id: string): Promise<RenderRecord> {
    await this.connect();
    const k = keys(this.prefix, id);
    const [workloadText, kernel, prune, planText] = await this.command(() =>
      this.redis.hmget(k.render, 'workload', 'kernel', 'prune', 'chunkPlan'),
    );
    if (!workloadText || !kernel || !planText) throw notFound(id);
    const workload = parseOrThrow(workloadSchema, JSON.parse(workloadText), 'stored workload');
    const plan = (JSON.parse(planText) as unknown[]).map((chunk) => parseOrThrow(chunkSchema, chunk, 'stored chunk plan'));
    return { id, workload, kernel, prune: prune === '1', plan };
  }

  async progress(id: string): Promise<RenderProgress> {
    await this.connect();
    const k = keys(this.prefix, id);
    const [render, done] = await this.command(() => Promise.all([this.redis.hmget(k.render, 'chunks', 'error'), this.redis.scard(k.done)]));
    const [chunksText, error] = render;
    if (chunksText === null) throw notFound(id);
    const chunks = Number(chunksText);
    const state = error ? 'failed' : done >= chunks ? 'done' : done > 0 ? 'running' : 'queued';
    return { id, chunks, done, state, ...(error ? { error } : {}) };
  }

  async queueStatus(): Promise<QueueStatus> {
    await this.connect();
    const [counts, workers] = await this.command(() =>
      Promise.all([this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'), this.queue.getWorkersCount()]),
    );
    return {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
      workers,
    };
  }

  /** Polls until every chunk is stored; rejects on a failed chunk or when `signal` fires. */
  async wait(
    id: string,
    options: { signal?: AbortSignal; pollMs?: number; onProgress?: (p: RenderProgress) => void } = {},
  ): Promise<RenderProgress> {
    for (;;) {
      if (options.signal?.aborted) throw stoppedWaiting(id);
      const progress = await this.progress(id);
      options.onProgress?.(progress);
      if (progress.state === 'failed') throw renderFailed(id, progress.error);
      if (progress.state === 'done') return progress;
      await sleep(options.pollMs ?? 100, undefined, { signal: options.signal }).catch(() => {});
    }
  }

  /**
   * The whole render from Redis, assembled, as a RenderResult; ERR_NOT_FINISHED while
   * chunks are missing. Its trace holds one event per chunk (times on the recorder's clock)
   * and the fetch as a phase; pass a recorder to time later steps (outputs) on it too.
   */
  async result(id: string, options: { recorder?: TraceRecorder } = {}): Promise<ClusterResult> {
    const progress = await this.progress(id);
    if (progress.state === 'failed') throw renderFailed(id, progress.error);
    if (progress.state !== 'done') {
      throw new MandelError(
        'ERR_NOT_FINISHED',
        `render ${id} is not finished: ${progress.done} of ${progress.chunks} chunks done (mandel status ${id})`,
      );
    }
    const recorder = options.recorder ?? new TraceRecorder();
    const toRecorderClock = recorder.now() - Date.now();
    const { record, counts } = await recorder.phase(PHASE.fetch, async () => {
      const record = await this.record(id);
      const counts = await this.collect(record, {
        onChunk: (event) => recorder.chunk({ ...event, startMs: event.startMs + toRecorderClock, endMs: event.endMs + toRecorderClock }),
      });
      return { record, counts };
    });
    const result = toRenderResult({
      workload: record.workload,
      counts,
      trace: recorder.trace,
      backend: 'cluster',
      kernel: record.kernel,
      prune: record.prune,
    });
    return { id, ...result };
  }

  /**
   * Follows a render and assembles each chunk as soon as it is stored, so fetching and
   * decoding overlap the computing and only the last chunk is left when it ends. Resolves
   * with the counts once every chunk is in them; rejects on a failed chunk or when `signal`
   * fires. Takes the record a submit returned (or reads it back by id).
   */
  async collect(render: RenderRecord | string, options: CollectOptions = {}): Promise<Int32Array> {
    const { id, workload, plan } = typeof render === 'string' ? await this.record(render) : render;
    await this.connect();
    const k = keys(this.prefix, id);
    const cols = workload.re.count;
    const counts = options.counts ?? new Int32Array(cols * workload.im.count);
    const seen = new Set<number>();
    while (seen.size < plan.length) {
      if (options.signal?.aborted) throw stoppedWaiting(id);
      const [done, error] = await this.command(() => Promise.all([this.redis.smembers(k.done), this.redis.hget(k.render, 'error')]));
      if (error) throw renderFailed(id, error);
      const fresh = done.map(Number).filter((n) => !seen.has(n) && plan[n] !== undefined);
      if (fresh.length === 0) {
        await sleep(options.pollMs ?? 50, undefined, { signal: options.signal }).catch(() => {});
        continue;
      }
      for (let start = 0; start < fresh.length; start += 32) {
        const batch = fresh.slice(start, start + 32).map((n) => plan[n]!);
        const [buffers, metas] = await this.command(() =>
          Promise.all([
            this.redis.mgetBuffer(...batch.map((chunk) => k.chunk(chunk.id))),
            this.redis.hmget(k.meta, ...batch.map((chunk) => String(chunk.id))),
          ]),
        );
        batch.forEach((chunk, i) => {
          const data = buffers[i];
          const metaText = metas[i];
          if (!data || !metaText)
            throw new MandelError('ERR_NOT_FOUND', `render ${id}: the result of chunk ${chunk.id} is missing (expired?)`);
          const meta = parseOrThrow(metaSchema, JSON.parse(metaText), `meta of chunk ${chunk.id}`) as ChunkMeta;
          const values = decodeCounts(data, chunkElements(chunk));
          // Into plain memory this is a memmove; into a SharedArrayBuffer V8 copies element by
          // element (10× slower), which is why the counts here are not shared.
          for (let r = 0; r < chunk.rowCount; r++) {
            const row = chunk.row0 + r * chunk.rowStep;
            counts.set(values.subarray(r * chunk.colCount, (r + 1) * chunk.colCount), row * cols + chunk.col0);
          }
          seen.add(chunk.id);
          options.onChunk?.({
            chunk,
            worker: meta.worker,
            queuedMs: 0,
            startMs: meta.startEpochMs,
            endMs: meta.endEpochMs,
            iterations: meta.iterations,
            bytesIn: 0,
            bytesOut: data.length,
          });
        });
      }
    }
    return counts;
  }

  /** Removes the render's chunk jobs that no worker has taken, and marks it cancelled. */
  async cancel(id: string): Promise<void> {
    await this.connect();
    const k = keys(this.prefix, id);
    const chunks = Number(await this.command(() => this.redis.hget(k.render, 'chunks')));
    await this.command(() => this.redis.hset(k.render, 'error', 'cancelled by its submitter'));
    for (let n = 0; n < chunks; n++) await this.command(() => this.queue.remove(jobId(id, n))).catch(() => {});
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => {});
    this.redis.disconnect();
  }

  /** Runs a Redis command, turning connection failures into one clear ERR_REDIS. */
  private async command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof MandelError) throw error;
      throw new MandelError('ERR_REDIS', `Redis at ${displayUrl(this.url)}: ${(error as Error).message}`, { cause: error });
    }
  }
}

const notFound = (id: string) => new MandelError('ERR_NOT_FOUND', `no render ${id} in Redis (never submitted, or its keys expired)`);
const renderFailed = (id: string, reason: string | undefined) => new MandelError('ERR_RENDER_FAILED', `render ${id} failed: ${reason}`);
const stoppedWaiting = (id: string) => new AbortError(`stopped waiting for render ${id}; it goes on in the cluster (mandel status ${id})`);
