/**
 * Deep zoom side by side with Fraktaler 3 (2.1, the program deep-zoom users hold as the
 * reference), whole processes, alternating, both on every core (Fraktaler 3 has no thread
 * option; mandel's threads backend defaults to the available parallelism):
 *
 *   bash bench/fraktaler/build.sh [SOURCE]      # once: builds it under ~/.cache/mandel
 *   npm run bench:anchors [-- --reps 3 --views 1,4 --sample 24 --types double,float]
 *
 * Per view: both wall times (medians) and their ratio, peak memory (max RSS), the updates each
 * performed, how many points the two agree on, and — where they differ, plus a few points
 * anywhere — who is right by MPFR brute force (scripts/deep_truth.py; Debian's python3-gmpy2).
 *
 * Set up like for like (bench/fraktaler/mandel-anchor.patch, ../shared/anchors/fraktaler-3.md):
 * pixel centres without its jitter, escape radius 2, its interior detection off, its step limits
 * and reference length at maxiter + 1, zoom = 4·cols / (rows·width). It counts z1 = c as
 * step 1 and writes N = count + 1024: mandel's count is N − 1025 (interior: maxiter). By
 * default it picks single-precision float for views wider than about 1e-31 (less accurate);
 * `double` keeps float out (its double, and floatexp past doubles' range) and is the like-for-
 * like run, `float` its own choice. Its BLA radius is 2^-24 relative for every number type (a
 * constant marked FIXME in 2.1); mandel's is 2^-53.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../dist/analysis/stats.js';
import { decodeNpyInt32 } from '../dist/outputs/npy.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    views: { type: 'string', default: '' },
    sample: { type: 'string', default: '24' },
    types: { type: 'string', default: 'double,float' },
  },
});
const reps = Number(values.reps);
const sample = Number(values.sample);
const types = values.types.split(',') as ('double' | 'float')[];
const f3Dir = process.env.MANDEL_F3_DIR ?? join(homedir(), '.cache', 'mandel', 'fraktaler-3');
const f3 = join(f3Dir, 'fraktaler-3');
if (!existsSync(f3)) {
  console.log(`Fraktaler 3 is not built (${f3}): run bash bench/fraktaler/build.sh first.`);
  process.exit(1);
}
const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const truthScript = fileURLToPath(new URL('../scripts/deep_truth.py', import.meta.url));
const python = '/usr/bin/python3';
const hasTruth = spawnSync(python, ['-c', 'import gmpy2'], { encoding: 'utf8' }).status === 0;
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const scratch = mkdtempSync(join(tmpdir(), 'mandel-anchors-'));

interface View {
  readonly name: string;
  readonly re: string;
  readonly im: string;
  readonly width: string;
  readonly maxiter: number;
}
const readme = { re: '-0.77568376800905379746948350393', im: '0.13646736829469012473327440961' };
const seahorse = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };
const minibrot = JSON.parse(readFileSync(new URL('../test/fixtures/deep/minibrot-1e-150.json', import.meta.url), 'utf8')) as {
  center: { re: string; im: string };
  width: string;
};
const views: View[] = [
  { name: 'c = i, 1e-100', re: '0', im: '1', width: '1e-100', maxiter: 20_000 },
  { name: 'spiral at M(24,1) (README centre), 1e-25', ...readme, width: '1e-25', maxiter: 20_000 },
  { name: 'the same centre, 1e-100 (29 digits: one count everywhere)', ...readme, width: '1e-100', maxiter: 20_000 },
  { name: 'Seahorse Valley, 1e-30 (every point at maxiter)', ...seahorse, width: '1e-30', maxiter: 20_000 },
  { name: 'Seahorse Valley, 1e-30, maxiter 100,000', ...seahorse, width: '1e-30', maxiter: 100_000 },
  { name: `minibrot of period 202 near c = i, ${minibrot.width} wide`, ...minibrot.center, width: minibrot.width, maxiter: 20_000 },
  { name: 'Seahorse Valley, 1e-300', ...seahorse, width: '1e-300', maxiter: 20_000 },
];
const chosen = values.views ? values.views.split(',').map((n) => views[Number(n) - 1]!) : views;
const cols = 1024;
const rows = 768;

interface Run {
  seconds: number;
  rssMB: number;
  counts: Int32Array;
  performed: number;
}

/** One whole process under /usr/bin/time: wall seconds and max RSS. */
function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { seconds: number; rssMB: number; stdout: string; stderr: string } {
  const started = performance.now();
  const result = timeBin
    ? spawnSync(timeBin, ['-f', 'mandel-time %e %M', command, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 })
    : spawnSync(command, args, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  const measured = /mandel-time ([\d.]+) (\d+)/.exec(result.stderr);
  return { seconds, rssMB: measured ? Number(measured[2]) / 1024 : NaN, stdout: result.stdout, stderr: result.stderr };
}

function runMandel(view: View): Run {
  const file = join(scratch, 'mandel.npy');
  const args = [bin, 'run', `--center=${view.re},${view.im}`, '--zoom', view.width, '--width', `${cols}`, '--height', `${rows}`];
  const out = timed(process.execPath, [...args, '-m', `${view.maxiter}`, '--perturbation', '--counts', file, '--json'], process.env);
  const report = JSON.parse(out.stdout) as { iterations: number };
  return { seconds: out.seconds, rssMB: out.rssMB, counts: decodeNpyInt32(readFileSync(file)).counts, performed: report.iterations };
}

function runF3(view: View, type: 'double' | 'float'): Run {
  const file = join(scratch, 'f3.npy');
  const toml = join(scratch, 'view.toml');
  const zoom = (4 * cols) / (rows * Number(view.width));
  // Past doubles' range, the zoom as mantissa and decimal exponent.
  const [mantissa, exponent] = Number.isFinite(zoom) && zoom > 0 ? [zoom.toExponential(17), ''] : zoomText(view.width);
  const n = view.maxiter + 1;
  writeFileSync(
    toml,
    [
      '[location]',
      `real = "${view.re}"`,
      `imag = "${view.im}"`,
      `zoom = "${mantissa}${exponent}"`,
      '[bailout]',
      `iterations = ${n}`,
      `maximum_reference_iterations = ${n}`,
      `maximum_perturb_iterations = ${n}`,
      `maximum_bla_steps = ${n}`,
      'escape_radius = 2.0',
      'inscape_radius = 0.0',
      '[image]',
      `width = ${cols}`,
      `height = ${rows}`,
      'subsampling = 1',
      'subframes = 1',
      '[render]',
      `filename = "${join(scratch, 'f3')}"`,
      '',
    ].join('\n'),
  );
  const env = {
    ...process.env,
    MANDEL_F3_NO_JITTER: '1',
    MANDEL_F3_NPY: file,
    ...(type === 'double' ? { MANDEL_F3_NUMBER_TYPE: 'double' } : {}),
  };
  const out = timed(f3, ['-b', '-q', '-P', '-w', join(f3Dir, 'wisdom.toml'), toml], env);
  const steps = /mandel-anchor: steps (\d+) perturbation (\d+) bla/.exec(out.stderr);
  const raw = decodeNpyInt32(readFileSync(file)).counts;
  const counts = raw.map((value) => (value === 0x7fffffff ? view.maxiter : value - 1025));
  return { seconds: out.seconds, rssMB: out.rssMB, counts, performed: steps ? Number(steps[1]) + Number(steps[2]) : NaN };
}

/** A width such as 1.04e-151 as its mantissa and decimal exponent (exact where a double underflows). */
function decimalWidth(width: string): { mantissa: number; exponent: number } {
  const [mantissa, exponent = '0'] = width.toLowerCase().split('e');
  return { mantissa: Number(mantissa), exponent: Number(exponent) };
}

/** 4·cols / (rows·width) for a width past doubles' range, as mantissa and exponent text. */
function zoomText(width: string): [string, string] {
  const { mantissa, exponent } = decimalWidth(width);
  const [m, e] = ((4 * cols) / (rows * mantissa)).toExponential(17).split('e');
  return [m!, `e${Number(e) - exponent}`];
}

function truth(view: View, points: number[]): number[] | undefined {
  if (!hasTruth || points.length === 0) return undefined;
  const digits = Math.max(view.re.length, view.im.length);
  const { mantissa, exponent } = decimalWidth(view.width);
  const depth = -(Math.log10(mantissa) + exponent) * Math.log2(10); // bits below the point a pixel needs, about
  const bits = Math.ceil(Math.max(digits * 3.33 + 64, depth + 128));
  const spec = {
    re: view.re,
    im: view.im,
    width: view.width,
    cols,
    rows,
    maxiter: view.maxiter,
    bits,
    points: points.map((i) => [i % cols, Math.floor(i / cols)]),
  };
  const result = spawnSync(python, [truthScript], { input: JSON.stringify(spec), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`deep_truth.py: ${result.stderr}`);
  return JSON.parse(result.stdout) as number[];
}

/** Deterministic picks: up to n points where a and b differ, and n/3 anywhere. */
function pick(a: Int32Array, b: Int32Array, n: number): number[] {
  const differing: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing.push(i);
  const chosen = new Set<number>();
  let seed = 2_654_435_761;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  while (chosen.size < Math.min(n, differing.length)) chosen.add(differing[Math.floor(next() * differing.length)]!);
  for (let k = 0; k < Math.ceil(n / 3); k++) chosen.add(Math.floor(next() * a.length));
  return [...chosen];
}

const f = (s: number) => `${s.toFixed(2)} s`;
const G = (n: number) => (Number.isFinite(n) ? `${(n / 1e6).toFixed(0)} M` : 'n/a');
const summary: string[] = [];
console.log(
  `Fraktaler 3 2.1 (${f3}) against mandel (${bin}), ${cols} × ${rows}, whole processes, alternating, medians of ${reps}; ratio = mandel ÷ F3`,
);
console.log(
  hasTruth
    ? 'Who is right: MPFR brute force (scripts/deep_truth.py) where they differ, plus a third as many points anywhere.'
    : 'No python3-gmpy2: no MPFR arbiter.',
);
for (const view of chosen) {
  const runs: { mandel: Run[]; [type: string]: Run[] } = { mandel: [] };
  for (const type of types) runs[type] = [];
  for (let rep = 0; rep < reps; rep++) {
    runs.mandel.push(runMandel(view));
    for (const type of types) runs[type]!.push(runF3(view, type));
  }
  const m = runs.mandel;
  const mandelSeconds = median(m.map((r) => r.seconds));
  const brute = m[0]!.counts.reduce((sum, c) => sum + c, 0);
  console.log(`\n${view.name} (maxiter ${view.maxiter.toLocaleString('en-US')}; ${G(brute)} updates by brute force)`);
  console.log(
    `  mandel        ${f(mandelSeconds)}   peak ${median(m.map((r) => r.rssMB)).toFixed(0)} MB   updates performed ${G(m[0]!.performed)}`,
  );
  for (const type of types) {
    const r = runs[type]!;
    const seconds = median(r.map((x) => x.seconds));
    let same = 0;
    for (let i = 0; i < m[0]!.counts.length; i++) if (r[0]!.counts[i] === m[0]!.counts[i]) same++;
    const ratio = mandelSeconds / seconds;
    console.log(
      `  F3 ${type.padEnd(7)}    ${f(seconds)}   peak ${median(r.map((x) => x.rssMB)).toFixed(0)} MB   steps performed ${G(r[0]!.performed)} ` +
        `  ratio ${ratio.toFixed(2)}×   same count on ${same.toLocaleString('en-US')} of ${m[0]!.counts.length.toLocaleString('en-US')} points`,
    );
    const points = pick(m[0]!.counts, r[0]!.counts, sample);
    const right = truth(view, points);
    let mandelRight = 0;
    let f3Right = 0;
    if (right) {
      points.forEach((p, k) => {
        if (m[0]!.counts[p] === right[k]) mandelRight++;
        if (r[0]!.counts[p] === right[k]) f3Right++;
      });
      console.log(`    MPFR on ${points.length} points: mandel right on ${mandelRight}, F3 ${type} on ${f3Right}`);
    }
    summary.push(
      `| ${view.name} | ${f(mandelSeconds)} | ${type} ${f(seconds)} | ${ratio.toFixed(2)} | ${same} | ${right ? `${mandelRight} / ${f3Right} of ${points.length}` : 'n/a'} |`,
    );
  }
}
console.log('\n| view | mandel | F3 | ratio | same count | MPFR: mandel / F3 right |\n| --- | --- | --- | --- | --- | --- |');
for (const line of summary) console.log(line);
rmSync(scratch, { recursive: true, force: true });
