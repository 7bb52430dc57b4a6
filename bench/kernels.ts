/**
 * Kernels side by side, one thread, the tutorial's default workload (500 × 500, maxiter
 * 1000): iterations per second of js, wasm and native, brute force and pruned, next to two
 * plain C builds of the same SIMD loop compiled here as the machine's references:
 *   widest: gcc -O3 -march=native -ffp-contract=off   (AVX-512 where the CPU has it)
 *   128-bit: gcc -O3 -mno-avx -msse2 -ffp-contract=off (SSE2 only, like WebAssembly's f64x2)
 * and, brute force, the wasm kernel's own loop ported to C (bench/c/wasm-loop.c) built with the
 * 128-bit flags, so wasm ÷ C is also read for the very same loop.
 * Medians after a warm-up; the C references run before and after the JS kernels and their
 * runs are pooled, so drift of this shared machine falls on both sides of each ratio. The
 * ratios that issue 14 sets targets for (wasm ÷ the 128-bit C loops, native ÷ the independent
 * anchor ../shared/anchors/cref.c) are then taken again in alternating rounds, every side in a
 * fresh process each round, as medians of the rounds' ratios.
 *
 *   npm run build && node --import tsx bench/kernels.ts [--reps 9] [--rounds 5]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { axisCoordinates, getKernel, kernelNames, tutorialWorkload, type Workload } from '../dist/index.js';
import { median } from '../dist/analysis/stats.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '9' },
    rounds: { type: 'string', default: '5' },
    child: { type: 'string' }, // internal: time one kernel in this process and print JSON
    size: { type: 'string', default: '1000' },
  },
});
const reps = Number(values.reps);
const rounds = Number(values.rounds);

/**
 * The alternating rounds time mandel's kernels in a fresh process each round, as the C loops
 * are: this machine sometimes runs one process slow for all of its life (every round of a run
 * low by the same amount), and a fresh process per round turns that into one low round.
 */
