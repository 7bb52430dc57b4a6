import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMandelError } from '../src/errors.js';
import { axisCoordinates, gridWorkload, tutorialWorkload } from '../src/workload.js';
import { pythonCounts } from './helpers/oracle.js';

describe('the tutorial grid', () => {
  it('gives 50 × 50 points for --size 100 and 500 × 500 for the default size 1000', () => {
    const small = tutorialWorkload({ size: 100 });
    assert.deepEqual([small.im.count, small.re.count], [50, 50]);
    const full = tutorialWorkload();
    assert.deepEqual([full.im.count, full.re.count, full.maxiter], [500, 500, 1000]);
  });

  it('starts at the top-left corner -2.13 + 1.3i and steps by ((x2 - x1) / size) · 2', () => {
    const workload = tutorialWorkload({ size: 100 });
    const re = axisCoordinates(workload.re);
    const im = axisCoordinates(workload.im);
    assert.equal(re[0], -2.13);
    assert.equal(im[0], 1.3);
    assert.equal(re[1], -2.13 + ((0.77 - -2.13) / 100) * 2);
    assert.equal(im[1], 1.3 + ((-1.3 - 1.3) / 100) * 2);
  });

  it('accumulates rounding like Python: coordinate i is i rounded additions, not start + i · step', () => {
    const re = axisCoordinates(tutorialWorkload().re);
    let x = -2.13;
    for (let i = 0; i < 499; i++) x += ((0.77 - -2.13) / 1000) * 2;
    assert.equal(re[499], x);
    assert.notEqual(re[499], -2.13 + 499 * (((0.77 - -2.13) / 1000) * 2), 'the two spacings differ at the last column');
  });

  for (const size of [1, 2, 3, 7, 33, 99, 101, 257, 999, 1001]) {
    it(`counts the same rows and columns as Python's while-loops for odd and small size ${size}`, async () => {
      const oracle = await pythonCounts(size, 1);
      const workload = tutorialWorkload({ size, maxiter: 1 });
      assert.deepEqual([workload.im.count, workload.re.count], [oracle.rows, oracle.cols]);
    });
  }
});

describe('workload validation', () => {
  const rejects = (what: string, build: () => unknown, code: string) =>
    it(`rejects ${what} with ${code}`, () => {
      assert.throws(build, (error: unknown) => isMandelError(error) && error.code === code && !error.message.includes('\n'));
    });

  rejects('a size of 0', () => tutorialWorkload({ size: 0 }), 'ERR_INVALID_OPTION');
  rejects('a fractional size', () => tutorialWorkload({ size: 2.5 }), 'ERR_INVALID_OPTION');
  rejects('a negative maxiter', () => tutorialWorkload({ maxiter: -1 }), 'ERR_INVALID_OPTION');
  rejects('a NaN in the region', () => tutorialWorkload({ region: { x1: NaN, x2: 1, y1: -1, y2: 1 } }), 'ERR_INVALID_OPTION');
  rejects('an empty region', () => gridWorkload({ width: 10, height: 10, region: { x1: 1, x2: 1, y1: -1, y2: 1 } }), 'ERR_INVALID_OPTION');
  rejects('a render beyond the memory limit', () => tutorialWorkload({ size: 60_000 }), 'ERR_TOO_LARGE');
  rejects(
    'a render over 2^31 − 1 points, whatever the memory',
    () => tutorialWorkload({ size: 200_000, maxMemoryBytes: 2 ** 50 }),
    'ERR_TOO_LARGE',
  );
  rejects(
    'a region whose step overflows',
    () => gridWorkload({ width: 10, height: 10, region: { x1: -1.7e308, x2: 1.7e308, y1: -1, y2: 1 } }),
    'ERR_INVALID_OPTION',
  );
  rejects('a render beyond a lowered limit', () => gridWorkload({ width: 1000, height: 1000, maxMemoryBytes: 2 ** 20 }), 'ERR_TOO_LARGE');
  rejects('unknown fields', () => tutorialWorkload({ size: 10, colour: 'red' } as never), 'ERR_INVALID_OPTION');

  it('says which limit was passed and what would work', () => {
    assert.throws(() => tutorialWorkload({ size: 60_000 }), /--size 60000 means 30001 × 30001 points and about 6\.7 GiB .* --max-memory/);
    assert.throws(
      () => tutorialWorkload({ size: 200_000, maxMemoryBytes: 2 ** 50 }),
      /10,000,200,001 points, over the cap of 2,147,483,647/,
    );
  });
});

describe('the general grid', () => {
  it('spans the region from its top-left corner, start + i · step', () => {
    const workload = gridWorkload({ width: 4, height: 2, region: { x1: -2, x2: 2, y1: -1, y2: 1 } });
    assert.deepEqual([...axisCoordinates(workload.re)], [-2, -1, 0, 1]);
    assert.deepEqual([...axisCoordinates(workload.im)], [1, 0]);
  });
});
