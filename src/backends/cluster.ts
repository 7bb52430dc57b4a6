/**
 * The cluster backend: render() through a Redis queue. Chunks become BullMQ jobs; any
 * number of `mandel worker` processes on any hosts compute them; this backend waits,
 * assembles the stored results into the counts, and reports one trace event per chunk
 * (worker host:pid/thread, times on the render's clock — across hosts, as good as their
 * clocks agree — and the compressed bytes each result cost).
 */
import { AbortError } from '../errors.js';
import { ClusterClient, type ClusterClientOptions } from '../cluster/client.js';
import type { Backend, ChunkJob, RunHooks } from './types.js';

export interface ClusterBackendOptions extends ClusterClientOptions {
  /** Seconds the render's keys live in Redis. */
  readonly ttl?: number;
}

export class ClusterBackend implements Backend {
  readonly name = 'cluster';
  private lanes = 0;
  private readonly client: ClusterClient;

  constructor(private readonly options: ClusterBackendOptions) {
    this.client = new ClusterClient(options);
  }

  /** Unknown in advance (workers come and go): the worker threads seen in the last run. */
  get workers(): number {
    return Math.max(1, this.lanes);
  }

  start(): Promise<void> {
    return this.client.connect();
  }

  async run(job: ChunkJob, counts: Int32Array, hooks: RunHooks): Promise<void> {
    const queuedMs = hooks.now();
    const { id } = await this.client.submit(job.workload, {
      kernel: job.kernel,
      prune: job.prune,
      chunks: [...job.chunks],
      ttl: this.options.ttl,
    });
    // Worker clocks are epoch ms; the render's clock starts at its origin.
    const toMainClock = hooks.now() - Date.now();
    const lanes = new Set<string>();
    try {
      await this.client.collect(id, {
        counts,
        signal: hooks.signal,
        onChunk: (event) => {
          lanes.add(event.worker);
          hooks.onChunk?.({ ...event, queuedMs, startMs: event.startMs + toMainClock, endMs: event.endMs + toMainClock });
        },
      });
    } catch (error) {
      if (error instanceof AbortError) {
        await this.client.cancel(id).catch(() => {});
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
