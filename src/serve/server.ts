/**
 * The HTTP server of `mandel serve`: the explorer's tiles, "watch a render", the live event
 * stream of the dashboard, and the pages themselves — over the same library calls as the
 * CLI (render() on a backend kept warm). node:http and Server-Sent Events: the browser only
 * listens, so a one-way stream needs no WebSocket library.
 *
 * Bad requests get a 4xx and one line of JSON ({"error", "code"}); nothing a client sends
 * can crash or block the server: tile renders in flight are bounded (503 with Retry-After
 * past the bound), bodies and headers are bounded, and a tile whose request goes away is
 * cancelled on the backend with it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { availableParallelism, hostname } from 'node:os';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { explain } from '../analysis/explain.js';
import { deepCentre, referenceBits, referenceOrbitAsync, type ReferenceOrbit } from '../deep/reference.js';
import { viewWorkload } from '../deep/view.js';
import type { Backend } from '../backends/types.js';
import { AbortError, isMandelError } from '../errors.js';
import { getDeepKernel, getKernel, kernelNames } from '../kernels/registry.js';
import { COLORMAPS, colormapTable } from '../outputs/colormap.js';
import { encodePng } from '../outputs/png.js';
import { sampleGrid } from '../outputs/surface3d.js';
import { SCHEDULES } from '../plan.js';
import { render } from '../render.js';
import type { RenderResult } from '../result.js';
import { parseOrThrow } from '../schema.js';
import { laneSummaries, TraceRecorder, type ChunkEvent, type ChunkStart } from '../trace.js';
import { tutorialWorkload, type Workload } from '../workload.js';
import { asset } from './assets.js';
import { allow, authorise, bytesOf, guardRequest, HttpError, readJson, send, sendJson } from './http.js';
import { Slots } from './slots.js';
import { TileCache, type TileEntry } from './tile-cache.js';
import { movieRoutes } from './movies.js';
import { colourFields, decimalText, DOUBLE_ZOOM, MAX_ZOOM, TILE_SIZE, tileQuerySchema, tileRegion, tileWorkload, WORLD } from './tiles.js';

/**
 * What the dashboard shows of a cluster that the server cannot see from its own renders; a
 * ClusterClient (the cluster backend's own) is one.
 */
export interface ClusterView {
  workers(): Promise<{ name: string; address?: string }[]>;
  queueStatus(): Promise<{ waiting: number; active: number; delayed: number; failed: number }>;
  redisMemoryBytes(): Promise<number>;
}

export interface ServeOptions {
  /** Where tiles and renders run; kept warm for the server's life, closed by its owner. */
  readonly backend: Backend;
  readonly host?: string;
  readonly port?: number;
  /** Required on every request; default: none on loopback, a random one elsewhere. */
  readonly token?: string;
  /** Tile renders in flight or queued at once; more get 503 (default 64). */
  readonly maxInFlight?: number;
  /** Bytes of tile counts kept for reuse (default 64 MiB). */
  readonly cacheBytes?: number;
  /** Bytes of deep tiles' reference orbits kept for reuse (default 64 MiB). */
  readonly orbitCacheBytes?: number;
  /**
   * Deep tiles (past zoom 32) in flight at once, on their own bound below maxInFlight: each
   * computes its reference orbit on the server's thread, in slices (default: one per worker).
   */
  readonly maxDeepInFlight?: number;
  /** The cluster's own view (workers, queue, Redis memory), when the backend is the cluster. */
  readonly cluster?: ClusterView;
  /** Tiles handed to the backend at once; the rest wait here, where dropping one costs nothing. Default: 2 per worker. */
  readonly concurrency?: number;
  /**
   * Whether a tile already handed to the backend is cancelled when its request goes away.
   * On the threads backend that would stop (and replace) the thread: a tile takes
   * milliseconds, so it is left to finish. On the cluster it removes the queued job.
   */
  readonly cancelRunning?: boolean;
  /**
   * Whether `counts16` tiles are gzipped for a client that accepts it. Default: only when the
   * server listens beyond loopback. On loopback the bytes cost less than gzip does (zlib's
   * fastest level takes 0.1–0.8 ms a tile of the CPU the kernels need, bench/serve.ts); over
   * a network tiles shrink 4–200×.
   */
  readonly gzip?: boolean;
  /**
   * Host names the server answers to besides IP addresses and localhost (behind a proxy, or a
   * name in /etc/hosts). Off loopback the machine's own name is added. Any other Host: 403.
   */
  readonly allowedHosts?: readonly string[];
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** The token in the URL, when one is required. */
  readonly token?: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAX_HEADER_BYTES = 8 * 1024;
const MAX_EVENT_CLIENTS = 32;
/**
 * A tile whose worst case costs more iterations than this (about half a second of the native
 * kernel) is cancelled even while it runs, at the price of a thread restart (~50 ms).
 */
const EXPENSIVE_TILE = 2e9;
/**
 * A render the dashboard watches: the tutorial's grid (`size`), the demo of schedules, or a
 * view (`view`), the explorer's export at any depth. One at a time.
 */
const renderRequestSchema = z.strictObject({
  size: z.number().int().min(50).max(8000).default(4000),
  maxiter: z.number().int().min(1).max(100_000).default(1000),
  schedule: z.enum(SCHEDULES).default('contiguous'),
  chunks: z.number().int().min(1).max(4096).default(3),
  kernel: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,63}$/)
    .default('js'),
  prune: z.boolean().default(false),
  /** Smooth fractions too, so that the PNG can be coloured without steps (the explorer's export). */
  smooth: z.boolean().default(false),
  view: z
    .strictObject({
      re: decimalText,
      im: decimalText,
      width: decimalText,
      cols: z.number().int().min(16).max(4096),
      rows: z.number().int().min(16).max(4096),
    })
    .optional(),
});
/** The colours of a watched render's PNG: those of the explorer that asked for it. */
const imageQuerySchema = z.strictObject({ ...colourFields, token: z.string().optional() });

