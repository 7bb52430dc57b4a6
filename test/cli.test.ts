import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { decodeNpyInt32 } from '../src/outputs/npy.js';
import { firstDifference, pythonCounts } from './helpers/oracle.js';

const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mandel-cli-'));

function mandel(args: string[], cwd = dir) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('mandel run', () => {
  it("--size 100 --counts writes the tutorial's counts, point for point", async () => {
    const file = join(dir, 'c100.npy');
    const run = mandel(['run', '--size', '100', '--counts', file]);
    assert.equal(run.code, 0, run.stderr);
    const mine = decodeNpyInt32(readFileSync(file));
    const python = await pythonCounts(100, 1000);
    assert.deepEqual([mine.rows, mine.cols], [python.rows, python.cols]);
    assert.equal(firstDifference(mine.counts, python.counts), -1);
  });

  it("prints the tutorial's lines: elements, seconds, the validation sum, and iterations", () => {
    const run = mandel(['run', '-s', '100', '--maxiterations', '300']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Length of x: 50$/m);
    assert.match(run.stdout, /^Total elements: 2500$/m);
    assert.match(run.stdout, /compute took \d+\.\d{3} seconds/);
    assert.match(run.stdout, /^Total iterations: [\d,]+ \([\d.]+ [kMG]? ?iterations\/s\); pruning skipped [\d,]+ of [\d,]+$/m);
    assert.match(run.stdout, /^Total sum of elements \(for validation\): \d+$/m);
    assert.equal(run.stderr, '', 'no progress bar when stderr is not a TTY');
  });

  it('--json prints one object whose figures agree with each other', () => {
    const run = mandel(['run', '--size', '60', '-m', '200', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(report.elements, 900);
    assert.equal(report.rows, 30);
    assert.equal(report.cols, 30);
    assert.equal(report.maxiter, 200);
    assert.equal(report.backend, 'threads');
    assert.equal(report.kernelChoice, 'auto');
    assert.equal(report.prune, true);
    assert.equal(report.workers, availableParallelism());
    assert.equal(typeof report.seconds, 'number');
    const iterations = report.iterations as number;
    assert.ok(iterations >= 900 && iterations <= 900 * 200, `iterations ${iterations}`);
    assert.equal(report.iterationsPerSecond, iterations / (report.seconds as number));
  });

  it('--width/--height/--region render a general grid and --out draws it pixel for point', () => {
    const file = join(dir, 'zoom.png');
    const run = mandel([
      'run',
      '--width',
      '37',
      '--height',
      '21',
      '--region',
      '-0.75,-0.74,0.1,0.11',
      '-m',
      '500',
      '-o',
      file,
      '--colormap',
      'grey',
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const png = PNG.sync.read(readFileSync(file));
    assert.deepEqual([png.width, png.height], [37, 21]);
    assert.equal((JSON.parse(run.stdout) as { elements: number }).elements, 777);
  });

  it('--plot3D with no file writes mandelbrot-3d.html in the working directory', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mandel-plot-'));
    const run = mandel(['run', '--size', '40', '--plot3D'], cwd);
    assert.equal(run.code, 0, run.stderr);
    const html = readFileSync(join(cwd, 'mandelbrot-3d.html'), 'utf8');
    assert.match(html, /<html/);
    assert.doesNotMatch(html, /<script[^>]+src=["']https?:/, 'the page must work offline');
  });

  it('--profile-memory reports each phase and the cost of each representation', () => {
    const run = mandel(['run', '--size', '200', '--profile-memory']);
    assert.equal(run.code, 0, run.stderr);
    for (const phase of ['coordinates', 'compute']) assert.match(run.stdout, new RegExp(`^ +${phase}`, 'm'));
    assert.match(run.stdout, /Float64Array/);
    assert.match(run.stdout, /\{re, im\}/);
  });
});

describe('mandel run --smooth', () => {
  it('writes μ = count + smooth fraction as float32 .npy, the counts the same as without, and a PNG without stepped bands', () => {
    const region = ['--region', '-0.8,-0.7,0.05,0.15', '--width', '120', '--height', '90', '-m', '300'];
    const counts = join(dir, 'plain.npy');
    const mu = join(dir, 'mu.npy');
    const smoothPng = join(dir, 'smooth.png');
    const plainPng = join(dir, 'plain.png');
    const plain = mandel(['run', ...region, '--counts', counts, '-o', plainPng, '--scale', 'log', '--no-progress']);
    assert.equal(plain.code, 0, plain.stderr);
    const run = mandel(['run', ...region, '--smooth', mu, '-o', smoothPng, '--scale', 'log', '--no-progress', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { files: { kind: string; path: string }[]; sum: number };
    assert.ok(report.files.some((file) => file.kind === 'smooth' && file.path === mu));
    const file = readFileSync(mu);
    const header = file.subarray(10, file.readUInt16LE(8) + 10).toString('latin1');
    assert.match(header, /'descr': '<f4'/);
    assert.match(header, /'shape': \(90, 120\)/);
    const values = new Float32Array(file.buffer.slice(file.byteOffset + 10 + file.readUInt16LE(8), file.byteOffset + file.length));
    const { counts: expected } = decodeNpyInt32(readFileSync(counts));
    let inBetween = 0;
    let escaped = 0;
    values.forEach((value, i) => {
      if (expected[i] === 300) return assert.equal(value, 300, `point ${i} is inside: μ is maxiter`);
      escaped++;
      // μ lies about within (count − 0.5, count + 1.5]: what is in the fraction, not beside it.
      assert.ok(value > expected[i]! - 0.5 && value <= expected[i]! + 4.5, `point ${i}: μ ${value}, count ${expected[i]}`);
      if (value !== Math.round(value)) inBetween++;
    });
    assert.ok(escaped > 2000 && inBetween > 0.95 * escaped, `${inBetween} of ${escaped} escaping points have a fractional μ`);
    // The picture: many more colours where counts were stepped.
    const colours = (path: string) => {
      const image = PNG.sync.read(readFileSync(path));
      return new Set(Array.from({ length: image.width * image.height }, (_, i) => image.data.readUInt32BE(i * 4))).size;
    };
    assert.ok(colours(smoothPng) > 1.5 * colours(plainPng), `${colours(smoothPng)} colours smooth, ${colours(plainPng)} stepped`);
  });

  it('--density and --offset change the image, and --offset 1 (a whole cycle) leaves it as it was', () => {
    const region = ['--region', '-0.8,-0.7,0.05,0.15', '--width', '64', '--height', '48', '-m', '300', '--scale', 'linear', '--smooth'];
    const draw = (name: string, extra: string[]) => {
      const path = join(dir, name);
      const run = mandel(['run', ...region, ...extra, '-o', path, '--no-progress']);
      assert.equal(run.code, 0, run.stderr);
      return PNG.sync.read(readFileSync(path)).data;
    };
    const base = draw('p0.png', []);
    assert.notDeepEqual(draw('p1.png', ['--density', '3']), base);
    assert.notDeepEqual(draw('p2.png', ['--offset', '0.25']), base);
    const cycled = draw('p3.png', ['--offset', '1']);
    let off = 0;
    for (let i = 0; i < base.length; i++) off = Math.max(off, Math.abs(cycled[i]! - base[i]!));
    assert.ok(off <= 3, `a whole cycle moves a channel by ${off}`);
  });
});

describe('mandel run on the threads backend', () => {
  it("is the default, and gives the tutorial's counts with every schedule", async () => {
    const python = await pythonCounts(100, 1000);
    for (const schedule of ['contiguous', 'interleaved', 'tiles']) {
      const file = join(dir, `threads-${schedule}.npy`);
      const run = mandel(['run', '--size', '100', '--workers', '2', '--schedule', schedule, '--chunks', '7', '--counts', file, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout) as { backend: string; workers: number };
      assert.deepEqual([report.backend, report.workers], ['threads', 2]);
      assert.equal(firstDifference(decodeNpyInt32(readFileSync(file)).counts, python.counts), -1, schedule);
    }
  });

  it('without --workers the pool is sized to the work: the default workload never starts a thread, and says so', () => {
    const json = JSON.parse(mandel(['run', '--json']).stdout) as { backend: string; chunks: number; chunksOnMainThread: number };
    assert.equal(json.backend, 'threads');
    assert.equal(json.chunksOnMainThread, json.chunks);
    const text = mandel(['run']).stdout;
    assert.match(text, /^threads backend, \w+ kernel \(auto\), on the main thread \(\d+ threads? not needed\): compute took/m);
    assert.match(text, /^All \d+ chunks ran on the main thread: the work was done before the threads could have started/m);
    const workers = JSON.parse(mandel(['run', '--workers', '2', '--json']).stdout) as { chunksOnMainThread: number };
    assert.equal(workers.chunksOnMainThread, 0, '--workers N starts the threads regardless');
    assert.doesNotMatch(mandel(['run', '--workers', '2']).stdout, /main thread/);
  });

  it('--trace and --timeline write every chunk, and one lane per worker', () => {
    const trace = join(dir, 'trace.json');
    const timeline = join(dir, 'timeline.svg');
    const run = mandel(['run', '--size', '300', '--workers', '2', '--chunks', '20', '--trace', trace, '--timeline', timeline]);
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(readFileSync(trace, 'utf8')) as { chunks: { worker: string }[]; phases: { name: string }[]; lanes: unknown[] };
    assert.equal(json.chunks.length, 20);
    assert.deepEqual(new Set(json.chunks.map((c) => c.worker)), new Set(['thread-1', 'thread-2']));
    assert.ok(json.phases.some((p) => p.name === 'start workers'));
    const svg = readFileSync(timeline, 'utf8');
    assert.match(svg, /^<svg/);
    assert.match(svg, /thread-1/);
    assert.match(svg, /thread-2/);
  });

  it('stops on Ctrl-C (SIGINT) promptly, with a clear message and exit code 130', async () => {
    const child = spawn(
      process.execPath,
      // Minutes of work (maxiter 20,000 on 16 M points, brute force): exiting within 10 s is prompt.
      [bin, 'run', '--size', '8000', '-m', '20000', '--workers', '2', '--kernel', 'js', '--no-prune', '--no-progress'],
      { cwd: dir },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sent = performance.now();
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    const took = performance.now() - sent;
    assert.equal(code, 130, stderr);
    assert.equal(stderr.trim(), 'mandel: the render was cancelled');
    assert.equal(stdout, '', 'nothing reported for a partial render');
    assert.ok(took < 10_000, `exit took ${took.toFixed(0)} ms after SIGINT`);
  });
});

describe('bad flags: one line, exit code 2, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['a size of 0', ['--size', '0'], /--size.*'0' is invalid.*whole number ≥ 1/],
    ['a size that is not a number', ['--size', 'abc'], /--size.*'abc' is invalid.*whole number ≥ 1/],
    ['a fractional size', ['-s', '1.5'], /--size.*'1\.5' is invalid.*whole number ≥ 1/],
    ['a negative maxiter', ['-m', '-3'], /--maxiter.*'-3' is invalid.*whole number ≥ 1/],
    ['a region with three numbers', ['--region', '1,2,3'], /--region.*four numbers/],
    ['an empty region', ['--region', '1,1,0,1'], /--region.*expected x1 < x2/],
    ['a NaN in the region', ['--region', '0,1,NaN,1'], /--region/],
    ['--width without --height', ['--width', '10'], /--width and --height go together/],
    ['--size with --width', ['--size', '10', '--width', '5', '--height', '5'], /--size.*not both/],
    ['an unknown backend', ['--backend', 'gpu'], /--backend.*'gpu' is invalid.*choices are threads, serial/],
    ['workers on the serial backend', ['--backend', 'serial', '--workers', '4'], /serial backend has exactly one worker/],
    ['zero workers', ['--workers', '0'], /--workers.*'0' is invalid/],
    ['an unknown schedule', ['--schedule', 'random'], /--schedule.*'random' is invalid.*contiguous, interleaved, tiles/],
    ['a timeline that is not SVG', ['--timeline', 't.pdf'], /--timeline.*\.svg/],
    ['an unknown kernel', ['--kernel', 'fortran'], /kernel.*fortran/],
    ['an unknown colour map', ['--colormap', 'rainbow'], /--colormap.*rainbow/],
    ['a render too large for memory', ['--size', '60000'], /memory.*--max-memory/],
    ['an unknown flag', ['--frobnicate'], /unknown option '--frobnicate'/],
    // Checked before any work: this render would take minutes, so failing fast is the proof.
    [
      'an output in a missing directory',
      ['--size', '8000', '-m', '20000', '-o', '/nonexistent-mandel/x.png'],
      /--out .*the directory \/nonexistent-mandel does not exist/,
    ],
    ['a .jpg name for the PNG image', ['-o', 'x.jpg'], /--out x\.jpg: writes a PNG image, so the name must end in \.png/],
    ['a .png name for the counts', ['--counts', 'x.png'], /--counts x\.png: writes a NumPy \.npy array, so the name must end in \.npy/],
    ['a directory as the trace file', ['--trace', '.json'], /--trace/],
    [
      'a .png name for the smooth counts',
      ['--smooth', 'mu.png'],
      /--smooth mu\.png: writes a NumPy \.npy array, so the name must end in \.npy/,
    ],
    ['a density of 0', ['--density', '0'], /--density.*'0' is invalid.*a number from 0\.015625 to 1024/],
    ['a density that is not a number', ['--density', 'lots'], /--density.*'lots' is invalid/],
    ['an offset that is not a number', ['--offset', 'NaN'], /--offset.*'NaN' is invalid/],
    ['zero chunks, with an example that fits', ['--chunks', '0'], /--chunks.*e\.g\. 16\./],
    [
      'a region wider than the largest double',
      ['--region', '-1.7976931348623157e308,1.7976931348623157e308,-1e308,1e308', '--width', '10', '--height', '10'],
      /real axis .* gives a step of Infinity between points; it must be a finite number other than 0/,
    ],
    ['a tutorial grid of one column', ['--region', '-1e308,1e308,-1,1'], /step of Infinity/],
    [
      'more points than a render can hold',
      ['--width', '46341', '--height', '46341'],
      /2,147,488,281 points, over the cap of 2,147,483,647 \(2\^31 − 1\) points per render/,
    ],
    // A view (--center/--zoom) is held to the same cap and limit as --region, before any work.
    [
      'a view of more points than a render can hold',
      ['--center', '0,1', '--zoom', '1e-3', '--width', '100000', '--height', '100000'],
      /10,000,000,000 points, over the cap of 2,147,483,647/,
    ],
    ['a view too large for memory', ['--center', '0,1', '--zoom', '1e-3', '--width', '50000', '--height', '40000'], /14\.9 GiB of memory/],
    [
      'a view over --max-memory',
      ['--center', '-0.75,0.1', '--zoom', '1e-3', '--width', '4000', '--height', '4000', '--max-memory', '10'],
      /about 122\.1 MiB of memory, over the limit of 10\.0 MiB/,
    ],
    // A deep view's reference orbit and its tables are counted: ~152 B an iteration below 1e-280 (the BLA tail included).
    [
      'a deep view whose reference orbit would not fit in memory',
      ['--center', '0,1', '--zoom', '1e-300', '--width', '8', '--height', '8', '-m', '1000000000'],
      /reference orbit of 1,000,000,000 iterations with its tables: about 141\.6 GiB of memory, over the limit of 4\.0 GiB/,
    ],
    [
      'a deep view whose orbit is over --max-memory',
      ['--center', '0,1', '--zoom', '1e-300', '--width', '8', '--height', '8', '-m', '10000000', '--max-memory', '1000'],
      /reference orbit of 10,000,000 iterations with its tables: about 1\.4 GiB/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`rejects ${what}`, () => {
      const run = mandel(['run', ...args, '--no-progress']);
      assert.equal(run.code, 2, `exit code for ${args.join(' ')}: ${run.stderr}`);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /^mandel: /);
      assert.match(lines[0]!, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(run.stdout, '');
    });
  }

  it('bare `mandel` prints the help and exits 0; --version prints the version', () => {
    const bare = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
    assert.equal(bare.status, 0, bare.stderr);
    assert.match(bare.stdout, /^Usage: mandel \[options\] \[command\]/);
    assert.equal(bare.stderr, '');
    const version = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0);
    assert.equal(
      version.stdout.trim(),
      (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version,
    );
  });

  it('an unknown command', () => {
    const run = mandel(['fly']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command 'fly'/);
  });
});
