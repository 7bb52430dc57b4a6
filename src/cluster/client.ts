/**
 * The producer side of the cluster: submit a render as one BullMQ job per chunk, follow its
 * progress, and assemble its result from Redis. Nothing here computes; any number of
 * `mandel worker` processes, started before or after, do.
 *
 * A waiter always ends: with the render's result, with its recorded failure, or — when the
 * failure could not be recorded (a full Redis) or the render vanished — by noticing that no
 * job of it is left to run, and saying why. A Redis restart under a waiter is ridden out,
 * for up to the client's timeout without an answer.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { AbortError, MandelError } from '../errors.js';
import { chunkElements, DEFAULT_SCHEDULE, planChunks, type Chunk, type Schedule } from '../plan.js';
import { toRenderResult, type RenderResult } from '../result.js';
import { parseOrThrow } from '../schema.js';
import { PHASE, TraceRecorder, type ChunkEvent } from '../trace.js';
import { workloadSchema, type Workload } from '../workload.js';
import { referenceOrbitAsync, type ReferenceOrbit } from '../deep/reference.js';
import { deepCentre, referenceBits } from '../deep/reference.js';
import { connectRedis, displayUrl, masters, prefixFor, waitForRedis, type RedisClient } from './connection.js';
import { checkEvictionPolicy, writeRecord } from './scripts.js';
import {
  CHUNK_QUEUE,
  DEFAULT_CLUSTER_CHUNKS,
  DEFAULT_TTL_SECONDS,
  WIRE_VERSION,
  decodeResult,
  encodeRenderRecord,
  encodeReference,
  referenceChecksum,
  jobId,
  keys,
  metaSchema,
  parseRenderRecord,
  renderNotFound,
  type ChunkJobData,
  type ChunkMeta,
  type RenderRecord,
} from './wire.js';

export type { RenderRecord } from './wire.js';

export interface ClusterClientOptions {
  readonly redis: string;
  readonly prefix?: string;
  /**
   * How long a command may go without an answer from Redis before failing (ms): at connect,
   * and while waiting for a render (a Redis restart shorter than this is ridden out).
   */
  readonly timeoutMs?: number;
}

export interface SubmitOptions {
  readonly kernel: string;
  readonly prune: boolean;
  /** Workers store each point's smooth fraction after the chunk's counts (RenderOptions.smooth). */
  readonly smooth?: boolean;
  /** The plan; default: planned here from `chunkCount` and `schedule`. */
  readonly chunks?: readonly Chunk[];
  readonly chunkCount?: number;
  readonly schedule?: Schedule;
  /** Seconds the render's keys live after its last chunk is stored. */
  readonly ttl?: number;
  /** A deep workload's reference orbit, when already computed (render() has it); else computed here. */
  readonly reference?: ReferenceOrbit;
  /** BullMQ priority of the render's jobs (1 highest … 2^21); default none, ahead of any with one. */
  readonly priority?: number;
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

/** A cluster render read back from Redis: a RenderResult with its id. */
export interface ClusterResult extends RenderResult {
  readonly id: string;
}

export interface CollectOptions {
  /** Where to assemble (rows × cols); allocated when not given. */
  readonly counts?: Int32Array;
  /** Where to assemble the smooth fractions of a render that has them (laid out as counts); else they are not read. */
  readonly smooth?: Float32Array;
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
  /** Each chunk once, in arrival order; times in ms since the epoch, bytesOut = compressed bytes read. */
  readonly onChunk?: (event: ChunkEvent) => void;
}

/** Without progress for this long, a waiter looks at the render's jobs to see if any can still run. */
const STUCK_CHECK_MS = 2000;
/** Missing chunks whose jobs a stuck check looks at. */
const STUCK_SAMPLE = 64;
/** Jobs added per round trip when submitting. */
const SUBMIT_BATCH = 1000;

export class ClusterClient {
  readonly prefix: string;
  private readonly redis: RedisClient;
  private readonly queue: Queue;
  private readonly url: string;
  private readonly timeoutMs: number;
  private ready?: Promise<void>;
  /** Reads BullMQ's events stream of the chunk queue, once collect() is first called. */
  private eventsConnection?: RedisClient;
  private closed = false;
  /** True once an event has arrived: the stream is being read, so polling can be slow. */
  private eventsLive = false;
  /** The collect() calls in progress, by render: what events told them, and how to wake them. */
  private readonly collecting = new Map<string, Set<Collector>>();

