/**
 * 'mandel/cluster': the Redis-queue backend, its client (submit, status, result) and its
 * worker. docs/wire-format.md describes what travels through Redis.
 */
export { ClusterBackend, type ClusterBackendOptions } from './backend.js';
export {
  ClusterClient,
  type ClusterClientOptions,
  type SubmitOptions,
  type RenderProgress,
  type QueueStatus,
  type ClusterResult,
  type RenderRecord,
  type CollectOptions,
} from './client.js';
export { startWorker, type WorkerOptions, type WorkerEvent, type RunningWorker } from './worker.js';
export {
  CHUNK_QUEUE,
  DEFAULT_PREFIX,
  DEFAULT_TTL_SECONDS,
  DEFAULT_MAX_CHUNK_ITERATIONS,
  WIRE_VERSION,
  keys,
  jobId,
  encodeResult,
  decodeResult,
  decodeCounts,
  parseChunkJob,
  parseRenderRecord,
  type ChunkJobData,
  type ChunkMeta,
} from './wire.js';
