/**
 * The cluster's wire format, version 3: queue and key names, the render record, the chunk
 * job, the encoding of results, and a deep render's reference orbit. docs/wire-format.md describes the same for workers
 * written in other languages; keep the two in step (test/sources.test.ts checks them
 * against each other).
 *
 *   BullMQ queue   <prefix>:chunks …            one job per chunk, data = {"v":2,"render":id,"chunk":n}
 *   hash           <prefix>:render:<id>          the render record: workload, kernel, prune, smooth, plan, ttl (+ error)
 *   set            <prefix>:render:<id>:done     chunk ids whose result is stored
 *   hash           <prefix>:render:<id>:meta     chunk id → JSON ChunkMeta (worker, times, iterations)
 *   hash           <prefix>:render:<id>:results  chunk id → the chunk's counts: int32 little-endian,
 *                                                row-major over the chunk, then (a render with smooth)
 *                                                its smooth fractions, float32 little-endian, the same
 *                                                way; raw-deflate compressed
 *   string         <prefix>:render:<id>:reference  a deep render's reference orbit (binary, below),
 *                                                written once by the submitter, read once per worker
 *
 * A job names a render and a chunk, nothing else: every parameter is read from the render's
 * own record, so a job cannot make a worker compute (or store) anything its render did not
 * ask for. All the render's keys expire together, `ttl` seconds after the last chunk stored
 * (or after submit): a finished render's results live `ttl` from its completion.
 */
import { inflateRawSync, deflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { MandelError } from '../errors.js';
import { createHash } from 'node:crypto';
import type { ReferenceOrbit } from '../deep/reference.js';
import type { Chunk } from '../plan.js';
import { nonNegativeInt, parseOrThrow, positiveInt } from '../schema.js';
import { workloadSchema, type Workload } from '../workload.js';

export const WIRE_VERSION = 4;
export { DEFAULT_MAX_CHUNK_ITERATIONS, DEFAULT_PREFIX, DEFAULT_TTL_SECONDS } from '../defaults.js';
export const CHUNK_QUEUE = 'chunks';
/** Default chunk count for a cluster render: enough to spread over a few hosts' cores. */
export const DEFAULT_CLUSTER_CHUNKS = 64;

export const keys = (prefix: string, id: string) => ({
  render: `${prefix}:render:${id}`,
  done: `${prefix}:render:${id}:done`,
  meta: `${prefix}:render:${id}:meta`,
  results: `${prefix}:render:${id}:results`,
  reference: `${prefix}:render:${id}:reference`,
});

/** The most points one chunk may ask a worker for. */
export const MAX_CHUNK_POINTS = 1 << 26;
/** The most points of one axis a render may ask a worker to build. */
export const MAX_AXIS_POINTS = 1 << 24;
/** The most chunks one render may have. */
export const MAX_CHUNKS = 1 << 20;

/** A render id: safe inside a Redis key and a BullMQ job id. */
export const RENDER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KERNEL_NAME = /^[a-z][a-z0-9-]{0,63}$/;

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

/** What a chunk job carries: which render, which chunk of its plan. */
export interface ChunkJobData {
  readonly v: typeof WIRE_VERSION;
  readonly render: string;
  readonly chunk: number;
}

const chunkJobSchema = z.strictObject({
  v: z.literal(WIRE_VERSION, { error: `v must be ${WIRE_VERSION} (this worker speaks wire version ${WIRE_VERSION})` }),
  render: z.string().regex(RENDER_ID, 'render must be 1–64 letters, digits, - or _'),
  chunk: nonNegativeInt('chunk'),
});

/** Validates a job's data; throws ERR_INVALID_OPTION naming the first problem. */
export function parseChunkJob(data: unknown): ChunkJobData {
  return parseOrThrow(chunkJobSchema, data, 'chunk job') as ChunkJobData;
}

/** A render as recorded in Redis: what its submitter asked, and all a worker or reader needs. */
export interface RenderRecord {
  readonly id: string;
  readonly workload: Workload;
  readonly kernel: string;
  readonly prune: boolean;
  /** Whether each chunk's result holds the points' smooth fractions after their counts. */
  readonly smooth?: boolean;
  readonly plan: readonly Chunk[];
  /** Seconds the render's keys live after its last stored chunk. */
  readonly ttl: number;
  /**
   * A deep render's: SHA-256 (hex) of its stored reference orbit's bytes. A worker checks the
   * orbit against it once per render: an orbit changed in Redis, however well-formed, fails the
   * render instead of giving wrong counts that report success.
   */
  readonly referenceSha256?: string;
}

const recordSchema = z
  .strictObject({
    workload: workloadSchema,
    kernel: z.string().regex(KERNEL_NAME, 'kernel must be a registered kernel name'),
    prune: z.boolean(),
    smooth: z.boolean().optional(),
    plan: z.array(chunkSchema).min(1).max(MAX_CHUNKS),
    ttl: positiveInt('ttl'),
    referenceSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'referenceSha256 must be 64 hexadecimal digits')
      .optional(),
  })
  .refine((r) => (r.workload.deep !== undefined) === (r.referenceSha256 !== undefined), {
    message: 'a deep workload, and only one, has the referenceSha256 of its orbit',
  })
  // A worker builds the axes' coordinates: bound them, or a record could ask for 16 GiB.
  .refine((r) => r.workload.re.count <= MAX_AXIS_POINTS && r.workload.im.count <= MAX_AXIS_POINTS, {
    message: `an axis has at most ${MAX_AXIS_POINTS.toLocaleString('en-US')} points`,
  })
  .superRefine((r, context) => {
    r.plan.forEach((chunk, index) => {
      const problem =
        chunk.id !== index
          ? `chunk ${index} of the plan has id ${chunk.id}`
          : chunk.row0 + (chunk.rowCount - 1) * chunk.rowStep >= r.workload.im.count
            ? `chunk ${index} reaches below the last row of the workload`
            : chunk.col0 + chunk.colCount > r.workload.re.count
              ? `chunk ${index} reaches past the last column of the workload`
              : chunk.rowCount * chunk.colCount > MAX_CHUNK_POINTS
                ? `chunk ${index} has over ${MAX_CHUNK_POINTS.toLocaleString('en-US')} points`
                : undefined;
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });
  });

