import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import { axisCoordinates } from '../src/axis.js';
import { SerialBackend } from '../src/backends/serial.js';
import { ThreadsBackend } from '../src/backends/threads.js';
import type { Backend } from '../src/backends/types.js';
import { bitmapPbm, renderBitmap } from '../src/bitmap.js';
import { chunkBitmapInput, computeBitmap, rowBytesOf } from '../src/kernels/bitmap.js';
import { NATIVE_FILE } from '../src/kernels/native.js';
import { encodePbm } from '../src/outputs/pbm.js';
import { render } from '../src/render.js';
import { viewWorkload } from '../src/deep/view.js';
import { benchmarksGameWorkload, gridWorkload } from '../src/workload.js';
import { kernelsHere, randomWorkloads } from './helpers/kernels.js';

/** The bits count == maxiter gives, row by row as a PBM holds them. */
function bitsOfCounts(counts: Int32Array, cols: number, maxiter: number): Uint8Array {
  return encodePbm(counts, counts.length / cols, cols, maxiter).subarray(`P4\n${cols} ${counts.length / cols}\n`.length);
}

/** Where two bitmaps differ, as "row r col c: got g" lines (at most 5). */
function differences(got: Uint8Array, want: Uint8Array, cols: number): string[] {
  const width = rowBytesOf(cols);
  const lines: string[] = [];
  for (let i = 0; i < want.length && lines.length < 5; i++) {
    if (got[i] === want[i]) continue;
    for (let bit = 0; bit < 8; bit++) {
      const mask = 0x80 >> bit;
      if ((got[i]! & mask) !== (want[i]! & mask))
        lines.push(`row ${Math.floor(i / width)} col ${(i % width) * 8 + bit}: got ${got[i]! & mask ? 1 : 0}`);
    }
  }
  return lines;
}

describe('membership bitmaps: exactly the bits of count == maxiter', () => {
  const workloads = randomWorkloads(120, 4321);
  const serial = new SerialBackend();
  const reference = workloads.map((workload) =>
    render(workload, { backend: serial, kernel: 'js', prune: false, chunks: 1 }).then((result) =>
      bitsOfCounts(result.counts, workload.re.count, workload.maxiter),
    ),
  );

  for (const kernel of kernelsHere()) {
    for (const prune of [false, true]) {
      it(`${kernel.name}${kernel.bitmap ? ' (its own bitmap loop)' : ' (bits from its counts)'}, ${prune ? 'pruned' : 'brute force'}: 120 random regions, widths not a multiple of 8, zooms to 1e-13`, async () => {
        for (const [i, workload] of workloads.entries()) {
          const re = axisCoordinates(workload.re);
          const im = axisCoordinates(workload.im);
          const bits = new Uint8Array(rowBytesOf(re.length) * im.length).fill(0xa5); // every byte must be written
          const chunk = { id: 0, row0: 0, rowStep: 1, rowCount: im.length, col0: 0, colCount: re.length };
          computeBitmap(kernel, chunkBitmapInput(chunk, re, im, workload.maxiter, bits, prune));
          const want = await reference[i]!;
          assert.deepEqual(differences(bits, want, re.length), [], `region ${i}: ${JSON.stringify(workload)}`);
        }
      });
    }
  }
});

