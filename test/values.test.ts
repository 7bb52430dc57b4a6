/**
 * The values mandel prints, pinned: not the shape of a line but the number on it, checked
 * against the tutorial's own program, against hand-computed orbits, and against the
 * documented definitions (brute force = sum + escaped points; skipped = brute − performed).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { axisCoordinates } from '../src/axis.js';
import { escapeCount, jsKernel, knownInside } from '../src/kernels/js.js';
import type { Kernel } from '../src/kernels/types.js';
import { colormapTable } from '../src/outputs/colormap.js';
import { decodeNpyInt32 } from '../src/outputs/npy.js';
import { render } from '../src/render.js';
import { benchmarksGameWorkload, gridWorkload, tutorialWorkload } from '../src/workload.js';
import { kernelsHere } from './helpers/kernels.js';
import { pythonCounts } from './helpers/oracle.js';

const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mandel-values-'));

function mandel(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** What the tutorial's counts imply: the validation sum, and the updates brute force needs. */
function implied(counts: Int32Array, maxiter: number) {
  let sum = 0;
  let escaped = 0;
  let escapedWork = 0;
  for (const count of counts) {
    sum += count;
    if (count < maxiter) {
      escaped++;
      escapedWork += count + 1;
    }
  }
  // A point escaping after update k+1 reports k; one that never escapes needs maxiter updates.
  return { sum, escaped, bruteForce: sum + escaped, escapedWork };
}

const number = (text: string) => Number(text.replace(/,/g, ''));

function onePoint(kernel: Kernel, re: number, im: number, maxiter: number): { count: number; performed: number } {
  const out = new Int32Array(1);
  const performed = kernel.compute({
    re: Float64Array.of(re),
    im: Float64Array.of(im),
    maxiter,
    out,
    offset: 0,
    rowStride: 1,
    prune: true,
  });
  return { count: out[0]!, performed };
}

describe("the figures mandel run prints equal the tutorial program's", () => {
  const size = 100;
  const maxiter = 300;

  it('brute force: the validation sum, and iterations = brute-force iterations = sum + escaped points', async () => {
    const python = await pythonCounts(size, maxiter);
    const expected = implied(python.counts, maxiter);
    const text = mandel(['run', '-s', String(size), '-m', String(maxiter), '--kernel', 'js', '--no-prune']);
    assert.equal(number(/^Total sum of elements \(for validation\): (\d+)$/m.exec(text)![1]!), expected.sum);
    assert.equal(number(/^Total iterations: ([\d,]+) /m.exec(text)![1]!), expected.bruteForce);
    assert.doesNotMatch(text, /pruning skipped/);
    const json = JSON.parse(mandel(['run', '-s', String(size), '-m', String(maxiter), '--kernel', 'native', '--no-prune', '--json']));
    assert.equal(json.sum, expected.sum);
    assert.equal(json.iterations, expected.bruteForce);
    assert.equal(json.bruteForceIterations, expected.bruteForce);
    assert.equal(json.skippedIterations, 0);
    assert.equal(json.iterationsPerSecond, expected.bruteForce / json.seconds);
  });

  it('pruned: the same sum and brute-force figure; performed iterations exact for js, bounded for every kernel', async () => {
    const python = await pythonCounts(size, maxiter);
    const expected = implied(python.counts, maxiter);
    // What the js kernel performs on this grid, computed here point by point.
    const workload = tutorialWorkload({ size, maxiter });
    const re = axisCoordinates(workload.re);
    const im = axisCoordinates(workload.im);
    const out = new Int32Array(re.length * im.length);
    const jsPerformed = jsKernel.compute({ re, im, maxiter, out, offset: 0, rowStride: re.length, prune: true });

    const text = mandel(['run', '-s', String(size), '-m', String(maxiter), '--kernel', 'js']);
    assert.equal(number(/^Total sum of elements \(for validation\): (\d+)$/m.exec(text)![1]!), expected.sum);
    const [, performed, skipped, brute] = /^Total iterations: ([\d,]+) .*; pruning skipped ([\d,]+) of ([\d,]+)$/m.exec(text)!;
    assert.equal(number(performed!), jsPerformed);
    assert.equal(number(brute!), expected.bruteForce);
    assert.equal(number(skipped!), expected.bruteForce - jsPerformed);

    for (const kernel of ['js', 'wasm', 'native']) {
      const json = JSON.parse(mandel(['run', '-s', String(size), '-m', String(maxiter), '--kernel', kernel, '--json']));
      assert.equal(json.sum, expected.sum, kernel);
      assert.equal(json.bruteForceIterations, expected.bruteForce, kernel);
      // Pruning skips only points that never escape: every escaped point costs its k + 1
      // updates, and the interior of the cardioid costs nothing.
      assert.ok(json.iterations >= expected.escapedWork, `${kernel}: ${json.iterations} < ${expected.escapedWork}`);
      assert.ok(json.iterations < expected.bruteForce, `${kernel}: pruning skipped nothing`);
      assert.equal(json.skippedIterations, expected.bruteForce - json.iterations, kernel);
      assert.equal(json.iterationsPerSecond, json.iterations / json.seconds, kernel);
      if (kernel === 'js') assert.equal(json.iterations, jsPerformed);
    }
  });
});

