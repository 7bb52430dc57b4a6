import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ThreadsBackend } from '../src/backends/threads.js';
import './fixtures/faulty-kernels.js';
import { SCHEDULES } from '../src/plan.js';
import { render } from '../src/render.js';
import { gridWorkload, tutorialWorkload, type Workload } from '../src/workload.js';
import { viewWorkload } from '../src/deep/view.js';

const faulty = new URL('./fixtures/faulty-kernels.ts', import.meta.url);

/** A grid whose row at index `row` has imaginary part exactly 0.25 (the faulty kernels' trigger). */
function poisonedWorkload(): Workload {
  // Rows from 0.5 down in steps of 0.015625 (exact in binary): row 16 is 0.25.
  return gridWorkload({ width: 40, height: 48, maxiter: 100, region: { x1: -2, x2: 0.5, y1: 0.5 - 48 * 0.015625, y2: 0.5 } });
}

describe('the threads backend', () => {
  const pools = new Map<number, ThreadsBackend>();
  before(() => {
    for (const workers of [1, 2, 3]) pools.set(workers, new ThreadsBackend({ workers, kernelModules: [faulty] }));
  });
  after(async () => {
    for (const pool of pools.values()) await pool.close();
  });

  it('equals the serial reference for every schedule, chunk count and worker count (random workloads)', async () => {
    let seed = 2013;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    for (let trial = 0; trial < 40; trial++) {
      const x1 = -2.2 + random() * 2;
      const y1 = -1.3 + random() * 1.8;
      const span = 10 ** (-random() * 4); // down to 1e-4: zooms where counts are large
      const workload = gridWorkload({
        width: 1 + Math.floor(random() * 70),
        height: 1 + Math.floor(random() * 70),
        maxiter: 1 + Math.floor(random() * 400),
        region: { x1, x2: x1 + span, y1, y2: y1 + span },
      });
      const options = { schedule: pick(SCHEDULES), chunks: 1 + Math.floor(random() * 40) };
      const workers = pick([1, 2, 3]);
      const serial = await render(workload, { backend: 'serial', chunks: 1 });
      const threads = await render(workload, { backend: pools.get(workers)!, ...options });
      assert.deepEqual(threads.counts, serial.counts, `trial ${trial}: ${JSON.stringify({ workload, options, workers })}`);
      assert.equal(threads.iterations, serial.iterations);
      assert.equal(threads.workers, workers);
    }
  });

  it('traces every chunk once: its worker lane, times inside the compute phase, no bytes copied back', async () => {
    const result = await render(poisonedWorkload(), { backend: pools.get(2)!, chunks: 12, schedule: 'interleaved' });
    const ids = result.trace.chunks.map((event) => event.chunk.id).sort((a, b) => a - b);
    assert.deepEqual(ids, [...Array(12).keys()]);
    const compute = result.trace.phases.find((phase) => phase.name === 'compute')!;
    for (const event of result.trace.chunks) {
      assert.match(event.worker, /^thread-[12]$/);
      assert.ok(event.queuedMs <= event.startMs + 1 && event.startMs <= event.endMs, JSON.stringify(event));
      assert.ok(event.startMs >= compute.startMs - 1 && event.endMs <= compute.endMs + 1, JSON.stringify(event));
      assert.equal(event.bytesOut, 0, 'counts are written in place on shared memory');
      assert.ok(event.bytesIn > 0 && event.bytesIn < 1000, `a chunk descriptor is small (${event.bytesIn} bytes)`);
    }
    assert.ok(result.trace.phases.some((phase) => phase.name === 'start workers'));
  });

  it('reports each chunk as it starts, before its end, on the thread that ends it, at the time the end reports', async () => {
    const starts: { id: number; worker: string; startMs: number; ended: boolean }[] = [];
    const ended = new Set<number>();
    const result = await render(tutorialWorkload({ size: 400, maxiter: 300 }), {
      backend: pools.get(2)!,
      chunks: 16,
      kernel: 'js',
      onChunkStart: (event) =>
        starts.push({ id: event.chunk.id, worker: event.worker, startMs: event.startMs, ended: ended.has(event.chunk.id) }),
      onChunk: (event) => ended.add(event.chunk.id),
    });
    assert.deepEqual(
      starts.map((s) => s.id).sort((a, b) => a - b),
      [...Array(16).keys()],
    );
    for (const event of result.trace.chunks) {
      const start = starts.find((s) => s.id === event.chunk.id)!;
      assert.equal(start.ended, false, `chunk ${start.id} started after it ended`);
      assert.equal(start.worker, event.worker);
      assert.ok(Math.abs(start.startMs - event.startMs) < 0.01, `${start.startMs} vs ${event.startMs}`);
    }
  });

  it('names the failing chunk when a kernel throws, and keeps serving afterwards', async () => {
    const backend = pools.get(2)!;
    await assert.rejects(
      render(poisonedWorkload(), { backend, kernel: 'throws-on-row', chunks: 6, schedule: 'contiguous' }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_CHUNK_FAILED');
        assert.match(error.message, /^chunk 2 \(rows 16–23, columns 0–39\) failed in a worker thread: poisoned row at im = 0\.25$/);
        return true;
      },
    );
    const again = await render(poisonedWorkload(), { backend, chunks: 6 });
    const serial = await render(poisonedWorkload(), { backend: 'serial' });
    assert.deepEqual(again.counts, serial.counts);
  });

  it('names the failing chunk when its worker thread dies, and the pool replaces the thread', async () => {
    const backend = pools.get(2)!;
    await backend.start();
    const threadsBefore = backend.threadIds();
    await assert.rejects(
      render(poisonedWorkload(), { backend, kernel: 'exits-on-row', chunks: 6, schedule: 'contiguous' }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_CHUNK_FAILED');
        assert.match(error.message, /^chunk 2 \(rows 16–23, columns 0–39\) failed in a worker thread: .+/);
        return true;
      },
    );
    const again = await render(poisonedWorkload(), { backend, chunks: 6 });
    assert.equal(again.trace.chunks.length, 6);
    assert.deepEqual(new Set(again.trace.chunks.map((event) => event.worker)).size <= 2, true);
    // The dead thread's place was taken by a new thread, with an id never seen before. (Two new
    // ones when the other thread was stopped mid-chunk by the failed render's cancellation: a
    // matter of timing, seen on a loaded machine.)
    const fresh = backend.threadIds().filter((id) => !threadsBefore.includes(id));
    const seen = `threads before ${threadsBefore.join(',')}, now ${backend.threadIds().join(',')}`;
    assert.ok(fresh.length >= 1 && fresh.length <= 2, seen);
    const serial = await render(poisonedWorkload(), { backend: 'serial' });
    assert.deepEqual(again.counts, serial.counts);
  });

  it('stops promptly with ERR_ABORTED when cancelled, and runs the next render in full', async () => {
    const backend = pools.get(2)!;
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 120);
    // 400 tiles of at least 50 ms each on 2 threads take 10 s or more: stopping well before
    // that is cancellation, with a margin a loaded runner cannot use up.
    await assert.rejects(
      render(poisonedWorkload(), { backend, kernel: 'slow', schedule: 'tiles', chunks: 400, signal: controller.signal }),
      { code: 'ERR_ABORTED' },
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 5000, `cancellation took ${elapsed.toFixed(0)} ms`);
    const again = await render(poisonedWorkload(), { backend, chunks: 8 });
    assert.equal(again.trace.chunks.length, 8);
  });

  it('refuses to run once closed, with ERR_POOL_CLOSED (a program error, not bad usage)', async () => {
    const backend = new ThreadsBackend({ workers: 1 });
    await render(poisonedWorkload(), { backend, chunks: 2 });
    await backend.close();
    await assert.rejects(render(poisonedWorkload(), { backend, chunks: 2 }), { code: 'ERR_POOL_CLOSED' });
  });

  it('refuses counts that are not on shared memory, and a nonsense worker count', async () => {
    const backend = pools.get(1)!;
    const job = { workload: poisonedWorkload(), chunks: [], kernel: 'js', prune: false };
    await assert.rejects(backend.run(job, new Int32Array(4), { now: () => 0 }), { code: 'ERR_INVALID_OPTION' });
    for (const workers of [0, 1.5, -1, 10_000]) {
      assert.throws(() => new ThreadsBackend({ workers }), { code: 'ERR_INVALID_OPTION' }, `workers ${workers}`);
    }
  });
});