if (values.child) {
  const { times, iterations, sum } = timeKernel(values.child, tutorialWorkload({ size: Number(values.size) }), false);
  console.log(JSON.stringify({ times, iterations, sum }));
  process.exit(0);
}
/** One kernel on one grid, `reps` runs after a warm-up in this process (times in ms). */
function timeKernel(name: string, grid: Workload, prune: boolean): Run & { cold: number } {
  const kernel = getKernel(name);
  const re = axisCoordinates(grid.re);
  const im = axisCoordinates(grid.im);
  const counts = new Int32Array(re.length * im.length);
  const times: number[] = [];
  let iterations = 0;
  for (let r = 0; r <= reps; r++) {
    const start = performance.now();
    iterations = kernel.compute({ re, im, maxiter: grid.maxiter, out: counts, offset: 0, rowStride: re.length, prune });
    times.push(performance.now() - start);
  }
  return { times: times.slice(1), cold: times[0]!, iterations, sum: counts.reduce((s, v) => s + v, 0) };
}
/** One kernel, brute force, `reps` runs after a warm-up, in a fresh process (times in ms). */
function childRun(kernel: string, size: number): { times: number[]; iterations: number; sum: number } {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kernel, '--size', String(size), '--reps', String(reps)];
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as { times: number[]; iterations: number; sum: number };
}
const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}tmp/bench`;
mkdirSync(out, { recursive: true });

// The references: the same sources the addon is built from, and wasm's loop in C.
const addonSources = [`${root}native/kernels.c`, `${root}bench/c/reference.c`, `-I${root}native`, '-lm'];
const wasmLoopSources = [`${root}bench/c/wasm-loop.c`, `${root}bench/c/reference.c`, `-I${root}native`, '-lm'];
const narrowFlags = ['-O3', '-mno-avx', '-msse2', '-ffp-contract=off'];
const builds = {
  widest: { flags: ['-O3', '-march=native', '-ffp-contract=off'], isa: '', sources: addonSources },
  '128-bit': { flags: narrowFlags, isa: 'sse2', sources: addonSources },
  'wasm-loop': { flags: narrowFlags, isa: 'sse2', sources: wasmLoopSources },
};
for (const [name, build] of Object.entries(builds)) {
  execFileSync('gcc', [...build.flags, '-std=gnu11', '-Wno-psabi', '-o', `${out}/reference-${name}`, ...build.sources]);
}
// Which ISA is "widest" here: the best the addon reports, else the best the CPU runs.
builds.widest.isa = (() => {
  for (const isa of ['avx512', 'avx2', 'sse2']) {
    try {
      execFileSync(`${out}/reference-widest`, [isa, '1', '0'], { stdio: 'pipe' });
      return isa;
    } catch {
      // not supported here; try the next
    }
  }
  return 'sse2';
})();

interface Run {
  times: number[];
  iterations: number;
  sum: number;
}
/** One C reference build, `reps` runs after a warm-up, in its own process. */
function referenceRun(name: keyof typeof builds, prune: boolean): Run {
  const text = execFileSync(`${out}/reference-${name}`, [builds[name].isa, String(reps + 1), prune ? '1' : '0'], { encoding: 'utf8' });
  const run = JSON.parse(text) as Run;
  return { ...run, times: run.times.slice(1) }; // the first run warms caches
}
const cRuns = new Map<string, Run>();
function runReference(name: keyof typeof builds, prune: boolean): void {
  const run = referenceRun(name, prune);
  const key = `${name}/${prune}`;
  const pooled = cRuns.get(key);
  cRuns.set(key, pooled ? { ...run, times: [...pooled.times, ...run.times] } : run);
}

const workload = tutorialWorkload();
const runKernel = (name: string, prune: boolean) => timeKernel(name, workload, prune);

/** The references a mode runs: wasm's loop in C has no pruned variant. */
const referencesFor = (prune: boolean) => (Object.keys(builds) as (keyof typeof builds)[]).filter((name) => !prune || name !== 'wasm-loop');
for (const prune of [false, true]) for (const name of referencesFor(prune)) runReference(name, prune);
const kernels = ['js', 'wasm', 'native'].filter((name) => kernelNames().includes(name));
const jsRuns = new Map<string, Run & { cold: number }>();
for (const prune of [false, true]) for (const name of kernels) jsRuns.set(`${name}/${prune}`, runKernel(name, prune));
for (const prune of [false, true]) for (const name of referencesFor(prune)) runReference(name, prune);

const rate = (run: Run) => run.iterations / median(run.times) / 1e6; // G iterations/s (times are in ms)
console.log(`mandel bench/kernels: default workload (500 × 500, maxiter 1000), one thread, median of ${reps} runs after a warm-up\n`);
console.log('  kernel                          mode         median ms   cold ms   iterations    G it/s   vs widest C   vs 128-bit C');
for (const prune of [false, true]) {
  const mode = prune ? 'pruned' : 'brute force';
  const widest = cRuns.get(`widest/${prune}`)!;
  const narrow = cRuns.get(`128-bit/${prune}`)!;
  // Pruned runs do different work per kernel (cycle checks at different points), so their
  // ratios compare time for the same counts, not iterations/s.
  const speed = (run: Run) => (prune ? 1 / median(run.times) : rate(run));
  const row = (label: string, run: Run, cold?: number) =>
    console.log(
      `  ${label.padEnd(31)} ${mode.padEnd(12)} ${median(run.times).toFixed(2).padStart(9)} ${(cold === undefined ? '' : cold.toFixed(1)).padStart(9)}   ${run.iterations.toLocaleString('en').padStart(11)} ${rate(run).toFixed(2).padStart(9)}   ${(speed(run) / speed(widest)).toFixed(2).padStart(11)}   ${(speed(run) / speed(narrow)).toFixed(2).padStart(12)}`,
    );
  row(`C reference, widest (${builds.widest.isa})`, widest);
  row('C reference, 128-bit (sse2)', narrow);
  const wasmLoop = cRuns.get(`wasm-loop/${prune}`);
  if (wasmLoop) {
    if (wasmLoop.sum !== widest.sum) throw new Error(`wasm's loop in C gave sum ${wasmLoop.sum}, the reference ${widest.sum}`);
    row("C, wasm's loop, 128-bit (sse2)", wasmLoop);
  }
  for (const name of kernels) {
    const run = jsRuns.get(`${name}/${prune}`)!;
    if (run.sum !== widest.sum) throw new Error(`${name} gave sum ${run.sum}, the reference ${widest.sum}`);
    row(name === 'native' ? `native (${getKernel('native').description.match(/, (\w+):/)?.[1] ?? '?'})` : name, run, run.cold);
  }
  console.log('');
}
const brute = (name: string) => jsRuns.get(`${name}/false`);
const widestBrute = cRuns.get('widest/false')!;
if (brute('native'))
  console.log(
    `native / widest C reference (brute force): ${(rate(brute('native')!) / rate(widestBrute)).toFixed(3)}   (the same loop through N-API; the independent anchor is below)`,
  );
