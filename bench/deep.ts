/**
 * Deep zoom, measured side by side in one run:
 *  1. one thread: perturbation's iterations/s (js) against the native kernel's brute force,
 *     on the same points (a view 1e-6 wide, where doubles still serve, perturbation forced)
 *     and on the tutorial's default workload (native at its best);
 *  2. 1024 × 768 views at 1e-100 and 1e-300 around the filament tip c = i, maxiter 20,000,
 *     on the threads backend (2 threads): wall time, iterations, reference orbit time;
 *  3. the same points by arbitrary-precision brute force (BigInt fixed point at the bits the
 *     depth needs, our own; and MPFR through gmpy2 when Debian's python3-gmpy2 is there) on a
 *     sample of points, extrapolated to the whole view: how many times faster perturbation is;
 *  4. a deep view through the cluster (2 local workers) against the threads backend: whole
 *     renders, alternating;
 *  5. one centre in Seahorse Valley at 1e-100, 1e-300 and 1e-1000 (256 × 192, maxiter 20,000,
 *     2 threads), alternating depths: wall times, updates performed, and the ratio of the
 *     deeper views' times to 1e-100's (skipping must work below doubles' range too).
 *
 *   npm run build && node --import tsx bench/deep.ts [--reps 5] [--sections 1,2,4,5]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { render, ThreadsBackend, tutorialWorkload, viewWorkload, type Workload } from '../dist/index.js';
import { median } from '../dist/analysis/stats.js';
import { ClusterBackend } from '../dist/cluster/index.js';
import { RedisServer } from '../test/helpers/redis.js';
import { toFixed, parseDecimal } from '../dist/deep/decimal.js';
import { blaApplies, referenceBits } from '../dist/deep/view.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, sections: { type: 'string', default: '1,2,4,5' } } });
const reps = Number(values.reps);
/** 1: one thread, perturbation against brute force; 2: deep views, and arbitrary precision (3); 4: the cluster; 5: depths. */
const sections = new Set(values.sections.split(','));

async function rate(workload: Workload, kernel: string): Promise<{ itps: number; ms: number; iterations: number }> {
  const runs: { itps: number; ms: number; iterations: number }[] = [];
  await render(workload, { backend: 'serial', kernel, prune: false }); // warm-up
  for (let rep = 0; rep < reps; rep++) {
    const result = await render(workload, { backend: 'serial', kernel, prune: false });
    runs.push({ itps: result.iterations / (result.computeMs / 1000), ms: result.computeMs, iterations: result.iterations });
  }
  const itps = median(runs.map((r) => r.itps));
  return { itps, ms: median(runs.map((r) => r.ms)), iterations: runs[0]!.iterations };
}

const M = (n: number) => `${(n / 1e6).toFixed(0)} M it/s`;

// 1. One thread, the same points.
// M(24,1) to 180 digits (as the test fixtures found it): enough for any view here.
const spiral = (
  JSON.parse(readFileSync(new URL('../test/fixtures/deep/spiral-1e-150.json', import.meta.url), 'utf8')) as {
    center: { re: string; im: string };
  }
).center;
if (sections.has('1')) {
  const shallow = { center: spiral, width: '1e-6', cols: 256, rows: 192, maxiter: 5000 };
  const nativeSame = await rate(viewWorkload(shallow), 'native');
  const perturbedSame = await rate(viewWorkload({ ...shallow, perturbation: 'always' }), 'js');
  const nativePerturbed = await rate(viewWorkload({ ...shallow, perturbation: 'always' }), 'native');
  const jsSame = await rate(viewWorkload(shallow), 'js');
  const nativeDefault = await rate(tutorialWorkload({}), 'native');
  console.log('1. one thread, brute force vs perturbation (medians of ' + reps + ')');
  console.log(`   the same 256 × 192 points, 1e-6 wide at M(24,1), maxiter 5000:`);
  console.log(
    `     native brute force ${M(nativeSame.itps)}, js brute force ${M(jsSame.itps)}; ` +
      `perturbation: native ${M(nativePerturbed.itps)}, js ${M(perturbedSame.itps)}`,
  );
  console.log(
    `     native perturbation ÷ native brute force: ${(nativePerturbed.itps / nativeSame.itps).toFixed(2)}; ` +
      `js perturbation ÷ js brute force: ${(perturbedSame.itps / jsSame.itps).toFixed(2)}`,
  );
  console.log(
    `   native brute force on the default workload: ${M(nativeDefault.itps)}; native perturbation ÷ it: ` +
      `${(nativePerturbed.itps / nativeDefault.itps).toFixed(2)}`,
  );
}

