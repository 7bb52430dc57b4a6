/**
 * Deep zoom against the truth: escape counts by brute force in arbitrary precision (MPFR
 * through gmpy2, scripts/deep-fixtures.py), 48 × 48 points at widths from 1e-6 to 1e-400
 * around a spiral's centre, a filament's tip and minibrots. At least 99% of the counts must
 * agree on every backend; every differing point is printed with how far it is off.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { decodeNpyInt32 } from '../src/outputs/npy.js';
import { after, before, describe, it } from 'node:test';
import { ThreadsBackend } from '../src/backends/threads.js';
import { viewWorkload } from '../src/deep/view.js';
import { axesOf } from '../src/axis.js';
import { referenceOrbit, referenceOrbitAsync } from '../src/deep/reference.js';
import { parseDecimal } from '../src/deep/decimal.js';
import { loadAddon } from '../src/native-addon.js';
import { linearSeries } from '../src/deep/series.js';
import { deepCentre, referenceBits } from '../src/deep/view.js';
import { jsKernel } from '../src/kernels/js.js';
import { loadNativeKernel, nativeIsas } from '../src/kernels/native.js';
import type { Kernel } from '../src/kernels/types.js';
import { kernelNames } from '../src/kernels/registry.js';
import { render } from '../src/render.js';
import { BLA_EPSILON, BLA_EPSILON_LOOSE, BLA_EPSILON_LOOSEST, blaTable, deepDcBound } from '../src/deep/bla.js';
import { BLA_STEP_COST, blaPilot, deepInputOf, sameCounts } from '../src/kernels/perturbation.js';

interface Fixture {
  place: string;
  center: { re: string; im: string };
  width: string;
  cols: number;
  rows: number;
  maxiter: number;
  counts: number[];
}

const dir = new URL('./fixtures/deep/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({ name: name.replace(/\.json$/, ''), ...(JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Fixture) }));

const view = (f: Fixture, perturbation: 'auto' | 'always' = 'auto') =>
  viewWorkload({ center: f.center, width: f.width, cols: f.cols, rows: f.rows, maxiter: f.maxiter, perturbation });

/** Points that agree with the truth; the others listed with their offsets. */
function agreement(counts: Int32Array, f: Fixture): { same: number; report: string } {
  let same = 0;
  const off: string[] = [];
  counts.forEach((count, i) => {
    if (count === f.counts[i]) same++;
    else
      off.push(
        `(${i % f.cols}, ${Math.floor(i / f.cols)}): ${count} vs ${f.counts[i]} (${count - f.counts[i]! > 0 ? '+' : ''}${count - f.counts[i]!})`,
      );
  });
  return { same, report: off.join('; ') };
}

