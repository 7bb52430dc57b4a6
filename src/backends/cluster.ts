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
    try {
      await this.client.wait(id, { signal: hooks.signal });
    } catch (error) {
      if (error instanceof AbortError) {
        await this.client.cancel(id).catch(() => {});
        throw new AbortError();
      }
      throw error;
    }
    const result = await this.client.result(id);
    counts.set(result.counts);
    const toMainClock = hooks.now() - Date.now();
    for (const event of result.chunks) {
      hooks.onChunk?.({ ...event, queuedMs, startMs: event.startMs + toMainClock, endMs: event.endMs + toMainClock, bytesIn: 0 });
    }
    this.lanes = new Set(result.chunks.map((event) => event.worker)).size;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
