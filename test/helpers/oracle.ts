/** The tutorial's own Python program, run as the oracle: counts point for point. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../fixtures/serial_python.py', import.meta.url));

export interface OracleCounts {
  rows: number;
  cols: number;
  counts: Int32Array;
}

export async function pythonCounts(size: number, maxiter: number, region?: [number, number, number, number]): Promise<OracleCounts> {
  const args = [script, String(size), String(maxiter), ...(region ?? []).map((v) => v.toPrecision(17))];
  const { stdout } = await run('python3', args, { encoding: 'buffer', maxBuffer: 1 << 30 });
  const newline = stdout.indexOf(10);
  const [rows, cols] = stdout.subarray(0, newline).toString().split(' ').map(Number) as [number, number];
  const data = new Uint8Array(rows * cols * 4);
  data.set(stdout.subarray(newline + 1));
  return { rows, cols, counts: new Int32Array(data.buffer) };
}

/** The index of the first point where two count arrays differ, or -1. */
export function firstDifference(a: Int32Array, b: Int32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