describe('deep zoom: perturbation against arbitrary-precision brute force', () => {
  let threads: ThreadsBackend;
  before(async () => {
    threads = new ThreadsBackend({ workers: 2 });
    await threads.start();
  });
  after(() => threads.close());

  it('has fixtures from 1e-20 to 1e-400 in three kinds of place, and features away from the centre at three depths', () => {
    const names = fixtures.map((f) => f.name);
    for (const place of ['spiral', 'filament', 'minibrot'])
      for (const depth of ['1e-20', '1e-50', '1e-150', '1e-400']) assert.ok(names.includes(`${place}-${depth}`), `${place}-${depth}`);
    // Where the reference orbit (at the centre) does not pass through the feature, only rebasing
    // gets the points near it right: a loop without it failed these and passed all the others.
    for (const place of ['spiral-off', 'minibrot-off'])
      for (const depth of ['1e-20', '1e-50', '1e-150']) assert.ok(names.includes(`${place}-${depth}`), `${place}-${depth}`);
  });

  for (const f of fixtures.filter((fixture) => fixture.name !== 'spiral-1e-6')) {
    it(`${f.name}: ≥ 99% of counts equal to the truth, on the threads and serial backends alike`, async () => {
      const workload = view(f);
      assert.ok(workload.deep, 'past double precision: a deep workload');
      const onThreads = await render(workload, { backend: threads, kernel: 'js' });
      const { same, report } = agreement(onThreads.counts, f);
      assert.ok(same >= 0.99 * f.counts.length, `${same} of ${f.counts.length} agree; off: ${report}`);
      if (report) console.log(`${f.name}: ${same}/${f.counts.length}; off: ${report}`);
      assert.equal(onThreads.kernel, 'js');
      // The orbits' common start is skipped (a linear series): fewer updates than brute force.
      assert.ok(
        onThreads.iterations < onThreads.bruteForceIterations,
        `${onThreads.iterations} updates, brute force ${onThreads.bruteForceIterations}`,
      );
      assert.ok(onThreads.trace.phases.some((phase) => phase.name === 'reference orbit'));
      // The serial backend on a part of the view (the 1e-400 views take seconds in one thread).
      const rows = f.name.endsWith('1e-400') ? 8 : f.rows;
      const onSerial = await render({ ...workload, im: { ...workload.im, count: rows } }, { backend: 'serial', kernel: 'js' });
      assert.deepEqual(onSerial.counts, onThreads.counts.subarray(0, rows * f.cols), 'serial = threads');
      // The native kernel's perturbation (C, the same operations in the same order): the same counts.
      if (kernelNames().includes('native')) {
        const native = await render(workload, { backend: threads, kernel: 'native' });
        assert.deepEqual(native.counts, onThreads.counts, 'native = js');
        assert.equal(native.iterations, onThreads.iterations, 'the same updates performed');
      }
    });
  }

  it('the native kernel on every instruction set the CPU has gives the js kernel’s counts and updates, lanes refilled or not', () => {
    // Without the BLA table, so the SIMD lanes run (with it, native goes point by point; the
    // fixture tests above compare that with js).
    const isas = nativeIsas().filter((isa) => isa.supported);
    for (const name of [
      'minibrot-1e-150',
      'minibrot-1e-400',
      'spiral-1e-50',
      'filament-1e-400',
      'minibrot-off-1e-20',
      'spiral-off-1e-50',
    ]) {
      const f = fixtures.find((fixture) => fixture.name === name)!;
      // A part of the view: the 1e-400 ones take seconds on one thread.
      const full = view(f);
      const workload = { ...full, im: { ...full.im, count: 12 } };
      const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), f.maxiter);
      const deep = { reference, exponent: workload.deep!.exponent, series: linearSeries(reference) };
      const run = (kernel: Kernel) => {
        const out = new Int32Array(12 * f.cols);
        const { re, im } = axesOf(workload);
        const updates = kernel.computeDeep!({ re, im, maxiter: f.maxiter, out, offset: 0, rowStride: f.cols, prune: false }, deep);
        return { out, updates };
      };
      const js = run(jsKernel);
      for (const isa of isas) {
        const loaded = loadNativeKernel(isa.name);
        assert.ok('kernel' in loaded, isa.name);
        const native = run(loaded.kernel);
        assert.deepEqual(native.out, js.out, `${name} on ${isa.name}`);
        assert.equal(native.updates, js.updates, `${name} on ${isa.name}: updates`);
      }
    }
  });

  it('BLA skips most updates where δ stays small, and keeps every fixture exact', async () => {
    const f = fixtures.find((fixture) => fixture.name === 'minibrot-1e-150')!;
    const workload = view(f);
    const withBla = await render(workload, { backend: 'serial', kernel: 'js' });
    const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), f.maxiter);
    const out = new Int32Array(f.counts.length);
    const { re, im } = axesOf(workload);
    const seriesOnly = jsKernel.computeDeep!(
      { re, im, maxiter: f.maxiter, out, offset: 0, rowStride: f.cols, prune: false },
      { reference, exponent: workload.deep!.exponent, series: linearSeries(reference) },
    );
    assert.deepEqual(withBla.counts, out, 'the same counts with and without BLA here');
    assert.ok(withBla.iterations * 5 < seriesOnly, `${withBla.iterations} updates with BLA, ${seriesOnly} with the series alone`);
  });

  it('keeps BLA where its steps cost less than the updates they save, at BLA_STEP_COST updates a step', () => {
    // Seahorse Valley: at 1e-26 the table skips more than half the updates, yet its point-by-point
    // steps cost more than the SIMD updates they replace (11.9 s with it, 4.5 s without, 1024 × 768);
    // at 1e-30 it skips 97% and is kept.
    const seahorse = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };
    const decide = (width: string) => {
      const workload = viewWorkload({ center: seahorse, width, cols: 64, rows: 48, maxiter: 20_000, perturbation: 'always' });
      const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), workload.maxiter);
      const { re, im } = axesOf(workload);
      const exponent = workload.deep!.exponent;
      const bla = blaTable(reference, deepDcBound(workload));
      const pilot = blaPilot(re, im, workload.maxiter, { reference, exponent, series: linearSeries(reference), bla });
      const kept = deepInputOf(workload, reference, true, (bytes) => new ArrayBuffer(bytes)).bla !== undefined;
      return { ratio: pilot.without / pilot.withBla, kept };
    };
    const shallow = decide('1e-26');
    assert.ok(shallow.ratio > 2 && shallow.ratio < BLA_STEP_COST, `1e-26: the table saves ${shallow.ratio.toFixed(2)}× the steps`);
    assert.equal(shallow.kept, false, '1e-26: skipping more than half is not enough');
    const deep = decide('1e-30');
    assert.ok(deep.ratio > BLA_STEP_COST, `1e-30: ${deep.ratio.toFixed(2)}×`);
    assert.equal(deep.kept, true);
  });

  it('takes the loosest BLA radius that a 32 × 32 check finds moves no count, the strict one where none passes', () => {
    const seahorse = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };
    const setUp = (maxiter: number) => {
      const workload = viewWorkload({ center: seahorse, width: '1e-30', cols: 64, rows: 48, maxiter, perturbation: 'always' });
      const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), maxiter);
      const base = { reference, exponent: workload.deep!.exponent, series: linearSeries(reference) };
      const table = (epsilon: number) => blaTable(reference, deepDcBound(workload), undefined, epsilon);
      return {
        workload,
        reference,
        strict: { ...base, bla: table(BLA_EPSILON) },
        loose: { ...base, bla: table(BLA_EPSILON_LOOSE) },
        loosest: { ...base, bla: table(BLA_EPSILON_LOOSEST) },
      };
    };
    // Every point inside at maxiter 20,000: the looser tables skip far more and move nothing.
    const inside = setUp(20_000);
    const chosen = deepInputOf(inside.workload, inside.reference, true, (bytes) => new ArrayBuffer(bytes));
    assert.deepEqual(chosen.bla?.r2, inside.loosest.bla.r2, 'the loosest table');
    const { re, im } = axesOf(inside.workload);
    const counts = (deep: typeof inside.strict) => {
      const out = new Int32Array(64 * 48);
      const updates = jsKernel.computeDeep!({ re, im, maxiter: 20_000, out, offset: 0, rowStride: 64, prune: false }, deep);
      return { out, updates };
    };
    const strictRun = counts(inside.strict);
    const looseRun = counts(inside.loose);
    const loosestRun = counts(inside.loosest);
    assert.deepEqual(looseRun.out, strictRun.out, 'the same counts on the whole view');
    assert.deepEqual(loosestRun.out, strictRun.out, 'the same counts on the whole view');
    assert.ok(looseRun.updates * 4 < strictRun.updates, `${looseRun.updates} updates against ${strictRun.updates}`);
    assert.ok(loosestRun.updates < looseRun.updates, `${loosestRun.updates} updates against ${looseRun.updates}`);
    // At maxiter 100,000 points escape after ~33,000 updates, and the looser radii move 1.3% and
    // more of the counts (wrong where MPFR checked): the check sees both, and the strict one is kept.
    const escaping = setUp(100_000);
    const axes = axesOf(escaping.workload);
    assert.equal(sameCounts(axes.re, axes.im, 100_000, escaping.strict, escaping.loose), false);
    assert.equal(sameCounts(axes.re, axes.im, 100_000, escaping.strict, escaping.loosest), false);
    // (Here BLA does not pay at all: its pilot declines, and no table is taken.)
    const kept = deepInputOf(escaping.workload, escaping.reference, true, (bytes) => new ArrayBuffer(bytes));
    assert.ok(kept.bla === undefined || kept.bla.r2.every((r2, i) => r2 === escaping.strict.bla.r2[i]), 'no looser table');
  });

  it('at 1e-6, where doubles still serve, perturbation agrees with the truth at least as often as brute force', async () => {
    const f = fixtures.find((fixture) => fixture.name === 'spiral-1e-6')!;
    const grid = view(f, 'auto');
    const deep = view(f, 'always');
    assert.equal(grid.deep, undefined, 'auto: an ordinary grid at this depth');
    assert.ok(deep.deep);
    const brute = agreement((await render(grid, { backend: threads, kernel: 'js' })).counts, f);
    const perturbed = agreement((await render(deep, { backend: threads })).counts, f);
    assert.ok(perturbed.same >= brute.same, `perturbation ${perturbed.same}, brute force ${brute.same} of ${f.counts.length}`);
    assert.ok(brute.same >= 0.99 * f.counts.length);
  });

  it('switches to perturbation where a pixel spans under 1024 ulps of the centre, and moves no pixel doing so', () => {
    const at = (width: string) => viewWorkload({ center: { re: '-0.75', im: '0.1' }, width, cols: 100, rows: 10 });
    assert.equal(at('1e-9').deep, undefined);
    assert.ok(at('1e-12').deep);
    const grid = at('1e-9');
    const deep = viewWorkload({ center: { re: '-0.75', im: '0.1' }, width: '1e-9', cols: 100, rows: 10, perturbation: 'always' });
    // Pixel 0's real part: the grid's coordinate equals the centre plus the deep offset.
    assert.ok(Math.abs(grid.re.start - (-0.75 + deep.re.start * 2 ** deep.deep!.exponent)) < 1e-24);
  });

  it('refuses a malformed centre, a zoom of 0 or past 1e-1000, and kernels without perturbation', async () => {
    const spec = { center: { re: '-0.75', im: '0.1' }, width: '1e-50', cols: 4, rows: 4 };
    assert.throws(() => viewWorkload({ ...spec, center: { re: '-0.7.5', im: '0' } }), /real part must be a decimal number/);
    assert.throws(() => viewWorkload({ ...spec, width: '0' }), /must be above 0/);
    assert.throws(() => viewWorkload({ ...spec, width: '-1e-5' }), /must be above 0/);
    assert.throws(() => viewWorkload({ ...spec, width: '1e-1001' }), /narrower than the 1e-1000 supported/);
    assert.throws(() => viewWorkload({ ...spec, center: { re: '5', im: '0' } }), /within −4 … 4/);
    assert.throws(() => viewWorkload({ ...spec, cols: 0 }), /invalid view: width in points must be a whole number from 1/);
    assert.throws(() => viewWorkload({ ...spec, rows: 2.5 }), /invalid view: height in points must be a whole number/);
    assert.throws(() => viewWorkload({ ...spec, maxiter: -1 }), /invalid view: maxiter must be a whole number/);
    assert.throws(() => viewWorkload({ ...spec, zoom: '1e-5' } as never), /invalid view: unknown option "zoom"/);
    assert.throws(() => viewWorkload({ ...spec, center: { re: 1 } } as never), /invalid view: center must be \{ re, im \}/);
    assert.throws(() => viewWorkload({ ...spec, perturbation: 'never' } as never), /invalid view: perturbation must be auto or always/);
    await assert.rejects(
      render(viewWorkload(spec), { backend: 'serial', kernel: 'wasm' }),
      /kernel wasm has no perturbation, which deep views \(past double precision, or --perturbation\) need/,
    );
  });
});