// 2 and 3. Deep views on the threads backend, and brute force in arbitrary precision.
const threads = new ThreadsBackend({ workers: 2 });
await threads.start();
const tip = { re: '0', im: '1' };
const gmpy =
  existsSync('/usr/bin/python3') &&
  (() => {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import gmpy2'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
const minibrot = JSON.parse(readFileSync(new URL('../test/fixtures/deep/minibrot-1e-150.json', import.meta.url), 'utf8')) as {
  center: { re: string; im: string };
  width: string;
};
if (sections.has('2')) {
  console.log('2–3. 1024 × 768 views, maxiter 20,000, threads backend (2 threads), native perturbation');
  for (const { label, center, width } of [
    { label: 'c = i', center: tip, width: '1e-100' },
    { label: 'c = i', center: tip, width: '1e-300' },
    { label: 'a minibrot of period 202', center: minibrot.center, width: minibrot.width },
  ]) {
    const workload = viewWorkload({ center, width, cols: 1024, rows: 768, maxiter: 20000 });
    const walls: number[] = [];
    let last;
    for (let rep = 0; rep < Math.min(reps, 3); rep++) {
      const started = performance.now();
      last = await render(workload, { backend: threads, kernel: 'native' });
      walls.push(performance.now() - started);
    }
    const result = last!;
    const referenceMs = result.trace.phases.find((p) => p.name === 'reference orbit')!;
    const wall = median(walls);
    // Brute force in BigInt fixed point on a sample of the view's points, at the same bits.
    const bits = referenceBits(workload.deep!);
    const sample = 24;
    // A pixel is hs × 2^exponent: offsets in fixed point at `bits` without passing through a tiny double.
    const hs = workload.re.step;
    const shift = BigInt(bits + workload.deep!.exponent - 40);
    const offset = (pixels: number) => BigInt(Math.round(pixels * hs * 2 ** 40)) << shift;
    let sampleIterations = 0;
    const started = performance.now();
    for (let s = 0; s < sample; s++) {
      const col = Math.floor((s * 997) % 1024);
      const row = Math.floor((s * 389) % 768);
      const cr = toFixed(parseDecimal(center.re, ''), bits) + offset(col - 511.5);
      const ci = toFixed(parseDecimal(center.im, ''), bits) + offset(383.5 - row);
      sampleIterations += bruteForce(cr, ci, bits, 20000);
    }
    const bruteMsPerIteration = (performance.now() - started) / sampleIterations;
    const bruteWholeS = (bruteMsPerIteration * result.bruteForceIterations) / 1000; // brute force skips nothing
    console.log(
      `   ${width} at ${label}: wall ${(wall / 1000).toFixed(2)} s (median of ${walls.length}), ${(result.iterations / 1e6).toFixed(0)} M iterations, ` +
        `${M(result.iterations / (result.computeMs / 1000))}, reference orbit and series ${(referenceMs.endMs - referenceMs.startMs).toFixed(0)} ms at ${bits} bits; ` +
        `skipped by the series${blaApplies(workload) ? ' and BLA (where its pilot keeps it)' : ''}: ` +
        `${((result.bruteForceIterations - result.iterations) / 1e6).toFixed(0)} M of ${(result.bruteForceIterations / 1e6).toFixed(0)} M updates`,
    );
    console.log(
      `     BigInt brute force at ${bits} bits: ${(bruteMsPerIteration * 1e6).toFixed(0)} ns per iteration on ${sample} sample points → ` +
        `${bruteWholeS.toFixed(0)} s for the view on one thread; perturbation is ${(bruteWholeS / (wall / 1000)).toFixed(0)}× faster (2 threads vs 1)`,
    );
    if (gmpy) {
      const script = `
  import gmpy2, time
  from gmpy2 import mpfr
  gmpy2.get_context().precision = ${bits}
  cr = mpfr('1e-${width.split('e-')[1]}') * 3.7
  ci = mpfr(1) + mpfr('1e-${width.split('e-')[1]}') * 2.1
  n = 0; t = time.perf_counter()
  for rep in range(8):
      zr = mpfr(0); zi = mpfr(0)
      for k in range(20000):
          zr2 = zr * zr; zi2 = zi * zi
          zi = 2 * zr * zi + ci; zr = zr2 - zi2 + cr; n += 1
          if zr * zr + zi * zi > 4: break
  print((time.perf_counter() - t) / n)`;
      const perIteration = Number(execFileSync('/usr/bin/python3', ['-c', script]).toString()) * 1000;
      const mpfrWholeS = (perIteration * result.bruteForceIterations) / 1000;
      console.log(
        `     MPFR (gmpy2) brute force: ${(perIteration * 1e6).toFixed(0)} ns per iteration → ${mpfrWholeS.toFixed(0)} s; perturbation is ${(mpfrWholeS / (wall / 1000)).toFixed(0)}× faster`,
      );
    }
  }
}

// 4. The cluster (a redis-server and 2 local `mandel worker` processes of 1 thread) against the
//    threads backend (2 threads), the same deep view, alternating.
if (sections.has('4')) {
  const workload = viewWorkload({ center: spiral, width: '1e-100', cols: 1024, rows: 768, maxiter: 20000 });
  const redis = await RedisServer.start();
  const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
  const workers = [0, 1].map(() => spawn(process.execPath, [bin, 'worker', '--redis', redis.url, '--threads', '1'], { stdio: 'ignore' }));
  const cluster = new ClusterBackend({ redis: redis.url });
  try {
    await cluster.start();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the workers connect
    // A render's throughput is its whole wall time: the threads backend builds the series and
    // BLA tables in its "reference orbit" phase, before its compute; the cluster's workers build
    // their own inside the compute (the submitter ships the orbit alone), so compute phases
    // alone compare unlike work. Both are printed.
    const wall = { threads: [] as number[], cluster: [] as number[] };
    const compute = { threads: [] as number[], cluster: [] as number[] };
    let iterations = 0;
    // One render each first: the workers' and threads' first deep chunk compiles its code.
    for (const backend of [threads, cluster]) await render(workload, { backend, kernel: 'native', chunks: 16 });
    for (let rep = 0; rep < reps; rep++) {
      for (const [name, backend] of [
        ['threads', threads],
        ['cluster', cluster],
      ] as const) {
        const started = performance.now();
        const result = await render(workload, { backend, kernel: 'native', chunks: 16 });
        wall[name].push(performance.now() - started);
        compute[name].push(result.computeMs);
        iterations = result.iterations;
      }
    }
    const ms = (values: number[]) => `${median(values).toFixed(0)} ms`;
    console.log(
      `4. 1024 × 768 at 1e-100 on M(24,1), maxiter 20,000, 16 chunks (${(iterations / 1e6).toFixed(0)} M updates), median of ${reps}: ` +
        `whole render on threads (2 threads) ${ms(wall.threads)}, through the cluster (2 workers × 1 thread) ${ms(wall.cluster)}: ` +
        `cluster ÷ threads throughput ${(median(wall.threads) / median(wall.cluster)).toFixed(2)} ` +
        `(compute phases alone ${ms(compute.threads)} and ${ms(compute.cluster)}: ${(median(compute.threads) / median(compute.cluster)).toFixed(2)})`,
    );
  } finally {
    await cluster.close();
    for (const worker of workers) worker.kill('SIGTERM');
    await redis.destroy();
  }
}
// 5. The same centre at three depths, alternating, whole renders on the warm pool.
if (sections.has('5')) {
  const seahorse = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };
  const widths = ['1e-100', '1e-300', '1e-1000'];
  const views = widths.map((width) => viewWorkload({ center: seahorse, width, cols: 256, rows: 192, maxiter: 20000 }));
  const walls = widths.map(() => [] as number[]);
  const performed = widths.map(() => 0);
  const phaseMs = widths.map(() => ({ orbit: [] as number[], tables: [] as number[], compute: [] as number[] }));
  for (const view of views) await render(view, { backend: threads }); // warm-up
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, view] of views.entries()) {
      const started = performance.now();
      const result = await render(view, { backend: threads });
      walls[i]!.push(performance.now() - started);
      performed[i] = result.iterations;
      const length = (name: string) => result.trace.phases.filter((p) => p.name === name).reduce((a, p) => a + p.endMs - p.startMs, 0);
      phaseMs[i]!.orbit.push(length('reference orbit'));
      phaseMs[i]!.tables.push(length('series and BLA'));
      phaseMs[i]!.compute.push(length('compute'));
    }
  }
  console.log(`5. Seahorse Valley (${seahorse.re}, ${seahorse.im}), 256 × 192, maxiter 20,000, 2 threads, medians of ${reps}:`);
  const base = median(walls[0]!);
  const baseCompute = median(phaseMs[0]!.compute);
  for (const [i, width] of widths.entries()) {
    const wall = median(walls[i]!);
    const compute = median(phaseMs[i]!.compute);
    console.log(
      `   ${width}: wall ${wall.toFixed(0)} ms (reference orbit ${median(phaseMs[i]!.orbit).toFixed(0)} ms at ${referenceBits(views[i]!.deep!)} bits, ` +
        `series and BLA ${median(phaseMs[i]!.tables).toFixed(0)} ms, compute ${compute.toFixed(0)} ms), ` +
        `${(performed[i]! / 1e6).toFixed(2)} M updates performed of ${((256 * 192 * 20000) / 1e6).toFixed(0)} M` +
        (i > 0 ? `; ÷ 1e-100: wall ${(wall / base).toFixed(2)}×, compute ${(compute / baseCompute).toFixed(2)}× (target ≤ 2)` : ''),
    );
  }
}

await threads.close();

/** z ← z² + c in fixed point (× 2^-bits) until |z| > 2: the updates performed. */
function bruteForce(cr: bigint, ci: bigint, bits: number, maxiter: number): number {
  const shift = BigInt(bits);
  const four = 4n << (2n * shift);
  let x = 0n;
  let y = 0n;
  for (let n = 0; n < maxiter; n++) {
    const xx = x * x;
    const yy = y * y;
    if (xx + yy > four) return n;
    const xy = x * y;
    x = ((xx - yy) >> shift) + cr;
    y = ((xy + xy) >> shift) + ci;
  }
  return maxiter;
}
