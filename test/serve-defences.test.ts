/**
 * `mandel serve` against the pages a user's browser has open: any of them can send requests to
 * a server on loopback. Each test sends what such a page (or a DNS-rebinding attack) would,
 * as plain HTTP to 127.0.0.1, and checks that it is refused — and that the server's own pages
 * are not.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ThreadsBackend } from '../src/backends/threads.js';
import { render } from '../src/render.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { tileWorkload } from '../src/serve/tiles.js';
import { call, json, rawRequest } from './helpers/http.js';

describe('mandel serve: defences against other pages', () => {
  let backend: ThreadsBackend;
  let server: RunningServer;
  let base: string;
  let port: number;
  before(async () => {
    backend = new ThreadsBackend({ workers: 2 });
    server = await startServer({ backend, port: 0, allowedHosts: ['mandel.test'] });
    port = server.port;
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await server.close();
    await backend.close();
  });

  /** Whether a watched render is running now: a second one is refused with 409 while one is. */
  const noRenderRunning = async () => {
    const probe = await call(`${base}/api/renders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ size: 50, maxiter: 10 }),
    });
    if (probe.status === 202) await waitDone(String(json(probe.body).id));
    return probe.status === 202;
  };
  const waitDone = async (id: string) => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const state = json((await call(`${base}/api/renders/${id}`)).body).state;
      if (state !== 'running') return state;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`render ${id} still running after 20 s`);
  };

  for (const path of ['/api/stats', '/api/tile/0/0/0?maxiter=50', '/api/config', '/', '/dashboard', '/report']) {
    it(`refuses a Host that is not its own (DNS rebinding) with 403 on ${path}`, async () => {
      const reply = await call(`${base}${path}`, { headers: { Host: `evil.example:${port}` } });
      assert.equal(reply.status, 403, reply.body.toString());
      assert.equal(json(reply.body).code, 'ERR_HOST');
      assert.match(String(json(reply.body).error), /evil\.example/);
    });
  }

  it('answers the Host names of loopback and IP addresses, and names it was told are its own', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `[::1]:${port}`,
      `app.localhost:${port}`,
      'mandel.test',
    ]) {
      const reply = await call(`${base}/api/stats`, { headers: { Host: host } });
      assert.equal(reply.status, 200, `${host}: ${reply.body.toString()}`);
    }
    for (const host of ['localhost.evil.example', 'mandel.test.evil.example', '127.0.0.1.nip.io', '::1', 'a b']) {
      const reply = await call(`${base}/api/stats`, { headers: { Host: host } });
      assert.equal(reply.status, 403, `${host}: ${reply.body.toString()}`);
    }
  });

  it('starts no render for a cross-origin POST sent as text/plain (no preflight): 415, and nothing runs', async () => {
    const reply = await call(`${base}/api/renders`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: 'http://evil.example' },
      body: JSON.stringify({ size: 8000, maxiter: 5000, chunks: 4096 }),
    });
    assert.ok(reply.status === 403 || reply.status === 415, reply.body.toString());
    const plain = await call(`${base}/api/renders`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ size: 8000, maxiter: 5000, chunks: 4096 }),
    });
    assert.equal(plain.status, 415);
    assert.equal(json(plain.body).code, 'ERR_MEDIA_TYPE');
    assert.ok(await noRenderRunning(), 'a render was started');
  });

  it('refuses a JSON POST or a DELETE from another origin with 403, and takes them from its own', async () => {
    const body = JSON.stringify({ size: 50, maxiter: 10 });
    for (const origin of ['http://evil.example', 'null', `http://localhost:${port + 1}`]) {
      const reply = await call(`${base}/api/renders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: origin },
        body,
      });
      assert.equal(reply.status, 403, `${origin}: ${reply.body.toString()}`);
      assert.equal(json(reply.body).code, 'ERR_ORIGIN');
    }
    const bench = await call(`${base}/api/bench`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body: '{}',
    });
    assert.equal(bench.status, 403);
    assert.ok(await noRenderRunning(), 'a render was started');
    const own = await call(`${base}/api/renders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8', Origin: base },
      body,
    });
    assert.equal(own.status, 202, own.body.toString());
    const id = String(json(own.body).id);
    const foreignDelete = await call(`${base}/api/renders/${id}`, { method: 'DELETE', headers: { Origin: 'http://evil.example' } });
    assert.equal(foreignDelete.status, 403);
    assert.equal(await waitDone(id), 'done');
  });

  it('answers no API request that the browser marks as made by another site, and still serves its pages to links', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const tile = await call(`${base}/api/tile/1/0/0?maxiter=50`, { headers: { 'Sec-Fetch-Site': site } });
      assert.equal(tile.status, 403, site);
      assert.equal(json(tile.body).code, 'ERR_ORIGIN');
    }
    for (const site of ['same-origin', 'none']) {
      assert.equal((await call(`${base}/api/tile/1/0/0?maxiter=50`, { headers: { 'Sec-Fetch-Site': site } })).status, 200, site);
    }
    const page = await call(`${base}/`, { headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' } });
    assert.equal(page.status, 200);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
  });

  it("serves a tile in seconds while a watched render of thousands of chunks runs (tiles do not queue behind the render's chunks)", async () => {
    const started = await call(`${base}/api/renders`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ size: 8000, maxiter: 5000, chunks: 4096, kernel: 'js' }),
    });
    assert.equal(started.status, 202);
    const id = String(json(started.body).id);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // its chunks are queued by now
      const asked = Date.now();
      const tile = await call(`${base}/api/tile/2/1/1?maxiter=200&kernel=js`);
      const waitedMs = Date.now() - asked;
      assert.equal(tile.status, 200);
      // Behind all 4,096 chunks it waited ~90 s; between them, for one chunk per thread (~0.2 s of js).
      assert.ok(waitedMs < 10_000, `the tile took ${waitedMs} ms`);
      assert.equal(json((await call(`${base}/api/renders/${id}`)).body).state, 'running');
    } finally {
      await call(`${base}/api/renders/${id}`, { method: 'DELETE' });
    }
    assert.equal(await waitDone(id), 'cancelled');
  });

  it('answers 400, not 431, to a malformed request line', async () => {
    const answer = await rawRequest(port, 'GET api/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal(JSON.parse(answer.split('\r\n\r\n')[1]!).code, 'ERR_BAD_REQUEST');
    assert.equal((await call(`${base}/api/stats`)).status, 200);
  });
});

