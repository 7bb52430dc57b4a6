import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { axisCoordinates } from '../src/axis.js';
import { escapes } from '../src/kernels/escape.js';
import { jsKernel } from '../src/kernels/js.js';
import { loadNativeKernel, NATIVE_FILE, nativeIsas } from '../src/kernels/native.js';
import { getKernel, kernelNames, resolveAuto } from '../src/kernels/registry.js';
import type { Kernel } from '../src/kernels/types.js';
import { instantiateWasm, loadWasmKernel } from '../src/kernels/wasm.js';
import { gridWorkload, tutorialWorkload, type Workload } from '../src/workload.js';
import { randomWorkloads } from './helpers/kernels.js';

const wasm = loadWasmKernel();
const native = loadNativeKernel();
if (process.env.CI) {
  // CI builds both at install; a missing one is a failure there, not a skip.
  assert.ok('kernel' in wasm, `wasm kernel missing in CI: ${'reason' in wasm ? wasm.reason : ''}`);
  assert.ok('kernel' in native, `native kernel missing in CI: ${'reason' in native ? native.reason : ''}`);
}

/** Every compiled kernel that runs here, the native one once per instruction set. */
const fastKernels: Kernel[] = [
  ...('kernel' in wasm ? [wasm.kernel] : []),
  ...nativeIsas()
    .filter((isa) => isa.supported)
    .map((isa) => loadNativeKernel(isa.name))
    .flatMap((loaded) => ('kernel' in loaded ? [loaded.kernel] : [])),
];

function counts(kernel: Kernel, workload: Workload, prune: boolean): { counts: Int32Array; iterations: number } {
  const re = axisCoordinates(workload.re);
  const im = axisCoordinates(workload.im);
  const out = new Int32Array(re.length * im.length);
  const iterations = kernel.compute({ re, im, maxiter: workload.maxiter, out, offset: 0, rowStride: re.length, prune });
  return { counts: out, iterations };
}

describe('every kernel equals the js reference, point for point', () => {
  it(`runs here: ${['js', ...fastKernels.map((k) => k.name)].join(', ')}`, () => {
    // The registry lists exactly the built-in kernels that load here, js first.
    const expected = ['js', ...(['native', 'wasm'] as const).filter((name) => 'kernel' in (name === 'native' ? native : wasm))];
    assert.deepEqual(kernelNames().slice(0, expected.length).sort(), expected.sort());
  });

  const workloads = randomWorkloads(150, 1234);
  const reference = workloads.map((workload) => counts(jsKernel, workload, false));

  for (const kernel of [jsKernel, ...fastKernels]) {
    for (const prune of [false, true]) {
      if (kernel === jsKernel && !prune) continue;
      it(`${kernel.name}, ${prune ? 'pruned' : 'brute force'}: 150 random regions, deep zooms included`, () => {
        workloads.forEach((workload, i) => {
          const mine = counts(kernel, workload, prune);
          assert.deepEqual(mine.counts, reference[i]!.counts, `workload ${i}: ${JSON.stringify(workload)}`);
          if (!prune) assert.equal(mine.iterations, reference[i]!.iterations, `iterations, workload ${i}`);
          else assert.ok(mine.iterations <= reference[i]!.iterations, `pruning never adds work, workload ${i}`);
        });
      });
    }
  }

  it('the tutorial default: same sum, and pruning does at least 10× fewer iterations', () => {
    const workload = tutorialWorkload();
    const brute = counts(jsKernel, workload, false);
    assert.equal(brute.iterations, 51_414_419);
    for (const kernel of [jsKernel, ...fastKernels]) {
      const pruned = counts(kernel, workload, true);
      assert.deepEqual(pruned.counts, brute.counts, kernel.name);
      assert.ok(pruned.iterations * 10 <= brute.iterations, `${kernel.name}: ${pruned.iterations} iterations`);
    }
  });

  it('decides escapes within a few ulps of |z| = 2 exactly as Python does (the hypot band)', () => {
    // At iteration 0, z = c: points on |c| = 2 nudged by ulps test the escape decision itself.
    const view = new DataView(new ArrayBuffer(8));
    const nudge = (x: number, k: number) => {
      view.setFloat64(0, x);
      view.setBigInt64(0, view.getBigInt64(0) + BigInt(k));
      return view.getFloat64(0);
    };
    let squaredTestWrong = 0;
    for (let row = 0; row < 60; row++) {
      const y = nudge(1.9 * Math.sin(row * 0.37), row % 5);
      const x0 = Math.sqrt(4 - y * y);
      const re = Float64Array.from({ length: 64 }, (_, i) => nudge(i % 2 ? x0 : -x0, (i >> 1) - 16));
      const im = Float64Array.of(y);
      const expected = Int32Array.from(re, (x) => (escapes(x, y) ? 0 : 1));
      squaredTestWrong += re.filter((x) => x * x + y * y > 4 !== escapes(x, y)).length;
      for (const kernel of [jsKernel, ...fastKernels]) {
        for (const prune of [false, true]) {
          const out = new Int32Array(re.length);
          kernel.compute({ re, im, maxiter: 1, out, offset: 0, rowStride: re.length, prune });
          assert.deepEqual(out, expected, `${kernel.name}, row ${row}`);
        }
      }
    }
    assert.ok(squaredTestWrong > 0, 'the sample must hold points where x² + y² > 4 alone would be wrong');
  });

  it('writes a chunk at its offset and row stride, and nothing else', () => {
    const workload = gridWorkload({ width: 13, height: 5, maxiter: 300 });
    const re = axisCoordinates(workload.re);
    const im = axisCoordinates(workload.im);
    for (const kernel of [jsKernel, ...fastKernels]) {
      // Rows 1 and 3 of a 20-wide buffer, starting at column 4.
      const out = new Int32Array(20 * 6).fill(-7);
      kernel.compute({
        re,
        im: im.subarray(1, 4).filter((_, i) => i !== 1),
        maxiter: 300,
        out,
        offset: 20 + 4,
        rowStride: 40,
        prune: true,
      });
      const expected = counts(jsKernel, workload, false).counts;
      for (let i = 0; i < out.length; i++) {
        const row = Math.floor(i / 20);
        const col = (i % 20) - 4;
        const inside = (row === 1 || row === 3) && col >= 0 && col < 13;
        const sourceRow = row === 1 ? 1 : 3;
        assert.equal(out[i], inside ? expected[sourceRow * 13 + col] : -7, `${kernel.name} at ${i}`);
      }
    }
  });
});

