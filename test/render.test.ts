import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThreadsBackend } from '../src/backends/threads.js';
import { render } from '../src/render.js';
import { TraceRecorder } from '../src/trace.js';
import { tutorialWorkload } from '../src/workload.js';

describe('render on the serial backend', () => {
  it('reports progress after every chunk, rising to the total', async () => {
    const seen: number[] = [];
    const result = await render(tutorialWorkload({ size: 200, maxiter: 100 }), {
      backend: 'serial',
      chunks: 10,
      onProgress: (done, total) => seen.push(done / total),
    });
    assert.equal(seen.length, 10);
    assert.ok(seen.every((v, i) => i === 0 || v > seen[i - 1]!));
    assert.equal(seen.at(-1), 1);
    assert.equal(result.trace.chunks.length, 10);
  });

  it('stops with ERR_ABORTED when its signal fires mid-render, and never returns partial counts', async () => {
    const controller = new AbortController();
    await assert.rejects(
      render(tutorialWorkload({ size: 400, maxiter: 500 }), {
        backend: 'serial',
        chunks: 50,
        signal: controller.signal,
        onProgress: (done) => done > 0 && controller.abort(),
      }),
      { code: 'ERR_ABORTED' },
    );
  });

  it('refuses to start when its signal has already fired', async () => {
    await assert.rejects(render(tutorialWorkload({ size: 10 }), { backend: 'serial', signal: AbortSignal.abort() }), {
      code: 'ERR_ABORTED',
    });
  });

  it('gives the same counts whatever the schedule or chunk count', async () => {
    const workload = tutorialWorkload({ size: 150, maxiter: 200 });
    const reference = await render(workload, { backend: 'serial', chunks: 1 });
    for (const schedule of ['contiguous', 'interleaved', 'tiles'] as const) {
      for (const chunks of [2, 7, 30]) {
        const other = await render(workload, { backend: 'serial', schedule, chunks });
        assert.deepEqual(other.counts, reference.counts, `${schedule} × ${chunks}`);
      }
    }
  });

  it('rejects an unknown kernel and an unknown backend with their codes', async () => {
    await assert.rejects(render(tutorialWorkload({ size: 10 }), { backend: 'serial', kernel: 'gpu' }), { code: 'ERR_UNKNOWN_KERNEL' });
    await assert.rejects(render(tutorialWorkload({ size: 10 }), { backend: 'mpi' as 'serial' }), { code: 'ERR_UNKNOWN_BACKEND' });
  });

  it('refuses a misspelt render option, naming it, instead of ignoring it', async () => {
    const options = { backend: 'serial', wrokers: 2 } as unknown as Parameters<typeof render>[1];
    await assert.rejects(render(tutorialWorkload({ size: 10 }), options), {
      code: 'ERR_INVALID_OPTION',
      message: /unknown render option wrokers; known: backend, workers/,
    });
  });

  it('writes into a caller-given array when asked, reused across renders, and checks it first', async () => {
    const workload = tutorialWorkload({ size: 60 }); // 30 × 30 points
    const reference = await render(workload, { backend: 'serial' });
    const threads = new ThreadsBackend({ workers: 2 });
    try {
      const into = new Int32Array(new SharedArrayBuffer(900 * 4));
      for (let rep = 0; rep < 2; rep++) {
        into.fill(-1);
        const result = await render(workload, { backend: threads, into });
        assert.equal(result.counts, into, 'the result is the given array');
        assert.deepEqual(Int32Array.from(into), reference.counts);
      }
      await assert.rejects(render(workload, { backend: threads, into: new Int32Array(900) }), {
        code: 'ERR_INVALID_OPTION',
        message: /the threads backend writes in place: into must be on a SharedArrayBuffer/,
      });
      await assert.rejects(render(workload, { backend: 'serial', into: new Int32Array(899) }), {
        code: 'ERR_INVALID_OPTION',
        message: /into must be an Int32Array of 900 elements/,
      });
    } finally {
      await threads.close();
    }
  });

  it('traces every phase on one clock, with memory deltas when asked', async () => {
    const recorder = new TraceRecorder({ memory: true });
    await render(tutorialWorkload({ size: 100 }), { backend: 'serial', recorder });
    const names = recorder.trace.phases.map((p) => p.name);
    assert.deepEqual(names, ['coordinates', 'allocate', 'compute', 'summarise']);
    const allocate = recorder.trace.phases[1]!;
    assert.ok(allocate.memoryDelta!.arrayBuffers >= 2500 * 4, 'the counts buffer shows in array buffers');
    const phases = recorder.trace.phases;
    assert.ok(phases.every((p, i) => p.endMs >= p.startMs && (i === 0 || p.startMs >= phases[i - 1]!.endMs)));
  });
});