describe('the reference orbit in two arithmetics', { skip: nativeIsas().length === 0 ? 'the native addon is not built' : false }, () => {
  const bits = [64, 65, 127, 200, 430, 999, 1000, 1001, 1100, 2048, 3418];
  it('native limbs store the same doubles as BigInt, bit for bit, at every width (random centres, escaping ones too)', () => {
    let seed = 1952;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
    const centres: [string, string][] = [
      ['0', '0'],
      ['-2', '0'], // the tip: Z stays at 2
      ['0.25', '0'], // the cusp: Z creeps to 1/2
      ['-0.743643887037158704752191506114774', '0.131825904205311970493132056385139'],
      ['0.3', '-0.5'], // escapes early
      ['-1.25', '1e-300'],
    ];
    for (let k = 0; k < 14; k++)
      centres.push([`${random() < 0.5 ? '-' : ''}${random() < 0.5 ? '0' : '1'}.${digits(40 + k * 60)}`, `-0.${digits(30 + k * 50)}`]);
    let compared = 0;
    for (const [re, im] of centres) {
      for (const b of bits) {
        const centre = { re: parseDecimal(re, 're'), im: parseDecimal(im, 'im') };
        const maxiter = 600;
        const big = referenceOrbit(centre, b, maxiter, undefined, 'bigint');
        const native = referenceOrbit(centre, b, maxiter, undefined, 'native');
        const where = `${re.slice(0, 20)}… ${im.slice(0, 20)}…, ${b} bits`;
        assert.equal(native.length, big.length, where);
        for (let i = 0; i < big.length; i++) {
          assert.ok(
            Object.is(native.zr[i], big.zr[i]) && Object.is(native.zi[i], big.zi[i]),
            `${where}: Z_${i} ${native.zr[i]} vs ${big.zr[i]}`,
          );
          if (big.extended) {
            assert.ok(
              Object.is(native.extended!.mr[i], big.extended.mr[i]) && Object.is(native.extended!.mi[i], big.extended.mi[i]),
              `${where}: ext ${i}`,
            );
            assert.equal(native.extended!.exponent[i], big.extended.exponent[i], `${where}: exponent ${i}`);
          }
          compared++;
        }
        assert.equal(native.extended === undefined, big.extended === undefined);
      }
    }
    assert.ok(compared > 50_000, `${compared} values compared`);
  });

  it('the slices of an async orbit join into the same orbit, and a bad call into the addon throws instead of writing out of bounds', async () => {
    const centre = {
      re: parseDecimal('-0.743643887037158704752191506114774', 're'),
      im: parseDecimal('0.131825904205311970493132056385139', 'im'),
    };
    const whole = referenceOrbit(centre, 1100, 5000, undefined, 'bigint');
    const sliced = await referenceOrbitAsync(centre, 1100, 5000, { sliceMs: 0.01, arithmetic: 'native' });
    assert.equal(sliced.length, whole.length);
    assert.ok(sliced.zr.every((v, i) => Object.is(v, whole.zr[i])));
    const addon = loadAddon();
    assert.ok(!('reason' in addon));
    const state = addon.orbitStart(200, 0, new BigUint64Array([1n]), 1, new BigUint64Array([2n]), 0, 200);
    assert.throws(() => addon.orbitAdvance(state, 10, new Float64Array(5), new Float64Array(5), null), /cannot hold that many more values/);
    assert.throws(
      () => addon.orbitAdvance(new ArrayBuffer(16), 1, new Float64Array(5), new Float64Array(5), null),
      /state must be the ArrayBuffer orbitStart returned/,
    );
    assert.throws(() => addon.orbitStart(5000, 0, new BigUint64Array(1), 0, new BigUint64Array(1), 0, 0), /bits out of range/);
    assert.throws(() => addon.orbitStart(200, 0, new BigUint64Array(9), 0, new BigUint64Array(1), 0, 0), /wider than the orbit/);
  });
});

