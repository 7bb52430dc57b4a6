/// <reference lib="dom" />
/**
 * `mandel serve`, against a real server on loopback, a real browser (Debian's chromium
 * through playwright-core) and, for the cluster, a real redis-server with two `mandel
 * worker` processes. Every request goes to 127.0.0.x; every loop is bounded.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { ThreadsBackend } from '../src/backends/threads.js';
import { ClusterBackend } from '../src/cluster/backend.js';
import { decodeNpyInt32 } from '../src/outputs/npy.js';
import { render } from '../src/render.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { tileRegion, tileWorkload } from '../src/serve/tiles.js';
import { gridWorkload } from '../src/workload.js';
import { parseDecimal, toFixed } from '../src/deep/decimal.js';
import { browserSkipReason, launchBrowser } from './helpers/browser.js';
import type { Browser, Page } from 'playwright-core';
import { call, json } from './helpers/http.js';
import { RedisServer, redisSkipReason } from './helpers/redis.js';

const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const screenshots = process.env.MANDEL_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'mandel-shots-'));

/** The dashboard in a new page of `browser`, ready, with its page errors collected. */
async function openDashboard(browser: Browser, base: string, height = 900): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${base}/dashboard`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  return { page, errors };
}
describe('mandel serve: the HTTP API', () => {
  let backend: ThreadsBackend;
  let server: RunningServer;
  let base: string;
  before(async () => {
    backend = new ThreadsBackend({ workers: 2 });
    server = await startServer({ backend, port: 0, maxInFlight: 16 });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.close();
    await backend.close();
  });

  it('serves a tile whose counts are exactly `mandel run --width 256 --height 256 --region` of its region', async () => {
    const tile = await call(`${base}/api/tile/3/1/2?maxiter=400&kernel=native`);
    assert.equal(tile.status, 200);
    assert.equal(tile.body.length, 256 * 256 * 4);
    const region = String(tile.headers['x-mandel-region']);
    assert.deepEqual(region.split(',').map(Number), Object.values(tileRegion(3, 1, 2)));
    const file = join(mkdtempSync(join(tmpdir(), 'mandel-tile-')), 'tile.npy');
    const run = spawn(process.execPath, [
      bin,
      'run',
      '--width',
      '256',
      '--height',
      '256',
      '-m',
      '400',
      '--region',
      region,
      '--counts',
      file,
      '--kernel',
      'js',
    ]);
    assert.equal(await new Promise((resolve) => run.on('exit', resolve)), 0);
    const counts = new Int32Array(tile.body.buffer, tile.body.byteOffset, tile.body.length / 4);
    assert.deepEqual(counts, decodeNpyInt32(readFileSync(file)).counts);
    assert.match(String(tile.headers['x-mandel-worker']), /^thread-\d$/);
    const again = await call(`${base}/api/tile/3/1/2?maxiter=400&kernel=native`);
    assert.equal(again.headers['x-mandel-cache'], 'hit');
    const narrow = await call(`${base}/api/tile/3/1/2?maxiter=400&kernel=native&format=counts16`, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    assert.equal(narrow.headers['content-encoding'], undefined, 'not gzipped on loopback');
    assert.deepEqual(Int32Array.from(new Uint16Array(narrow.body.buffer, narrow.body.byteOffset, narrow.body.length / 2)), counts);
    const wide = await call(`${base}/api/tile/3/1/2?maxiter=70000&format=counts16`);
    assert.equal(wide.status, 400);
    assert.match(json(wide.body).error as string, /counts16 needs maxiter ≤ 65535/);
    const png = await call(`${base}/api/tile/3/1/2.png?maxiter=400&colormap=magma`);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.deepEqual([PNG.sync.read(png.body).width, PNG.sync.read(png.body).height], [256, 256]);
  });

  it("sends a tile's smooth fractions after its counts when asked (smooth=1): those of render({ smooth }), cached apart", async () => {
    const plain = await call(`${base}/api/tile/4/3/5?maxiter=600&format=counts16`);
    const tile = await call(`${base}/api/tile/4/3/5?maxiter=600&format=counts16&smooth=1`);
    assert.equal(plain.headers['x-mandel-smooth'], undefined);
    assert.equal(tile.headers['x-mandel-smooth'], 'float32');
    assert.equal(tile.headers['x-mandel-cache'], 'miss', 'a tile with fractions is not the cached one without');
    assert.equal(tile.body.length, 256 * 256 * (2 + 4));
    const counts = new Uint16Array(tile.body.buffer.slice(tile.body.byteOffset, tile.body.byteOffset + 256 * 256 * 2));
    assert.deepEqual(Buffer.from(counts.buffer), plain.body, 'the counts first, the same as without');
    const fractions = new Float32Array(
      tile.body.buffer.slice(tile.body.byteOffset + 256 * 256 * 2, tile.body.byteOffset + tile.body.length),
    );
    const region = tileRegion(4, 3, 5);
    const expected = await render(gridWorkload({ width: 256, height: 256, maxiter: 600, region }), { backend: 'serial', smooth: true });
    assert.deepEqual(fractions, expected.smooth);
    const wide = await call(`${base}/api/tile/4/3/5?maxiter=600&smooth=1`);
    assert.equal(wide.body.length, 256 * 256 * 8);
    assert.deepEqual(
      new Float32Array(wide.body.buffer.slice(wide.body.byteOffset + 256 * 256 * 4, wide.body.byteOffset + wide.body.length)),
      fractions,
    );
    // A PNG tile coloured by μ, and with a palette: different pictures of the same counts.
    const image = async (query: string) =>
      PNG.sync.read((await call(`${base}/api/tile/4/3/5.png?maxiter=600&scale=log${query}`)).body).data;
    const stepped = await image('');
    const smooth = await image('&smooth=1');
    assert.notDeepEqual(smooth, stepped);
    assert.notDeepEqual(await image('&smooth=1&density=4&offset=0.3'), smooth);
  });

  it('gzips uint16 tiles for a client that accepts it when asked to (by default: beyond loopback)', async () => {
    const zipping = await startServer({ backend, port: 0, gzip: true });
    try {
      const url = `http://127.0.0.1:${zipping.port}/api/tile/2/1/1?maxiter=500&format=counts16`;
      const plain = await call(url);
      const zipped = await call(url, { headers: { 'Accept-Encoding': 'br, gzip' } });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.equal(zipped.headers.vary, 'Accept-Encoding');
      assert.ok(zipped.body.length < plain.body.length / 4, `${zipped.body.length} bytes gzipped of ${plain.body.length}`);
      assert.deepEqual(gunzipSync(zipped.body), plain.body);
      assert.deepEqual(gunzipSync((await call(url, { headers: { 'Accept-Encoding': 'gzip' } })).body), plain.body, 'kept for the next');
    } finally {
      await zipping.close();
    }
  });

  for (const smooth of [false, true]) {
    it(`serves exact tiles${smooth ? ' with smooth fractions' : ''} while a small cache churns, to a slow client too: a reused buffer is never one still being sent`, async () => {
      // Room for 3 tiles: nearly every tile evicts one, whose buffer the next tile reuses.
      const small = await startServer({ backend, port: 0, cacheBytes: 3 * 256 * 256 * (smooth ? 6 : 2) });
      const maxiter = 300;
      const tiles = Array.from({ length: 64 }, (_, i) => ({ z: 5, x: 8 + (i % 8), y: 12 + Math.floor(i / 8) }));
      const path = (t: { z: number; x: number; y: number }) =>
        `/api/tile/${t.z}/${t.x}/${t.y}?maxiter=${maxiter}&format=counts16${smooth ? '&smooth=1' : ''}`;
      // The body as bytes: uint16 counts, then (smooth) the float32 fractions.
      const expected = async (t: { z: number; x: number; y: number }) => {
        const result = await render(tileWorkload({ ...t, maxiter }), { backend: 'serial', kernel: 'js', smooth });
        const counts = Buffer.from(Uint16Array.from(result.counts).buffer);
        return smooth ? Buffer.concat([counts, Buffer.from(result.smooth!.buffer)]) : counts;
      };
      const asCounts = (body: Buffer) => Buffer.from(body);
      const socket = connect(small.port, '127.0.0.1');
      try {
        // A slow client: 40 requests in one go on one connection (5 MiB of replies: more than the
        // kernel buffers, so that the server holds some of them), not read until the others
        // have gone through the cache several times over.
        const slow = tiles.slice(0, 40);
        await once(socket, 'connect');
        socket.pause();
        socket.write(slow.map((t) => `GET ${path(t)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join(''));
        for (let round = 0; round < 2; round++) {
          const queue = [...tiles.slice(40)];
          await Promise.all(
            Array.from({ length: 6 }, async () => {
              for (let t = queue.shift(); t; t = queue.shift()) {
                const reply = await call(`http://127.0.0.1:${small.port}${path(t)}`);
                assert.equal(reply.status, 200);
                assert.deepEqual(asCounts(reply.body), await expected(t), `tile ${path(t)}, round ${round}`);
              }
            }),
          );
        }
        // Now read the slow client's replies, in order.
        let bytes = Buffer.alloc(0);
        socket.on('data', (part: Buffer) => (bytes = Buffer.concat([bytes, part])));
        socket.resume();
        const bodies: Buffer[] = [];
        const deadline = Date.now() + 20_000;
        while (bodies.length < slow.length && Date.now() < deadline) {
          const end = bytes.indexOf('\r\n\r\n');
          const length = end < 0 ? NaN : Number(/content-length: (\d+)/i.exec(bytes.subarray(0, end).toString())?.[1]);
          if (end >= 0 && bytes.length >= end + 4 + length) {
            bodies.push(bytes.subarray(end + 4, end + 4 + length));
            bytes = bytes.subarray(end + 4 + length);
          } else await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.equal(bodies.length, slow.length, 'every reply of the slow client arrived');
        for (const [i, t] of slow.entries()) assert.deepEqual(asCounts(bodies[i]!), await expected(t), `slow client's tile ${path(t)}`);
      } finally {
        socket.destroy();
        await small.close();
      }
    });
  }

  const bad: [string, string, RequestInit & { rawHeaders?: Record<string, string> }, number, RegExp][] = [
    ['a zoom out of range', '/api/tile/3001/0/0', {}, 400, /z must be from 0 to 3000/],
    ['a tile coordinate that is not a number', '/api/tile/3/abc/0', {}, 400, /x must be a whole number/],
    ['a coordinate of over 1000 digits', `/api/tile/3000/${'9'.repeat(1001)}/0`, {}, 400, /x must be a whole number/],
    [
      'a deep tile on a kernel without perturbation',
      '/api/tile/40/0/0?kernel=wasm',
      {},
      400,
      /kernel wasm has no perturbation, which deep views \(past double precision, or --perturbation\) need/,
    ],
    ['a fractional coordinate', '/api/tile/3/1.5/0', {}, 400, /x must be a whole number/],
    ['NaN as a coordinate', '/api/tile/3/NaN/0', {}, 400, /x must be a whole number/],
    ['a tile far outside the set', '/api/tile/2/1000/0', {}, 400, /within 16 tile widths/],
    ['maxiter beyond the limit', '/api/tile/1/0/0?maxiter=100000000', {}, 400, /maxiter must be from 1 to 100000/],
    ['an unknown kernel', '/api/tile/1/0/0?kernel=gpu', {}, 400, /unknown kernel "gpu"/],
    ['an unknown colour map', '/api/tile/1/0/0.png?colormap=rainbow', {}, 400, /colormap must be one of/],
    ['an unknown query field', '/api/tile/1/0/0?evil=1', {}, 400, /Unrecognized key/],
    ['smooth that is not a yes or no', '/api/tile/1/0/0?smooth=maybe', {}, 400, /smooth must be 0, 1, true or false/],
    ['a density of 0', '/api/tile/1/0/0.png?density=0', {}, 400, /density must be at least 0\.015625/],
    ['a density that is not a number', '/api/tile/1/0/0.png?density=lots', {}, 400, /density must be a number/],
    ['an offset past a million cycles', '/api/tile/1/0/0.png?offset=1e9', {}, 400, /offset must be from/],
    ['path traversal', '/../../etc/passwd', {}, 404, /no such page/],
    ['encoded path traversal', '/static/..%2f..%2fpackage.json', {}, 404, /no such page/],
    ['double-encoded traversal', '/static/%252e%252e/%252e%252e/etc/passwd', {}, 404, /no such page/],
    ['a wrong method', '/api/tile/1/0/0', { method: 'DELETE' }, 405, /DELETE is not allowed here/],
    ['a body that is not JSON', '/api/renders', { method: 'POST', body: '{not json' }, 400, /not JSON/],
    [
      'a body over the limit',
      '/api/renders',
      { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(20_000) }) },
      413,
      /over 16384 bytes/,
    ],
    ['a render too big to watch', '/api/renders', { method: 'POST', body: JSON.stringify({ size: 100000 }) }, 400, /size/],
    [
      'a render with an unknown schedule',
      '/api/renders',
      { method: 'POST', body: JSON.stringify({ schedule: 'random' }) },
      400,
      /schedule/,
    ],
    ['an unknown render', '/api/renders/nope', {}, 404, /no render nope/],
    [
      "the tutorial's grid past its maxiter",
      '/api/renders',
      { method: 'POST', body: JSON.stringify({ maxiter: 6000 }) },
      400,
      /maxiter must be at most 5000 for the tutorial's grid/,
    ],
    [
      'an export whose centre is not a number',
      '/api/renders',
      { method: 'POST', body: JSON.stringify({ view: { re: '1e', im: '0', width: '0.1', cols: 64, rows: 64 } }) },
      400,
      /view\.re: a decimal number/,
    ],
    [
      'an export over 4096 points a side',
      '/api/renders',
      { method: 'POST', body: JSON.stringify({ view: { re: '0', im: '0', width: '0.1', cols: 5000, rows: 64 } }) },
      400,
      /view\.cols/,
    ],
    [
      'an export wider than the set',
      '/api/renders',
      { method: 'POST', body: JSON.stringify({ view: { re: '0', im: '0', width: '1e5', cols: 64, rows: 64 } }) },
      400,
      /over 20: the whole set is 4 wide/,
    ],
  ];
  for (const [what, path, init, status, message] of bad) {
    it(`answers ${status} with one line of JSON for ${what}`, async () => {
      const method = init.method as string | undefined;
      // A POST as the dashboard sends it: JSON (anything else is refused first, with 415).
      const headers: Record<string, string> = method === 'POST' ? { 'Content-Type': 'application/json' } : {};
      const response = await call(`${base}${path}`, { method, headers, body: init.body as string | undefined });
      assert.equal(response.status, status, response.body.toString());
      const text = response.body.toString();
      assert.equal(text.split('\n').length, 1);
      assert.match(String(json(response.body).error), message);
    });
  }

  it('answers 431 to headers over the limit, and goes on serving', async () => {
    const response = await call(`${base}/api/stats`, { headers: { 'X-Pad': 'x'.repeat(10_000) } });
    assert.equal(response.status, 431);
    assert.equal((await call(`${base}/api/stats`)).status, 200);
  });

  it('answers every one of 500 concurrent tile requests (200 or 503 with Retry-After), with bounded memory, and keeps serving', async () => {
    // Its own server process, so that its memory is measured apart from this client's.
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--workers', '2', '--max-in-flight', '16'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const url = await printedUrl(child);
      const rss = async () => Number((json((await call(`${url}api/stats`)).body).memory as { rss: number }).rss);
      const rssBefore = await rss();
      // 500 different tiles near the cardioid, brute force in js: each takes a good part of a second.
      const requests = Array.from({ length: 500 }, (_, i) =>
        call(`${url}api/tile/3/${2 + (i % 3)}/${2 + (i % 4)}?maxiter=${2000 + i}&kernel=js&prune=0`),
      );
      const responses = await Promise.all(requests);
      const statuses = new Map<number, number>();
      for (const response of responses) statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      assert.deepEqual(
        [...statuses.keys()].filter((status) => status !== 200 && status !== 503),
        [],
        JSON.stringify([...statuses]),
      );
      assert.ok((statuses.get(503) ?? 0) > 0, 'the bound of 16 in flight was never reached');
      assert.ok(responses.filter((r) => r.status === 503).every((r) => r.headers['retry-after'] === '1'));
      const stats = json((await call(`${url}api/stats`)).body);
      assert.equal(stats.inFlight, 0);
      const grew = (await rss()) - rssBefore;
      assert.ok(grew < 200 * 2 ** 20, `the server's RSS grew by ${(grew / 2 ** 20).toFixed(0)} MiB`);
      assert.equal((await call(`${url}api/tile/0/0/0?maxiter=50`)).status, 200);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('cancels the chunks of requests that go away, and drains within a second of the last one', async () => {
    const before = json((await call(`${base}/api/stats`)).body);
    const controllers: AbortController[] = [];
    const burst = Array.from({ length: 12 }, (_, i) => {
      const controller = new AbortController();
      controllers.push(controller);
      // Deep, interior-heavy tiles at a high maxiter: each takes a while.
      return call(`${base}/api/tile/6/${26 + (i % 4)}/${30 + Math.floor(i / 4)}?maxiter=90000&kernel=js&prune=0`, {
        signal: controller.signal,
      }).catch(() => undefined);
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    for (const controller of controllers) controller.abort();
    await Promise.all(burst);
    const lastRequest = Date.now();
    let stats = json((await call(`${base}/api/stats`)).body);
    while (Number(stats.inFlight) > 0 && Date.now() - lastRequest < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      stats = json((await call(`${base}/api/stats`)).body);
    }
    assert.equal(stats.inFlight, 0);
    assert.ok(Date.now() - lastRequest < 1000, `drained ${Date.now() - lastRequest} ms after the last request`);
    assert.ok(Number(stats.cancelled) > Number(before.cancelled), 'no chunk was cancelled');
  });
});

describe('mandel serve: binding and tokens', () => {
  it('needs a token on an address other than 127.0.0.1 (here 127.0.0.2): 401 without, 200 with, then a cookie', async () => {
    const backend = new ThreadsBackend({ workers: 1 });
    const server = await startServer({ backend, host: '127.0.0.2', port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.2:\d+\/\?token=[0-9a-f]{32}$/);
      const base = `http://127.0.0.2:${server.port}`;
      const refused = await call(`${base}/api/stats`);
      assert.equal(refused.status, 401);
      assert.match(String(json(refused.body).error), /a token is required/);
      assert.equal((await call(`${base}/api/stats?token=wrong${server.token!.slice(5)}`)).status, 401);
      const first = await call(`${base}/?token=${server.token}`);
      assert.equal(first.status, 200);
      const cookie = String(first.headers['set-cookie']).split(';')[0]!;
      assert.equal((await call(`${base}/api/stats`, { headers: { cookie } })).status, 200);
      assert.equal((await call(`${base}/api/stats`, { headers: { authorization: `Bearer ${server.token}` } })).status, 200);
    } finally {
      await server.close();
      await backend.close();
    }
  });

  it('binds to loopback by default, prints its URL, and stops on Ctrl-C with exit code 130', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const deadline = Date.now() + 20_000;
    while (!/explorer: {2}http:\/\/127\.0\.0\.1:\d+\//.test(stdout) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const url = /explorer: {2}(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)![1]!;
    assert.equal((await call(`${url}api/tile/0/0/0?maxiter=100`)).status, 200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
  });
});

describe('mandel serve in a real browser', { skip: browserSkipReason() }, () => {
  let backend: ThreadsBackend;
  let server: RunningServer;
  let base: string;
  before(async () => {
    backend = new ThreadsBackend({ workers: 2 });
    server = await startServer({ backend, port: 0 });
    base = `http://127.0.0.1:${server.port}`;
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => {
    await server.close();
    await backend.close();
  });

  it('explorer: zooms with the wheel, shows tiles with exact counts, asks no other origin, and keeps the view in the URL', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      const errors: string[] = [];
      const foreign: string[] = [];
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      page.on('pageerror', (error) => errors.push(String(error)));
      page.on('request', (request) => !request.url().startsWith(base) && foreign.push(request.url()));
      await page.goto(`${base}/#re=-0.7453&im=0.1127&w=0.06&m=600`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      await page.waitForFunction(
        () => (window as unknown as { mandelExplorer: { loaded: Map<string, unknown> } }).mandelExplorer.loaded.size >= 4,
      );
      const before = await page.evaluate(() =>
        (window as unknown as { mandelExplorer: { view(): { width: number } } }).mandelExplorer.view(),
      );
      // Zoom in with the wheel, two notches, in the seahorse valley.
      await page.mouse.move(500, 350);
      for (let i = 0; i < 2; i++) {
        await page.mouse.wheel(0, -300);
        await page.waitForTimeout(150);
      }
      await page.waitForFunction(
        (width) => (window as unknown as { mandelExplorer: { view(): { width: number } } }).mandelExplorer.view().width < width / 2,
        before.width,
      );
      await page.waitForTimeout(800);
      const view = await page.evaluate(() => (window as unknown as { mandelExplorer: { view(): { zoom: number } } }).mandelExplorer.view());
      const tileZoom = Math.round(view.zoom);
      await page.waitForFunction(
        (z) =>
          [...(window as unknown as { mandelExplorer: { loaded: Map<string, unknown> } }).mandelExplorer.loaded.keys()].some((key) =>
            key.startsWith(`${z}/`),
          ),
        tileZoom,
      );
      const tile = await page.evaluate((z) => {
        const loaded = (window as unknown as { mandelExplorer: { loaded: Map<string, { counts: Int32Array; maxiter: number }> } })
          .mandelExplorer.loaded;
        const [key, value] = [...loaded.entries()].find(([k]) => k.startsWith(`${z}/`))!;
        return { key, maxiter: value.maxiter, counts: Array.from(value.counts) };
      }, tileZoom);
      const [z, x, y] = tile.key.split('/').map(Number) as [number, number, number];
      const expected = await render(tileWorkload({ z, x, y, maxiter: tile.maxiter }), {
        backend: 'serial',
        kernel: 'js',
        prune: false,
      });
      assert.deepEqual(Int32Array.from(tile.counts), expected.counts, `tile ${tile.key}`);
      // The URL holds the view: a new page opened on it shows the same place.
      const shared = page.url();
      assert.match(shared, /#re=-?[\d.]+&im=-?[\d.]+&w=[\d.e-]+&m=600&cm=viridis/);
      const other = await browser.newPage({ viewport: { width: 1000, height: 700 } });
      await other.goto(shared);
      await other.waitForFunction(() => document.body.dataset.ready === 'true');
      const reopened = await other.evaluate(() =>
        (window as unknown as { mandelExplorer: { view(): { re: number; im: number; width: number } } }).mandelExplorer.view(),
      );
      const now = await page.evaluate(() =>
        (window as unknown as { mandelExplorer: { view(): { re: number; im: number; width: number } } }).mandelExplorer.view(),
      );
      assert.ok(
        Math.abs(reopened.re - now.re) < now.width * 1e-3 && Math.abs(reopened.im - now.im) < now.width * 1e-3,
        JSON.stringify({ reopened, now }),
      );
      assert.ok(Math.abs(Math.log2(reopened.width / now.width)) < 0.2, JSON.stringify({ reopened, now }));
      await page.waitForTimeout(500);
      const file = join(screenshots, 'explorer.png');
      await page.screenshot({ path: file });
      assertNotUniform(file);
      assert.deepEqual(errors, []);
      assert.deepEqual(foreign, []);
    } finally {
      await browser.close();
    }
  });

  it('explorer: a view with nothing to show says why in one line (all at maxiter; one count), and the line goes when there is detail', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      const notice = async (hash: string) => {
        await page.goto('about:blank'); // a new page each time, not a change of hash
        await page.goto(`${base}/${hash}`);
        await page.waitForFunction(() => document.body.dataset.ready === 'true');
        await page.waitForFunction(() => {
          const explorer = (window as unknown as { mandelExplorer: { loaded: Map<string, unknown>; loading?: boolean } }).mandelExplorer;
          return explorer.loaded.size > 0 && explorer.loading === false;
        });
        return page.evaluate(() => {
          const element = document.getElementById('notice')!;
          return element.classList.contains('hidden') ? '' : element.textContent!;
        });
      };
      // Inside the main cardioid: every point at maxiter.
      assert.match(await notice('#re=-0.1&im=0&w=0.01&m=200'), /^Every point on screen reached maxiter \(200\)/);
      await page.screenshot({ path: join(screenshots, 'explorer-notice.png') });
      // Far outside: |c|² = 4.5 escapes at once, everywhere.
      assert.match(await notice('#re=1.5&im=1.5&w=0.001&m=200'), /^Every point on screen escaped after 0 iterations/);
      // The seahorse valley has detail: no line.
      assert.equal(await notice('#re=-0.7453&im=0.1127&w=0.06&m=600'), '');
    } finally {
      await browser.close();
    }
  });

  it('explorer: zooms past double precision on perturbation tiles, moving its frame under Leaflet, and the URL keeps the exact centre', async () => {
    type Explorer = {
      loaded: Map<string, { counts: ArrayLike<number>; maxiter: number }>;
      reanchored: number;
      errors: string[];
      map: { getZoom(): number; setZoom(zoom: number): void };
      view(): { zoom: number; reText: string; imText: string };
    };
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      const re = '-0.775683768009053797469483503935';
      const im = '0.136467368294690124733274409618';
      await page.goto(`${base}/#re=${re}&im=${im}&w=1e-9&m=1500&sc=bands`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      const zoomIn = async () => {
        await page.evaluate(() => {
          const map = (window as unknown as { mandelExplorer: Explorer }).mandelExplorer.map;
          map.setZoom(map.getZoom() + 6);
        });
        await page.waitForTimeout(300);
      };
      for (let step = 0; step < 5; step++) await zoomIn();
      const view = await page.evaluate(() => (window as unknown as { mandelExplorer: Explorer }).mandelExplorer.view());
      assert.ok(view.zoom > 60, `zoom ${view.zoom}: past doubles (a pixel there is 2^-${Math.round(view.zoom + 6)} wide)`);
      assert.ok(await page.evaluate(() => (window as unknown as { mandelExplorer: Explorer }).mandelExplorer.reanchored > 0));
      // The view is still where it was asked to be: its centre agrees with the start to ~17 digits.
      assert.equal(view.reText.slice(0, 18), re.slice(0, 18));
      assert.equal(view.imText.slice(0, 17), im.slice(0, 17));
      // The tile under the centre, at the current zoom, computed from the exact centre here.
      const z = Math.round(view.zoom);
      const bits = z + 80;
      const tileOf = (value: bigint, origin: bigint) => ((value - origin) << BigInt(z)) >> BigInt(bits + 2);
      const x = tileOf(toFixed(parseDecimal(view.reText, 're'), bits), toFixed(parseDecimal('-2.5', 'x1'), bits));
      const y = tileOf(toFixed(parseDecimal('2', 'y2'), bits), toFixed(parseDecimal(view.imText, 'im'), bits));
      const key = `${z}/${x}/${y}`;
      await page.waitForFunction((k) => (window as unknown as { mandelExplorer: Explorer }).mandelExplorer.loaded.has(k), key, {
        timeout: 60_000,
      });
      const tile = await page.evaluate((k) => {
        const value = (window as unknown as { mandelExplorer: Explorer }).mandelExplorer.loaded.get(k)!;
        return { maxiter: value.maxiter, counts: Array.from(value.counts) };
      }, key);
      const expected = await render(tileWorkload({ z, x, y, maxiter: tile.maxiter }), { backend: 'serial' });
      assert.ok(expected.workload.deep, 'a deep tile');
      assert.deepEqual(Int32Array.from(tile.counts), expected.counts, `tile ${key}`);
      assert.ok(new Set(tile.counts).size > 20, 'structure, not blocks');
      // The URL round-trips the exact centre.
      const other = await browser.newPage({ viewport: { width: 800, height: 600 } });
      await other.goto(page.url());
      await other.waitForFunction(() => document.body.dataset.ready === 'true');
      const reopened = await other.evaluate(() => (window as unknown as { mandelExplorer: Explorer }).mandelExplorer.view());
      assert.ok(Math.abs(reopened.zoom - view.zoom) < 0.05, `${reopened.zoom} vs ${view.zoom}`);
      const pixel = 2n ** BigInt(bits - z - 8);
      const offBy = toFixed(parseDecimal(reopened.reText, 're'), bits) - toFixed(parseDecimal(view.reText, 're'), bits);
      assert.ok((offBy < 0n ? -offBy : offBy) < 2n * pixel, `the reopened centre is within 2 pixels (${offBy} of ${pixel})`);
      await page.waitForFunction(() => !(window as unknown as { mandelExplorer: { loading: boolean } }).mandelExplorer.loading, null, {
        timeout: 60_000,
      });
      const file = join(screenshots, 'explorer-deep.png');
      await page.screenshot({ path: file });
      assertNotUniform(file);
      assert.deepEqual(errors, []);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { mandelExplorer: Explorer }).mandelExplorer.errors), []);
    } finally {
      await browser.close();
    }
  });

  it('at the switch to perturbation (zoom 32 → 33) the tiles agree with the double tile on ≥ 99% of their shared points', async () => {
    const re = -0.7756837680090538;
    const im = 0.1364673682946901;
    const z = 32;
    const side = 4 / 2 ** z;
    const x = Math.floor((re + 2.5) / side);
    const y = Math.floor((2 - im) / side);
    const parent = await render(tileWorkload({ z, x, y, maxiter: 3000 }), { backend, kernel: 'js', prune: false });
    assert.equal(parent.workload.deep, undefined);
    assert.ok(new Set(parent.counts).size > 100, 'a tile with structure');
    let same = 0;
    for (const [dx, dy] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ] as const) {
      const child = await render(tileWorkload({ z: z + 1, x: BigInt(2 * x + dx), y: BigInt(2 * y + dy), maxiter: 3000 }), { backend });
      assert.ok(child.workload.deep);
      for (let j = 0; j < 256; j += 2)
        for (let i = 0; i < 256; i += 2)
          if (child.counts[j * 256 + i] === parent.counts[(dy * 128 + j / 2) * 256 + dx * 128 + i / 2]) same++;
    }
    assert.ok(same >= 0.99 * 65536, `${same} of 65536 shared points agree`);
  });

  it('dashboard: a lane per thread, bars appearing, and a watched render painted chunk by chunk', async () => {
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openDashboard(browser, base);
      await page.waitForFunction(
        () => (window as unknown as { mandelDashboard: { lanes: Map<string, unknown> } }).mandelDashboard.lanes.size === 2,
      );
      await page.fill('#size', '2000');
      await page.fill('#chunks', '6');
      await page.selectOption('#schedule', 'contiguous');
      await page.click('#watch');
      await page.waitForFunction(
        () => (window as unknown as { mandelDashboard: { renderChunks: number } }).mandelDashboard.renderChunks >= 6,
        null,
        { timeout: 60_000 },
      );
      await page.waitForFunction(() => document.getElementById('explanation')!.textContent!.startsWith('Wall time'));
      const seen = await page.evaluate(() => {
        const d = (window as unknown as { mandelDashboard: { bars: { worker: string }[]; lanes: Map<string, unknown> } }).mandelDashboard;
        return { lanes: [...d.lanes.keys()].sort(), barWorkers: [...new Set(d.bars.map((bar) => bar.worker))].sort() };
      });
      assert.deepEqual(seen.lanes, ['thread-1', 'thread-2']);
      assert.ok(seen.barWorkers.length >= 1);
      await page.waitForTimeout(1200);
      const file = join(screenshots, 'dashboard.png');
      await page.screenshot({ path: file, fullPage: true });
      assertNotUniform(file);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });

  it("dashboard: running chunks show as growing bars and busy lanes, rates come from the chunks, and the advice of 3 contiguous bands is --explain's", async () => {
    type Dashboard = {
      bars: { worker: string; end?: number; kind: string }[];
      active?: Map<string, number>;
      busy?: Map<string, number>;
      iterationRates(): number[];
    };
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openDashboard(browser, base);
      // The tutorial's lesson: 3 contiguous bands on 2 threads, brute force in js (a few seconds).
      await page.fill('#size', '3600');
      await page.fill('#wmaxiter', '5000');
      await page.fill('#chunks', '3');
      await page.selectOption('#schedule', 'contiguous');
      await page.selectOption('#wkernel', 'js');
      await page.click('#watch');
      // While it runs: a bar with no end yet, its lane counted as running and busy.
      await page.waitForFunction(
        () => (window as unknown as { mandelDashboard: Dashboard }).mandelDashboard.bars.some((b) => b.end === undefined),
        null,
        {
          timeout: 30_000,
        },
      );
      await page.waitForTimeout(400);
      const during = await page.evaluate(() => {
        const d = (window as unknown as { mandelDashboard: Dashboard }).mandelDashboard;
        return {
          active: [...(d.active ?? new Map()).values()].reduce((a, b) => a + b, 0),
          busy: Math.max(0, ...(d.busy ?? new Map()).values()),
          running: d.bars.filter((b) => b.end === undefined).length,
          table: document.querySelector('#workers tbody')!.textContent,
        };
      });
      assert.ok(during.running >= 1 && during.active >= 1, JSON.stringify(during));
      assert.ok(during.busy > 200, `a running lane is busy: ${JSON.stringify(during)}`);
      await page.screenshot({ path: join(screenshots, 'dashboard-running.png'), fullPage: true });
      await page.waitForFunction(() => document.getElementById('explanation')!.textContent!.startsWith('Wall time'), null, {
        timeout: 90_000,
      });
      const explanation = await page.textContent('#explanation');
      const status = await page.textContent('#wstatus');
      const legend = await page.textContent('#legend');
      // The same function as --explain, from the same trace; on 3 bands its advice is interleaving.
      assert.match(explanation!, /What would help most: .*--schedule interleaved/);
      assert.doesNotMatch(`${status} ${legend}`, /\b1 chunks\b/);
      // Every bar has ended; iterations/s is drawn from the chunks, each spread over its run: every
      // second the render ran shows work, not only the seconds in which a band ended (3 of them).
      await page.waitForTimeout(2200);
      const after = await page.evaluate(() => {
        const d = (window as unknown as { mandelDashboard: Dashboard }).mandelDashboard;
        return { running: d.bars.filter((b) => b.end === undefined).length, rates: d.iterationRates() };
      });
      assert.equal(after.running, 0);
      const computeSeconds = Number(/in (\d+) ms/.exec(status!)![1]) / 1000;
      const working = after.rates.filter((rate) => rate > 0).length;
      assert.ok(computeSeconds > 5, `the render took ${computeSeconds} s: too short to tell rates apart`);
      assert.ok(working >= Math.floor(computeSeconds) - 1, `${working} seconds with work of a ${computeSeconds} s render: ${after.rates}`);
      await page.screenshot({ path: join(screenshots, 'dashboard-done.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
});

describe(
  'mandel serve makes a zoom movie for the dashboard',
  { skip: browserSkipReason() ?? (spawnSync('ffmpeg', ['-version']).status === 0 ? undefined : 'no ffmpeg'), timeout: 120_000 },
  () => {
    it('shows each keyframe as it finishes, then offers the video, which ffprobe decodes; bad requests get one line', async () => {
      const backend = new ThreadsBackend({ workers: 2 });
      const server = await startServer({ backend, port: 0 });
      const base = `http://127.0.0.1:${server.port}`;
      const browser = await launchBrowser();
      try {
        const { page, errors } = await openDashboard(browser, base, 1000);
        await page.fill('#mzoom', '1e-14'); // past doubles: the last keyframes are perturbation's
        await page.fill('#mseconds', '2');
        await page.selectOption('#msize', '320x180');
        await page.click('#movie');
        // 4 → 1e-14: keyframes 0 … 49, each shown as it finishes, in zoom order.
        await page.waitForFunction(() => document.querySelectorAll('#keyframes img').length >= 10, null, { timeout: 60_000 });
        await page.waitForFunction(() => document.querySelector('#mvideo a') !== null, null, { timeout: 90_000 });
        const seen = await page.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLImageElement>('#keyframes img')).map((image) => ({
            index: Number(image.dataset.index),
            width: image.naturalWidth,
            height: image.naturalHeight,
          })),
        );
        assert.equal(seen.length, 50);
        assert.deepEqual(
          seen.map((k) => k.index),
          [...Array(50).keys()],
        );
        assert.ok(
          seen.every((k) => k.width === 320 && k.height === 180),
          JSON.stringify(seen.slice(0, 3)),
        );
        assert.match((await page.textContent('#mstatus'))!, /^done in [\d.]+ s: 50 keyframes, 48 frames/);
        // Its keyframes' chunks joined the task stream, as a watched render's do.
        const chunks = await page.evaluate(
          () => (window as unknown as { mandelDashboard: { movie: { chunks: number } } }).mandelDashboard.movie.chunks,
        );
        assert.ok(chunks >= 50, `${chunks} chunk events of the movie`);
        await page.screenshot({ path: join(screenshots, 'dashboard-movie.png'), fullPage: true });
        const href = await page.getAttribute('#mvideo a', 'href');
        const video = await fetch(new URL(href!, base));
        assert.equal(video.headers.get('content-type'), 'video/mp4');
        const file = join(mkdtempSync(join(tmpdir(), 'mandel-served-movie-')), 'movie.mp4');
        writeFileSync(file, Buffer.from(await video.arrayBuffer()));
        const probe = spawnSync(
          'ffprobe',
          ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'csv=p=0', file],
          {
            encoding: 'utf8',
          },
        );
        assert.equal(probe.stdout.trim(), '320,180,48');
        // A keyframe that is not there, a movie that is not, and requests out of bounds.
        const movieId = /\/api\/movies\/([^/]+)\//.exec(href!)![1]!;
        assert.equal((await fetch(`${base}/api/movies/${movieId}/keyframes/50.png`)).status, 404);
        assert.equal((await fetch(`${base}/api/movies/nope/movie.mp4`)).status, 404);
        for (const [body, message] of [
          [{ center: { re: '0', im: '1' }, zoomTo: '1e-5', width: 4000 }, /width/],
          [{ center: { re: '0', im: '1' }, zoomTo: '1e-5', seconds: 3600 }, /seconds/],
          [{ center: { re: '0', im: '1' }, zoomTo: '1e-5', width: 321 }, /must be even/],
          [{ center: { re: '0', im: '1' }, zoomTo: '10' }, /must be narrower than --zoom-from/],
          [{ center: { re: '../etc', im: '1' }, zoomTo: '1e-5' }, /decimal number/],
          [{ center: { re: '0', im: '1' }, zoomTo: '1e-5', output: '/tmp/x.mp4' }, /Unrecognized key/],
        ] as const) {
          const answer = await fetch(`${base}/api/movies`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          });
          assert.equal(answer.status, 400, JSON.stringify(body));
          assert.match(((await answer.json()) as { error: string }).error, message);
        }
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
        await server.close();
        await backend.close();
      }
    });
  },
);