  constructor(options: ClusterClientOptions) {
    this.url = options.redis;
    this.prefix = prefixFor(options.redis, options.prefix);
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

  /**
   * Fails with ERR_REDIS when Redis refuses or stays silent past the timeout, and with
   * ERR_REDIS_CONFIG when it may evict keys (no render could be trusted to finish there).
   */
  connect(): Promise<void> {
    this.ready ??= (async () => {
      await waitForRedis(this.redis, this.url, this.timeoutMs);
      await this.command(() => checkEvictionPolicy(this.redis, displayUrl(this.url)));
    })();
    return this.ready;
  }

  /**
   * Records the render and queues one job per chunk; resolves with the record once both are
   * in Redis. All or nothing: if Redis refuses part of it (full, gone), what was added is
   * removed before the error is thrown, so no half render waits for ever.
   */
  async submit(workload: Workload, options: SubmitOptions): Promise<RenderRecord> {
    await this.connect();
    const checked = parseOrThrow(workloadSchema, workload, 'workload');
    const plan = [
      ...(options.chunks ??
        planChunks(checked, { schedule: options.schedule ?? DEFAULT_SCHEDULE, chunks: options.chunkCount ?? DEFAULT_CLUSTER_CHUNKS })),
    ];
    // A deep render's reference orbit goes in with its record, once: workers fetch it once each
    // and check it against the record's checksum.
    const deep = checked.deep;
    const reference = deep
      ? encodeReference(options.reference ?? (await referenceOrbitAsync(deepCentre(deep), referenceBits(deep), checked.maxiter)))
      : undefined;
    const record: RenderRecord = {
      id: randomUUID(),
      workload: checked,
      kernel: options.kernel,
      prune: options.prune,
      ...(options.smooth ? { smooth: true } : {}),
      plan,
      ttl: options.ttl ?? DEFAULT_TTL_SECONDS,
      ...(reference ? { referenceSha256: referenceChecksum(reference) } : {}),
    };
    const k = keys(this.prefix, record.id);
    let added = 0;
    try {
      await this.command(() => writeRecord(this.redis, k, encodeRenderRecord(record, Date.now()), record.ttl, reference));
      for (let start = 0; start < plan.length; start += SUBMIT_BATCH) {
        const jobs = plan.slice(start, start + SUBMIT_BATCH).map((chunk) => {
          const data: ChunkJobData = { v: WIRE_VERSION, render: record.id, chunk: chunk.id };
          return {
            name: 'chunk',
            data,
            opts: {
              jobId: jobId(record.id, chunk.id),
              attempts: 3,
              backoff: { type: 'exponential', delay: 500 },
              removeOnComplete: true,
              removeOnFail: { age: record.ttl },
              ...(options.priority ? { priority: options.priority } : {}),
            },
          };
        });
        // One job (a tile) goes in by itself: addBulk wraps even one in a MULTI, whose ioredis
        // pipeline copies every BullMQ script onto itself (~0.2 ms of CPU a call).
        await this.command(async () => {
          if (jobs.length === 1) await this.queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts);
          else await this.queue.addBulk(jobs);
        });
        added = start + jobs.length;
      }
    } catch (error) {
      await this.undoSubmit(record, added);
      throw error;
    }
    return record;
  }

  /**
   * Takes back a submit that failed half way. Deleting the render's record comes first: it
   * frees memory (a full Redis still allows deletes) and makes any job left behind fail at
   * once, unrun, on the first worker that takes it.
   */
  private async undoSubmit(record: RenderRecord, added: number): Promise<void> {
    const k = keys(this.prefix, record.id);
    await this.redis.del(k.render, k.done, k.meta, k.results, k.reference).catch(() => {});
    for (let n = 0; n < Math.min(record.plan.length, added + SUBMIT_BATCH); n++) {
      await this.queue.remove(jobId(record.id, n)).catch(() => {});
    }
  }

  /** The record of a render submitted earlier, read back from Redis and validated. */
  async record(id: string): Promise<RenderRecord> {
    await this.connect();
    const hash = await this.command(() => this.redis.hgetall(keys(this.prefix, id).render));
    return parseRenderRecord(id, hash);
  }

