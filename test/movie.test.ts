/**
 * `mandel movie`: the plan and the frames as specifications, then whole movies through the CLI
 * and a real ffmpeg — exact keyframes (the counts of `mandel run` of the same views), frames
 * decoded back, a producer stopped and resumed, a cluster worker killed mid-movie.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { viewWorkload } from '../src/deep/view.js';
import { composeFrame } from '../src/movie/frames.js';
import { frameZoom, maxiterAt, moviePlan } from '../src/movie/plan.js';
import { decodeNpyFloat32, decodeNpyInt32 } from '../src/outputs/npy.js';
import { render } from '../src/render.js';
import { RedisServer, redisSkipReason } from './helpers/redis.js';

const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const ffmpegSkip =
  spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 ? undefined : 'no ffmpeg here (apt-get install ffmpeg)';
if (ffmpegSkip && process.env.CI) throw new Error('CI=true but ffmpeg is missing: scripts/install-system-deps.sh should have installed it');
const SEAHORSE = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };
const dir = mkdtempSync(join(tmpdir(), 'mandel-movie-'));
/** The movie of the CLI tests: 4 → 1e-14 is log2(4e14) = 48.5 halvings, keyframes 0 … 49, the last ones past doubles (perturbation). */
const MOVIE = [
  `--center=${SEAHORSE.re},${SEAHORSE.im}`,
  '--zoom-to',
  '1e-14',
  '--seconds',
  '2',
  '--fps',
  '12',
  '--width',
  '96',
  '--height',
  '64',
];
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a movie plan', () => {
  it('puts a keyframe at every halving of the width, as exact decimals, and frames at a constant zoom rate', () => {
    const plan = moviePlan({ center: SEAHORSE, from: '4', to: '1e-3', seconds: 2, fps: 10 });
    // log2(4 / 1e-3) = 11.97: keyframes 0 … 12.
    assert.equal(plan.keyframes.length, 13);
    assert.equal(plan.frames, 20);
    assert.ok(Math.abs(plan.depth - Math.log2(4000)) < 1e-12);
    assert.equal(plan.keyframes[0]!.width, '4e0');
    assert.equal(Number(plan.keyframes[3]!.width), 0.5);
    assert.equal(plan.keyframes[12]!.width, `${4n * 5n ** 12n}e-12`); // 4 / 4096 exactly
    assert.equal(frameZoom(0, 20, plan.depth), 0);
    assert.equal(frameZoom(19, 20, plan.depth), plan.depth);
    // Without -m, maxiter grows with depth (the explorer's rule); with it, every keyframe has it.
    assert.ok(plan.keyframes.every((k, i) => i === 0 || k.maxiter >= plan.keyframes[i - 1]!.maxiter));
    assert.equal(plan.keyframes[5]!.maxiter, maxiterAt(5));
    assert.ok(
      moviePlan({ center: SEAHORSE, from: '4', to: '1e-3', seconds: 2, fps: 10, maxiter: 777 }).keyframes.every((k) => k.maxiter === 777),
    );
    // A deeper plan keeps the shallower keyframes as they were: a deeper movie reuses them.
    const deeper = moviePlan({ center: SEAHORSE, from: '4', to: '1e-6', seconds: 2, fps: 10 });
    assert.deepEqual(deeper.keyframes.slice(0, 13), plan.keyframes);
  });

  it('refuses a zoom that goes out, a zero width, and frame rates out of range', () => {
    const base = { center: SEAHORSE, from: '4', to: '1e-3', seconds: 2, fps: 10 };
    assert.throws(() => moviePlan({ ...base, to: '8' }), /must be narrower than --zoom-from/);
    assert.throws(() => moviePlan({ ...base, to: '0' }), /must be above 0/);
    assert.throws(() => moviePlan({ ...base, fps: 0 }), /--fps must be a whole number/);
    assert.throws(() => moviePlan({ ...base, seconds: 1e9 }), /--seconds/);
    assert.throws(() => moviePlan({ ...base, to: 'deep' }), /decimal number/);
  });
});