describe('a threads backend sized to the work (sizeToWork)', () => {
  it('a small render runs on the calling thread alone: no thread is started, the counts are the serial ones', async () => {
    const backend = new ThreadsBackend({ workers: 2, sizeToWork: true });
    try {
      const workload = gridWorkload({ width: 120, height: 90, maxiter: 200, region: { x1: -2, x2: 0.5, y1: -1.2, y2: 1.2 } });
      const result = await render(workload, { backend, chunks: 6 });
      const serial = await render(workload, { backend: 'serial', chunks: 1 });
      assert.deepEqual(result.counts, serial.counts);
      assert.deepEqual(new Set(result.trace.chunks.map((event) => event.worker)), new Set(['main']));
      assert.deepEqual(backend.threadIds(), [], 'no thread was started');
    } finally {
      await backend.close();
    }
  });

  it('a long render computes its first chunk on the calling thread, then starts the threads, which take every chunk left', async () => {
    const backend = new ThreadsBackend({ workers: 2, sizeToWork: true });
    try {
      // js, brute force: ~1 s on one thread here, so after one chunk of 24 the rest is far over 0.1 s.
      const workload = gridWorkload({ width: 600, height: 480, maxiter: 1000, region: { x1: -2, x2: 0.5, y1: -1.2, y2: 1.2 } });
      const result = await render(workload, { backend, kernel: 'js', prune: false, chunks: 24, schedule: 'interleaved' });
      const serial = await render(workload, { backend: 'serial', kernel: 'js', prune: false, chunks: 1 });
      assert.deepEqual(result.counts, serial.counts);
      const workers = result.trace.chunks.map((event) => event.worker);
      assert.equal(workers.filter((worker) => worker === 'main').length, 1, workers.join(' '));
      assert.deepEqual(new Set(workers.filter((worker) => worker !== 'main')), new Set(['thread-1', 'thread-2']));
      // Started now, the pool serves the next render as an ordinary one.
      const again = await render(workload, { backend, kernel: 'js', chunks: 4 });
      assert.ok(again.trace.chunks.every((event) => event.worker !== 'main'));
    } finally {
      await backend.close();
    }
  });

  it('plans chunks the calling thread may take, whatever the core count: the default workload on one thread starts none', async () => {
    const workload = tutorialWorkload({});
    // One thread (a one-core machine): 4 chunks a thread would each be 62.5 M point-iterations,
    // over the limit; sized to the work, there are 8 (31.25 M each), and all run here.
    const one = new ThreadsBackend({ workers: 1, sizeToWork: true });
    try {
      assert.equal(new ThreadsBackend({ workers: 1 }).defaultChunks(250_000, 1000), 4, 'unsized: 4 a thread');
      assert.equal(one.defaultChunks(250_000, 1000), 8);
      const result = await render(workload, { backend: one });
      assert.equal(result.chunks, 8);
      assert.deepEqual(new Set(result.trace.chunks.map((event) => event.worker)), new Set(['main']));
      assert.deepEqual(one.threadIds(), [], 'no thread was started');
    } finally {
      await one.close();
    }
    // Never more than 8 a thread: a big render is for the threads anyway.
    assert.equal(new ThreadsBackend({ workers: 2, sizeToWork: true }).defaultChunks(250_000, 100_000), 16);
    assert.equal(
      new ThreadsBackend({ workers: 2, sizeToWork: true }).defaultChunks(16_000_000, 1000),
      62,
      'as unsized: 256 Ki points a chunk',
    );
  });

  it('a chunk too big to leave Ctrl-C unanswered (points × maxiter over 2^25) goes to the threads at once', async () => {
    const backend = new ThreadsBackend({ workers: 2, sizeToWork: true });
    try {
      const workload = gridWorkload({ width: 600, height: 480, maxiter: 1000, region: { x1: -2, x2: 0.5, y1: -1.2, y2: 1.2 } });
      const result = await render(workload, { backend, chunks: 1 });
      assert.deepEqual(
        result.trace.chunks.map((event) => event.worker),
        ['thread-1'],
      );
    } finally {
      await backend.close();
    }
  });

  it('a deep view is timed, not bounded by points × maxiter: a quick one runs here alone, a long one on the threads at once', async () => {
    const readme = { re: '-0.77568376800905379746948350393', im: '0.13646736829469012473327440961' };
    // 29 digits at 1e-100: every point escapes after 1,601 updates, nearly all skipped (~50 ns a
    // point), where points × maxiter (49,152 × 20,000) would have sent every chunk to the threads.
    const quick = viewWorkload({ center: readme, width: '1e-100', cols: 256, rows: 192, maxiter: 20_000 });
    // The spiral at M(24,1), 1e-25: ~0.25 s of work on one thread with series and BLA.
    const long = viewWorkload({ center: readme, width: '1e-25', cols: 512, rows: 384, maxiter: 20_000 });
    const backend = new ThreadsBackend({ workers: 2, sizeToWork: true });
    try {
      const here = await render(quick, { backend, chunks: 8 });
      assert.deepEqual(new Set(here.trace.chunks.map((event) => event.worker)), new Set(['main']));
      assert.deepEqual(backend.threadIds(), [], 'no thread was started');
      assert.deepEqual(here.counts, (await render(quick, { backend: 'serial' })).counts);
      const there = await render(long, { backend, chunks: 8 });
      const workers = there.trace.chunks.map((event) => event.worker);
      assert.ok(!workers.includes('main'), workers.join(' '));
      assert.deepEqual(there.counts, (await render(long, { backend: 'serial' })).counts);
    } finally {
      await backend.close();
    }
  });

  it('a chunk failing on the calling thread is named as such, and the render stops there', async () => {
    // The faulty kernels are registered in this thread too (imported above), so it runs them.
    const backend = new ThreadsBackend({ workers: 2, sizeToWork: true });
    try {
      await assert.rejects(
        render(poisonedWorkload(), { backend, kernel: 'throws-on-row', chunks: 6, schedule: 'contiguous' }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'ERR_CHUNK_FAILED');
          assert.match(error.message, /^chunk 2 \(rows 16–23, columns 0–39\) failed in the main thread: poisoned row at im = 0\.25$/);
          return true;
        },
      );
      assert.deepEqual(backend.threadIds(), [], 'nothing after the failure started the threads');
    } finally {
      await backend.close();
    }
  });

  it('a kernel registered by a module runs on the threads only (the calling thread does not have it)', async () => {
    const backend = new ThreadsBackend({ workers: 1, sizeToWork: true, kernelModules: [faulty] });
    try {
      const result = await render(poisonedWorkload(), { backend, kernel: 'js', chunks: 3 });
      assert.ok(result.trace.chunks.every((event) => event.worker === 'thread-1'));
    } finally {
      await backend.close();
    }
  });
});