describe('deep views from the command line', () => {
  const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'mandel-deep-'));
  const mandel = (args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const f = fixtures.find((fixture) => fixture.name === 'minibrot-1e-50')!;
  const center = `${f.center.re},${f.center.im}`;

  it('`mandel run --center … --zoom …` writes the truth’s counts, and reports the skipped updates in --json', () => {
    const file = join(dir, 'minibrot.npy');
    const view = ['run', '--center', center, '--zoom', f.width, '--width', '48', '--height', '48', '-m', String(f.maxiter)];
    const run = mandel([...view, '--counts', file, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as {
      iterations: number;
      bruteForceIterations: number;
      skippedIterations: number;
      kernel: string;
    };
    assert.equal(report.kernel, kernelNames().includes('native') ? 'native' : 'js');
    assert.equal(report.skippedIterations, report.bruteForceIterations - report.iterations);
    assert.ok(report.skippedIterations > 0, 'the orbits’ common start is skipped');
    const counts = decodeNpyInt32(readFileSync(file)).counts;
    assert.equal(agreement(counts, f).same, f.counts.length);
    // --no-prune: every update performed, nothing skipped, the same counts here.
    const everyUpdate = mandel([...view, '--counts', file, '--json', '--no-prune']);
    assert.equal(everyUpdate.code, 0, everyUpdate.stderr);
    const full = JSON.parse(everyUpdate.stdout) as { iterations: number; bruteForceIterations: number };
    assert.equal(full.iterations, full.bruteForceIterations);
    assert.equal(agreement(decodeNpyInt32(readFileSync(file)).counts, f).same, f.counts.length);
  });

  it('refuses bad views with one line and exit code 2', () => {
    for (const [args, message] of [
      [['--center', '1,2,3', '--zoom', '1e-5'], /--center takes RE,IM/],
      [['--center', '0.1,x', '--zoom', '1e-5'], /imaginary part must be a decimal number/],
      [['--center', '0,1', '--zoom', '0'], /must be above 0/],
      [['--center', '0,1', '--zoom', '1e-1200'], /narrower than the 1e-1000 supported/],
      [['--center', '0,1'], /--center and --zoom go together/],
      [['--center', '0,1', '--zoom', '1e-50', '--size', '100'], /drop --size and --region/],
      [
        ['--center', '0,1', '--zoom', '1e-50', '--kernel', 'wasm'],
        /kernel wasm has no perturbation, which deep views \(past double precision, or --perturbation\) need/,
      ],
    ] as const) {
      const run = mandel(['run', ...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  });

  it('`mandel bench` sweeps a deep view, and refuses kernels without perturbation before any run', () => {
    const bench = mandel([
      'bench',
      '--center',
      center,
      '--zoom',
      f.width,
      '--width',
      '32',
      '--height',
      '16',
      '-m',
      '500',
      '--kernels',
      'js',
      '--workers',
      '1',
      '--schedules',
      'contiguous',
      '--chunks',
      '2',
      '--reps',
      '1',
      '--json',
    ]);
    assert.equal(bench.code, 0, bench.stderr);
    const result = JSON.parse(bench.stdout) as { workloadLabel: string; points: unknown[] };
    assert.match(result.workloadLabel, /a deep view of 32 × 16 points/);
    assert.ok(result.points.length >= 2);
    const refused = mandel(['bench', '--center', center, '--zoom', f.width, '--kernels', 'wasm']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /kernel wasm has no perturbation, which deep views \(past double precision, or --perturbation\) need/);
  });
});

describe('where a point starts with a BLA table', () => {
  it('at the orbit’s start when the block from there reaches past the series’ skip: half the updates at 1e-300, the same counts', async () => {
    const center = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };
    for (const width of ['1e-300', '1e-30']) {
      const workload = viewWorkload({ center, width, cols: 64, rows: 48, maxiter: 20_000, perturbation: 'always' });
      const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), workload.maxiter);
      const deep = deepInputOf(workload, reference, true, (bytes) => new ArrayBuffer(bytes));
      assert.ok(deep.series && deep.bla, `${width}: series and BLA both in use`);
      const { re, im } = axesOf(workload);
      const run = (kernel: Kernel, input: typeof deep) => {
        const out = new Int32Array(re.length * im.length);
        const updates = kernel.computeDeep!(
          { re, im, maxiter: workload.maxiter, out, offset: 0, rowStride: re.length, prune: false },
          input,
        );
        return { out, updates };
      };
      const js = run(jsKernel, deep);
      // Without the BLA table the series' skip is the only shortcut: the start rule is not used.
      const seriesOnly = run(jsKernel, { reference, exponent: deep.exponent, series: deep.series });
      assert.deepEqual(js.out, seriesOnly.out, `${width}: the same counts`);
      const perPoint = js.updates / js.out.length;
      assert.ok(perPoint <= (width === '1e-300' ? 11 : 80), `${width}: ${perPoint.toFixed(1)} updates a point`);
      const native = loadNativeKernel();
      if ('kernel' in native) {
        const c = run(native.kernel, deep);
        assert.deepEqual([c.out, c.updates], [js.out, js.updates], `${width}: native takes the same steps`);
      }
    }
  });
});

describe('the BLA table’s tail', () => {
  const center = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };
  /** Counts and updates of a deep input on both kernels (the native's only where it is built). */
  const run = (workload: ReturnType<typeof viewWorkload>, input: ReturnType<typeof deepInputOf>) => {
    const { re, im } = axesOf(workload);
    const once = (kernel: Kernel) => {
      const out = new Int32Array(re.length * im.length);
      const updates = kernel.computeDeep!({ re, im, maxiter: workload.maxiter, out, offset: 0, rowStride: re.length, prune: false }, input);
      return { out, updates };
    };
    const js = once(jsKernel);
    const native = loadNativeKernel();
    if ('kernel' in native) assert.deepEqual(once(native.kernel), js, 'native takes the same steps');
    return js;
  };
  const withoutTail = (input: ReturnType<typeof deepInputOf>) => ({
    ...input,
    bla: { ...input.bla!, tail: new Float64Array(input.bla!.tail.length) },
  });

  it('stops a point under its radius at maxiter in one step: 2 updates a point at 1e-300 for 10, the same counts', async () => {
    for (const [width, most] of [
      ['1e-300', 2.5],
      ['1e-30', 60],
    ] as const) {
      const workload = viewWorkload({ center, width, cols: 64, rows: 48, maxiter: 20_000, perturbation: 'always' });
      const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), workload.maxiter);
      const deep = deepInputOf(workload, reference, true, (bytes) => new ArrayBuffer(bytes));
      const tail = run(workload, deep);
      const blocks = run(workload, withoutTail(deep));
      assert.deepEqual(tail.out, blocks.out, `${width}: the same counts`);
      assert.ok(
        tail.out.every((count) => count === workload.maxiter),
        `${width}: every point inside`,
      );
      const perPoint = tail.updates / tail.out.length;
      assert.ok(
        perPoint <= most && tail.updates < blocks.updates,
        `${width}: ${perPoint} a point with the tail, ${blocks.updates / tail.out.length} without`,
      );
    }
  });

  it('moves no count on any fixture, escaping points beside inside ones, on both kernels', () => {
    for (const f of fixtures) {
      const workload = view(f, 'always');
      const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), workload.maxiter);
      const deep = deepInputOf(workload, reference, true, (bytes) => new ArrayBuffer(bytes));
      if (!deep.bla) continue;
      assert.deepEqual(run(workload, deep).out, run(workload, withoutTail(deep)).out, f.name);
    }
  });

  it('is zero where the reference escapes: it never claims a point reaches maxiter past the orbit’s end', () => {
    // c = 0.3: the orbit escapes after a few dozen updates; the view's points escape with it.
    const workload = viewWorkload({
      center: { re: '0.3', im: '0' },
      width: '1e-20',
      cols: 8,
      rows: 8,
      maxiter: 5000,
      perturbation: 'always',
    });
    const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), workload.maxiter);
    assert.ok(reference.length < workload.maxiter, 'the reference escapes');
    const table = blaTable(reference, deepDcBound(workload), (bytes) => new ArrayBuffer(bytes));
    assert.equal(table.tail.length, reference.length);
    assert.ok(table.tail.every((r2) => r2 === 0));
  });
});