/** The record's hash fields, as a submitter writes them. */
export function encodeRenderRecord(record: RenderRecord, createdEpochMs: number): Record<string, string> {
  return {
    v: String(WIRE_VERSION),
    workload: JSON.stringify(record.workload),
    kernel: record.kernel,
    prune: record.prune ? '1' : '0',
    ...(record.smooth ? { smooth: '1' } : {}),
    chunks: String(record.plan.length),
    chunkPlan: JSON.stringify(record.plan),
    ttl: String(record.ttl),
    ...(record.referenceSha256 ? { referenceSha256: record.referenceSha256 } : {}),
    createdEpochMs: String(createdEpochMs),
  };
}

/** The one wording of a render that Redis does not hold. */
export const renderNotFound = (id: string) =>
  new MandelError('ERR_NOT_FOUND', `no render ${id} in Redis (never submitted, cancelled, or its keys expired)`);

/**
 * A render record read back from its hash (HGETALL), validated as strictly as a payload:
 * ERR_NOT_FOUND when the hash is empty, ERR_INVALID_OPTION naming the first problem.
 */
export function parseRenderRecord(id: string, hash: Record<string, string>): RenderRecord {
  if (Object.keys(hash).length === 0) throw renderNotFound(id);
  if (hash.v !== String(WIRE_VERSION)) {
    throw new MandelError(
      'ERR_INVALID_OPTION',
      `render ${id} is recorded in wire version ${hash.v ?? '?'}; this mandel speaks ${WIRE_VERSION}`,
    );
  }
  const json = (field: string): unknown => {
    try {
      return JSON.parse(hash[field] ?? 'null');
    } catch {
      throw new MandelError('ERR_INVALID_OPTION', `render ${id}: its ${field} is not JSON`);
    }
  };
  const record = parseOrThrow(
    recordSchema,
    {
      workload: json('workload'),
      kernel: hash.kernel,
      prune: hash.prune === '1',
      ...(hash.smooth === '1' ? { smooth: true } : {}),
      plan: json('chunkPlan'),
      ttl: Number(hash.ttl),
      ...(hash.referenceSha256 !== undefined ? { referenceSha256: hash.referenceSha256 } : {}),
    },
    `render ${id}`,
  );
  if (Number(hash.chunks) !== record.plan.length) {
    throw new MandelError('ERR_INVALID_OPTION', `render ${id}: chunks says ${hash.chunks} but the plan has ${record.plan.length}`);
  }
  return { id, ...record };
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

/**
 * A chunk's result for Redis: its counts, int32 little-endian, raw deflate (level 1: fast,
 * ~10× smaller). For a render with smooth, each fraction (float32 little-endian) is cut in
 * two 16-bit halves: the high halves (sign, exponent, top of the mantissa: few distinct
 * values) follow the counts inside the deflate stream, the low halves (noise to deflate) come
 * after it as they are. Measured on a 256 × 256 tile: the fractions deflated whole took 5.3 ms
 * and kept 82% of their bytes; the high halves take 0.1 ms and keep 4%, so a tile's fractions
 * cost ~136 KB instead of 262 KB.
 */
export function encodeResult(counts: Int32Array, smooth?: Float32Array): Buffer {
  const countBytes = Buffer.from(counts.buffer, counts.byteOffset, counts.byteLength);
  if (!smooth) return deflateRawSync(countBytes, { level: 1 });
  const words = new Uint32Array(smooth.buffer, smooth.byteOffset, smooth.length);
  const high = new Uint16Array(smooth.length);
  const low = new Uint16Array(smooth.length);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    low[i] = word;
    high[i] = word >>> 16;
  }
  const deflated = deflateRawSync(Buffer.concat([countBytes, Buffer.from(high.buffer)]), { level: 1 });
  return Buffer.concat([deflated, Buffer.from(low.buffer)]);
}