describe('a movie frame', () => {
  const flat = (cols: number, rows: number, value: number) => ({ rgba: new Uint8Array(cols * rows * 4).fill(value), cols, rows });
  const count = (frame: Uint8Array, value: number) => {
    let n = 0;
    for (let i = 0; i < frame.length; i += 4) if (frame[i] === value) n++;
    return n;
  };

  it('takes the middle from the deeper keyframe (half the width at the keyframe itself, all of it just before the next)', () => {
    const cols = 40;
    const rows = 20;
    const outer = flat(cols, rows, 10);
    const inner = flat(cols, rows, 200);
    const frame = new Uint8Array(cols * rows * 4);
    composeFrame(outer, inner, 0, frame);
    // At z = k the deeper keyframe covers the middle half each way: about a quarter of the pixels.
    const quarter = count(frame, 200) / (cols * rows);
    assert.ok(quarter > 0.2 && quarter < 0.3, `${quarter}`);
    composeFrame(outer, inner, 0.999, frame);
    // Just before the next keyframe it covers all but the outermost ring of pixels.
    assert.ok(count(frame, 200) >= (cols - 2) * (rows - 2), `${count(frame, 200)}`);
    composeFrame(outer, undefined, 0.5, frame);
    assert.equal(count(frame, 10), cols * rows, 'the last keyframe alone');
  });

  it('is the keyframe itself at its own zoom, and the keyframe enlarged 2^f about the centre between', () => {
    const cols = 9;
    const rows = 5;
    const ramp = { rgba: new Uint8Array(cols * rows * 4), cols, rows };
    for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) ramp.rgba.fill(x * 20, (y * cols + x) * 4, (y * cols + x) * 4 + 4);
    const frame = new Uint8Array(cols * rows * 4);
    composeFrame(ramp, undefined, 0, frame);
    assert.deepEqual(frame, ramp.rgba);
    composeFrame(ramp, undefined, 1, frame); // twice as deep: pixel x shows x' = 4 + (x − 4) / 2
    assert.equal(frame[0], 40); // x' = 2
    assert.equal(frame[4 * 4], 80); // the centre stays
    assert.equal(frame[8 * 4], 120); // x' = 6
    assert.equal(frame[1 * 4], 50); // x' = 2.5: halfway between 40 and 60
  });
});

/** Runs the CLI to its end (bounded), with its output. */
function mandel(args: string[], timeoutMs = 120_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Frames, width and height of a video, as ffprobe decodes them. */
function probe(file: string): { codec: string; width: number; height: number; frames: number } {
  const out = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name,width,height,nb_read_frames',
      '-of',
      'csv=p=0',
      file,
    ],
    { encoding: 'utf8' },
  );
  const [codec, width, height, frames] = out.stdout.trim().split(',');
  return { codec: codec!, width: Number(width), height: Number(height), frames: Number(frames) };
}

/** Frame n of a video as RGBA, decoded by ffmpeg. */
function frameAt(file: string, n: number): PNG {
  const png = join(dir, `frame-${n}-${Date.now()}.png`);
  spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', file, '-vf', `select=eq(n\\,${n})`, '-vsync', '0', '-frames:v', '1', png]);
  return PNG.sync.read(readFileSync(png));
}

function colours(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) seen.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
  return seen.size;
}

const keyframeCounts = (folder: string, index: number) =>
  decodeNpyInt32(readFileSync(join(folder, `k${String(index).padStart(5, '0')}.npy`)));

