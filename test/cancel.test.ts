/**
 * Cancelling a render stops its work, not only its promise: the threads' CPU time (read from
 * /proc through process.cpuUsage(), which sums every thread of the process) must fall to
 * nothing within a second of the abort, on the native kernel too — whose C loop a thread's
 * termination alone does not stop — and the reference orbit of a deep view stops between two
 * of its slices. Ctrl-C and SIGTERM on a deep `mandel run` end it within a second.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ThreadsBackend } from '../src/backends/threads.js';
import { viewWorkload } from '../src/deep/view.js';
import { AbortError } from '../src/errors.js';
import { nativeIsas } from '../src/kernels/native.js';
import { render } from '../src/render.js';
import { gridWorkload } from '../src/workload.js';

const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const nativeSkip = nativeIsas().some((isa) => isa.supported) ? false : 'the native addon is not built';
/** A point deep in Seahorse Valley whose neighbourhood keeps iterating (no pixel escapes early). */
const SEAHORSE = { re: '-0.743643887037158704752191506114774', im: '0.131825904205311970493132056385139' };

/** CPU seconds this process (every thread) spends over `ms`. */
async function cpuSecondsOver(ms: number): Promise<number> {
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

describe('cancelling a render stops its threads', { skip: nativeSkip }, () => {
  let backend: ThreadsBackend;
  before(async () => {
    backend = new ThreadsBackend({ workers: 2 });
    await backend.start();
  });
  after(() => backend.close());

  /** Starts the render, checks it is burning CPU, aborts it, and measures the CPU a second later. */
  async function abortAndMeasure(workload: Parameters<typeof render>[0], startedAfterMs: number) {
    const controller = new AbortController();
    const running = render(workload, { backend, kernel: 'native', prune: false, chunks: 2, signal: controller.signal });
    const outcome = running.then(
      () => 'finished',
      (error: unknown) => (error instanceof AbortError ? 'aborted' : `failed: ${(error as Error).message}`),
    );
    await new Promise((resolve) => setTimeout(resolve, startedAfterMs));
    const busy = await cpuSecondsOver(500);
    // Both threads would give ~1 s; a busy machine less, but never near nothing.
    assert.ok(busy > 0.3, `the render used only ${busy.toFixed(2)} s of CPU in 0.5 s before the abort: not running`);
    controller.abort();
    assert.equal(await outcome, 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return cpuSecondsOver(1000);
  }

  it('brute force on the native kernel: CPU stops within a second of the abort', async () => {
    // Interior points at maxiter 10^7, no pruning: ~6·10^11 updates, minutes of both cores.
    const workload = gridWorkload({ width: 256, height: 256, maxiter: 10_000_000, region: { x1: -0.3, x2: 0.1, y1: -0.2, y2: 0.2 } });
    const idle = await abortAndMeasure(workload, 300);
    assert.ok(idle < 0.25, `after the abort the process still used ${idle.toFixed(2)} s of CPU per second`);
  });

  it('perturbation on the native kernel: CPU stops within a second of the abort', async () => {
    // 1e-30 wide inside the main cardioid: no pixel ever escapes; without skipping (prune off),
    // 6.5·10^10 updates at maxiter 10^6, a minute of both cores.
    const workload = viewWorkload({ center: { re: '-0.1', im: '0.1' }, width: '1e-30', cols: 256, rows: 256, maxiter: 1_000_000 });
    assert.ok(workload.deep);
    const idle = await abortAndMeasure(workload, 2500);
    assert.ok(idle < 0.25, `after the abort the process still used ${idle.toFixed(2)} s of CPU per second`);
  });

  it('a deep render aborted while its reference orbit is computed stops at once', async () => {
    // 3,400 bits, maxiter 2,000,000: several seconds of BigInt arithmetic on this thread.
    const workload = viewWorkload({ center: SEAHORSE, width: '1e-1000', cols: 8, rows: 8, maxiter: 2_000_000 });
    const controller = new AbortController();
    const running = render(workload, { backend, signal: controller.signal });
    const timer = setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    await assert.rejects(running, AbortError);
    clearTimeout(timer);
    assert.ok(performance.now() - started < 1300, `the orbit stopped ${(performance.now() - started).toFixed(0)} ms after the start`);
  });
});

describe('mandel run on a deep view: signals', () => {
  it(
    'SIGTERM while the native kernel computes points in the extended form (1e-300, no skipping) ends the run within a second',
    { skip: nativeSkip },
    async () => {
      // Every point starts below 2^-460 and runs 10^6 updates in the extended loop, where a lane's
      // refill used to run whole points without looking at the cancel flag.
      const child = spawn(
        process.execPath,
        [bin, 'run', '--center', `${SEAHORSE.re},${SEAHORSE.im}`, '--zoom', '1e-300', '-m', '1000000', '--no-prune', '--no-progress'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      await new Promise((resolve) => setTimeout(resolve, 5000)); // the orbit (~1.5 s), then points
      const sent = performance.now();
      child.kill('SIGTERM');
      const [exitCode] = (await once(child, 'exit')) as [number | null];
      const took = performance.now() - sent;
      assert.equal(exitCode, 143, stderr);
      assert.ok(took < 1000, `exit ${took.toFixed(0)} ms after SIGTERM`);
    },
  );

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} during the reference orbit ends the run within a second, with exit code ${code}`, async () => {
      const child = spawn(
        process.execPath,
        [
          bin,
          'run',
          '--center',
          `${SEAHORSE.re},${SEAHORSE.im}`,
          '--zoom',
          '1e-1000',
          '--width',
          '8',
          '--height',
          '8',
          '-m',
          '3000000',
          '--no-progress',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      await new Promise((resolve) => setTimeout(resolve, 1500)); // started, and in the orbit (~10 s of it)
      const sent = performance.now();
      child.kill(signal);
      const [exitCode] = (await once(child, 'exit')) as [number | null];
      const took = performance.now() - sent;
      assert.equal(exitCode, code, stderr);
      assert.ok(took < 1000, `exit ${took.toFixed(0)} ms after ${signal}`);
    });
  }
});