describe('mandel serve: the token', () => {
  it('answers 401, not 500, to a token of the right length in characters but not in bytes', async () => {
    const backend = new ThreadsBackend({ workers: 1 });
    const server = await startServer({ backend, host: '127.0.0.2', port: 0, token: 'abcdefgh' });
    try {
      const base = `http://127.0.0.2:${server.port}`;
      for (const given of ['abcdefgé', 'éééééééé', '😀😀😀😀', 'abcdefg']) {
        const reply = await call(`${base}/api/stats?token=${encodeURIComponent(given)}`);
        assert.equal(reply.status, 401, `${given}: ${reply.body.toString()}`);
      }
      // Sent as latin-1 bytes, read back by node as the same characters.
      for (const given of ['abcdefgé', 'éééééééé']) {
        const bearer = await call(`${base}/api/stats`, { headers: { Authorization: `Bearer ${given}` } });
        assert.equal(bearer.status, 401, `${given}: ${bearer.body.toString()}`);
      }
      assert.equal((await call(`${base}/api/stats?token=abcdefgh`)).status, 200);
    } finally {
      await server.close();
      await backend.close();
    }
  });
});

describe('mandel serve: deep tiles are bounded and never hold the server', () => {
  let backend: ThreadsBackend;
  let server: RunningServer;
  let base: string;
  before(async () => {
    backend = new ThreadsBackend({ workers: 2 });
    server = await startServer({ backend, port: 0 });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.close();
    await backend.close();
  });

  /** The tile of zoom z whose top-left corner is c = i (indices of 900 digits at zoom 3000). */
  const tileAtI = (z: number) => {
    const quarter = 1n << BigInt(z - 2); // tiles per unit: 2^z / 4
    return { x: ((5n * quarter) / 2n).toString(), y: quarter.toString() };
  };
  const stats = async () => json((await call(`${base}/api/stats`)).body);

  it('answers /api/stats within a second while 8 tiles at zoom 3000 and maxiter 100,000 compute their orbits, and runs at most one deep tile per thread', async () => {
    const { x, y } = tileAtI(3000);
    const controllers = Array.from({ length: 8 }, () => new AbortController());
    const tiles = controllers.map((controller, i) =>
      call(`${base}/api/tile/3000/${x}/${BigInt(y) + BigInt(i)}?maxiter=100000`, { signal: controller.signal }).catch(() => undefined),
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      let slowest = 0;
      let mostDeep = 0;
      for (let sample = 0; sample < 15; sample++) {
        const asked = performance.now();
        const now = await stats();
        slowest = Math.max(slowest, performance.now() - asked);
        mostDeep = Math.max(mostDeep, Number(now.deepInFlight));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Computed on the event loop in one go, these orbits kept /api/stats waiting 19 s.
      assert.ok(slowest < 1000, `/api/stats took ${slowest.toFixed(0)} ms while deep orbits were computed`);
      assert.ok(mostDeep >= 1 && mostDeep <= 2, `${mostDeep} deep tiles in flight at once on 2 threads`);
    } finally {
      for (const controller of controllers) controller.abort();
      await Promise.all(tiles);
    }
    const deadline = Date.now() + 5000;
    while (Number((await stats()).inFlight) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal((await stats()).inFlight, 0, 'the cancelled deep tiles drained');
  });

  it("computes a deep tile's orbit once: the same tile with another kernel or a lower maxiter reuses it, with the same counts as its own orbit gives", async () => {
    const { x, y } = tileAtI(40);
    const before = await stats();
    const first = await call(`${base}/api/tile/40/${x}/${y}?maxiter=3000&kernel=native`);
    const again = await call(`${base}/api/tile/40/${x}/${y}?maxiter=3000&kernel=js`);
    const lower = await call(`${base}/api/tile/40/${x}/${y}?maxiter=2000&kernel=native`);
    for (const reply of [first, again, lower]) assert.equal(reply.status, 200);
    const after = await stats();
    assert.equal(Number(after.orbitsComputed) - Number(before.orbitsComputed), 1);
    assert.equal(Number(after.orbitHits) - Number(before.orbitHits), 2);
    assert.deepEqual(again.body, first.body, 'js on the shared orbit = native on it');
    // The lower maxiter's tile from the shared orbit is the tile rendered on its own.
    const own = await render(tileWorkload({ z: 40, x: BigInt(x), y: BigInt(y), maxiter: 2000 }), { backend, kernel: 'native' });
    assert.deepEqual(new Int32Array(lower.body.buffer, lower.body.byteOffset, lower.body.length / 4), own.counts);
  });
});

describe('mandel serve: where it listens', () => {
  const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));

  it('says in one line, exit code 2, that a port is taken', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const port = (holder.address() as AddressInfo).port;
    try {
      const run = spawnSync(process.execPath, [bin, 'serve', '--port', String(port), '--workers', '1'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(run.status, 2, run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`^mandel: port ${port} on 127\\.0\\.0\\.1 is in use; choose another with --port N, or --port 0 for any free one`),
      );
    } finally {
      holder.close();
    }
  });

  it('on every address (0.0.0.0) prints URLs another host can open, never http://0.0.0.0', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--host', '0.0.0.0', '--port', '0', '--workers', '1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      const deadline = Date.now() + 20_000;
      while (!stdout.includes('Ctrl-C') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.doesNotMatch(stdout, /0\.0\.0\.0/);
      const loopback = /explorer: {2}(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32})/.exec(stdout);
      assert.ok(loopback, stdout);
      assert.equal((await call(loopback[1]!)).status, 200, 'the printed loopback URL opens the explorer');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