  async progress(id: string): Promise<RenderProgress> {
    await this.connect();
    const k = keys(this.prefix, id);
    const [render, done, stored] = await this.command(() =>
      Promise.all([this.redis.hmget(k.render, 'chunks', 'error'), this.redis.scard(k.done), this.redis.hlen(k.results)]),
    );
    const [chunksText, error] = render;
    if (chunksText === null) throw renderNotFound(id);
    const chunks = Number(chunksText);
    if (error) return { id, chunks, done, state: 'failed', error };
    // Done means every result can still be read: never say so for results that are gone.
    if (done >= chunks && stored < chunks) {
      return { id, chunks, done, state: 'failed', error: `the results of ${chunks - stored} chunks are missing from Redis (evicted?)` };
    }
    const state = done >= chunks ? 'done' : done > 0 ? 'running' : 'queued';
    return { id, chunks, done, state };
  }

  async queueStatus(): Promise<QueueStatus> {
    await this.connect();
    const [counts, workers] = await this.command(() =>
      Promise.all([
        this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
        this.queue.getWorkersCount(),
      ]),
    );
    return {
      // A background render's jobs wait as "prioritized" (they carry a priority): waiting too.
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
      workers,
    };
  }

  /** The workers connected to the queue now: BullMQ's name for each (host:pid) and its address. */
  async workers(): Promise<{ name: string; address?: string }[]> {
    await this.connect();
    const clients = await this.command(() => this.queue.getWorkers());
    return clients.map((client) => ({
      name: String(client.rawname ?? client.name ?? '?').replace(/^.*:w:/, ''),
      ...(client.addr ? { address: String(client.addr) } : {}),
    }));
  }

  /** Redis's used memory, bytes (INFO memory): on a Redis Cluster, summed over its masters. */
  async redisMemoryBytes(): Promise<number> {
    await this.connect();
    const infos = await this.command(() => Promise.all(masters(this.redis).map((node) => node.info('memory'))));
    return infos.reduce((sum, info) => sum + Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN), 0);
  }