describe('pruned iteration counts on hand-computed points, per kernel', () => {
  const maxiter = 1000;
  for (const kernel of kernelsHere()) {
    it(`${kernel.name}: c = 0 and c = −1 lie inside the cardioid and the bulb, so cost 0 updates`, () => {
      assert.deepEqual(onePoint(kernel, 0, 0, maxiter), { count: maxiter, performed: 0 });
      assert.deepEqual(onePoint(kernel, -1, 0, maxiter), { count: maxiter, performed: 0 });
    });

    it(`${kernel.name}: c = −2 is caught by cycle detection on the fixed point z = 2`, () => {
      // z: 0 → −2 → 2 → 2 → … (|z| = 2 never escapes). js compares after every update, with
      // Brent's saves after updates 1, 3, 7…: it saves 2 after update 3 and meets it at 4.
      // The SIMD kernels compare once per block of 8 updates, saving at block ends: block 1
      // ends on z = 2 (saved), block 2 ends on z = 2 again: 16 updates.
      const expected = kernel.name === 'js' ? 4 : 16;
      assert.deepEqual(onePoint(kernel, -2, 0, maxiter), { count: maxiter, performed: expected });
    });

    it(`${kernel.name}: c = 0.26, just outside the cardioid's cusp, is iterated as brute force: 29, after 30 updates`, () => {
      assert.equal(escapeCount(0.26, 0, maxiter), 29);
      assert.deepEqual(onePoint(kernel, 0.26, 0, maxiter), { count: 29, performed: 30 });
    });
  }
});

describe('the pruning margins', () => {
  // The cardioid test q(q + x − 1/4) < y²/4 − 1e-9 and the bulb test (x+1)² + y² < 1/16 − 1e-9
  // skip a point only when it is inside by more than the margin (far wider than rounding).
  const cardioid = (x: number, y: number) => {
    const xq = x - 0.25;
    const q = xq * xq + y * y;
    return q * (q + xq) - 0.25 * y * y;
  };
  const bulb = (x: number, y: number) => (x + 1) ** 2 + y * y - 0.0625;
  /** A point on the ray from `inside` through angle θ where `f` equals `target` (bisection). */
  function pointWhere(f: (x: number, y: number) => number, target: number, centre: [number, number], theta: number): [number, number] {
    let lo = 0;
    let hi = 1;
    const at = (r: number): [number, number] => [centre[0] + r * Math.cos(theta), centre[1] + r * Math.sin(theta)];
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (f(...at(mid)) < target) lo = mid;
      else hi = mid;
    }
    return at(lo);
  }
  const angles = [0.3, 1.1, 1.9, 2.6];
  const cases = [
    ['cardioid', cardioid, [-0.1, 0] as [number, number]],
    ['bulb', bulb, [-1, 0] as [number, number]],
  ] as const;

  for (const [name, f, centre] of cases) {
    it(`${name}: skipped when inside by 5e-9, iterated when inside by less than the 1e-9 margin or outside`, () => {
      for (const theta of angles) {
        const deep = pointWhere(f, -5e-9, centre, theta);
        const shallow = pointWhere(f, -0.5e-9, centre, theta);
        const outside = pointWhere(f, 1e-12, centre, theta);
        assert.equal(knownInside(...deep), true, `${name} θ=${theta} inside by 5e-9`);
        assert.equal(knownInside(...shallow), false, `${name} θ=${theta} inside by 0.5e-9`);
        assert.equal(knownInside(...outside), false, `${name} θ=${theta} just outside`);
        for (const kernel of kernelsHere()) {
          // With maxiter 64 a boundary point neither escapes nor (mostly) cycles exactly:
          // skipped means 0 updates, iterated means some.
          assert.equal(onePoint(kernel, ...deep, 64).performed, 0, `${kernel.name} ${name} θ=${theta}: deep point not skipped`);
          assert.ok(onePoint(kernel, ...shallow, 64).performed > 0, `${kernel.name} ${name} θ=${theta}: shallow point skipped`);
          assert.ok(onePoint(kernel, ...outside, 64).performed > 0, `${kernel.name} ${name} θ=${theta}: outside point skipped`);
        }
      }
    });
  }
});

