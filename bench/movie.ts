/**
 * A zoom movie, in one run, on this machine: the same movie (default 10 s, 1280 × 720, 30 fps,
 * from the whole set down to 1e-50 at the spiral M(24,1)) rendered
 *  1. on the threads backend with 2 threads, keyframes one after another;
 *  2. on the cluster: 2 local `mandel worker` processes of 1 thread each through a real
 *     redis-server started here, 4 keyframes in flight;
 *  3. from the keyframes of (1) alone: frames composed and encoded, no render — the part no
 *     machine count shortens;
 * alternating, medians; then the keyframes of (1) and (2) compared count for count, the cluster
 * ÷ threads ratio, keyframes/s, and what N machines like this one would take, from the measured
 * keyframe times: frames are composed and encoded on the producer while keyframes render, so
 * between max(Σ keyframe times / N, the longest keyframe, the frames alone) and
 * max(Σ keyframe times / N, the longest keyframe) + the frames alone.
 *
 *   npm run build && node --import tsx bench/movie.ts [--to 1e-50] [--width 1280] [--height 720] [--seconds 10] [--reps 1]
 */
import type { ChildProcess } from 'node:child_process';
import { startChild } from './child.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ThreadsBackend } from '../dist/index.js';
import { ClusterBackend } from '../dist/cluster/index.js';
import { renderMovie, type MovieResult } from '../dist/movie/movie.js';
import { median } from '../dist/analysis/stats.js';
import { RedisServer } from '../test/helpers/redis.js';

const { values } = parseArgs({
  options: {
    to: { type: 'string', default: '1e-50' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '720' },
    seconds: { type: 'string', default: '10' },
    fps: { type: 'string', default: '30' },
    reps: { type: 'string', default: '1' },
  },
});
const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const spiral = JSON.parse(readFileSync(new URL('../test/fixtures/deep/spiral-1e-150.json', import.meta.url), 'utf8')) as {
  center: { re: string; im: string };
};
const dir = mkdtempSync(join(tmpdir(), 'mandel-bench-movie-'));
const movie = {
  center: spiral.center,
  from: '4',
  to: values.to,
  seconds: Number(values.seconds),
  fps: Number(values.fps),
  cols: Number(values.width),
  rows: Number(values.height),
};

const server = await RedisServer.start();
const workers: ChildProcess[] = [];
const threads = new ThreadsBackend({ workers: 2 });
const cluster = new ClusterBackend({ redis: server.url });
try {
  for (let i = 0; i < 2; i++) workers.push(await startChild([bin, 'worker', '--redis', server.url, '--threads', '1', '--json'], '"ready"'));
  await threads.start();
  await cluster.start();
  const runs = { threads: [] as MovieResult[], cluster: [] as MovieResult[], frames: [] as number[] };
  for (let r = 0; r < Number(values.reps); r++) {
    for (const [name, backend, parallel] of [
      ['threads', threads, 1],
      ['cluster', cluster, 4],
    ] as const) {
      const output = join(dir, `${name}-${r}.mp4`);
      const result = await renderMovie({ ...movie, backend, parallel, output });
      runs[name].push(result);
      console.log(`  ${name}: ${result.plan.keyframes.length} keyframes in ${(result.wallMs / 1000).toFixed(1)} s`);
    }
    // The frames alone: every keyframe of the threads run found on disk.
    const again = await renderMovie({
      ...movie,
      backend: threads,
      output: join(dir, `frames-${r}.mp4`),
      keyframesDir: join(dir, `threads-${r}.mp4.keyframes`),
    });
    if (again.rendered !== 0) throw new Error('the frames-only run rendered keyframes');
    runs.frames.push(again.wallMs);
  }
  // The same keyframes on both backends, count for count.
  const plan = runs.threads[0]!.plan;
  for (const keyframe of plan.keyframes) {
    const file = (name: string) => readFileSync(join(dir, `${name}-0.mp4.keyframes`, `k${String(keyframe.index).padStart(5, '0')}.npy`));
    if (Buffer.compare(file('threads'), file('cluster')) !== 0)
      throw new Error(`keyframe ${keyframe.index} differs between threads and cluster`);
  }
  const wall = (name: 'threads' | 'cluster') => median(runs[name].map((r) => r.wallMs)) / 1000;
  const frames = median(runs.frames) / 1000;
  const times = [...runs.threads[0]!.keyframeMs.values()].map((ms) => ms / 1000);
  const sum = times.reduce((a, b) => a + b, 0);
  const longest = Math.max(...times);
  const k = plan.keyframes.length;
  console.log(
    `\nmandel bench/movie: ${movie.seconds} s at ${movie.fps} fps, ${movie.cols} × ${movie.rows}, from 4 to ${movie.to} at the spiral M(24,1): ` +
      `${k} keyframes (maxiter ${plan.keyframes[0]!.maxiter} … ${plan.keyframes[k - 1]!.maxiter}), ${plan.frames} frames; median of ${values.reps}`,
  );
  console.log(`| run | wall | keyframes/s |\n| --- | --- | --- |`);
  console.log(`| threads, 2 threads | ${wall('threads').toFixed(1)} s | ${(k / wall('threads')).toFixed(2)} |`);
  console.log(
    `| cluster, 2 workers × 1 thread, 4 keyframes in flight | ${wall('cluster').toFixed(1)} s | ${(k / wall('cluster')).toFixed(2)} |`,
  );
  console.log(`| frames only (compose + encode, keyframes on disk) | ${frames.toFixed(1)} s | — |`);
  console.log(`cluster ÷ threads throughput: ${(wall('threads') / wall('cluster')).toFixed(2)}× (keyframes identical on both)`);
  console.log(
    `keyframes on 2 threads: ${sum.toFixed(1)} s in all, median ${median(times).toFixed(2)} s, longest ${longest.toFixed(2)} s (keyframe ${[...runs.threads[0]!.keyframeMs.entries()].find(([, ms]) => ms / 1000 === longest)![0]})`,
  );
  console.log(
    'estimate on N machines like this one (2 cores each), frames overlapping renders or not: ' +
      'max(Σ keyframes / N, longest keyframe, frames) … max(Σ keyframes / N, longest keyframe) + frames',
  );
  for (const n of [1, 2, 4, 8, 16, 64]) {
    const keyframes = Math.max(sum / n, longest);
    console.log(`  N = ${n}: ${Math.max(keyframes, frames).toFixed(1)} … ${(keyframes + frames).toFixed(1)} s`);
  }
} finally {
  await cluster.close();
  await threads.close();
  for (const worker of workers) worker.kill('SIGTERM');
  await server.destroy();
  rmSync(dir, { recursive: true, force: true });
}