describe('mandel serve on the cluster', { skip: redisSkipReason() ?? browserSkipReason(), timeout: 120_000 }, () => {
  it('the dashboard shows a lane per cluster worker thread, and tiles come back exact through Redis', async () => {
    const redis = await RedisServer.start();
    const workers: ChildProcess[] = [0, 1].map(() =>
      spawn(process.execPath, [bin, 'worker', '--redis', redis.url, '--threads', '1'], { stdio: 'ignore' }),
    );
    const backend = new ClusterBackend({ redis: redis.url });
    await backend.start();
    const server = await startServer({ backend, port: 0, cluster: backend.client });
    const base = `http://127.0.0.1:${server.port}`;
    const browser = await launchBrowser();
    try {
      const { page } = await openDashboard(browser, base);
      // Tiles through the queue until both workers have done some.
      let lanes: string[] = [];
      for (let i = 0; i < 40 && lanes.length < 2; i++) {
        const tile = await call(`${base}/api/tile/4/${4 + (i % 6)}/${5 + Math.floor(i / 6)}?maxiter=300&kernel=js`);
        assert.equal(tile.status, 200);
        if (i === 0) {
          const expected = await render(tileWorkload({ z: 4, x: 4, y: 5, maxiter: 300 }), {
            backend: 'serial',
            kernel: 'js',
          });
          assert.deepEqual(new Int32Array(tile.body.buffer, tile.body.byteOffset, tile.body.length / 4), expected.counts);
        }
        lanes = await page.evaluate(() =>
          [...(window as unknown as { mandelDashboard: { lanes: Map<string, { chunks: number }> } }).mandelDashboard.lanes.entries()]
            .filter(([, lane]) => lane.chunks > 0)
            .map(([name]) => name),
        );
      }
      assert.equal(lanes.length, 2, `lanes: ${lanes.join(', ')}`);
      assert.ok(
        lanes.every((lane) => /^.+:\d+\/thread-1$/.test(lane)),
        lanes.join(', '),
      );
      // A tile past double precision, through Redis: perturbation on the workers, the serial counts.
      const [z, x, y] = [50, 703687441776640n, 281474976710656n]; // at c = i
      const deep = await call(`${base}/api/tile/${z}/${x}/${y}?maxiter=2000`);
      assert.equal(deep.status, 200, deep.body.toString());
      assert.equal(deep.headers['x-mandel-deep'], 'perturbation');
      const expectedDeep = await render(tileWorkload({ z, x, y, maxiter: 2000 }), { backend: 'serial' });
      assert.deepEqual(new Int32Array(deep.body.buffer, deep.body.byteOffset, deep.body.length / 4), expectedDeep.counts);
      await page.waitForFunction(
        () => (window as unknown as { mandelDashboard: { stats?: { workers?: unknown[] } } }).mandelDashboard.stats?.workers?.length === 2,
      );
    } finally {
      await browser.close();
      await server.close();
      await backend.close();
      for (const worker of workers) worker.kill('SIGKILL');
      await redis.destroy();
    }
  });
});

/** The explorer's URL that a `mandel serve` child printed. */
async function printedUrl(child: ChildProcess): Promise<string> {
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const deadline = Date.now() + 20_000;
  while (!/explorer: {2}http:\/\/127\.0\.0\.1:\d+\//.test(stdout) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return /explorer: {2}(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)![1]!;
}

/** A screenshot that is neither blank nor one colour: many distinct colours. */
function assertNotUniform(file: string): void {
  const png = PNG.sync.read(readFileSync(file));
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4 * 97) colours.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
  assert.ok(colours.size > 50, `${file} has only ${colours.size} colours`);
}
