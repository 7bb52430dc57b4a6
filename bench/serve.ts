/**
 * `mandel serve` under a browser's load, measured side by side in one run:
 *  1. time from request to the last tile of a 1280 × 720 view of the default region (the
 *     tiles at zoom 3 that cover it), cold cache, 6 connections as a browser opens, from a
 *     client on its own thread and event loop (bench/serve-client.mjs), as a browser's;
 *  2. tiles/s over a scripted zoom into the seahorse valley (zoom 2 … 14, 20 tiles a level);
 *  3. the server's overhead: points/s through /api/tile divided by points/s of render() on
 *     the same tiles and the same warm backend, at the same concurrency;
 *  then 1–3 again through the cluster (a redis-server and 2 local `mandel worker` processes
 *  of 1 thread each). There the ratio is given twice, measured alternately in one run:
 *  against render() on the cluster backend itself (the server's own overhead, as on threads),
 *  and against render() on the threads backend (what the server and the cluster together
 *  cost, Redis and the workers' hand-offs included, against computing in-process).
 *
 * Tiles are asked as the explorer asks them, with their smooth fractions (--no-smooth: without).
 *
 *   npm run build && node --import tsx bench/serve.ts [--reps 7] [--backends threads,cluster] [--no-smooth]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ThreadsBackend, render, type Backend } from '../dist/index.js';
import { ClusterBackend } from '../dist/cluster/index.js';
import { median } from '../dist/analysis/stats.js';
import { startServer } from '../dist/serve/server.js';
import { tileWorkload } from '../dist/serve/tiles.js';
import { RedisServer } from '../test/helpers/redis.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '7' },
    backends: { type: 'string', default: 'threads,cluster' },
    // The explorer asks every tile with its smooth fractions; --no-smooth measures tiles without.
    smooth: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const smooth = values.smooth;
const reps = Number(values.reps);
const backends = new Set(values.backends.split(','));
const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
/** Connections a browser opens to one host (the client uses as many). */
const BROWSER_CONNECTIONS = 6;

type Tile = { z: number; x: number; y: number };

/** The tiles of zoom z covering a width × height pixel view centred on (re, im). */
function viewTiles(re: number, im: number, z: number, width = 1280, height = 720): Tile[] {
  const side = 4 / 2 ** z;
  const perPixel = side / 256;
  const x0 = Math.floor((re - (width / 2) * perPixel + 2.5) / side);
  const x1 = Math.floor((re + (width / 2) * perPixel + 2.5) / side);
  const y0 = Math.floor((2 - (im + (height / 2) * perPixel)) / side);
  const y1 = Math.floor((2 - (im - (height / 2) * perPixel)) / side);
  const tiles: Tile[] = [];
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) tiles.push({ z, x, y });
  return tiles;
}

/** The browser: its own thread and event loop (bench/serve-client.mjs). */
const client = new Worker(new URL('./serve-client.mjs', import.meta.url));
client.unref();
let requests = 0;

/**
 * Fetches every tile, `BROWSER_CONNECTIONS` at a time, with pruning as the explorer asks by
 * default (and as renderAll renders: like for like); resolves with the wall time in ms.
 */
function fetchAll(base: string, tiles: Tile[], maxiter: number): Promise<number> {
  const id = ++requests;
  const urls = tiles.map(
    (t) => `${base}/api/tile/${t.z}/${t.x}/${t.y}?maxiter=${maxiter}&prune=1&format=counts16${smooth ? '&smooth=1' : ''}`,
  );
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { id: number; ms?: number; statuses?: number[]; error?: string }) => {
      if (reply.id !== id) return;
      client.off('message', onMessage);
      if (reply.error) return reject(new Error(reply.error));
      if (reply.statuses!.some((status) => status !== 200)) return reject(new Error(`statuses ${[...new Set(reply.statuses)].join(',')}`));
      resolve(reply.ms!);
    };
    client.on('message', onMessage);
    client.postMessage({ id, urls, connections: BROWSER_CONNECTIONS });
  });
}

