/**
 * Splitting a workload into chunks. Pure functions: no I/O, no clocks.
 *
 * A chunk is a rectangle of the grid whose rows may be spaced out (`rowStep`), which covers
 * the three schedules: contiguous row bands (the tutorial's slices of the flat point list,
 * rounded to whole rows), interleaved rows dealt round-robin, and small tiles pulled one by
 * one. Chunks are small plain objects so they can be posted to threads or queues as is.
 */
import { DEFAULT_SCHEDULE } from './defaults.js';
import { InvalidOptionError } from './errors.js';
import type { Workload } from './workload.js';

export interface Chunk {
  /** Position in the plan; results are assembled by it, never by arrival order. */
  readonly id: number;
  readonly row0: number;
  /** 1 for a band or tile; N for every N-th row. */
  readonly rowStep: number;
  readonly rowCount: number;
  readonly col0: number;
  readonly colCount: number;
}

export const SCHEDULES = ['contiguous', 'interleaved', 'tiles'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export { DEFAULT_SCHEDULE } from './defaults.js';

export interface PlanOptions {
  /** Default: DEFAULT_SCHEDULE (interleaved). */
  readonly schedule?: Schedule;
  /** How many chunks; for tiles, roughly how many (tiles are square-ish). */
  readonly chunks?: number;
}

export function chunkElements(chunk: Chunk): number {
  return chunk.rowCount * chunk.colCount;
}

export function planChunks(workload: Workload, options: PlanOptions = {}): Chunk[] {
  const rows = workload.im.count;
  const cols = workload.re.count;
  const schedule = options.schedule ?? DEFAULT_SCHEDULE;
  const wanted = options.chunks ?? 1;
  if (!Number.isInteger(wanted) || wanted < 1) throw new InvalidOptionError(`chunks must be a whole number ≥ 1 (got ${wanted})`);
  switch (schedule) {
    case 'contiguous':
      return contiguousBands(rows, cols, Math.min(wanted, rows));
    case 'interleaved':
      return interleavedRows(rows, cols, Math.min(wanted, rows));
    case 'tiles':
      return tiles(rows, cols, wanted);
    default:
      throw new InvalidOptionError(`schedule must be one of ${SCHEDULES.join(', ')} (got ${String(schedule)})`);
  }
}

/** `count` bands of consecutive rows whose sizes differ by at most one row. */
function contiguousBands(rows: number, cols: number, count: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let id = 0; id < count; id++) {
    const row0 = Math.floor((id * rows) / count);
    const rowEnd = Math.floor(((id + 1) * rows) / count);
    chunks.push({ id, row0, rowStep: 1, rowCount: rowEnd - row0, col0: 0, colCount: cols });
  }
  return chunks;
}

/** Chunk k takes rows k, k + count, k + 2·count, …: every chunk samples the whole image. */
function interleavedRows(rows: number, cols: number, count: number): Chunk[] {
  const chunks: Chunk[] = [];
  for (let id = 0; id < count; id++) {
    chunks.push({ id, row0: id, rowStep: count, rowCount: Math.ceil((rows - id) / count), col0: 0, colCount: cols });
  }
  return chunks;
}

/** About `count` square-ish tiles in row-major order, edges trimmed to the grid. */
export function tiles(rows: number, cols: number, count: number): Chunk[] {
  const side = Math.max(1, Math.round(Math.sqrt((rows * cols) / count)));
  const chunks: Chunk[] = [];
  for (let row0 = 0; row0 < rows; row0 += side) {
    for (let col0 = 0; col0 < cols; col0 += side) {
      chunks.push({
        id: chunks.length,
        row0,
        rowStep: 1,
        rowCount: Math.min(side, rows - row0),
        col0,
        colCount: Math.min(side, cols - col0),
      });
    }
  }
  return chunks;
}