describe('the wasm kernel at the end of its memory', { skip: 'kernel' in wasm ? undefined : 'wasm kernel not built' }, () => {
  it('counts a row that ends on one point whose counts end exactly where the memory ends', () => {
    // Brute force writes a vector's 2 counts as one 8-byte word; on a row's last, lone point
    // that word runs 4 bytes past the last count, which reserve() keeps room for. Find a chunk
    // whose scratch (coordinates, then counts) ends exactly on a 64 KiB page boundary.
    // Where the scratch starts: ask a second instance of the same module.
    const base = instantiateWasm().reserve(0);
    let shape: [number, number] | undefined;
    for (let cols = 3; cols < 4000 && !shape; cols += 2) {
      for (let rows = 1; rows <= 600 && !shape; rows++) {
        const end = base + (cols + rows) * 8 + rows * cols * 4;
        if (end % 65536 === 0 && end > 4 * 65536) shape = [cols, rows];
      }
    }
    assert.ok(shape, 'some odd width and height end the scratch on a page boundary');
    const [cols, rows] = shape;
    const workload = gridWorkload({ width: cols, height: rows, maxiter: 20, region: { x1: -2.2, x2: 0.8, y1: -1.2, y2: 1.2 } });
    const fresh = loadWasmKernel();
    assert.ok('kernel' in fresh);
    const reference = counts(jsKernel, workload, false);
    const mine = counts(fresh.kernel, workload, false);
    assert.deepEqual(mine.counts, reference.counts);
  });
});

describe('kernel selection', () => {
  it('auto picks the fastest available: native, then wasm, then js', () => {
    const auto = resolveAuto();
    const expected = 'kernel' in native ? 'native' : 'kernel' in wasm ? 'wasm' : 'js';
    assert.equal(auto.kernel.name, expected);
    assert.equal(getKernel('auto').name, expected);
    assert.deepEqual(
      auto.skipped.map((s) => s.name),
      ['native', 'wasm'].slice(0, ['native', 'wasm', 'js'].indexOf(expected)),
    );
  });

  it('loads no compiled kernel when mandel is imported, only when one is first asked for', () => {
    const script = `
      const mandel = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
      const registry = globalThis[Symbol.for('mandel.kernels.v1')];
      const atImport = [...registry.kernels.keys(), ...registry.unavailable.keys()];
      mandel.getKernel('wasm');
      const afterWasm = [...registry.kernels.keys(), ...registry.unavailable.keys()];
      console.log(JSON.stringify({ atImport, afterWasm }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { atImport: ['js'], afterWasm: ['js', 'wasm'] });
  });

  it('names the reason when a kernel is unknown', () => {
    assert.throws(() => getKernel('cuda'), { code: 'ERR_UNKNOWN_KERNEL', message: /unknown kernel "cuda"; available: auto, js/ });
  });
});

describe('the native addon checks its arguments', { skip: 'kernel' in native ? undefined : 'native kernel not built' }, () => {
  const addon = createRequire(import.meta.url)(NATIVE_FILE.pathname) as {
    compute: (...args: unknown[]) => number;
  };
  const re = new Float64Array(4);
  const im = new Float64Array(3);

  it('refuses wrong array types, non-integers and chunks that do not fit', () => {
    assert.throws(() => addon.compute([0, 1], im, 10, new Int32Array(12), 0, 4, false), TypeError);
    assert.throws(() => addon.compute(re, im, 10, new Float64Array(12), 0, 4, false), TypeError);
    assert.throws(() => addon.compute(re, im, 1.5, new Int32Array(12), 0, 4, false), TypeError);
    assert.throws(() => addon.compute(re, im, 10, new Int32Array(11), 0, 4, false), RangeError);
    assert.throws(() => addon.compute(re, im, 10, new Int32Array(12), -1, 4, false), RangeError);
    assert.throws(() => addon.compute(re, im, 10, new Int32Array(12), 0, 3, false), RangeError);
    assert.throws(() => addon.compute(re, im, 10, new Int32Array(12), 0, 4, false, 'avx9000'), /no such instruction set/);
    assert.equal(addon.compute(re, im, 10, new Int32Array(12), 0, 4, false), 12 * 10);
  });
});