describe('mandel movie', { skip: ffmpegSkip, timeout: 300_000 }, () => {
  const args = [...MOVIE, '--no-progress'];

  it('renders keyframes exactly as mandel run renders their views, and encodes frames ffmpeg decodes: size, count, not blank', async () => {
    const out = join(dir, 'zoom.mp4');
    const run = await mandel(['movie', ...args, '-o', out]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^50 keyframes \(each halving of the width from 4 to 1e-14, 96 × 64\): 50 rendered on the threads backend/m);
    assert.deepEqual(probe(out), { codec: 'h264', width: 96, height: 64, frames: 24 });
    for (const n of [0, 12, 23]) assert.ok(colours(frameAt(out, n)) > 20, `frame ${n} is not blank`);
    const plan = moviePlan({ center: SEAHORSE, from: '4', to: '1e-14', seconds: 2, fps: 12 });
    const folder = `${out}.keyframes`;
    // Every keyframe: the counts of the same view, rendered here on the serial reference.
    let deep = 0;
    for (const keyframe of plan.keyframes) {
      const stored = keyframeCounts(folder, keyframe.index);
      const workload = viewWorkload({ center: SEAHORSE, width: keyframe.width, cols: 96, rows: 64, maxiter: keyframe.maxiter });
      const expected = await render(workload, { backend: 'serial', smooth: true });
      if (workload.deep) deep++;
      assert.deepEqual(stored.counts, expected.counts, `keyframe ${keyframe.index} (${keyframe.width}${workload.deep ? ', deep' : ''})`);
      // Frames are coloured by μ: each keyframe keeps its smooth fractions beside its counts.
      const fractions = decodeNpyFloat32(readFileSync(join(folder, `k${String(keyframe.index).padStart(5, '0')}.smooth.npy`)));
      assert.deepEqual(fractions.values, expected.smooth, `keyframe ${keyframe.index}'s fractions`);
    }
    assert.ok(deep >= 5, `${deep} keyframes past doubles`);
    // …and byte for byte what `mandel run --counts` writes, shallow and past doubles.
    for (const keyframe of [plan.keyframes[4]!, plan.keyframes[47]!]) {
      const npy = join(dir, `run-${keyframe.index}.npy`);
      const cli = await mandel([
        'run',
        `--center=${SEAHORSE.re},${SEAHORSE.im}`,
        '--zoom',
        keyframe.width,
        '--width',
        '96',
        '--height',
        '64',
        '-m',
        String(keyframe.maxiter),
        '--counts',
        npy,
      ]);
      assert.equal(cli.status, 0, cli.stderr);
      assert.deepEqual(readFileSync(npy), readFileSync(join(folder, `k${String(keyframe.index).padStart(5, '0')}.npy`)));
    }
    // The same movie in stepped colours needs no render (its counts are there), and differs.
    const stepped = join(dir, 'stepped.mp4');
    const again = await mandel(['movie', ...args, '--no-smooth', '--keyframes', folder, '-o', stepped]);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /50 from an earlier run/);
    assert.notDeepEqual(frameAt(stepped, 12).data, frameAt(out, 12).data);
    // The other way round: a smooth movie over keyframes kept without fractions renders them again.
    const plainFolder = join(dir, 'plain.keyframes');
    const plain = await mandel(['movie', ...args, '--no-smooth', '--keyframes', plainFolder, '-o', join(dir, 'plain.mp4')]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.ok(!readdirSync(plainFolder).some((f) => f.endsWith('.smooth.npy')), 'no fractions kept without smooth');
    const smoothed = await mandel(['movie', ...args, '--keyframes', plainFolder, '-o', join(dir, 'smoothed.mp4')]);
    assert.equal(smoothed.status, 0, smoothed.stderr);
    assert.match(smoothed.stdout, /50 rendered/);
  });

  it('stopped by Ctrl-C, leaves whole keyframes and no video; run again, renders only the keyframes it lacks', async () => {
    const out = join(dir, 'resumed.mp4');
    const folder = `${out}.keyframes`;
    const child: ChildProcess = spawn(process.execPath, [bin, 'movie', ...args, '-m', '3000', '-o', out], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    const keyframesOnDisk = () => (existsSync(folder) ? readdirSync(folder).filter((f) => /^k\d+\.npy$/.test(f)).length : 0);
    while (keyframesOnDisk() < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGINT');
    const [code] = await new Promise<[number | null]>((resolve) => child.on('exit', (c) => resolve([c])));
    assert.equal(code, 130);
    assert.ok(!existsSync(out), 'no video under the name asked for');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('resumed') && f.endsWith('.tmp')),
      [],
      'no temporary video left',
    );
    const kept = keyframesOnDisk();
    assert.ok(kept >= 8 && kept < 50, `${kept} keyframes kept`);
    assert.deepEqual(
      readdirSync(folder).filter((f) => f.endsWith('.tmp')),
      [],
      'no half-written keyframe',
    );
    const again = await mandel(['movie', ...args, '-m', '3000', '-o', out]);
    assert.equal(again.status, 0, again.stderr);
    const reused = Number(/(\d+) from an earlier run/.exec(again.stdout)?.[1]);
    assert.ok(reused >= kept - 1 && reused <= kept, `${reused} reused of ${kept} on disk: ${again.stdout}`);
    assert.deepEqual(probe(out).frames, 24);
    // Another place in the same folder is refused, not mixed in.
    const other = await mandel([
      'movie',
      '--center=-0.5,0.5',
      '--zoom-to',
      '1e-3',
      '--width',
      '96',
      '--height',
      '64',
      '--keyframes',
      folder,
      '-o',
      join(dir, 'other.mp4'),
    ]);
    assert.equal(other.status, 2);
    assert.match(other.stderr, /holds the keyframes of another movie/);
  });

  it('says in one line what is wrong with bad flags', async () => {
    for (const [flags, message] of [
      [['--width', '95'], /must be even for H\.264/],
      [['--zoom-to', '10'], /must be narrower than --zoom-from/],
      [['--fps', '0'], /--fps/],
    ] as const) {
      const run = await mandel(['movie', ...args, ...flags, '-o', join(dir, 'bad.mp4')]);
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    }
    const noMp4 = await mandel(['movie', ...args, '-o', join(dir, 'zoom.gif')]);
    assert.match(noMp4.stderr, /must end in \.mp4/);
  });
});

