/**
 * The cluster never hangs and never lies: a full Redis, a Redis that may evict, a submit cut
 * off half way, results that expire or rot, a Redis restarted under a waiting producer, and
 * Ctrl-C while files are written. Each against a real redis-server started here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { PNG } from 'pngjs';
import { ClusterClient } from '../src/cluster/client.js';
import { decodeCounts, decodeResult, encodeResult, keys } from '../src/cluster/wire.js';
import { startWorker, type RunningWorker, type WorkerEvent } from '../src/cluster/worker.js';
import { decodeNpyInt32 } from '../src/outputs/npy.js';
import { render } from '../src/render.js';
import { gridWorkload, tutorialWorkload, type Workload } from '../src/workload.js';
import './fixtures/faulty-kernels.js';
import { RedisServer, redisSkipReason } from './helpers/redis.js';

const skip = redisSkipReason();
const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const faulty = fileURLToPath(new URL('./fixtures/faulty-kernels.ts', import.meta.url));

function mandel(args: string[], env: NodeJS.ProcessEnv = process.env, onStdout?: (text: string) => void, nodeArgs: string[] = []) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      onStdout?.(stdout);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const reference = async (workload: Workload) => (await render(workload, { backend: 'serial', kernel: 'js', prune: false })).counts;

/**
 * Fills Redis to the brim: 256 KiB values until it refuses one (OOM), then 1 KiB values until
 * it refuses again, so that not even a few KiB of results fit (a refusal of a large value
 * leaves up to its size free). Returns how many 256 KiB values it took.
 */
async function fill(redis: Redis, prefix: string): Promise<number> {
  const upTo = async (size: number, name: string): Promise<number> => {
    const block = Buffer.alloc(size, 7);
    for (let i = 0; ; i++) {
      try {
        await redis.set(`${prefix}:${name}${i}`, block);
      } catch (error) {
        assert.match((error as Error).message, /OOM/);
        return i;
      }
    }
  };
  const blocks = await upTo(256 * 1024, '');
  await upTo(1024, 'small:');
  return blocks;
}

describe('the cluster when Redis is full or may evict', { skip, timeout: 120_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  it('refuses, worker and producer alike, a Redis that may evict keys, with a one-line reason', async () => {
    const server = await RedisServer.start(undefined, ['--maxmemory', '50mb', '--maxmemory-policy', 'allkeys-lru']);
    cleanups.push(() => server.destroy());
    const status = await mandel(['status', '--redis', server.url]);
    assert.equal(status.status, 1, status.stderr);
    assert.match(
      status.stderr.trim(),
      /^mandel: Redis at redis:\/\/127\.0\.0\.1:\d+ evicts keys when memory runs short \(maxmemory-policy allkeys-lru\).*set maxmemory-policy noeviction$/,
    );
    const worker = await mandel(['worker', '--redis', server.url, '--threads', '1']);
    assert.equal(worker.status, 1, worker.stderr);
    assert.match(worker.stderr, /evicts keys .*allkeys-lru/);
  });

  it('a render whose results cannot be stored (OOM) ends its waiter with the reason, not "running" for ever', async () => {
    const server = await RedisServer.start(undefined, ['--maxmemory', '20mb']);
    cleanups.push(() => server.destroy());
    const client = new ClusterClient({ redis: server.url, timeoutMs: 5000 });
    cleanups.push(() => client.close());
    const workload = gridWorkload({ width: 400, height: 400, maxiter: 200 });
    const { id } = await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 8 });
    const filler = server.client();
    cleanups.push(async () => filler.disconnect());
    await fill(filler, 'filler');
    const events: WorkerEvent[] = [];
    const worker = await startWorker({ redis: server.url, threads: 1, lockMs: 1000, log: (event) => events.push(event) });
    cleanups.push(() => worker.close());
    const started = Date.now();
    await assert.rejects(client.wait(id), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_RENDER_FAILED');
      assert.match(error.message, new RegExp(`^render ${id} failed: chunk \\d+: .*OOM`));
      return true;
    });
    assert.ok(Date.now() - started < 60_000, `the waiter took ${Date.now() - started} ms to give up`);
    assert.ok(events.some((event) => event.type === 'failed' && event.final));
  });

  it('a submit cut off by a full Redis takes back what it added and exits 1: no render left "running"', async () => {
    const server = await RedisServer.start(undefined, ['--maxmemory', '20mb']);
    cleanups.push(() => server.destroy());
    const filler = server.client();
    cleanups.push(async () => filler.disconnect());
    await fill(filler, 'filler');
    // Free about 1.5 MiB: room for the render record and some of its 10,000 jobs, not all.
    for (let i = 0; i < 6; i++) await filler.del(`filler:${i}`);
    const run = await mandel(['submit', '--redis', server.url, '--size', '400', '--chunks', '10000', '--schedule', 'tiles']);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stderr.trim(), /^mandel: Redis at redis:\/\/127\.0\.0\.1:\d+: OOM command not allowed/);
    assert.equal(run.stdout, '', 'no id is printed for a render that was taken back');
    assert.deepEqual(await filler.keys('mandel:render:*'), []);
  });
});