/** The tutorial's grid is a demo of schedules: its maxiter stays where a render takes seconds. */
const TUTORIAL_MAXITER = 5000;

interface WatchedRender {
  readonly id: string;
  readonly request: z.output<typeof renderRequestSchema>;
  readonly controller: AbortController;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** Points done so far, of the total. */
  done: number;
  readonly total: number;
  result?: RenderResult;
  /** What --explain would print for it (the same function, the same trace). */
  explanation?: string;
  error?: string;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? (LOOPBACK.has(host) ? undefined : randomBytes(16).toString('hex'));
  const backend = options.backend;
  const maxInFlight = options.maxInFlight ?? 64;
  const gzip = options.gzip ?? !LOOPBACK.has(host);
  const guard = {
    hostNames: new Set(
      [...(options.allowedHosts ?? []), ...(LOOPBACK.has(host) ? [] : [hostname()]), ...(isIP(host) === 0 ? [host] : [])].map((name) =>
        name.toLowerCase(),
      ),
    ),
  };
  const cache = new TileCache(options.cacheBytes ?? 64 * 2 ** 20, TILE_SIZE * TILE_SIZE);
  const counters = {
    inFlight: 0,
    tilesServed: 0,
    cacheHits: 0,
    cancelled: 0,
    rejected: 0,
    iterations: 0,
    deepInFlight: 0,
    orbitsComputed: 0,
    orbitHits: 0,
  };
  const clients = new Set<ServerResponse>();
  const renders = new Map<string, WatchedRender>();
  const slots = new Slots(options.concurrency ?? Math.max(2, 2 * backend.workers));
  const deepSlots = new Slots(options.maxDeepInFlight ?? Math.max(1, backend.workers));
  /**
   * Deep tiles' reference orbits, by tile: a tile asked again (another kernel, pruning, format,
   * or a lower maxiter, whose orbit is a prefix of a longer one) reuses its orbit. Tiles do not
   * share one: a reference at another tile's centre may escape before this tile's points do,
   * and rebasing at the end of an escaped reference loses the points' offsets, so the counts
   * would no longer be `mandel run`'s of the tile.
   */
  const orbits = new LRUCache<string, { maxiter: number; orbit: ReferenceOrbit }>({
    maxSize: options.orbitCacheBytes ?? 64 * 2 ** 20,
    sizeCalculation: ({ orbit }) => orbitBytes(orbit),
  });
  const allocateForBackend = (bytes: number) => (backend.sharedMemory ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  /** The orbit of a deep tile at this maxiter: from the cache, or computed in slices that let the server answer meanwhile. */
  const tileOrbit = async (key: string, workload: Workload, signal: AbortSignal): Promise<ReferenceOrbit> => {
    const cached = orbits.get(key);
    if (cached && cached.maxiter >= workload.maxiter) {
      counters.orbitHits++;
      return cached.orbit;
    }
    const deep = workload.deep!;
    const orbit = await referenceOrbitAsync(deepCentre(deep), referenceBits(deep), workload.maxiter, {
      allocate: allocateForBackend,
      signal,
    });
    counters.orbitsComputed++;
    orbits.set(key, { maxiter: workload.maxiter, orbit });
    return orbit;
  };
  // Tile-sized count buffers, reused: one per slot at most is ever out.
  const spare: Int32Array[] = [];
  const tileBuffer = () => spare.pop() ?? new Int32Array(allocateForBackend(TILE_SIZE * TILE_SIZE * Int32Array.BYTES_PER_ELEMENT));
  const spareFractions: Float32Array[] = [];
  const fractionBuffer = () =>
    spareFractions.pop() ?? new Float32Array(allocateForBackend(TILE_SIZE * TILE_SIZE * Float32Array.BYTES_PER_ELEMENT));
  let benchReport: string | undefined;
  let benchRunning = false;

  const broadcast = (event: string, data: unknown) => {
    if (clients.size === 0) return; // every tile's chunk passes here: no dashboard, no JSON
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of clients) client.write(frame);
  };

