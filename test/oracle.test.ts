/**
 * The ground truth: mandel's serial reference reproduces the tutorial's Python program
 * point for point, for the default workload, --size 100, odd sizes, other maxiters and
 * other regions, including a deep zoom where rounding decides counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelNames } from '../src/kernels/registry.js';
import { render } from '../src/render.js';
import { tutorialWorkload } from '../src/workload.js';
import { firstDifference, pythonCounts } from './helpers/oracle.js';

type Case = { size: number; maxiter: number; region?: [number, number, number, number] };

const cases: Case[] = [
  { size: 100, maxiter: 1000 },
  { size: 37, maxiter: 50 },
  { size: 101, maxiter: 300 },
  { size: 333, maxiter: 1 },
  { size: 160, maxiter: 2000, region: [-0.7454, -0.7452, 0.113, 0.1132] },
  { size: 120, maxiter: 5000, region: [-1.7864402, -1.7864398, -2e-7, 2e-7] },
  { size: 1000, maxiter: 1000 },
];

describe("counts equal the tutorial's Python program, point for point", () => {
  for (const { size, maxiter, region } of cases) {
    const label = `size ${size}, maxiter ${maxiter}${region ? `, region ${region.join(',')}` : ''}`;
    it(label, async () => {
      const oracle = await pythonCounts(size, maxiter, region);
      const workload = tutorialWorkload({
        size,
        maxiter,
        ...(region ? { region: { x1: region[0], x2: region[1], y1: region[2], y2: region[3] } } : {}),
      });
      // The js reference by brute force, and every compiled kernel, pruned and not.
      for (const kernel of ['js', ...kernelNames().filter((name) => name === 'wasm' || name === 'native')]) {
        for (const prune of [false, true]) {
          const result = await render(workload, { backend: 'serial', kernel, prune });
          assert.deepEqual([result.rows, result.cols], [oracle.rows, oracle.cols]);
          const at = firstDifference(result.counts, oracle.counts);
          assert.equal(
            at,
            -1,
            `${kernel}, prune ${prune}: first difference at ${at}: mandel ${result.counts[at]}, python ${oracle.counts[at]}`,
          );
        }
      }
    });
  }

  it("gives the tutorial's validation sum 51,214,485 and 51,414,419 brute-force updates for the defaults", async () => {
    const result = await render(tutorialWorkload(), { backend: 'serial', kernel: 'js', prune: false });
    assert.equal(result.sum, 51_214_485);
    assert.equal(result.iterations, 51_414_419);
    assert.equal(result.bruteForceIterations, 51_414_419);
  });
});