/** The same tiles through render() on a backend directly, with the same concurrency. */
async function renderAll(backend: Backend, tiles: Tile[], maxiter: number): Promise<number> {
  const started = performance.now();
  const queue = [...tiles];
  await Promise.all(
    Array.from({ length: BROWSER_CONNECTIONS }, async () => {
      for (let tile = queue.shift(); tile; tile = queue.shift()) {
        await render(tileWorkload({ ...tile, maxiter }), { backend, chunks: 1, schedule: 'contiguous', prune: true, smooth });
      }
    }),
  );
  return performance.now() - started;
}

const zoomSequence = (): Tile[] => [2, 4, 6, 8, 10, 12, 14].flatMap((z) => viewTiles(-0.7453, 0.1127, z, 1280, 768).slice(0, 20));

async function measure(label: string, backend: Backend, reference: Backend, cluster = false) {
  // As `mandel serve` configures itself: the cluster takes every tile at once (its queue is
  // the wait line, and a queued job is cheap to cancel); threads hold 2 a thread.
  const server = await startServer({ backend, port: 0, maxInFlight: 256, ...(cluster ? { concurrency: 256, cancelRunning: true } : {}) });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const view = viewTiles(-0.75, 0, 3);
    await fetchAll(base, view, 999); // warm-up: threads, kernels, connections
    const firstView: number[] = [];
    for (let rep = 0; rep < reps; rep++) firstView.push(await fetchAll(base, view, 1000 + rep)); // a new maxiter: cold
    const sequence = zoomSequence();
    const zoomMs: number[] = [];
    for (let rep = 0; rep < Math.min(reps, 3); rep++) zoomMs.push(await fetchAll(base, sequence, 2000 + rep));
    const through: number[] = [];
    const direct: number[] = [];
    const sameBackend: number[] = [];
    for (let rep = 0; rep < Math.min(reps, 5); rep++) {
      through.push(await fetchAll(base, sequence, 3000 + rep));
      direct.push(await renderAll(reference, sequence, 3000 + rep));
      if (backend !== reference) sameBackend.push(await renderAll(backend, sequence, 3000 + rep));
    }
    const ratio = median(direct) / median(through);
    console.log(
      `${label}: ${view.length}-tile 1280×720 view, request to last tile: median ${median(firstView).toFixed(0)} ms ` +
        `(runs ${firstView.map((ms) => ms.toFixed(0)).join(', ')})`,
    );
    console.log(
      `${label}: zoom sequence of ${sequence.length} tiles (zoom 2…14): ${((sequence.length / median(zoomMs)) * 1000).toFixed(0)} tiles/s`,
    );
    if (sameBackend.length > 0) {
      console.log(
        `${label}: points/s through /api/tile ÷ render() on the same backend (the server's overhead), same tiles: ` +
          `${(median(sameBackend) / median(through)).toFixed(2)} (${median(through).toFixed(0)} ms vs ${median(sameBackend).toFixed(0)} ms, medians)`,
      );
    }
    console.log(
      `${label}: points/s through /api/tile ÷ render() on the threads backend, same tiles: ${ratio.toFixed(2)} ` +
        `(${median(through).toFixed(0)} ms vs ${median(direct).toFixed(0)} ms, medians)`,
    );
  } finally {
    await server.close();
  }
}

const threads = new ThreadsBackend({ workers: 2 });
await threads.start();
try {
  if (backends.has('threads')) await measure('threads, 2 threads, native', threads, threads);
  if (backends.has('cluster')) {
    const redis = await RedisServer.start();
    const workers: ChildProcess[] = [0, 1].map(() =>
      spawn(process.execPath, [bin, 'worker', '--redis', redis.url, '--threads', '1'], { stdio: 'ignore' }),
    );
    const cluster = new ClusterBackend({ redis: redis.url });
    try {
      await cluster.start();
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the workers connect
      await measure('cluster, 2 workers × 1 thread', cluster, threads, true);
    } finally {
      await cluster.close();
      for (const worker of workers) worker.kill('SIGTERM');
      await redis.destroy();
    }
  }
} finally {
  await threads.close();
}