/** `data` inflated, which must give exactly `size` bytes (`what`, for the message); no more is ever inflated. */
function inflateExactly(data: Buffer, size: number, where: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    // One output chunk of the known size: zlib's default 16 KiB pieces would be joined, a
    // second copy of every result.
    bytes = inflateRawSync(data, { chunkSize: Math.max(64, size), maxOutputLength: Math.max(1, size) });
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'it inflates past its size' : (error as Error).message;
    throw new MandelError('ERR_CORRUPT_RESULT', `${where}: the stored result is corrupt (${reason})`);
  }
  if (bytes.length !== size) {
    throw new MandelError(
      'ERR_CORRUPT_RESULT',
      `${where}: the stored result holds ${bytes.length} bytes, expected ${what} (${size} bytes)`,
    );
  }
  return bytes;
}

/**
 * A stored chunk's result, as encodeResult wrote it: its `expected` counts and, with `smooth`, as
 * many fractions. Bounded and validated as decodeCounts is.
 */
export function decodeResult(
  data: Buffer,
  expected: number,
  smooth: boolean,
  where: string,
): { counts: Int32Array; smooth?: Float32Array } {
  if (!smooth) return { counts: decodeCounts(data, expected, where) };
  const tail = expected * 2;
  if (data.length < tail + 1) {
    throw new MandelError('ERR_CORRUPT_RESULT', `${where}: the stored result is too short to hold ${expected} smooth fractions`);
  }
  // The counts, then the fractions' high halves; the low halves after the stream.
  const inflated = inflateExactly(data.subarray(0, data.length - tail), expected * 6, where, `${expected} counts and smooth fractions`);
  // Aligned copies (a Redis reply's bytes may start anywhere), then one 32-bit word a point.
  const aligned = new Uint8Array(expected * 8);
  aligned.set(inflated);
  aligned.set(data.subarray(data.length - tail), expected * 6);
  const counts = new Int32Array(aligned.buffer, 0, expected);
  const high = new Uint16Array(aligned.buffer, expected * 4, expected);
  const low = new Uint16Array(aligned.buffer, expected * 6, expected);
  const fractions = new Float32Array(expected);
  const words = new Uint32Array(fractions.buffer);
  for (let i = 0; i < expected; i++) words[i] = (low[i]! | (high[i]! << 16)) >>> 0;
  return { counts, smooth: fractions };
}