  /** A chunk as the dashboard's task stream draws it: one bar per chunk, on its lane. */
  const chunkEvent = (origin: number, event: ChunkEvent, kind: 'tile' | 'render', id: string, kernel: string) => {
    counters.iterations += event.iterations;
    broadcast('chunk', {
      kind,
      id,
      kernel,
      worker: event.worker,
      startEpochMs: origin + event.startMs,
      endEpochMs: origin + event.endMs,
      iterations: event.iterations,
      chunk: event.chunk,
    });
  };

  /** A chunk as it starts (threads backend): a bar from its start that grows until it ends. */
  const chunkStartEvent = (origin: number, event: ChunkStart, id: string) =>
    broadcast('chunk-start', { kind: 'render', id, worker: event.worker, startEpochMs: origin + event.startMs, chunk: event.chunk });

  const movies = movieRoutes(backend, broadcast, chunkEvent, chunkStartEvent);

  /** The server's counters and memory, as /api/stats answers and the dashboard's samples carry. */
  const snapshot = () => ({
    backend: backend.name,
    threads: backend.workers,
    ...counters,
    cacheBytes: cache.bytes,
    memory: process.memoryUsage(),
  });

  // Once a second: rates, memory, and the cluster's own view, for every dashboard open.
  let last = { at: Date.now(), tiles: 0, iterations: 0 };
  const sampler = setInterval(async () => {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - last.at) / 1000);
    const sample: Record<string, unknown> = {
      time: now,
      tilesPerSecond: (counters.tilesServed - last.tiles) / seconds,
      iterationsPerSecond: (counters.iterations - last.iterations) / seconds,
      ...snapshot(),
    };
    last = { at: now, tiles: counters.tilesServed, iterations: counters.iterations };
    if (options.cluster) {
      const [workers, queue, redisMemoryBytes] = await Promise.all([
        options.cluster.workers().catch(() => []),
        options.cluster.queueStatus().catch(() => undefined),
        options.cluster.redisMemoryBytes().catch(() => undefined),
      ]);
      Object.assign(sample, { workers, queue, redisMemoryBytes });
    }
    broadcast('stats', sample);
  }, 1000);
  sampler.unref();

  async function tile(request: IncomingMessage, response: ServerResponse, params: Record<string, string>, query: URLSearchParams) {
    const q = parseOrThrow(tileQuerySchema, { ...Object.fromEntries(query), ...params }, 'tile request');
    const deep = q.z > DOUBLE_ZOOM;
    // A deep tile runs on a kernel with perturbation (auto: the best); another is refused by name.
    const kernel = deep ? getDeepKernel(q.kernel).name : getKernel(q.kernel).name;
    const prune = q.prune === '1' || q.prune === 'true';
    const key = `${q.z}/${q.x}/${q.y}/${q.maxiter}/${kernel}/${prune}${q.smooth ? '/smooth' : ''}`;
    let entry = cache.get(key, response);
    const hit = entry !== undefined;
    if (!entry) {
      if (counters.inFlight >= maxInFlight) {
        counters.rejected++;
        throw new HttpError(503, `busy: ${counters.inFlight} tiles in flight; retry shortly`, 'ERR_BUSY', { 'Retry-After': '1' });
      }
      // The request going away (the tile left the view) cancels its chunk on the backend.
      const controller = new AbortController();
      const onClose = () => !response.writableFinished && controller.abort();
      response.on('close', onClose);
      counters.inFlight++;
      let holding = false;
      let holdingDeep = false;
      try {
        // A deep tile waits for its own bound first, so that it holds no general slot meanwhile.
        if (deep) {
          await deepSlots.acquire(controller.signal);
          holdingDeep = true;
          counters.deepInFlight++;
        }
        await slots.acquire(controller.signal);
        holding = true;
        const recorder = new TraceRecorder();
        const workload = tileWorkload(q);
        const reference = deep ? await tileOrbit(`${q.z}/${q.x}/${q.y}`, workload, controller.signal) : undefined;
        const into = tileBuffer();
        const smoothInto = q.smooth ? fractionBuffer() : undefined;
        const result = await render(workload, {
          ...(reference ? { reference } : {}),
          into,
          ...(smoothInto ? { smoothInto } : {}),
          backend,
          chunks: 1,
          schedule: 'contiguous',
          kernel,
          prune,
          smooth: q.smooth,
          ...(options.cancelRunning || TILE_SIZE * TILE_SIZE * q.maxiter > EXPENSIVE_TILE ? { signal: controller.signal } : {}),
          recorder,
          onChunk: (event) => chunkEvent(recorder.trace.originEpochMs, event, 'tile', key, kernel),
        });
        entry = {
          // A copy either way: the counts may sit on shared memory that the next render reuses.
          ...keptCounts(result.counts, result.smooth, q.maxiter, cache),
          worker: result.trace.chunks[0]?.worker ?? '?',
          iterations: result.iterations,
          computeMs: result.computeMs,
        };
        cache.add(key, entry, response);
        // Only a finished render gives its buffers back: a cancelled one may still be written to.
        spare.push(into);
        if (smoothInto) spareFractions.push(smoothInto);
      } catch (error) {
        if (error instanceof AbortError || controller.signal.aborted) {
          counters.cancelled++;
          return;
        }
        throw error;
      } finally {
        if (holding) slots.release();
        if (holdingDeep) {
          deepSlots.release();
          counters.deepInFlight--;
        }
        counters.inFlight--;
        response.off('close', onClose);
      }
      // Gone while it ran: counted as cancelled, nothing to send.
      if (controller.signal.aborted) {
        counters.cancelled++;
        return;
      }
    } else {
      counters.cacheHits++;
    }
    counters.tilesServed++;
    const region = deep ? undefined : tileRegion(q.z, Number(q.x), Number(q.y));
    const headers = {
      'X-Mandel-Worker': entry.worker,
      'X-Mandel-Iterations': String(entry.iterations),
      'X-Mandel-Compute-Ms': entry.computeMs.toFixed(3),
      'X-Mandel-Cache': hit ? 'hit' : 'miss',
      // Exactly the region of `mandel run --width 256 --height 256 --region …` for these counts;
      // a deep tile is `mandel run --center … --zoom …` instead, whose centre has hundreds of digits.
      ...(region
        ? { 'X-Mandel-Region': [region.x1, region.x2, region.y1, region.y2].map((v) => v.toPrecision(17)).join(',') }
        : { 'X-Mandel-Deep': 'perturbation' }),
      'Cache-Control': 'no-store',
      // The body holds the counts, then (a tile asked with smooth) its smooth fractions as float32.
      ...(entry.smooth ? { 'X-Mandel-Smooth': 'float32' } : {}),
    };
    const counts = entry.counts;
    const smooth = entry.smooth;
    const wide = () => (counts instanceof Int32Array ? counts : new Int32Array(counts));
    const body = (array: Uint16Array | Int32Array) =>
      smooth ? (array === counts && entry.body) || Buffer.concat([bytesOf(array), bytesOf(smooth)]) : bytesOf(array);
    if (q.format === 'png') {
      const png = encodePng(wide(), TILE_SIZE, TILE_SIZE, q.maxiter, {
        colormap: q.colormap,
        scale: q.scale,
        density: q.density,
        offset: q.offset,
        ...(smooth ? { smooth } : {}),
      });
      return send(response, 200, png, 'image/png', headers);
    }
    if (q.format === 'counts16') {
      if (!(counts instanceof Uint16Array))
        throw new HttpError(400, 'format counts16 needs maxiter ≤ 65535; use counts', 'ERR_BAD_REQUEST');
      if (gzip && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
        if (!entry.gzip) {
          entry.gzip = gzipSync(body(counts), { level: 1 });
          cache.resized(key, entry); // counted in the cache's size from now on
        }
        return send(response, 200, entry.gzip, 'application/octet-stream', {
          ...headers,
          'Content-Encoding': 'gzip',
          Vary: 'Accept-Encoding',
        });
      }
      return send(response, 200, body(counts), 'application/octet-stream', { ...headers, Vary: 'Accept-Encoding' });
    }
    send(response, 200, body(wide()), 'application/octet-stream', headers);
  }

  async function startWatchedRender(body: unknown): Promise<WatchedRender> {
    const request = parseOrThrow(renderRequestSchema, body, 'render request');
    getKernel(request.kernel);
    if (!request.view && request.maxiter > TUTORIAL_MAXITER) {
      throw new HttpError(
        400,
        `maxiter must be at most ${TUTORIAL_MAXITER} for the tutorial's grid (up to 100000 for a view)`,
        'ERR_INVALID_OPTION',
      );
    }
    if ([...renders.values()].some((r) => r.state === 'running')) {
      throw new HttpError(409, 'a render is already being watched; wait for it or cancel it first', 'ERR_BUSY');
    }
    const { view } = request;
    const workload = view
      ? viewWorkload({
          center: { re: view.re, im: view.im },
          width: view.width,
          cols: view.cols,
          rows: view.rows,
          maxiter: request.maxiter,
        })
      : tutorialWorkload({ size: request.size, maxiter: request.maxiter });
    const total = workload.re.count * workload.im.count;
    const watched: WatchedRender = { id: randomUUID(), request, controller: new AbortController(), state: 'running', done: 0, total };
    renders.set(watched.id, watched);
    for (const old of [...renders.keys()].slice(0, -3)) renders.delete(old); // keep the last three
    const recorder = new TraceRecorder();
    broadcast('render-start', { id: watched.id, rows: workload.im.count, cols: workload.re.count, ...request });
    render(workload, {
      backend,
      schedule: request.schedule,
      chunks: request.chunks,
      kernel: request.kernel,
      prune: request.prune,
      smooth: request.smooth,
      signal: watched.controller.signal,
      // The explorer's tiles go between its chunks instead of queueing behind all of them.
      background: true,
      recorder,
      onProgress: (done) => (watched.done = done),
      onChunkStart: (event) => chunkStartEvent(recorder.trace.originEpochMs, event, watched.id),
      onChunk: (event) => chunkEvent(recorder.trace.originEpochMs, event, 'render', watched.id, request.kernel),
    }).then(
      (result) => {
        watched.result = result;
        watched.state = 'done';
        const explanation = explain(result.trace, {
          kernel: result.kernel,
          backend: result.backend,
          workers: result.workers,
          cores: availableParallelism(),
        });
        watched.explanation = explanation.text;
        broadcast('render-done', {
          id: watched.id,
          computeMs: result.computeMs,
          sum: result.sum,
          chunks: result.chunks,
          lanes: laneSummaries(result.trace),
          explanation: explanation.text,
        });
      },
      (error: unknown) => {
        watched.state = watched.controller.signal.aborted ? 'cancelled' : 'failed';
        watched.error = (error as Error).message;
        broadcast('render-failed', { id: watched.id, state: watched.state, error: watched.error });
      },
    );
    return watched;
  }

  const renderStatus = (watched: WatchedRender) => ({
    id: watched.id,
    state: watched.state,
    done: watched.done,
    total: watched.total,
    ...watched.request,
    ...(watched.result
      ? { computeMs: watched.result.computeMs, sum: watched.result.sum, rows: watched.result.rows, cols: watched.result.cols }
      : {}),
    ...(watched.explanation ? { explanation: watched.explanation } : {}),
    ...(watched.error ? { error: watched.error } : {}),
  });

  function renderImage(response: ServerResponse, watched: WatchedRender, query: URLSearchParams) {
    const result = watched.result;
    if (!result) throw new HttpError(409, `render ${watched.id} is ${watched.state}, not done`, 'ERR_NOT_FINISHED');
    const colours = parseOrThrow(imageQuerySchema, Object.fromEntries(query), 'image query');
    // A view (the explorer's export) comes whole; the tutorial's grid at most 1024 points a
    // side (every k-th row and column), a picture for the dashboard.
    const sampled = watched.request.view
      ? { values: result.counts, rows: result.rows, cols: result.cols }
      : sampleGrid(result.counts, result.rows, result.cols, 1024);
    const { colormap, scale, density, offset, smooth } = colours;
    // Coloured by μ when asked and the render has the fractions (a view comes whole, so they line up).
    const fractions = smooth && watched.request.view ? result.smooth : undefined;
    send(
      response,
      200,
      encodePng(sampled.values, sampled.rows, sampled.cols, result.maxiter, {
        colormap,
        scale,
        density,
        offset,
        ...(fractions ? { smooth: fractions } : {}),
      }),
      'image/png',
    );
  }

  async function runBench(): Promise<void> {
    if (benchRunning) throw new HttpError(409, 'a bench is already running', 'ERR_BUSY');
    benchRunning = true;
    try {
      const { runBench } = await import('../analysis/bench.js');
      const { benchReportHtml } = await import('../outputs/report.js');
      benchReport = benchReportHtml(await runBench({ size: 600, reps: 2, workers: [1, 2], schedules: ['interleaved', 'contiguous'] }));
      broadcast('bench-done', { url: '/report' });
    } finally {
      benchRunning = false;
    }
  }

  function events(request: IncomingMessage, response: ServerResponse) {
    if (clients.size >= MAX_EVENT_CLIENTS) throw new HttpError(503, 'too many dashboards open', 'ERR_BUSY', { 'Retry-After': '5' });
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    response.write(
      `event: hello\ndata: ${JSON.stringify({ backend: backend.name, threads: backend.workers, kernels: kernelNames(), maxZoom: MAX_ZOOM, doubleZoom: DOUBLE_ZOOM })}\n\n`,
    );
    clients.add(response);
    request.on('close', () => clients.delete(response));
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://mandel.invalid');
    const path = url.pathname;
    guardRequest(request, path, guard);
    if (token) authorise(request, response, url, token);
    const method = request.method ?? 'GET';
    const tileRoute = /^\/api\/tile\/([^/]+)\/([^/]+)\/([^/]+?)(?:\.(png|counts))?$/.exec(path);
    if (tileRoute) {
      allow(method, ['GET']);
      const params: Record<string, string> = { z: tileRoute[1]!, x: tileRoute[2]!, y: tileRoute[3]! };
      if (tileRoute[4]) params.format = tileRoute[4];
      return tile(request, response, params, url.searchParams);
    }
    if (path.startsWith('/api/movies') && (await movies.handle(path, method, request, response))) return;
    const renderRoute = /^\/api\/renders\/([A-Za-z0-9-]{1,64})(\/image\.png)?$/.exec(path);
    if (renderRoute) {
      const watched = renders.get(renderRoute[1]!);
      if (!watched) throw new HttpError(404, `no render ${renderRoute[1]} here`, 'ERR_NOT_FOUND');
      if (renderRoute[2]) {
        allow(method, ['GET']);
        return renderImage(response, watched, url.searchParams);
      }
      allow(method, ['GET', 'DELETE']);
      if (method === 'DELETE') watched.controller.abort();
      return sendJson(response, 200, renderStatus(watched));
    }
    switch (path) {
      case '/api/renders': {
        allow(method, ['POST']);
        const watched = await startWatchedRender(await readJson(request));
        return sendJson(response, 202, renderStatus(watched));
      }
      case '/api/events':
        allow(method, ['GET']);
        return events(request, response);
      case '/api/stats':
        allow(method, ['GET']);
        return sendJson(response, 200, snapshot());
      case '/api/config':
        allow(method, ['GET']);
        return sendJson(response, 200, {
          backend: backend.name,
          threads: backend.workers,
          kernels: kernelNames(),
          colormaps: Object.fromEntries(COLORMAPS.map((name) => [name, Array.from(colormapTable(name))])),
          tileSize: TILE_SIZE,
          world: WORLD,
          maxZoom: MAX_ZOOM,
          // Deeper than this, tiles are deep views (perturbation, native or js).
          doubleZoom: DOUBLE_ZOOM,
        });
      case '/api/bench':
        allow(method, ['POST']);
        await runBench();
        return sendJson(response, 200, { report: '/report' });
      case '/favicon.ico':
        response.writeHead(204).end();
        return;
      case '/report':
        allow(method, ['GET']);
        if (!benchReport) throw new HttpError(404, 'no bench report yet: run one from the dashboard', 'ERR_NOT_FOUND');
        return send(response, 200, Buffer.from(benchReport), 'text/html; charset=utf-8');
    }
    allow(method, ['GET']);
    const found = await asset(path);
    if (!found) throw new HttpError(404, `no such page: ${path.slice(0, 200)}`, 'ERR_NOT_FOUND');
    send(response, 200, found.body, found.type);
  }

  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 60_000 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return void response.end();
      if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message, code: error.code }, error.headers);
      if (isMandelError(error)) {
        const status =
          error.code === 'ERR_INVALID_OPTION' || error.code === 'ERR_UNKNOWN_KERNEL' || error.code === 'ERR_TOO_LARGE' ? 400 : 500;
        return sendJson(response, status, { error: error.message, code: error.code });
      }
      sendJson(response, 500, { error: `unexpected: ${(error as Error).message}`, code: 'ERR_INTERNAL' });
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Headers over the limit (431) or a request node's parser cannot read (400): one answer,
    // then the socket closes.
    if (!socket.writable) return;
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? ['431 Request Header Fields Too Large', `request headers over ${MAX_HEADER_BYTES} bytes`]
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['408 Request Timeout', 'the request took too long to arrive']
          : ['400 Bad Request', `malformed request (${String(error.code ?? 'unreadable')})`];
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: message, code: 'ERR_BAD_REQUEST' })}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${token ? `?token=${token}` : ''}`,
    port,
    ...(token ? { token } : {}),
    close: async () => {
      clearInterval(sampler);
      for (const watched of renders.values()) watched.controller.abort();
      await movies.close();
      for (const client of clients) client.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Bytes of an orbit's arrays. */
function orbitBytes(orbit: ReferenceOrbit): number {
  const extended = orbit.extended;
  return (
    orbit.zr.byteLength +
    orbit.zi.byteLength +
    (extended ? extended.mr.byteLength + extended.mi.byteLength + extended.exponent.byteLength : 0)
  );
}

/**
 * The counts as uint16 (every count ≤ maxiter ≤ 65535). `set` converts in one native pass:
 * from shared memory it takes ~60 µs a tile here, where a JS loop took 0.1–0.3 ms and
 * `new Uint16Array(counts)` (element by element in C++) ~0.2 ms.
 */
/**
 * A rendered tile's counts as the cache keeps them: uint16 when maxiter fits, int32 otherwise;
 * with smooth fractions, uint16 counts and fractions side by side in one buffer, sent as it is.
 */
function keptCounts(
  counts: Int32Array,
  smooth: Float32Array | undefined,
  maxiter: number,
  cache: TileCache,
): Pick<TileEntry, 'counts' | 'smooth' | 'body'> {
  if (!smooth) return { counts: maxiter <= 0xffff ? narrow(counts, cache.buffer()) : Int32Array.from(counts) };
  if (maxiter > 0xffff) return { counts: Int32Array.from(counts), smooth: Float32Array.from(smooth) };
  const body = cache.bodyBuffer();
  const narrowed = narrow(counts, new Uint16Array(body.buffer, body.byteOffset, counts.length));
  const fractions = new Float32Array(body.buffer, body.byteOffset + counts.length * 2, counts.length);
  fractions.set(smooth);
  return { counts: narrowed, smooth: fractions, body };
}

function narrow(counts: Int32Array, out: Uint16Array): Uint16Array {
  out.set(counts);
  return out;
}