if (brute('wasm')) {
  // A burst of load on this shared machine can cover the whole of the kernels' turn above, so
  // wasm and the two 128-bit C loops are also timed in alternation, a round at a time, and
  // each ratio is the median of the rounds' ratios.
  const ratios: Record<'reference' | 'loop', number[]> = { reference: [], loop: [] };
  for (let round = 0; round < rounds; round++) {
    const oneRound = new Map<string, Run>();
    for (const name of ['128-bit', 'wasm-loop'] as const) oneRound.set(name, referenceRun(name, false));
    const wasmRun = childRun('wasm', 1000);
    ratios.reference.push(rate(wasmRun) / rate(oneRound.get('128-bit')!));
    ratios.loop.push(rate(wasmRun) / rate(oneRound.get('wasm-loop')!));
  }
  const said = (list: number[]) => `${median(list).toFixed(3)}   (rounds: ${list.map((r) => r.toFixed(2)).join(', ')})`;
  console.log(`wasm / 128-bit C reference (brute force):  ${said(ratios.reference)}; issue 14 aims at ≥ 1.0`);
  console.log(`wasm / wasm's loop in C, 128-bit:          ${said(ratios.loop)}; the very same loop: what compiling to WebAssembly costs`);
}
const pruned = jsRuns.get(`${kernels.at(-1)}/true`)!;
console.log(
  `pruning, ${kernels.at(-1)}: ${pruned.iterations.toLocaleString('en')} of ${widestBrute.iterations.toLocaleString('en')} brute-force iterations, ${(widestBrute.iterations / pruned.iterations).toFixed(1)}× fewer, same counts (sum ${pruned.sum})`,
);

// The independent anchor: ../shared/anchors/cref.c, an exact brute-force C loop written apart
// from mandel (AVX-512, 4 × 8 lanes), against the native kernel, one thread, on the default
// workload and on --size 4000, in alternating rounds (cref, then native): the ratio is the
// median of the rounds' ratios, so a burst of load on this shared machine moves one round, not
// the result. Skipped, with a note, where ../shared is absent or the CPU lacks AVX-512.
const anchorSource = `${root}../shared/anchors/cref.c`;
const anchor = `${out}/cref`;
let anchorReady = existsSync(anchorSource);
if (!anchorReady) console.log(`\nindependent anchor: skipped (${anchorSource} is absent)`);
if (anchorReady) {
  try {
    execFileSync('gcc', ['-O3', '-march=native', '-ffp-contract=off', '-o', anchor, anchorSource], { stdio: 'pipe' });
    execFileSync(anchor, ['100', '10', '1'], { stdio: 'pipe' });
  } catch (error) {
    anchorReady = false;
    console.log(`\nindependent anchor: skipped (cref did not build or run here: ${(error as Error).message.split('\n')[0]})`);
  }
}
if (anchorReady && kernelNames().includes('native')) {
  console.log('\nagainst the independent anchor (../shared/anchors/cref.c), brute force, one thread, alternating rounds:');
  console.log('  workload            cref median s   native median s   native / cref speed (median of rounds; each round)   counts');
  for (const [size, sizeRounds] of [
    [1000, rounds],
    [4000, Math.max(1, Math.ceil(rounds / 2))],
  ] as const) {
    const crefTimes: number[] = [];
    const nativeTimes: number[] = [];
    const ratios: number[] = [];
    let crefSum = 0;
    let sum = 0;
    for (let round = 0; round < sizeRounds; round++) {
      const [, , seconds, crefRoundSum] = execFileSync(anchor, [String(size), '1000', String(reps)], { encoding: 'utf8' })
        .trim()
        .split(' ')
        .map(Number);
      crefSum = crefRoundSum!;
      const nativeRun = childRun('native', size);
      sum = nativeRun.sum;
      const nativeSeconds = median(nativeRun.times) / 1000;
      crefTimes.push(seconds!);
      nativeTimes.push(nativeSeconds);
      ratios.push(seconds! / nativeSeconds);
    }
    const each = ratios.map((r) => r.toFixed(2)).join(', ');
    console.log(
      `  --size ${String(size).padEnd(12)} ${median(crefTimes).toFixed(4).padStart(13)}   ${median(nativeTimes).toFixed(4).padStart(15)}   ${median(ratios).toFixed(2).padStart(19)} (${each})   ${sum === crefSum ? 'identical sums' : `DIFFER: ${sum} vs ${crefSum}`}`,
    );
  }
  console.log('  (native / cref speed ≥ 1.0 means the native kernel is the faster; issue 14 aims at ≥ 1.0, stretch 1.2)');
}