describe('the BLA table in two arithmetics', { skip: nativeIsas().length === 0 ? 'the native addon is not built' : false }, () => {
  it('native/bla.c builds the js table bit for bit: blocks, radii at every epsilon, tail, at every depth', () => {
    const seahorse = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };
    const views = [
      { center: seahorse, width: '1e-30' },
      { center: seahorse, width: '1e-300' }, // |dc|max below doubles' normal range
      { center: seahorse, width: '1e-1000' },
      { center: { re: '0', im: '1' }, width: '1e-100' },
      { center: { re: '0.3', im: '0' }, width: '1e-20' }, // the reference escapes
    ];
    for (const { center, width } of views) {
      const workload = viewWorkload({ center, width, cols: 200, rows: 150, maxiter: 5000, perturbation: 'always' });
      const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), workload.maxiter);
      for (const epsilon of [BLA_EPSILON, BLA_EPSILON_LOOSE, BLA_EPSILON_LOOSEST]) {
        const js = blaTable(reference, deepDcBound(workload), undefined, epsilon, 'js');
        const native = blaTable(reference, deepDcBound(workload), undefined, epsilon, 'native');
        for (const key of ['offsets', 'counts', 'ar', 'ai', 'br', 'bi', 'r2', 'tail'] as const) {
          const [a, b] = [js[key], native[key]];
          const differ = a.findIndex((value, i) => !Object.is(value, b[i]));
          assert.ok(a.length === b.length && differ === -1, `${width}, ε ${epsilon}, ${key}[${differ}]: ${a[differ]} vs ${b[differ]}`);
        }
        assert.ok(js.r2.some((r2) => r2 > 0) || width === '1e-20', `${width}: some block applies`);
      }
    }
  });

  it('refuses arrays that do not fit the levels, in one line, before writing anything', () => {
    const addon = loadAddon();
    if ('reason' in addon) return;
    const f = (n: number) => new Float64Array(n);
    const counts = Int32Array.of(8, 4, 2, 1);
    const offsets = Int32Array.of(0, 8, 12, 14);
    assert.throws(
      () => addon.blaBlocks(f(10), f(10), 10, 1, -100, counts, offsets, f(15), f(15), f(15), f(15), f(15), f(15), f(14), f(10)),
      {
        code: 'ERR_INVALID_ARG',
      },
    );
    assert.throws(
      () =>
        addon.blaBlocks(
          f(10),
          f(10),
          10,
          1,
          -100,
          counts,
          Int32Array.of(0, 8, 12, 13),
          f(15),
          f(15),
          f(15),
          f(15),
          f(15),
          f(15),
          f(15),
          f(10),
        ),
      {
        code: 'ERR_INVALID_ARG',
      },
    );
    assert.throws(() => addon.blaRadii(counts, offsets, f(15), f(15), f(15), 2 ** -53, f(15), f(10), 11, 0, f(10)), {
      code: 'ERR_INVALID_ARG',
    });
  });
});
