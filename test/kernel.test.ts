import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeCount } from '../src/kernels/js.js';
import { jsKernel } from '../src/kernels/js.js';

describe('the reference kernel, point by point', () => {
  it('never lets c = 0 escape: z stays 0', () => {
    assert.equal(escapeCount(0, 0, 1000), 1000);
  });

  it('lets c = 1 escape at iteration index 2: z = 1, 2, 5 and |2| is not > 2', () => {
    assert.equal(escapeCount(1, 0, 1000), 2);
  });

  it('never lets c = -2 escape: z = -2, 2, 2, … sits exactly on |z| = 2', () => {
    assert.equal(escapeCount(-2, 0, 1000), 1000);
  });

  it('never lets c = 0.25 escape: the cusp of the cardioid, z creeps towards 0.5', () => {
    assert.equal(escapeCount(0.25, 0, 1000), 1000);
  });

  it('lets c = 2i escape at index 1: z = 2i (|z| = 2 exactly), then -4 + 2i', () => {
    assert.equal(escapeCount(0, 2, 1000), 1);
  });

  it('lets c = -2.1 escape at once, index 0', () => {
    assert.equal(escapeCount(-2.1, 0, 1000), 0);
  });

  it('gives a just-outside point its count: c = 0.26 escapes after the slow passage past 0.25', () => {
    // Straight from the definition, with Python's arithmetic: iterate and count by hand.
    let zr = 0;
    let zi = 0;
    let expected = 1000;
    for (let i = 0; i < 1000; i++) {
      const nr = zr * zr - zi * zi + 0.26;
      zi = zr * zi + zi * zr + 0;
      zr = nr;
      if (Math.hypot(zr, zi) > 2) {
        expected = i;
        break;
      }
    }
    assert.ok(expected > 20 && expected < 1000, `c = 0.26 escapes late but does escape (at ${expected})`);
    assert.equal(escapeCount(0.26, 0, 1000), expected);
  });

  it('caps every count at maxiter and returns maxiter itself for points that never escape', () => {
    for (const maxiter of [1, 2, 7, 50]) assert.equal(escapeCount(-0.5, 0.1, maxiter), maxiter);
  });

  it('gives conjugate points equal counts: the update is exactly symmetric in the sign of Im', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      const cr = -2.2 + random() * 3;
      const ci = random() * 1.5;
      assert.equal(escapeCount(cr, -ci, 500), escapeCount(cr, ci, 500), `c = ${cr} ± ${ci}i`);
    }
  });

  it('writes a chunk at offset + row · rowStride + col and counts the updates it performed', () => {
    const out = new Int32Array(20).fill(-1);
    const re = new Float64Array([0, 1]);
    const im = new Float64Array([0, 2]);
    const iterations = jsKernel.compute({ re, im, maxiter: 10, out, offset: 3, rowStride: 5, prune: false });
    assert.deepEqual([...out.subarray(3, 5)], [10, 2]);
    assert.deepEqual([...out.subarray(8, 10)], [1, 0]); // c = 2i escapes at 1; c = 1 + 2i at 0
    assert.equal(out[2], -1);
    assert.equal(out[5], -1);
    assert.equal(iterations, 10 + 3 + 2 + 1);
  });
});