describe('mandel movie on the cluster', { skip: ffmpegSkip ?? redisSkipReason(), timeout: 300_000 }, () => {
  it("spreads keyframes over two workers; a worker killed mid-movie costs only its chunk, and the keyframes are the threads backend's", async () => {
    const redis = await RedisServer.start();
    const workers: ChildProcess[] = [];
    try {
      const worker = () => {
        const child = spawn(process.execPath, [bin, 'worker', '--redis', redis.url, '--threads', '1', '--lock-ms', '1000'], {
          stdio: 'ignore',
        });
        workers.push(child);
        return child;
      };
      const victim = worker();
      worker();
      const out = join(dir, 'cluster.mp4');
      const folder = `${out}.keyframes`;
      const args = [...MOVIE, '-m', '3000'];
      const movie = mandel(['movie', ...args, '--backend', 'cluster', '--redis', redis.url, '--no-progress', '-o', out]);
      const deadline = Date.now() + 60_000;
      while ((!existsSync(folder) || readdirSync(folder).filter((f) => f.endsWith('.npy')).length < 5) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      victim.kill('SIGKILL');
      const run = await movie;
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /50 rendered on the cluster backend/);
      assert.equal(probe(out).frames, 24);
      const threads = join(dir, 'threads.mp4');
      const reference = await mandel(['movie', ...args, '--no-progress', '-o', threads]);
      assert.equal(reference.status, 0, reference.stderr);
      for (let k = 0; k < 39; k++)
        assert.deepEqual(keyframeCounts(folder, k).counts, keyframeCounts(`${threads}.keyframes`, k).counts, `keyframe ${k}`);
    } finally {
      for (const child of workers) child.kill('SIGKILL');
      await redis.destroy();
    }
  });
});