describe('renderBitmap()', () => {
  const threads = new ThreadsBackend({ workers: 2 });
  after(() => threads.close());

  for (const [schedule, chunks] of [
    ['contiguous', 7],
    ['interleaved', 5],
  ] as const) {
    it(`on threads, ${schedule} chunks of whole rows: the bits, points in the set and PBM of render()'s counts`, async () => {
      const workload = gridWorkload({ width: 203, height: 61, maxiter: 300, region: { x1: -2.1, x2: 0.7, y1: -1.2, y2: 1.2 } });
      const counts = await render(workload, { backend: threads, kernel: 'js', chunks: 3 });
      const result = await renderBitmap(workload, { backend: threads, schedule, chunks });
      assert.ok(result.bits.buffer instanceof SharedArrayBuffer, 'written in place by the threads');
      assert.deepEqual(differences(result.bits, bitsOfCounts(counts.counts, 203, 300), 203), []);
      assert.equal(result.inSet, counts.counts.filter((count) => count === 300).length);
      assert.equal(result.chunks, chunks);
      assert.equal(result.trace.chunks.length, chunks);
      assert.deepEqual(Buffer.concat(bitmapPbm(result)), encodePbm(counts.counts, 61, 203, 300));
      assert.ok(result.iterations > 0 && result.computeMs > 0);
    });
  }

  it('refuses what it cannot do, by name: tiles, a deep view, a backend without a bitmap path, an option it does not know', async () => {
    const workload = benchmarksGameWorkload({ size: 16 });
    // render()'s `into` (counts) and `redis` are not a bitmap's; a typo is not ignored either.
    for (const [options, name] of [
      [{ backend: threads, into: new Int32Array(256) }, 'into'],
      [{ backend: threads, wrokers: 2 }, 'wrokers'],
    ] as const) {
      await assert.rejects(renderBitmap(workload, options as never), {
        code: 'ERR_INVALID_OPTION',
        message: new RegExp(`^unknown bitmap render option ${name}; known: backend, workers`),
      });
    }
    await assert.rejects(renderBitmap(workload, { backend: threads, schedule: 'tiles' }), /whole rows: use the contiguous or interleaved/);
    const deep = viewWorkload({ center: { re: '-0.75', im: '0.1' }, width: '1e-20', cols: 8, rows: 8, maxiter: 100 });
    await assert.rejects(renderBitmap(deep, { backend: threads }), /a deep view renders counts/);
    const countsOnly: Backend = {
      name: 'counts-only',
      workers: 1,
      defaultChunks: () => 1,
      run: (job, counts, hooks) => serialRun(job, counts, hooks),
      close: async () => {},
    };
    await assert.rejects(
      renderBitmap(workload, { backend: countsOnly }),
      /counts-only backend renders counts only: use render\(\) and encodePbm\(\)/,
    );
  });

  it('a cancelled bitmap render rejects with ERR_ABORTED and leaves the pool usable', async () => {
    const controller = new AbortController();
    const workload = benchmarksGameWorkload({ size: 2000 });
    const pending = renderBitmap(workload, { backend: threads, prune: false, signal: controller.signal, chunks: 200 });
    setTimeout(() => controller.abort(), 5);
    await assert.rejects(pending, (error: Error & { code?: string }) => error.code === 'ERR_ABORTED');
    const after = await renderBitmap(benchmarksGameWorkload({ size: 200 }), { backend: threads });
    assert.equal(after.inSet, 15_899);
  });
});

describe('the native bitmap call checks its arguments', () => {
  const addon = (() => {
    try {
      return createRequire(import.meta.url)(NATIVE_FILE.pathname) as {
        bitmap: (...args: unknown[]) => number;
      };
    } catch {
      return undefined;
    }
  })();
  it('rows that do not fit in out, or a row narrower than its points, are a RangeError; wrong types a TypeError', { skip: !addon }, () => {
    const re = new Float64Array(17);
    const im = new Float64Array(3);
    assert.throws(() => addon!.bitmap(re, im, 50, new Uint8Array(3 * 3 - 1), 0, 3, false, true), RangeError);
    assert.throws(() => addon!.bitmap(re, im, 50, new Uint8Array(64), 0, 2, false, true), RangeError); // 17 points need 3 bytes
    assert.throws(() => addon!.bitmap(re, im, 50, new Int32Array(64), 0, 3, false, true), TypeError);
    assert.throws(() => addon!.bitmap(re, im, 0, new Uint8Array(64), 0, 3, false, true), TypeError);
    assert.ok(addon!.bitmap(re, im, 50, new Uint8Array(9), 0, 3, false, true) >= 0);
  });
});

async function serialRun(...args: Parameters<Backend['run']>): Promise<void> {
  return new SerialBackend().run(...args);
}