  /**
   * Polls until every chunk is stored. Rejects on a failed render (recorded, or seen in its
   * jobs), on a render no job of which is left, when Redis is silent past the timeout, or
   * when `signal` fires.
   */
  async wait(
    id: string,
    options: { signal?: AbortSignal; pollMs?: number; onProgress?: (p: RenderProgress) => void } = {},
  ): Promise<RenderProgress> {
    const watch = new ProgressWatch(this, id);
    for (;;) {
      if (options.signal?.aborted) throw stoppedWaiting(id);
      const progress = await this.patiently(() => this.progress(id), options.signal, id);
      options.onProgress?.(progress);
      if (progress.state === 'failed') throw renderFailed(id, progress.error);
      if (progress.state === 'done') return progress;
      await watch.check(progress.done);
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
    const { record, counts, smooth } = await recorder.phase(PHASE.fetch, async () => {
      const record = await this.record(id);
      const smooth = record.smooth ? new Float32Array(record.workload.re.count * record.workload.im.count) : undefined;
      const counts = await this.collect(record, {
        ...(smooth ? { smooth } : {}),
        onChunk: (event) => recorder.chunk({ ...event, startMs: event.startMs + toRecorderClock, endMs: event.endMs + toRecorderClock }),
      });
      return { record, counts, smooth };
    });
    const result = toRenderResult({
      workload: record.workload,
      counts,
      ...(smooth ? { smooth } : {}),
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
   * with the counts once every chunk is in them; rejects as `wait` does, and on a stored
   * result that is corrupt. Takes the record a submit returned (or reads it back by id).
   */
  async collect(render: RenderRecord | string, options: CollectOptions = {}): Promise<Int32Array> {
    const { id, workload, plan, smooth: hasSmooth } = typeof render === 'string' ? await this.record(render) : render;
    const smooth = hasSmooth ? options.smooth : undefined;
    await this.connect();
    const k = keys(this.prefix, id);
    const cols = workload.re.count;
    const counts = options.counts ?? new Int32Array(cols * workload.im.count);
    const seen = new Set<number>();
    const watch = new ProgressWatch(this, id);
    this.listen();
    // BullMQ's events stream names each chunk as its job completes: the loop fetches those
    // results directly. Reading the whole done set (SMEMBERS, which grows with the render)
    // and the record's error is the full look: at the start, after a job failed, on a result
    // not found, and as the fallback for events missed (a reconnect, a trimmed stream) — then
    // slowly once events arrive; until then fast while results may be imminent, backing off.
    const fallbackMs = options.pollMs ?? 250;
    const backoffMs = options.pollMs ?? 50;
    let pollMs = 2;
    let lastFullLook = -Infinity;
    const entry: Collector = { fresh: [], failed: false };
    const entries = this.collecting.get(id) ?? new Set();
    this.collecting.set(id, entries.add(entry));
    try {
      while (seen.size < plan.length) {
        if (options.signal?.aborted) throw stoppedWaiting(id);
        let fresh: number[];
        let looked = false;
        if (!this.eventsLive || entry.failed || performance.now() - lastFullLook >= fallbackMs) {
          entry.failed = false;
          entry.fresh = []; // what finishes from now on comes as events, or in the next full look
          lastFullLook = performance.now();
          looked = true;
          // The record's `chunks` field is there as long as the record is: null means it is gone.
          const [done, [error, chunksField]] = await this.patiently(
            () => Promise.all([this.redis.smembers(k.done), this.redis.hmget(k.render, 'error', 'chunks')]),
            options.signal,
            id,
          );
          if (error) throw renderFailed(id, error);
          if (chunksField === null) throw renderNotFound(id);
          fresh = done.map(Number);
        } else {
          fresh = entry.fresh.splice(0);
        }
        fresh = [...new Set(fresh)].filter((n) => !seen.has(n) && plan[n] !== undefined);
        if (fresh.length === 0) {
          await watch.check(seen.size);
          const untilFullLook = Math.max(1, fallbackMs - (performance.now() - lastFullLook));
          await napUntilWoken(entry, this.eventsLive ? untilFullLook : pollMs, options.signal);
          pollMs = Math.min(backoffMs, pollMs * 2);
          continue;
        }
        pollMs = 2;
        for (let start = 0; start < fresh.length; start += 32) {
          const batch = fresh.slice(start, start + 32).map((n) => plan[n]!);
          const fields = batch.map((chunk) => String(chunk.id));
          const [buffers, metas] = await this.patiently(
            () => Promise.all([this.redis.hmgetBuffer(k.results, ...fields), this.redis.hmget(k.meta, ...fields)]),
            options.signal,
            id,
          );
          batch.forEach((chunk, i) => {
            const data = buffers[i];
            const metaText = metas[i];
            if (!data || !metaText) {
              // Named by an event but not stored (its store refused: the render failed or is
              // gone): the next full look says why. Named by the done set: it expired.
              if (!looked) return void (entry.failed = true);
              throw new MandelError('ERR_NOT_FOUND', `render ${id}: the result of chunk ${chunk.id} is missing (expired?)`);
            }
            const where = `render ${id}, chunk ${chunk.id}`;
            const meta = parseMeta(metaText, where);
            const { counts: values, smooth: fractions } = decodeResult(data, chunkElements(chunk), hasSmooth === true, where);
            // Into plain memory this is a memmove; into a SharedArrayBuffer V8 copies element by
            // element (10× slower), which is why the counts here are not shared.
            for (let r = 0; r < chunk.rowCount; r++) {
              const row = chunk.row0 + r * chunk.rowStep;
              counts.set(values.subarray(r * chunk.colCount, (r + 1) * chunk.colCount), row * cols + chunk.col0);
              if (smooth && fractions)
                smooth.set(fractions.subarray(r * chunk.colCount, (r + 1) * chunk.colCount), row * cols + chunk.col0);
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
    } finally {
      entries.delete(entry);
      if (entries.size === 0) this.collecting.delete(id);
    }
    return counts;
  }

  /** Starts reading the chunk queue's events, once per client; the loop ends when the client closes. */
  private listen(): void {
    if (this.eventsConnection) return;
    // BullMQ's events stream of the chunk queue, read here with one blocking XREAD at a time
    // on a connection of its own. (BullMQ's QueueEvents leaves a timer of its blocking read
    // running for ~11 s after it is closed, which would keep a finished program alive.)
    const connection = connectRedis(this.url, { name: 'mandel-client-events', persistent: true });
    connection.on('error', () => {}); // a missed event is what the fallback poll is for
    this.eventsConnection = connection;
    const stream = this.queue.toKey('events');
    void (async () => {
      let last = '$';
      while (!this.closed) {
        try {
          const reply = await connection.xread('BLOCK', 10_000, 'STREAMS', stream, last);
          for (const [, entries] of reply ?? []) {
            for (const [entryId, fields] of entries) {
              last = entryId;
              const field = (name: string) => fields[fields.indexOf(name) + 1];
              const event = field('event');
              const job = field('jobId');
              if ((event === 'completed' || event === 'failed') && job) this.woken(job, event === 'failed');
            }
          }
        } catch {
          if (!this.closed) await sleep(100);
        }
      }
    })();
  }

  /** A chunk's job finished: the render's collectors fetch it (or look at everything, if it failed). */
  private woken(job: string, failed: boolean): void {
    this.eventsLive = true;
    const dash = job.lastIndexOf('-');
    for (const entry of this.collecting.get(job.slice(0, dash)) ?? []) {
      if (failed) entry.failed = true;
      else entry.fresh.push(Number(job.slice(dash + 1)));
      entry.wake?.();
    }
  }

  /**
   * Why a render that has made no progress for a while cannot make any: a job of it that
   * failed for good (whose failure the worker could not record: a full Redis), or chunks
   * with no job left to run them. Undefined while some job can still run.
   */
  async whyStuck(id: string): Promise<string | undefined> {
    const k = keys(this.prefix, id);
    const [chunksText, done] = await this.command(() => Promise.all([this.redis.hget(k.render, 'chunks'), this.redis.smembers(k.done)]));
    if (chunksText === null) return `render ${id} is gone from Redis (cancelled, expired or evicted)`;
    const stored = new Set(done.map(Number));
    const missing: number[] = [];
    for (let n = 0; n < Number(chunksText) && missing.length < STUCK_SAMPLE; n++) if (!stored.has(n)) missing.push(n);
    const states = await this.command(() => Promise.all(missing.map((n) => this.queue.getJobState(jobId(id, n)))));
    const failed = missing.find((_, i) => states[i] === 'failed');
    if (failed !== undefined) {
      const job = await this.command(() => this.queue.getJob(jobId(id, failed)));
      return `chunk ${failed}: ${job?.failedReason ?? 'its job failed'}`;
    }
    if (missing.length > 0 && states.every((state) => state === 'unknown')) {
      return `no job is left for chunks ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} (removed, or lost with Redis's data)`;
    }
    return undefined;
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
    this.closed = true;
    this.eventsConnection?.disconnect();
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

  /**
   * A command of a waiter: a Redis that goes away (restarts) is retried until it has been
   * silent for the client's timeout; other errors are not retried.
   */
  private async patiently<T>(run: () => Promise<T>, signal: AbortSignal | undefined, id: string): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        return await this.command(run);
      } catch (error) {
        if (!(error instanceof MandelError) || error.code !== 'ERR_REDIS' || Date.now() >= deadline) throw error;
        if (signal?.aborted) throw stoppedWaiting(id);
        await sleep(200, undefined, { signal }).catch(() => {});
      }
    }
  }
}

/** Asks `whyStuck` once progress has stalled for a while, and turns its answer into an error. */
class ProgressWatch {
  private lastDone = -1;
  private since = Date.now();
  private lastCheck = 0;

  constructor(
    private readonly client: ClusterClient,
    private readonly id: string,
  ) {}

  async check(done: number): Promise<void> {
    const now = Date.now();
    if (done !== this.lastDone) {
      this.lastDone = done;
      this.since = now;
      return;
    }
    if (now - this.since < STUCK_CHECK_MS || now - this.lastCheck < STUCK_CHECK_MS) return;
    this.lastCheck = now;
    const reason = await this.client.whyStuck(this.id).catch(() => undefined);
    if (reason) throw renderFailed(this.id, `${reason} — no progress is possible`);
  }
}

function parseMeta(text: string, where: string): ChunkMeta {
  try {
    return parseOrThrow(metaSchema, JSON.parse(text), `meta of ${where}`) as ChunkMeta;
  } catch (error) {
    throw new MandelError('ERR_CORRUPT_RESULT', `${where}: the stored metadata is corrupt (${(error as Error).message})`);
  }
}

const renderFailed = (id: string, reason: string | undefined) => new MandelError('ERR_RENDER_FAILED', `render ${id} failed: ${reason}`);
const stoppedWaiting = (id: string) => new AbortError(`stopped waiting for render ${id}; it goes on in the cluster (mandel status ${id})`);

/** A collect() in progress: the chunks events named since it last looked, a job that failed. */
interface Collector {
  fresh: number[];
  failed: boolean;
  wake?: () => void;
}

/** Waits `ms`, or less: until an event for the render arrives (at once if one did since it last looked), or the signal. */
function napUntilWoken(entry: Collector, ms: number, signal?: AbortSignal): Promise<void> {
  if (entry.fresh.length > 0 || entry.failed || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      entry.wake = undefined;
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    entry.wake = done;
    signal?.addEventListener('abort', done, { once: true });
  });
}