/**
 * A stored chunk's counts, which must inflate to exactly `expected` counts. Inflation stops
 * at that size, so a corrupt or hostile value (a deflate bomb) costs no more memory than the
 * real result would; garbage is ERR_CORRUPT_RESULT, never a stack trace.
 */
export function decodeCounts(data: Buffer, expected: number, where: string): Int32Array {
  const bytes = inflateExactly(data, expected * 4, where, `${expected} counts`);
  // A view, no copy, when the inflated bytes are 4-byte aligned (large outputs always are).
  if (bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, expected);
  const counts = new Int32Array(expected);
  new Uint8Array(counts.buffer).set(bytes);
  return counts;
}

/**
 * A deep render's reference orbit for Redis, little-endian: uint32 length L, uint32 flags
 * (1: the extended form follows), float64 zr[L], float64 zi[L], and with flag 1 float64 mr[L],
 * float64 mi[L], int32 exponent[L]. Not compressed: orbits of doubles hardly shrink.
 */
/** The checksum a render record carries for its stored orbit (RenderRecord.referenceSha256). */
export const referenceChecksum = (stored: Buffer): string => createHash('sha256').update(stored).digest('hex');

export function encodeReference(reference: ReferenceOrbit): Buffer {
  const { length, extended } = reference;
  const buffer = Buffer.alloc(8 + length * 16 + (extended ? length * 20 : 0));
  buffer.writeUInt32LE(length, 0);
  buffer.writeUInt32LE(extended ? 1 : 0, 4);
  let at = 8;
  const put = (array: Float64Array | Int32Array) => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, length * array.BYTES_PER_ELEMENT);
    buffer.set(bytes, at);
    at += bytes.length;
  };
  put(reference.zr);
  put(reference.zi);
  if (extended) {
    put(extended.mr);
    put(extended.mi);
    put(extended.exponent);
  }
  return buffer;
}

/**
 * A stored reference orbit, checked against its render (a length the render's maxiter allows,
 * exactly the bytes that length needs, finite values), onto memory from `allocate` (shared
 * memory for the worker's threads). ERR_CORRUPT_RESULT names the render on any mismatch.
 */
export function decodeReference(
  data: Buffer,
  maxiter: number,
  where: string,
  allocate: (bytes: number) => ArrayBufferLike = (bytes) => new ArrayBuffer(bytes),
): ReferenceOrbit {
  const corrupt = (why: string) => new MandelError('ERR_CORRUPT_RESULT', `${where}: the stored reference orbit is corrupt (${why})`);
  if (data.length < 8) throw corrupt('shorter than its header');
  const length = data.readUInt32LE(0);
  const flags = data.readUInt32LE(4);
  if (length < 2 || length > maxiter + 1) throw corrupt(`length ${length}, outside 2 … ${maxiter + 1}`);
  if (flags > 1) throw corrupt(`flags ${flags}`);
  const expected = 8 + length * 16 + (flags ? length * 20 : 0);
  if (data.length !== expected) throw corrupt(`${data.length} bytes, ${expected} expected for ${length} values`);
  let at = 8;
  const take = <T extends Float64Array | Int32Array>(make: (buffer: ArrayBufferLike) => T, size: number): T => {
    const array = make(allocate(length * size));
    new Uint8Array(array.buffer).set(data.subarray(at, at + length * size));
    at += length * size;
    return array;
  };
  const zr = take((b) => new Float64Array(b), 8);
  const zi = take((b) => new Float64Array(b), 8);
  for (let n = 0; n < length; n++) if (!Number.isFinite(zr[n]!) || !Number.isFinite(zi[n]!)) throw corrupt(`value ${n} is not finite`);
  if (!flags) return { zr, zi, length };
  const mr = take((b) => new Float64Array(b), 8);
  const mi = take((b) => new Float64Array(b), 8);
  const exponent = take((b) => new Int32Array(b), 4);
  for (let n = 0; n < length; n++) if (!Number.isFinite(mr[n]!) || !Number.isFinite(mi[n]!)) throw corrupt(`value ${n} is not finite`);
  return { zr, zi, length, extended: { mr, mi, exponent } };
}
