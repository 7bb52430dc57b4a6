/**
 * Serial vs threads, side by side in one run: the default workload and a larger one, at
 * 1, 2, 4 and 8 threads, every schedule, one chunk per thread (the tutorial's split), the
 * default chunk count, and 64 chunks. Medians of several runs; pool start-up reported apart from
 * compute. Brute force, js kernel. Uses the compiled library (npm run build first).
 *
 *   node --import tsx bench/threads.ts [--sizes 1000,4000] [--workers 1,2,4,8] [--reps 3] [--timelines DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SCHEDULES, ThreadsBackend, render, timelineSvg, tutorialWorkload, type Schedule } from '../dist/index.js';
import { median } from '../dist/analysis/stats.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,4000' },
    workers: { type: 'string', default: '1,2,4,8' },
    reps: { type: 'string', default: '3' },
    timelines: { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const workerCounts = values.workers.split(',').map(Number);
const reps = Number(values.reps);
const cores = availableParallelism();

const ms = (x: number) => x.toFixed(1).padStart(8);

console.log(`mandel bench/threads: ${cores} cores available, js kernel, brute force, median of ${reps} runs per point\n`);
/** Brute force with the reference kernel: the same work whatever the backend. */
const BRUTE = { kernel: 'js', prune: false } as const;
const serialRun = async (workload: ReturnType<typeof tutorialWorkload>) =>
  (await render(workload, { backend: 'serial', chunks: 1, ...BRUTE })).computeMs;

for (const size of sizes) {
  const workload = tutorialWorkload({ size, maxiter: 1000 });
  // The machine is shared and drifts by ±5% over a minute, so serial is re-measured right
  // before every configuration and each speed-up uses the serial median of the whole sweep.
  const serialTimes: number[] = [await serialRun(workload)];
  const rows: { workers: number; schedule: Schedule; chunks: number; startup: number; compute: number; busy: number }[] = [];
  for (const workers of workerCounts) {
    const backend = new ThreadsBackend({ workers });
    const startAt = performance.now();
    await backend.start();
    const startup = performance.now() - startAt;
    try {
      for (const schedule of SCHEDULES as readonly Schedule[]) {
        for (const chunks of [...new Set([workers, backend.defaultChunks(workload.re.count * workload.im.count, workload.maxiter), 64])]) {
          serialTimes.push(await serialRun(workload));
          const times: number[] = [];
          const busy: number[] = [];
          let last;
          for (let r = 0; r < reps; r++) {
            last = await render(workload, { backend, schedule, chunks, ...BRUTE });
            times.push(last.computeMs);
            const busyMs = last.trace.chunks.reduce((sum, e) => sum + e.endMs - e.startMs, 0);
            busy.push(busyMs / (last.computeMs * Math.min(workers, cores)));
          }
          rows.push({ workers, schedule, chunks: last!.chunks, startup, compute: median(times), busy: median(busy) });
          if (values.timelines) {
            mkdirSync(values.timelines, { recursive: true });
            writeFileSync(join(values.timelines, `size${size}-w${workers}-${schedule}-c${last!.chunks}.svg`), timelineSvg(last!.trace));
          }
        }
      }
    } finally {
      await backend.close();
    }
  }
  const serial = median(serialTimes);
  const first = await render(workload, { backend: 'serial', chunks: 1, ...BRUTE });
  console.log(`--size ${size}: ${workload.im.count} × ${workload.re.count} points, ${first.iterations.toLocaleString('en')} iterations`);
  console.log(`  serial backend (main thread), median of ${serialTimes.length}:            compute ${ms(serial)} ms`);
  console.log('  workers  schedule     chunks   start-up ms   compute ms   speed-up   efficiency   busy%');
  for (const row of rows) {
    const speedup = serial / row.compute;
    console.log(
      `  ${String(row.workers).padStart(7)}  ${row.schedule.padEnd(12)} ${String(row.chunks).padStart(6)}   ${ms(row.startup)}     ${ms(row.compute)}   ${speedup.toFixed(2).padStart(8)}   ${(speedup / row.workers).toFixed(2).padStart(10)}   ${(row.busy * 100).toFixed(0).padStart(5)}`,
    );
  }
  const two = rows.filter((row) => row.workers === 2).sort((a, b) => a.compute - b.compute)[0];
  if (two) {
    // The headline figure, measured in pairs (serial, then threads) so that drift cancels.
    const backend = new ThreadsBackend({ workers: 2 });
    await backend.start();
    const ratios: number[] = [];
    try {
      for (let r = 0; r < Math.max(5, reps); r++) {
        const alone = await serialRun(workload);
        const parallel = (await render(workload, { backend, schedule: two.schedule, chunks: two.chunks, ...BRUTE })).computeMs;
        ratios.push(alone / parallel / 2);
      }
    } finally {
      await backend.close();
    }
    console.log(
      `  best at 2 workers: ${two.schedule} × ${two.chunks} chunks; efficiency in ${ratios.length} serial/threads pairs: median ${median(ratios).toFixed(3)} (${ratios.map((x) => x.toFixed(3)).join(' ')})`,
    );
  }
  console.log('');
}
console.log(`efficiency = speed-up / workers; busy% = chunk time / (compute time × min(workers, ${cores} cores)).`);
