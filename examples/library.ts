// The README's library example, type-checked and run by the tests (test/examples.test.ts).
import { render, tutorialWorkload, ThreadsBackend, writeOutputs } from 'mandel';

// One call: a pool is started for the render and closed after it.
const result = await render(tutorialWorkload({ size: 1000, maxiter: 1000 }), { workers: 2 });
console.log(result.rows, result.cols, result.sum, result.iterations, result.computeMs);
// result.counts: Int32Array, rows × cols, row-major, top row first; result.trace: phases and chunks

// Save it: named options, every path checked before anything is written, each file written whole.
const dir = process.argv[2] ?? '.';
const files = await writeOutputs(result, { png: `${dir}/mandelbrot.png`, npy: `${dir}/counts.npy`, scale: 'histogram' });
console.log(files.map((file) => `${file.kind} ${file.path} ${file.bytes} bytes`).join('\n'));

// Many renders: keep the pool warm, and cancel with an AbortSignal.
const pool = new ThreadsBackend({ workers: 4 });
try {
  const controller = new AbortController();
  const zoom = await render(tutorialWorkload({ size: 2000, region: { x1: -0.75, x2: -0.74, y1: 0.1, y2: 0.11 } }), {
    backend: pool,
    schedule: 'interleaved',
    signal: controller.signal,
    onProgress: (donePoints, totalPoints) => console.error(`${donePoints}/${totalPoints} points`), // after every chunk
  });
  console.log(zoom.trace.chunks.map((c) => `${c.worker} ${c.startMs.toFixed(1)}–${c.endMs.toFixed(1)} ms`));
} finally {
  await pool.close();
}
