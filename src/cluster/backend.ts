/**
 * The cluster backend: render() through a Redis queue. Chunks become BullMQ jobs; any
 * number of `mandel worker` processes on any hosts compute them; this backend waits,
 * assembles the stored results into the counts, and reports one trace event per chunk
 * (worker host:pid/thread, times on the render's clock — across hosts, as good as their
 * clocks agree — and the compressed bytes each result cost).
 */
import type { Backend, RenderJob, RunHooks } from '../backends/types.js';
import { AbortError, InvalidOptionError } from '../errors.js';
import { ClusterClient, type ClusterClientOptions } from './client.js';
import { checkRedisUrl } from './url.js';
import { DEFAULT_CLUSTER_CHUNKS } from './wire.js';

/** BullMQ's priority of a background render's jobs: jobs without one (0, the highest) go first. */
const BACKGROUND_PRIORITY = 10;

export interface ClusterBackendOptions extends ClusterClientOptions {
  /** Seconds the render's keys live in Redis. */
  readonly ttl?: number;
}

export class ClusterBackend implements Backend {
  readonly name = 'cluster';
  /** Workers fetch the orbit from Redis and derive the series and BLA table from it, as the submitter would. */
  readonly deepInput = 'orbit';
  private lanes = 0;
  /** Its connection to the cluster, for what a render does not show: workers, queue, Redis. */
  readonly client: ClusterClient;

  /** From the options every backend is created with: a Redis URL, and no worker count. */
  static fromOptions(options: { workers?: number | undefined; redis?: string | undefined }): ClusterBackend {
    if (options.workers !== undefined) {
      throw new InvalidOptionError('the cluster backend has as many workers as run `mandel worker`; drop --workers');
    }
    return new ClusterBackend({ redis: checkRedisUrl(options.redis) });
  }

  constructor(private readonly options: ClusterBackendOptions) {
    this.client = new ClusterClient(options);
  }

  /** Unknown in advance (workers come and go): the worker threads seen in the last run. */
  get workers(): number {
    return Math.max(1, this.lanes);
  }

  /** Enough chunks to spread over a few hosts' cores, whatever the render's size. */
  defaultChunks(): number {
    return DEFAULT_CLUSTER_CHUNKS;
  }

  start(): Promise<void> {
    return this.client.connect();
  }

  async run(job: RenderJob, counts: Int32Array, hooks: RunHooks, smooth?: Float32Array): Promise<void> {
    const queuedMs = hooks.now();
    const record = await this.client.submit(job.workload, {
      kernel: job.kernel,
      prune: job.prune,
      ...(smooth ? { smooth: true } : {}),
      chunks: job.chunks,
      ttl: this.options.ttl,
      ...(job.background ? { priority: BACKGROUND_PRIORITY } : {}),
      ...(job.deep ? { reference: job.deep.reference } : {}),
    });
    // Said as soon as it is recorded: whatever happens to this process, the render goes on in
    // the cluster and can be fetched by its id.
    hooks.onNote?.(
      `cluster render ${record.id} submitted (${record.plan.length} chunks); should this command stop, mandel result ${record.id} fetches it`,
    );
    // Worker clocks are epoch ms; the render's clock starts at its origin.
    const toMainClock = hooks.now() - Date.now();
    const lanes = new Set<string>();
    try {
      await this.client.collect(record, {
        counts,
        ...(smooth ? { smooth } : {}),
        signal: hooks.signal,
        onChunk: (event) => {
          lanes.add(event.worker);
          hooks.onChunk?.({ ...event, queuedMs, startMs: event.startMs + toMainClock, endMs: event.endMs + toMainClock });
        },
      });
    } catch (error) {
      if (error instanceof AbortError) {
        await this.client.cancel(record.id).catch(() => {});
        throw new AbortError();
      }
      throw error;
    } finally {
      this.lanes = lanes.size;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
