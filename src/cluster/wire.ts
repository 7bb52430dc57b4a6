/**
 * The cluster's wire format: queue and key names, the chunk job payload and its schema, and
 * the encoding of results. docs/wire-format.md describes the same for workers written in
 * other languages; keep the two in step (test/sources.test.ts checks them against each other).
 *
 *   BullMQ queue   <prefix>:chunks …          one job per chunk, data = ChunkPayload (JSON)
 *   hash           <prefix>:render:<id>        the render: workload, kernel, prune, chunks, state
 *   set            <prefix>:render:<id>:done   chunk ids whose result is stored
 *   hash           <prefix>:render:<id>:meta   chunk id → JSON ChunkMeta (worker, times, iterations)
 *   string         <prefix>:render:<id>:chunk:<n>  the chunk's counts: int32 little-endian,
 *                                              row-major over the chunk, raw-deflate compressed
 * Every render key expires `ttl` seconds after the last chunk was stored (or after submit).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import type { Chunk } from '../plan.js';
import { nonNegativeInt, parseOrThrow, positiveInt } from '../schema.js';
import { workloadSchema, type Workload } from '../workload.js';

export const WIRE_VERSION = 1;
export const DEFAULT_PREFIX = 'mandel';
export const CHUNK_QUEUE = 'chunks';
/** Seconds render keys live; long enough for a render submitted while no worker runs. */
export const DEFAULT_TTL_SECONDS = 24 * 3600;
/** Default chunk count for a cluster render: enough to spread over a few hosts' cores. */
export const DEFAULT_CLUSTER_CHUNKS = 64;

export const keys = (prefix: string, id: string) => ({
  render: `${prefix}:render:${id}`,
  done: `${prefix}:render:${id}:done`,
  meta: `${prefix}:render:${id}:meta`,
  chunk: (n: number) => `${prefix}:render:${id}:chunk:${n}`,
});

/** The most points one chunk job may ask a worker for. */
export const MAX_CHUNK_POINTS = 1 << 26;
/** The most points of one axis a payload may ask a worker to build. */
export const MAX_AXIS_POINTS = 1 << 24;

/** A render id: safe inside a Redis key and a BullMQ job id. */
export const RENDER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** BullMQ job ids may not contain ':'. */
export const jobId = (renderId: string, chunk: number) => `${renderId}-${chunk}`;

/** A chunk of the plan, as the plan's own `Chunk` type says. */
export const chunkSchema: z.ZodType<Chunk> = z.strictObject({
  id: nonNegativeInt('chunk id'),
  row0: nonNegativeInt('row0'),
  rowStep: positiveInt('rowStep'),
  rowCount: positiveInt('rowCount'),
  col0: nonNegativeInt('col0'),
  colCount: positiveInt('colCount'),
});

const payloadSchema = z
  .strictObject({
    v: z.literal(WIRE_VERSION),
    render: z.string().regex(RENDER_ID, 'render must be 1–64 letters, digits, - or _'),
    workload: workloadSchema,
    chunk: chunkSchema,
    kernel: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'kernel must be a registered kernel name'),
    prune: z.boolean(),
    ttl: positiveInt('ttl'),
  })
  .refine((p) => p.chunk.row0 + (p.chunk.rowCount - 1) * p.chunk.rowStep < p.workload.im.count, {
    message: 'the chunk reaches below the last row of the workload',
  })
  .refine((p) => p.chunk.col0 + p.chunk.colCount <= p.workload.re.count, {
    message: 'the chunk reaches past the last column of the workload',
  })
  .refine((p) => p.chunk.rowCount * p.chunk.colCount <= MAX_CHUNK_POINTS, {
    message: `a chunk has at most ${MAX_CHUNK_POINTS.toLocaleString('en-US')} points`,
  })
  // A worker builds the axes' coordinates: bound them, or a payload could ask for 16 GiB.
  .refine((p) => p.workload.re.count <= MAX_AXIS_POINTS && p.workload.im.count <= MAX_AXIS_POINTS, {
    message: `an axis has at most ${MAX_AXIS_POINTS.toLocaleString('en-US')} points`,
  });

export interface ChunkPayload {
  readonly v: typeof WIRE_VERSION;
  readonly render: string;
  readonly workload: Workload;
  readonly chunk: Chunk;
  readonly kernel: string;
  readonly prune: boolean;
  readonly ttl: number;
}

/** Validates a payload from the queue; throws ERR_INVALID_OPTION naming the first problem. */
export function parsePayload(data: unknown): ChunkPayload {
  return parseOrThrow(payloadSchema, data, 'chunk job payload') as ChunkPayload;
}

export interface ChunkMeta {
  readonly worker: string;
  readonly startEpochMs: number;
  readonly endEpochMs: number;
  readonly iterations: number;
  readonly bytes: number;
}

export const metaSchema = z.strictObject({
  worker: z.string().max(256),
  startEpochMs: z.number(),
  endEpochMs: z.number(),
  iterations: z.number().min(0),
  bytes: z.number().int().min(0),
});

/** A chunk's counts for Redis: int32 little-endian, raw deflate (level 1: fast, ~10× smaller). */
export function encodeCounts(counts: Int32Array): Buffer {
  const bytes = Buffer.from(counts.buffer, counts.byteOffset, counts.byteLength);
  return deflateRawSync(bytes, { level: 1 });
}

export function decodeCounts(data: Buffer, expected: number): Int32Array {
  // One output chunk of the known size: zlib's default 16 KiB chunks would be concatenated,
  // a second copy of every result.
  const bytes = inflateRawSync(data, { chunkSize: Math.max(64, expected * 4) });
  if (bytes.length !== expected * 4) throw new Error(`a chunk result holds ${bytes.length / 4} counts, expected ${expected}`);
  // A view, no copy, when the inflated bytes are 4-byte aligned (large outputs always are).
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, expected);
  const counts = new Int32Array(expected);
  new Uint8Array(counts.buffer).set(bytes);
  return counts;
}