describe("the Benchmarks Game's mandelbrot, byte for byte", () => {
  it('--benchmarks-game 200 --pbm writes its output exactly (md5 cc65e64b…), with every kernel', () => {
    for (const kernel of ['js', 'wasm', 'native']) {
      const file = join(dir, `bg-${kernel}.pbm`);
      mandel(['run', '--benchmarks-game', '200', '--pbm', file, '--kernel', kernel]);
      const md5 = createHash('md5').update(readFileSync(file)).digest('hex');
      assert.equal(md5, 'cc65e64bd553ed18896de1dfe7fae3e5', kernel);
    }
  });

  it('--pbm alone renders one bit a point (mode bitmap, the points in the set); with another output, counts, and the same file', () => {
    const alone = join(dir, 'bg-alone.pbm');
    const withPng = join(dir, 'bg-with-png.pbm');
    for (const backend of ['serial', 'threads']) {
      const report = JSON.parse(mandel(['run', '--benchmarks-game', '200', '--pbm', alone, '--backend', backend, '--json']));
      assert.equal(report.mode, 'bitmap', backend);
      assert.equal(report.inSet, 15_899, backend);
      assert.equal(report.sum, undefined, 'a bitmap keeps no counts, so no sum is claimed');
      assert.equal(createHash('md5').update(readFileSync(alone)).digest('hex'), 'cc65e64bd553ed18896de1dfe7fae3e5', backend);
    }
    const report = JSON.parse(mandel(['run', '--benchmarks-game', '200', '--pbm', withPng, '--out', join(dir, 'bg.png'), '--json']));
    assert.equal(report.mode, undefined);
    assert.equal(typeof report.sum, 'number');
    assert.deepEqual(readFileSync(withPng), readFileSync(alone));
    const text = mandel(['run', '--benchmarks-game', '200', '--pbm', alone]);
    assert.match(text, /Points in the set: 15,899 \(a bitmap render/);
    assert.doesNotMatch(text, /Total sum of elements/);
  });

  it("a bitmap render's memory is counted as bits: --max-memory admits it where counts are refused", () => {
    const file = join(dir, 'bg-small-memory.pbm');
    const report = JSON.parse(mandel(['run', '--benchmarks-game', '2000', '--max-memory', '1', '--pbm', file, '--json']));
    assert.equal(report.mode, 'bitmap'); // 4 M points: 0.5 MB of bits
    const refused = spawnSync(
      process.execPath,
      [bin, 'run', '--benchmarks-game', '2000', '--max-memory', '1', '--pbm', file, '--out', join(dir, 'x.png')],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /about 3\d\.\d MiB of memory, over the limit of 1\.0 MiB/);
  });

  it('its grid is 2x/N − 1.5 and 2y/N − 1, row 0 at the bottom edge, maxiter 50', () => {
    const workload = benchmarksGameWorkload({ size: 7 });
    assert.equal(workload.maxiter, 50);
    assert.deepEqual(
      [...axisCoordinates(workload.re)],
      [0, 1, 2, 3, 4, 5, 6].map((x) => (2 * x) / 7 - 1.5),
    );
    assert.deepEqual(
      [...axisCoordinates(workload.im)],
      [0, 1, 2, 3, 4, 5, 6].map((y) => (2 * y) / 7 - 1),
    );
  });
});

describe('non-square outputs', () => {
  it('--width 37 --height 21: counts load in NumPy as (21, 37) and equal the serial reference', async () => {
    const file = join(dir, 'ns.npy');
    const png = join(dir, 'ns.png');
    mandel(['run', '--width', '37', '--height', '21', '-m', '200', '--counts', file, '-o', png, '--scale', 'linear']);
    const reference = await render(gridWorkload({ width: 37, height: 21, maxiter: 200 }), {
      backend: 'serial',
      kernel: 'js',
      prune: false,
    });
    const stored = decodeNpyInt32(readFileSync(file));
    assert.deepEqual([stored.rows, stored.cols], [21, 37]);
    assert.deepEqual(stored.counts, reference.counts);
    const program = 'import sys, numpy; a = numpy.load(sys.argv[1]); print(a.dtype, a.shape, int(a[20, 36]), int(a[0, 1]), int(a.sum()))';
    const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (numpy.status === 0) {
      const seen = execFileSync('python3', ['-c', program, file], { encoding: 'utf8' }).trim();
      const sum = reference.counts.reduce((a, b) => a + b, 0);
      assert.equal(seen, `int32 (21, 37) ${reference.counts[20 * 37 + 36]} ${reference.counts[1]} ${sum}`);
    }
    // Every pixel is the colour map's entry for its count: linear from the view's lowest count
    // to maxiter, round(255 · (count − lowest) / (maxiter − lowest)); black in the set.
    const image = PNG.sync.read(readFileSync(png));
    assert.deepEqual([image.width, image.height], [37, 21]);
    const table = colormapTable('viridis');
    const lowest = Math.min(...reference.counts);
    for (let i = 0; i < reference.counts.length; i++) {
      const index = Math.round((255 * (reference.counts[i]! - lowest)) / (200 - lowest));
      const want = reference.counts[i] === 200 ? [0, 0, 0, 255] : [...table.subarray(index * 3, index * 3 + 3), 255];
      assert.deepEqual([...image.data.subarray(i * 4, i * 4 + 4)], want, `pixel ${i % 37},${Math.floor(i / 37)}`);
    }
  });
});
