import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planChunks, SCHEDULES, type Chunk } from '../src/plan.js';
import { gridWorkload } from '../src/workload.js';

function coverage(chunks: Chunk[], rows: number, cols: number): Int32Array {
  const seen = new Int32Array(rows * cols);
  for (const chunk of chunks) {
    for (let r = 0; r < chunk.rowCount; r++) {
      for (let c = 0; c < chunk.colCount; c++) seen[(chunk.row0 + r * chunk.rowStep) * cols + chunk.col0 + c]! += 1;
    }
  }
  return seen;
}

describe('planning chunks', () => {
  for (const schedule of SCHEDULES) {
    for (const [width, height, chunks] of [
      [7, 5, 1],
      [50, 37, 4],
      [13, 100, 9],
      [100, 3, 8],
      [1, 1, 16],
    ] as const) {
      it(`${schedule}: ${chunks} chunks of a ${width} × ${height} grid cover every point exactly once`, () => {
        const plan = planChunks(gridWorkload({ width, height }), { schedule, chunks });
        assert.ok(coverage(plan, height, width).every((n) => n === 1));
        assert.deepEqual(
          plan.map((c) => c.id),
          plan.map((_, i) => i),
        );
        assert.ok(plan.every((c) => c.rowCount > 0 && c.colCount > 0));
      });
    }
  }

  it('makes contiguous bands whose heights differ by at most one row', () => {
    const heights = planChunks(gridWorkload({ width: 10, height: 103 }), { schedule: 'contiguous', chunks: 10 }).map((c) => c.rowCount);
    assert.ok(Math.max(...heights) - Math.min(...heights) <= 1);
  });

  it('never makes more bands than rows', () => {
    assert.equal(planChunks(gridWorkload({ width: 10, height: 3 }), { chunks: 8 }).length, 3);
  });

  it('rejects a chunk count that is not a whole number ≥ 1', () => {
    assert.throws(() => planChunks(gridWorkload({ width: 4, height: 4 }), { chunks: 0 }), { code: 'ERR_INVALID_OPTION' });
  });
});