describe('results that outlive their render, or rot', { skip, timeout: 120_000 }, () => {
  let server: RedisServer;
  let client: ClusterClient;
  let worker: RunningWorker;
  const workload = tutorialWorkload({ size: 80, maxiter: 300 });
  after(async () => {
    await worker?.close();
    await client?.close();
    await server?.destroy();
  });

  it('a TTL shorter than the render counts from its completion: every result is there when it is done', async () => {
    server = await RedisServer.start();
    client = new ClusterClient({ redis: server.url });
    worker = await startWorker({ redis: server.url, threads: 1, kernelModules: [faulty] });
    // 41 chunks of at least 50 ms on one thread: over 2 s, against a TTL of 1 s.
    const { id } = await client.submit(workload, { kernel: 'slow', prune: false, chunkCount: 41, ttl: 1 });
    const started = Date.now();
    await client.wait(id);
    assert.ok(Date.now() - started > 1500, 'the render outlasted its TTL');
    assert.deepEqual((await client.result(id)).counts, await reference(workload));
    // Then all of it expires together: never "done" with results gone.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    await assert.rejects(client.progress(id), { code: 'ERR_NOT_FOUND' });
  });

  it('never says done for a render whose results are gone', async () => {
    const { id } = await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 4 });
    await client.wait(id);
    const redis = server.client();
    try {
      await redis.hdel(keys('mandel', id).results, '2');
      const progress = await client.progress(id);
      assert.equal(progress.state, 'failed');
      assert.match(progress.error!, /the results of 1 chunks are missing/);
      const status = await mandel(['status', id, '--redis', server.url]);
      assert.match(status.stdout, new RegExp(`render ${id}: failed`));
    } finally {
      redis.disconnect();
    }
  });

  it('a corrupt or oversized stored result is one line naming the render and chunk, exit 1, no stack', async () => {
    const redis = server.client();
    try {
      for (const [what, bytes, message] of [
        ['garbage', Buffer.from('not deflate at all, just bytes'), /the stored result is corrupt/],
        // 64 MiB of zeros in 64 KiB: a bomb for a chunk of a few thousand counts.
        ['bomb', deflateRawSync(Buffer.alloc(64 * 2 ** 20)), /the stored result is corrupt \(it inflates past its size\)/],
      ] as const) {
        const { id } = await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 2 });
        await client.wait(id);
        await redis.hset(keys('mandel', id).results, '1', bytes);
        const run = await mandel(['result', id, '--redis', server.url]);
        assert.equal(run.status, 1, `${what}: ${run.stderr}`);
        assert.match(run.stderr.trim(), new RegExp(`^mandel: render ${id}, chunk 1: `));
        assert.match(run.stderr, message);
        assert.doesNotMatch(run.stderr, /\n\s+at /);
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('bounded decoding', () => {
  it('inflates at most the expected size: a 256 MiB bomb costs no memory to refuse', () => {
    const bomb = deflateRawSync(Buffer.alloc(256 * 2 ** 20));
    global.gc?.();
    const before = process.memoryUsage().rss;
    assert.throws(() => decodeCounts(bomb, 1000, 'render r, chunk 0'), { code: 'ERR_CORRUPT_RESULT', message: /inflates past its size/ });
    const grew = process.memoryUsage().rss - before;
    assert.ok(grew < 64 * 2 ** 20, `RSS grew by ${(grew / 2 ** 20).toFixed(0)} MiB`);
  });

  it('a result with smooth fractions reads back exactly; one cut short, or whose counts are garbage, is refused by name', () => {
    const counts = Int32Array.from({ length: 300 }, (_, i) => i % 17);
    const fractions = Float32Array.from({ length: 300 }, (_, i) => (i % 17 === 16 ? 0 : 0.5 + Math.sin(i) / 3));
    const stored = encodeResult(counts, fractions);
    const back = decodeResult(stored, 300, true, 'render r, chunk 0');
    assert.deepEqual(back.counts, counts);
    assert.deepEqual(back.smooth, fractions);
    assert.throws(() => decodeResult(stored.subarray(0, 1000), 300, true, 'render r, chunk 0'), {
      code: 'ERR_CORRUPT_RESULT',
      message: /^render r, chunk 0: the stored result is corrupt/,
    });
    assert.throws(() => decodeResult(stored.subarray(0, 500), 300, true, 'render r, chunk 0'), {
      code: 'ERR_CORRUPT_RESULT',
      message: /render r, chunk 0: the stored result is too short to hold 300 smooth fractions/,
    });
    // The fractions cut by 4 bytes: the counts' stream then ends early, or holds the wrong size.
    assert.throws(() => decodeResult(stored.subarray(4), 300, true, 'render r, chunk 0'), { code: 'ERR_CORRUPT_RESULT' });
    // Read as a render without smooth, the fractions are trailing bytes of the wrong size.
    assert.throws(() => decodeResult(stored, 200, false, 'render r, chunk 0'), { code: 'ERR_CORRUPT_RESULT' });
  });
});

describe('a producer rides out a Redis restart', { skip, timeout: 120_000 }, () => {
  it('`submit --wait` prints the id at once, keeps waiting through a restart, and reports the render', async () => {
    const server = await RedisServer.start();
    const worker = await startWorker({ redis: server.url, threads: 1, kernelModules: [faulty] });
    try {
      const workload = tutorialWorkload({ size: 120, maxiter: 200 });
      let restarted: Promise<void> | undefined;
      const run = mandel(
        [
          'submit',
          '--redis',
          server.url,
          '--size',
          '120',
          '-m',
          '200',
          '--kernel',
          'slow',
          '--kernel-module',
          faulty,
          '--chunks',
          '60',
          '--wait',
          '--timeout',
          '20',
          '--no-progress',
        ],
        process.env,
        (stdout) => {
          // As soon as the id is out, pull Redis from under the waiting producer.
          if (!restarted && /^[0-9a-f-]{36}$/m.test(stdout)) restarted = server.restart();
        },
        ['--import', 'tsx'],
      );
      const done = await run;
      await restarted;
      assert.equal(done.status, 0, done.stderr);
      const [id] = done.stdout.split('\n');
      assert.match(id!, /^[0-9a-f-]{36}$/);
      const sum = (await reference(workload)).reduce((a, b) => a + b, 0);
      assert.match(done.stdout, new RegExp(`^Total sum of elements \\(for validation\\): ${sum}$`, 'm'));
      assert.match(done.stdout, new RegExp(`render ${id} done`));
    } finally {
      await worker.close();
      await server.destroy();
    }
  });
});

describe('Ctrl-C while outputs are written', () => {
  it('leaves each file complete or absent, no temporary file, and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandel-sigint-'));
    const files = { png: join(dir, 'big.png'), npy: join(dir, 'big.npy'), html: join(dir, 'big.html') };
    const child = spawn(
      process.execPath,
      [
        bin,
        'run',
        '--width',
        '6000',
        '--height',
        '4000',
        '-m',
        '50',
        '-o',
        files.png,
        '--counts',
        files.npy,
        '--plot3d',
        files.html,
        '--no-progress',
      ],
      { stdio: 'ignore' },
    );
    // Wait for the first temporary file: the outputs are being written.
    const deadline = Date.now() + 60_000;
    while (!readdirSync(dir).some((name) => name.endsWith('.tmp')) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const exited = new Promise<string>((resolve) => child.on('exit', (exit, signal) => resolve(`${exit} ${signal}`)));
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 30));
    child.kill('SIGINT');
    assert.equal(await exited, '130 null');
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.endsWith('.tmp')),
      [],
      'no temporary file is left',
    );
    if (existsSync(files.npy)) assert.equal(decodeNpyInt32(readFileSync(files.npy)).counts.length, 6000 * 4000);
    if (existsSync(files.png)) assert.deepEqual([PNG.sync.read(readFileSync(files.png)).width], [6000]);
    if (existsSync(files.html))
      assert.ok(statSync(files.html).size > 1000 && readFileSync(files.html, 'utf8').trimEnd().endsWith('</html>'));
  });
});
