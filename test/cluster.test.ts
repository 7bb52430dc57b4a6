import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { ClusterBackend } from '../src/cluster/backend.js';
import { ClusterClient } from '../src/cluster/client.js';
import { viewWorkload } from '../src/deep/view.js';
import { encodeReference, keys, referenceChecksum, CHUNK_QUEUE, WIRE_VERSION } from '../src/cluster/wire.js';
import { deepCentre, referenceBits, referenceOrbit } from '../src/deep/reference.js';
import { INLINE_ITERATIONS, startWorker, type RunningWorker, type WorkerEvent } from '../src/cluster/worker.js';
import { render } from '../src/render.js';
import { decodeNpyInt32 } from '../src/outputs/npy.js';
import { gridWorkload, tutorialWorkload, type Workload } from '../src/workload.js';
import './fixtures/faulty-kernels.js';
import { freePort, RedisClusterServer, RedisServer, redisSkipReason } from './helpers/redis.js';

const skip = redisSkipReason();
const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const faulty = fileURLToPath(new URL('./fixtures/faulty-kernels.ts', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'mandel-cluster-'));
const npy = (file: string) => decodeNpyInt32(readFileSync(file));

/** Runs the CLI without blocking this process, whose event loop serves the in-process workers. */
function mandelAsync(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function reference(workload: Workload): Promise<Int32Array> {
  return (await render(workload, { backend: 'serial', kernel: 'js', prune: false })).counts;
}

async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the cluster backend, against a real redis-server', { skip, timeout: 120_000 }, () => {
  let server: RedisServer;
  const clients: ClusterClient[] = [];
  const workers: RunningWorker[] = [];
  const children: ChildProcess[] = [];
  const newClient = () => {
    const client = new ClusterClient({ redis: server.url, timeoutMs: 10_000 });
    clients.push(client);
    return client;
  };
  const newWorker = async (options: { lockMs?: number; chunkTimeoutMs?: number; events?: WorkerEvent[]; redis?: string } = {}) => {
    const worker = await startWorker({
      redis: options.redis ?? server.url,
      threads: 1,
      kernelModules: [faulty],
      // One lock length for every worker of the queue: BullMQ's stalled check runs at most
      // once per stalledInterval of whichever worker ran it last.
      lockMs: options.lockMs ?? 1000,
      chunkTimeoutMs: options.chunkTimeoutMs,
      log: (event) => options.events?.push(event),
    });
    workers.push(worker);
    return worker;
  };

  const closeWorkers = async () => {
    for (const worker of workers.splice(0)) await worker.close();
  };

  before(async () => {
    server = await RedisServer.start();
  });
  // Each test decides which workers run: none is left over from the one before.
  beforeEach(() => closeWorkers());
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const worker of workers) await worker.close().catch(() => {});
    for (const client of clients) await client.close();
    await server.destroy();
  });

  it('keeps a render posted while no worker runs, and a worker started later does it exactly', async () => {
    const client = newClient();
    const workload = tutorialWorkload({ size: 300, maxiter: 400 });
    const { id, plan } = await client.submit(workload, { kernel: 'auto', prune: true, chunkCount: 12 });
    assert.equal(plan.length, 12);
    const queued = await client.progress(id);
    assert.deepEqual([queued.state, queued.done], ['queued', 0]);
    assert.equal((await client.queueStatus()).waiting, 12);
    await assert.rejects(client.result(id), { code: 'ERR_NOT_FINISHED', message: /0 of 12 chunks done/ });
    const worker = await newWorker();
    await client.wait(id);
    const result = await client.result(id);
    assert.deepEqual(result.counts, await reference(workload));
    assert.equal(result.chunks, 12);
    assert.ok(result.trace.chunks.every((event) => event.worker.endsWith('/thread-1') && event.bytesOut > 0));
    await worker.close();
    await closeWorkers();
  });

  it('computes chunks too small to hand to a thread on the worker itself, exactly; larger ones on its pool', async () => {
    const client = newClient();
    await newWorker();
    // 40 × 10 points at maxiter 200: chunks of one row (2,000 point-iterations) and of the rest.
    const workload = gridWorkload({ width: 10, height: 40, maxiter: 200 });
    const row = (n: number) => ({ id: n, row0: n, rowStep: 1, rowCount: 1, col0: 0, colCount: 10 });
    const chunks = [row(0), row(1), { id: 2, row0: 2, rowStep: 1, rowCount: 38, col0: 0, colCount: 10 }];
    assert.ok(10 * 200 <= INLINE_ITERATIONS && 380 * 200 > INLINE_ITERATIONS);
    const { id } = await client.submit(workload, { kernel: 'js', prune: false, chunks });
    await client.wait(id);
    const result = await client.result(id);
    assert.deepEqual(result.counts, (await render(workload, { backend: 'serial', kernel: 'js', prune: false })).counts);
    const where = Object.fromEntries(result.trace.chunks.map((event) => [event.chunk.id, event.worker.split('/').pop()]));
    assert.deepEqual(where, { 0: 'main', 1: 'main', 2: 'thread-1' });
    // A kernel module's kernel is never run there, however small the chunk: it may be slow.
    const slow = await client.submit(workload, { kernel: 'slow', prune: false, chunks: [row(0)] });
    await client.wait(slow.id);
    assert.deepEqual(
      (await client.result(slow.id)).trace.chunks.map((event) => event.worker.split('/').pop()),
      ['thread-1'],
    );
    await closeWorkers();
  });

  it("learns that a chunk is stored from BullMQ's events, not by polling", async () => {
    const client = newClient();
    await newWorker();
    const workload = gridWorkload({ width: 20, height: 20, maxiter: 50 });
    // The client reads the queue's events from its first collect on, and trusts them once one
    // has arrived: two chunks of ≥ 50 ms give its reader time to connect, even on a loaded
    // machine (with one quick chunk, its event could pass before the reader listened).
    await client.collect(await client.submit(workload, { kernel: 'slow', prune: false, chunkCount: 1 }));
    await client.collect(await client.submit(workload, { kernel: 'slow', prune: false, chunkCount: 1 }));
    // A chunk of ≥ 50 ms, waited for with a fallback poll of 5 s: only an event can end it
    // sooner, and the done set is read twice (before, and once woken) where polling backing
    // off from 2 ms would read it 6 times or more.
    const redis = server.client();
    const smembers = async () => Number(/cmdstat_smembers:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const before = await smembers();
    const record = await client.submit(workload, { kernel: 'slow', prune: false, chunkCount: 1 });
    const started = performance.now();
    const counts = await client.collect(record, { pollMs: 5000 });
    const ms = performance.now() - started;
    const polls = (await smembers()) - before;
    redis.disconnect();
    assert.ok(ms < 2500, `collected after ${ms.toFixed(0)} ms`);
    assert.ok(polls <= 3, `the done set was read ${polls} times`);
    assert.deepEqual(counts, (await render(workload, { backend: 'serial', kernel: 'js', prune: false })).counts);
    await closeWorkers();
  });

  it('a producer collecting a render rides out a Redis restart, its events reader included', async () => {
    const client = newClient();
    const workload = gridWorkload({ width: 40, height: 30, maxiter: 200 });
    await newWorker();
    await client.collect(await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 2 })); // events live
    await closeWorkers();
    const record = await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 6 });
    const collecting = client.collect(record);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.restart();
    await newWorker();
    assert.deepEqual(await collecting, (await render(workload, { backend: 'serial', kernel: 'js', prune: false })).counts);
    await closeWorkers();
  });

  it('a forged "completed" event (a chunk not stored, one not in the plan, junk) loses nothing and ends nothing', async () => {
    const client = newClient();
    const workload = gridWorkload({ width: 30, height: 20, maxiter: 100 });
    // One render first, so that the client reads the events stream before the forgeries come.
    await newWorker();
    await client.collect(await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 2 }));
    await closeWorkers();
    const record = await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 2 });
    let settled = false;
    const collecting = client.collect(record).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the collector is reading events
    const redis = server.client();
    for (const job of [`${record.id}-0`, `${record.id}-99`, `${record.id}-x`, 'no-dash', `${record.id}-`]) {
      await redis.xadd(`mandel:${CHUNK_QUEUE}:events`, '*', 'event', 'completed', 'jobId', job);
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(settled, false, 'the collector neither gave up nor finished on forged events');
    await newWorker();
    assert.deepEqual(await collecting, (await render(workload, { backend: 'serial', kernel: 'js', prune: false })).counts);
    redis.disconnect();
    await closeWorkers();
  });

  it('`mandel result` exits 3 with a clear line while the render is not finished', async () => {
    const { id } = await newClient().submit(tutorialWorkload({ size: 50 }), { kernel: 'js', prune: false, chunkCount: 2 });
    const run = spawnSync(process.execPath, [bin, 'result', id, '--redis', server.url], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 3, run.stderr);
    assert.equal(run.stderr.trim(), `mandel: render ${id} is not finished: 0 of 2 chunks done (mandel status ${id})`);
    // Leave nothing queued for the next tests.
    await newClient().cancel(id);
  });

  it('finishes the job when a worker is killed (kill -9) in the middle of a chunk', async () => {
    const client = newClient();
    const workload = tutorialWorkload({ size: 200, maxiter: 200 });
    // 16 chunks of ≥ 50 ms each on one thread: the victim is always inside one.
    const { id } = await client.submit(workload, { kernel: 'slow', prune: false, chunkCount: 16 });
    const victim = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        bin,
        'worker',
        '--redis',
        server.url,
        '--threads',
        '1',
        '--lock-ms',
        '1000',
        '--kernel-module',
        faulty,
        '--verbose',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(victim);
    let log = '';
    victim.stdout!.setEncoding('utf8').on('data', (text: string) => (log += text));
    await eventually('the victim to finish its first chunk', () => /chunk \d+:/.test(log));
    victim.kill('SIGKILL');
    await eventually('the victim to die', () => victim.exitCode !== null || victim.signalCode !== null);
    const before = await client.progress(id);
    assert.ok(before.done < 16, 'the victim must not have finished everything');
    const t0 = Date.now();
    await newWorker({ lockMs: 1000 });
    await client.wait(id);
    assert.ok(Date.now() - t0 < 15_000, `recovered in ${Date.now() - t0} ms`);
    assert.deepEqual((await client.result(id)).counts, await reference(workload));
    await closeWorkers();
  });

  it('completes queued jobs after Redis is stopped and restarted (AOF)', async () => {
    const client = newClient();
    const workload = tutorialWorkload({ size: 160, maxiter: 300 });
    const { id } = await client.submit(workload, { kernel: 'auto', prune: true, chunkCount: 8 });
    await client.close();
    await server.restart();
    const after = newClient();
    assert.equal((await after.progress(id)).state, 'queued');
    await newWorker();
    await after.wait(id);
    assert.deepEqual((await after.result(id)).counts, await reference(workload));
    await closeWorkers();
  });

  it("sends mandel's Lua scripts again to a Redis that forgot them (SCRIPT FLUSH; a restart does the same)", async () => {
    const client = newClient();
    await newWorker();
    const workload = tutorialWorkload({ size: 60, maxiter: 200 });
    await client.collect(await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 2 })); // the scripts are loaded
    const redis = server.client();
    try {
      await redis.script('FLUSH');
      // Submitting writes the record by script, and each stored chunk is a script too.
      const counts = await client.collect(await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 3 }));
      assert.deepEqual(counts, await reference(workload));
    } finally {
      redis.disconnect();
    }
    await closeWorkers();
  });

  it('fails malformed or hostile jobs and records with their reasons, and the worker keeps serving', async () => {
    const events: WorkerEvent[] = [];
    await newWorker({ events });
    const connection = server.client({ maxRetriesPerRequest: 1 });
    const queue = new Queue(CHUNK_QUEUE, { connection, prefix: 'mandel' });
    after(async () => {
      await queue.close();
      connection.disconnect();
    });
    const good = tutorialWorkload({ size: 40 });
    const plan = [{ id: 0, row0: 0, rowStep: 1, rowCount: 2, col0: 0, colCount: 20 }];
    /** A render record written by hand, as a forger with access to Redis could. */
    const forge = async (id: string, fields: Record<string, string>) => {
      const record = {
        v: String(WIRE_VERSION),
        workload: JSON.stringify(good),
        kernel: 'js',
        prune: '0',
        chunks: '1',
        chunkPlan: JSON.stringify(plan),
        ttl: '60',
      };
      await connection
        .multi()
        .hset(keys('mandel', id).render, { ...record, ...fields })
        .expire(keys('mandel', id).render, 60)
        .exec();
    };
    await forge('ok', {});
    await forge('code-kernel', { kernel: 'process.exit(1)' });
    await forge('unknown-kernel', { kernel: 'constructor' });
    await forge('outside', { chunkPlan: JSON.stringify([{ ...plan[0], row0: 10_000 }]) });
    await forge('huge-axis', { workload: JSON.stringify({ ...good, re: { ...good.re, count: 2 ** 25 } }) });
    // 200 points × (2^31 − 1) iterations: over the default cap of 1e11.
    await forge('costly', {
      workload: JSON.stringify({ ...good, maxiter: 2 ** 31 - 1 }),
      chunkPlan: JSON.stringify([{ ...plan[0], rowCount: 10 }]),
    });
    await forge('old-version', { v: '1' });
    // A deep render whose reference orbit is missing, is not one, has no checksum, or was
    // changed in Redis after it was submitted: well-formed, every zr × 1.001.
    const deepWorkload = { ...good, deep: { re: '-0.75', im: '0.1', exponent: -200 } };
    const badBytes = Buffer.from([5, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
    const orbit = referenceOrbit(deepCentre(deepWorkload.deep), referenceBits(deepWorkload.deep), good.maxiter);
    const stored = encodeReference(orbit);
    const changed = encodeReference({ ...orbit, zr: orbit.zr.map((value) => value * 1.001) });
    await forge('deep-no-reference', { workload: JSON.stringify(deepWorkload), referenceSha256: referenceChecksum(stored) });
    await forge('deep-bad-reference', { workload: JSON.stringify(deepWorkload), referenceSha256: referenceChecksum(badBytes) });
    await connection.set(keys('mandel', 'deep-bad-reference').reference, badBytes, 'EX', 60);
    await forge('deep-no-checksum', { workload: JSON.stringify(deepWorkload) });
    await connection.set(keys('mandel', 'deep-no-checksum').reference, stored, 'EX', 60);
    await forge('deep-changed-reference', { workload: JSON.stringify(deepWorkload), referenceSha256: referenceChecksum(stored) });
    await connection.set(keys('mandel', 'deep-changed-reference').reference, changed, 'EX', 60);
    const hostile: { name: string; data: unknown; reason: RegExp }[] = [
      { name: 'not an object', data: 'rm -rf /', reason: /invalid chunk job/ },
      { name: 'no version', data: { render: 'ok', chunk: 0 }, reason: new RegExp(`invalid chunk job: v: v must be ${WIRE_VERSION}`) },
      {
        name: 'version 1 payload',
        data: { v: 1, render: 'ok', workload: good, chunk: plan[0], kernel: 'js', prune: false, ttl: 60 },
        reason: /invalid chunk job/,
      },
      { name: 'extra field', data: { v: WIRE_VERSION, render: 'ok', chunk: 0, code: 'x' }, reason: /invalid chunk job/ },
      { name: 'key in render', data: { v: WIRE_VERSION, render: 'a:b', chunk: 0 }, reason: /render must be 1–64 letters/ },
      { name: 'unknown render', data: { v: WIRE_VERSION, render: 'nobody', chunk: 0 }, reason: /no render nobody in Redis/ },
      {
        name: 'chunk outside plan',
        data: { v: WIRE_VERSION, render: 'ok', chunk: 7 },
        reason: /render ok has no chunk 7 \(its plan has 1\)/,
      },
      {
        name: 'code as kernel',
        data: { v: WIRE_VERSION, render: 'code-kernel', chunk: 0 },
        reason: /kernel must be a registered kernel name/,
      },
      { name: 'unknown kernel', data: { v: WIRE_VERSION, render: 'unknown-kernel', chunk: 0 }, reason: /unknown kernel "constructor"/ },
      {
        name: 'chunk outside workload',
        data: { v: WIRE_VERSION, render: 'outside', chunk: 0 },
        reason: /chunk 0 reaches below the last row/,
      },
      { name: 'huge axis', data: { v: WIRE_VERSION, render: 'huge-axis', chunk: 0 }, reason: /at most 16,777,216 points/ },
      {
        name: 'too costly',
        data: { v: WIRE_VERSION, render: 'costly', chunk: 0 },
        reason: /may cost 429,496,729,400 iterations, over this worker's limit of 100,000,000,000/,
      },
      { name: 'old record', data: { v: WIRE_VERSION, render: 'old-version', chunk: 0 }, reason: /recorded in wire version 1/ },
      {
        name: 'deep without reference',
        data: { v: WIRE_VERSION, render: 'deep-no-reference', chunk: 0 },
        reason: /render deep-no-reference is deep but has no reference orbit in Redis/,
      },
      {
        name: 'deep with a bad reference',
        data: { v: WIRE_VERSION, render: 'deep-bad-reference', chunk: 0 },
        reason: /render deep-bad-reference: the stored reference orbit is corrupt \(11 bytes, 88 expected for 5 values\)/,
      },
      {
        name: 'deep record without the orbit checksum',
        data: { v: WIRE_VERSION, render: 'deep-no-checksum', chunk: 0 },
        reason: /a deep workload, and only one, has the referenceSha256 of its orbit/,
      },
      {
        name: 'deep with a changed reference',
        data: { v: WIRE_VERSION, render: 'deep-changed-reference', chunk: 0 },
        reason: /render deep-changed-reference: the stored reference orbit does not match the SHA-256 its record was submitted with/,
      },
    ];
    const idOf = (name: string) => `hostile-${name.replace(/ /g, '-')}`;
    for (const job of hostile) await queue.add('chunk', job.data, { jobId: idOf(job.name), attempts: 3 });
    // Data that is not JSON, written straight into a job's hash.
    await queue.add('chunk', { v: WIRE_VERSION, render: 'ok', chunk: 0 }, { jobId: 'hostile-garbage', attempts: 3, delay: 300 });
    await connection.hset('mandel:chunks:hostile-garbage', 'data', 'this is {not json');
    const expected = hostile.length + 1;
    await eventually('all hostile jobs to fail', () => events.filter((e) => e.type === 'failed').length >= expected).catch(
      async (error) => {
        const states = await Promise.all(
          [...hostile.map((job) => idOf(job.name)), 'hostile-garbage'].map(async (id) => `${id}: ${await queue.getJobState(id)}`),
        );
        throw new Error(`${(error as Error).message}; ${states.join(', ')}; events ${JSON.stringify(events)}`);
      },
    );
    const failed = events.filter((e): e is Extract<WorkerEvent, { type: 'failed' }> => e.type === 'failed');
    assert.ok(
      failed.every((e) => e.final),
      'invalid jobs are not retried',
    );
    for (const job of hostile) {
      const reason = (await queue.getJob(idOf(job.name)))?.failedReason ?? '(no reason)';
      assert.match(reason, job.reason, job.name);
    }
    // (BullMQ's own getJob cannot read this job: its data is still not JSON.)
    assert.equal(await queue.getJobState('hostile-garbage'), 'failed');
    assert.match((await connection.hget('mandel:chunks:hostile-garbage', 'failedReason')) ?? '', /job data is not JSON/);
    // Nothing was created for the render that does not exist; no render key lacks an expiry.
    assert.equal(await connection.exists(keys('mandel', 'nobody').render), 0);
    for (const key of await connection.keys('mandel:render:*')) assert.ok((await connection.ttl(key)) > 0, `${key} has no expiry`);
    // The same worker still computes good renders.
    const client = newClient();
    const { id } = await client.submit(good, { kernel: 'js', prune: false, chunkCount: 4 });
    await client.wait(id);
    assert.deepEqual((await client.result(id)).counts, await reference(good));
    await closeWorkers();
  });

  it("a forged job naming a finished render's chunk changes nothing: its parameters come from the render's record", async () => {
    await newWorker();
    const client = newClient();
    const workload = tutorialWorkload({ size: 60 });
    const { id } = await client.submit(workload, { kernel: 'js', prune: false, chunkCount: 3 });
    await client.wait(id);
    const connection = server.client({ maxRetriesPerRequest: 1 });
    const queue = new Queue(CHUNK_QUEUE, { connection, prefix: 'mandel' });
    try {
      // Chunk 0 again, under its own job id (the real job is gone) and under another id; and a
      // job that fails (chunk 99) naming the finished render.
      const opts = { removeOnComplete: true, removeOnFail: true };
      await queue.add('chunk', { v: WIRE_VERSION, render: id, chunk: 0 }, { jobId: `${id}-0`, ...opts });
      await queue.add('chunk', { v: WIRE_VERSION, render: id, chunk: 0 }, { jobId: 'forged-copy', ...opts });
      await queue.add('chunk', { v: WIRE_VERSION, render: id, chunk: 99 }, { jobId: `${id}-99`, ...opts });
      await eventually('the forged jobs to be done', async () => {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
        return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) === 0;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await client.progress(id)).state, 'done');
      assert.deepEqual((await client.result(id)).counts, await reference(workload));
    } finally {
      await queue.close();
      connection.disconnect();
      await closeWorkers();
    }
  });

  it('a chunk that outlasts its lock several times completes once (lock renewal); a chunk time limit fails it clearly', async () => {
    const events: WorkerEvent[] = [];
    await newWorker({ lockMs: 1000, events });
    const client = newClient();
    const workload = tutorialWorkload({ size: 20, maxiter: 50 });
    const { id } = await client.submit(workload, { kernel: 'spin-3s', prune: false, chunkCount: 1 });
    await client.wait(id);
    assert.deepEqual((await client.result(id)).counts, await reference(workload));
    assert.equal(events.filter((e) => e.type === 'chunk').length, 1, 'computed exactly once, never declared stalled');
    await closeWorkers();

    await newWorker({ chunkTimeoutMs: 500 });
    const limited = await client.submit(workload, { kernel: 'spin-3s', prune: false, chunkCount: 1 });
    await assert.rejects(client.wait(limited.id), {
      code: 'ERR_RENDER_FAILED',
      message: /chunk 0: chunk 0 ran over the per-chunk time limit of 500 ms/,
    });
  });

  it('`mandel submit --json` returns an id at once; `run --backend cluster` and `result` write the counts point for point', async () => {
    const submit = spawnSync(process.execPath, [bin, 'submit', '--size', '80', '--json', '--redis', server.url], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(submit.status, 0, submit.stderr);
    const { id, chunks } = JSON.parse(submit.stdout) as { id: string; chunks: number };
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(chunks, 41); // 64 asked, capped at the rows of --size 80 (41: the repeated addition overshoots)
    await newWorker();
    const env = { ...process.env, REDIS_URL: server.url };
    // A non-square grid, so a transposed or shuffled assembly cannot pass.
    const grid = ['--width', '37', '--height', '21', '-m', '300'];
    const expected = await reference(gridWorkload({ width: 37, height: 21, maxiter: 300 }));
    const runFile = join(outDir, 'run-cluster.npy');
    const run = await mandelAsync(['run', '--backend', 'cluster', ...grid, '--chunks', '7', '--counts', runFile, '--json'], env);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { backend: string; sum: number; workers: number; chunks: number };
    assert.deepEqual([report.backend, report.workers, report.chunks], ['cluster', 1, 7]);
    assert.deepEqual(npy(runFile), { rows: 21, cols: 37, counts: expected });
    assert.equal(
      report.sum,
      expected.reduce((a, b) => a + b, 0),
    );

    await newClient().wait(id);
    const resultFile = join(outDir, 'result.npy');
    const result = await mandelAsync(['result', id, '--counts', resultFile, '--json'], env);
    assert.equal(result.status, 0, result.stderr);
    const tutorial = await reference(tutorialWorkload({ size: 80 }));
    assert.deepEqual(npy(resultFile).counts, tutorial);
    assert.equal(
      (JSON.parse(result.stdout) as { sum: number }).sum,
      tutorial.reduce((a, b) => a + b, 0),
    );

    const later = await mandelAsync(['submit', ...grid, '--schedule', 'tiles', '--chunks', '9', '--wait', '--json', '--no-progress'], env);
    assert.equal(later.status, 0, later.stderr);
    const laterFile = join(outDir, 'result-grid.npy');
    // Two JSON lines: the id as soon as it is recorded, then the summary `run` would give.
    const [posted, summary] = later.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Tiles are square-ish: 9 asked gives the plan's own count, the same on both lines.
    assert.deepEqual(posted, { id: summary!.id, chunks: summary!.chunks });
    assert.equal(summary!.state, 'done');
    assert.equal(summary!.elements, 37 * 21);
    assert.equal(
      summary!.sum,
      expected.reduce((a, b) => a + b, 0),
    );
    assert.ok((summary!.iterations as number) > 0 && (summary!.iterations as number) <= (summary!.bruteForceIterations as number));
    const fetched = await mandelAsync(['result', posted!.id as string, '--counts', laterFile], env);
    assert.equal(fetched.status, 0, fetched.stderr);
    assert.deepEqual(npy(laterFile), { rows: 21, cols: 37, counts: expected });
  });

  it('renders a deep view (1e-60 wide) exactly as the threads backend does, each worker reading its reference orbit once', async () => {
    await newWorker();
    await newWorker();
    const workload = viewWorkload({ center: { re: '0', im: '1' }, width: '1e-60', cols: 48, rows: 40, maxiter: 3000 });
    assert.ok(workload.deep);
    const threads = await render(workload, { backend: 'threads', workers: 2 });
    const redis = server.client();
    // Every GET of a reference orbit, as Redis sees it.
    const monitor = await redis.monitor();
    try {
      let fetched = 0;
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[0]?.toLowerCase() === 'get' && args[1]?.endsWith(':reference')) fetched++;
      });
      const cluster = new ClusterBackend({ redis: server.url, ttl: 120 });
      let id = '';
      try {
        const result = await render(workload, { backend: cluster, chunks: 16, onNote: (note) => (id = /render (\S+)/.exec(note)![1]!) });
        assert.deepEqual(result.counts, threads.counts, 'cluster = threads, point for point');
        assert.equal(result.kernel, threads.kernel, 'the same kernel with perturbation (auto: native where built)');
      } finally {
        await cluster.close();
      }
      assert.ok(fetched >= 1 && fetched <= 2, `${fetched} reads of the reference orbit for 16 chunks on 2 workers`);
      const ttl = await redis.ttl(keys('mandel', id).reference);
      assert.ok(ttl > 0 && ttl <= 120, `the reference orbit expires with its render (ttl ${ttl})`);
    } finally {
      monitor.disconnect();
      redis.disconnect();
    }
  });

  it("carries smooth fractions: render() and submit --smooth / result --smooth give the threads backend's, bit for bit", async () => {
    await newWorker();
    await newWorker();
    // A shallow grid (inline and pooled chunks) and a deep view (perturbation on the workers).
    const shallow = gridWorkload({ width: 57, height: 31, maxiter: 400, region: { x1: -2, x2: 0.5, y1: -1.1, y2: 1.1 } });
    const deep = viewWorkload({ center: { re: '0', im: '1' }, width: '1e-40', cols: 40, rows: 30, maxiter: 3000 });
    for (const workload of [shallow, deep]) {
      const threads = await render(workload, { backend: 'threads', workers: 2, smooth: true });
      const cluster = new ClusterBackend({ redis: server.url, ttl: 120 });
      try {
        const result = await render(workload, { backend: cluster, chunks: 9, smooth: true });
        assert.deepEqual(result.counts, threads.counts);
        assert.deepEqual(result.smooth, threads.smooth, `the fractions (${workload.deep ? 'deep' : 'shallow'})`);
      } finally {
        await cluster.close();
      }
    }
    const env = { ...process.env, REDIS_URL: server.url };
    const grid = ['--region', '-2,0.5,-1.1,1.1', '--width', '57', '--height', '31', '-m', '400'];
    const submitted = await mandelAsync(['submit', ...grid, '--smooth', '--wait', '--json', '--no-progress'], env);
    assert.equal(submitted.status, 0, submitted.stderr);
    const id = (JSON.parse(submitted.stdout.split('\n')[0]!) as { id: string }).id;
    const muFile = join(outDir, 'cluster-mu.npy');
    const fetched = await mandelAsync(['result', id, '--smooth', muFile], env);
    assert.equal(fetched.status, 0, fetched.stderr);
    const expected = await render(shallow, { backend: 'serial', smooth: true });
    const file = readFileSync(muFile);
    const mu = new Float32Array(file.buffer.slice(file.byteOffset + 10 + file.readUInt16LE(8), file.byteOffset + file.length));
    assert.deepEqual(
      mu,
      Float32Array.from(expected.counts, (count, i) => count + expected.smooth![i]!),
    );
    // A render submitted without --smooth has counts only, and says so.
    const plain = await mandelAsync(['submit', ...grid, '--wait', '--json', '--no-progress'], env);
    const plainId = (JSON.parse(plain.stdout.split('\n')[0]!) as { id: string }).id;
    const refused = await mandelAsync(['result', plainId, '--smooth', join(outDir, 'none.npy')], env);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /^mandel: render \S+ was submitted without --smooth: it has counts only/);
  });

  it('keeps Redis memory bounded: no completed jobs kept, every render key expires', async () => {
    await newWorker();
    const client = newClient();
    const { id } = await client.submit(tutorialWorkload({ size: 40 }), { kernel: 'js', prune: false, chunkCount: 3, ttl: 120 });
    await client.wait(id);
    const redis = server.client();
    try {
      const k = keys('mandel', id);
      for (const key of [k.render, k.done, k.meta, k.results]) {
        const ttl = await redis.ttl(key);
        assert.ok(ttl > 0 && ttl <= 120, `${key} expires (ttl ${ttl})`);
      }
      assert.equal(await redis.zcard('mandel:chunks:completed'), 0, 'completed jobs are removed');
    } finally {
      redis.disconnect();
    }
  });
});

describe('on a Redis Cluster (three masters, made by redis-cli --cluster create)', { skip, timeout: 90_000 }, () => {
  it('renders exactly, every key of the queue in the one slot of the prefix {mandel}; a prefix without a hash tag is refused', async () => {
    const cluster = await RedisClusterServer.start();
    const workers: RunningWorker[] = [];
    const client = new ClusterClient({ redis: cluster.url, timeoutMs: 10_000 });
    try {
      assert.equal(client.prefix, '{mandel}');
      assert.throws(() => new ClusterClient({ redis: cluster.url, prefix: 'mandel' }), {
        code: 'ERR_INVALID_OPTION',
        message: /on a Redis Cluster the prefix needs a hash tag, e\.g\. \{mandel\}/,
      });
      for (let i = 0; i < 2; i++) workers.push(await startWorker({ redis: cluster.url, threads: 1 }));
      const workload = tutorialWorkload({ size: 240, maxiter: 300 });
      const record = await client.submit(workload, { kernel: 'auto', prune: true, chunkCount: 24 });
      const counts = await client.collect(record);
      assert.deepEqual(counts, (await render(workload, { backend: 'serial' })).counts);
      assert.equal((await client.result(record.id)).chunks, 24);
      // The slot of {mandel} lives on one master: every key is there, none on the others.
      const sizes: number[] = [];
      for (const node of cluster.nodes) {
        const redis = node.client();
        sizes.push(await redis.dbsize());
        redis.disconnect();
      }
      assert.equal(sizes.filter((size) => size > 0).length, 1, `keys per node: ${sizes.join(', ')}`);
      // The dashboard's Redis memory is the whole cluster's, not one node's.
      const nodeMemory: number[] = [];
      for (const node of cluster.nodes) {
        const redis = node.client();
        nodeMemory.push(Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))![1]));
        redis.disconnect();
      }
      assert.ok((await client.redisMemoryBytes()) > 1.5 * Math.max(...nodeMemory), `nodes: ${nodeMemory.join(', ')}`);
    } finally {
      for (const worker of workers) await worker.close();
      await client.close();
      await cluster.destroy();
    }
  });
});

describe('an unreachable Redis', { skip, timeout: 60_000 }, () => {
  it('the CLI fails at once, in one line, exit code 1, when the connection is refused', async () => {
    const port = await freePort();
    const started = Date.now();
    // A timeout of 30 s that a refusal must not wait out.
    const run = spawnSync(process.execPath, [bin, 'status', '--redis', `redis://127.0.0.1:${port}`, '--timeout', '30'], {
      encoding: 'utf8',
      timeout: 40_000,
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr.trim(), new RegExp(`^mandel: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*$`));
    assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
  });

  it('the CLI waits out a silent Redis for --timeout, and says so truthfully', async () => {
    // A loopback server that accepts connections and never answers.
    const silent = createServer((socket) => socket.on('data', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const run = await mandelAsync(['status', '--redis', `redis://127.0.0.1:${port}`, '--timeout', '2']);
      const took = Date.now() - started;
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr.trim(), new RegExp(`^mandel: no answer from Redis at redis://127\\.0\\.0\\.1:${port} within 2 s`));
      assert.ok(took >= 2000, `gave up after ${took} ms, before its timeout`);
      assert.ok(took < 15_000, `took ${took} ms`);
    } finally {
      silent.close();
    }
  });

  it('never echoes a password, even in a URL that does not parse', () => {
    for (const url of ['redis://u:hunter2%zz@127.0.0.1:1', 'redis://u:hunter2@[bad']) {
      const run = spawnSync(process.execPath, [bin, 'status', '--redis', url], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(run.status, 2, run.stderr);
      assert.doesNotMatch(run.stderr, /hunter2/);
      assert.match(run.stderr.trim(), /^mandel: --redis[^\n]*\*\*\*/);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
  });

  it('a worker retries with back-off without crashing, and serves once Redis comes up', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const events: WorkerEvent[] = [];
    const worker = await startWorker({ redis: url, threads: 1, log: (event) => events.push(event) });
    let server: RedisServer | undefined;
    try {
      await eventually('a redis-error event', () => events.some((e) => e.type === 'redis-error'));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      server = await RedisServer.start(port);
      await eventually('the worker to be ready', () => events.some((e) => e.type === 'ready'), 30_000);
      const client = new ClusterClient({ redis: url });
      try {
        const workload = tutorialWorkload({ size: 60 });
        const { id } = await client.submit(workload, { kernel: 'auto', prune: true, chunkCount: 3 });
        await client.wait(id);
        assert.deepEqual((await client.result(id)).counts, await reference(workload));
      } finally {
        await client.close();
      }
    } finally {
      await worker.close();
      await server?.destroy();
    }
  });

  it('`mandel worker` names where it serves, warns of a password in argv, and logs summaries, not every chunk', async () => {
    const server = await RedisServer.start(undefined, ['--requirepass', 's3cret']);
    const url = `redis://:s3cret@127.0.0.1:${server.port}`;
    const child = spawn(process.execPath, [bin, 'worker', '--redis', url, '--threads', '1', '--summary', '1', '--prefix', 'logs'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const client = new ClusterClient({ redis: url, prefix: 'logs' });
    try {
      await eventually('the ready line', () => stdout.includes('ready'), 30_000);
      assert.match(
        stdout,
        new RegExp(
          `^worker [^ ]+:\\d+ ready: Redis redis://:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}, prefix logs, 1 thread, 1 chunk at a time, kernels js(, \\w+)*$`,
          'm',
        ),
      );
      assert.doesNotMatch(stdout + stderr, /s3cret/);
      assert.match(stderr, /warning: the Redis password was given on the command line.*set REDIS_URL instead/);
      const { id } = await client.submit(tutorialWorkload({ size: 60 }), { kernel: 'js', prune: false, chunkCount: 6 });
      await client.wait(id);
      await eventually('a summary line', () => /^last \d+ s: \d+ chunks, [\d,]+ iterations$/m.test(stdout), 10_000);
      assert.doesNotMatch(stdout, /chunk \d+: [\d.]+ ms/, 'no line per chunk without --verbose');
      const total = [...stdout.matchAll(/^last \d+ s: (\d+) chunks/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      await eventually(
        'every chunk summarised',
        () => {
          const now = [...stdout.matchAll(/^last \d+ s: (\d+) chunks/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
          return now === 6;
        },
        10_000,
      ).catch(() => assert.fail(`summaries counted ${total} chunks of 6`));
    } finally {
      child.kill('SIGINT');
      await once(child, 'exit');
      await client.close();
      await server.destroy();
    }
  });

  it('a password-protected Redis works with the password in the URL, and fails clearly without', async () => {
    const server = await RedisServer.start(undefined, [
      '--user',
      'default',
      'off',
      '--user',
      'mandel',
      'on',
      '>s3cret',
      '~*',
      '&*',
      '+@all',
    ]);
    const url = `redis://mandel:s3cret@127.0.0.1:${server.port}`;
    const worker = await startWorker({ redis: url, threads: 1 });
    const client = new ClusterClient({ redis: url });
    try {
      const workload = tutorialWorkload({ size: 40 });
      const { id } = await client.submit(workload, { kernel: 'auto', prune: true, chunkCount: 2 });
      await client.wait(id);
      assert.deepEqual((await client.result(id)).counts, await reference(workload));
      const wrong = spawnSync(
        process.execPath,
        [bin, 'status', '--redis', `redis://mandel:wrong@127.0.0.1:${server.port}`, '--timeout', '1'],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      assert.equal(wrong.status, 1);
      assert.match(wrong.stderr, /redis:\/\/mandel:\*\*\*@127\.0\.0\.1/, 'the password is masked');
      assert.doesNotMatch(wrong.stderr, /wrong/);
    } finally {
      await client.close();
      await worker.close();
      await server.destroy();
    }
  });

  it('rediss:// (TLS) works when the server certificate is trusted, and fails clearly when it is not', async () => {
    // A throw-away CA and a server certificate for 127.0.0.1, made here with openssl.
    const dir = mkdtempSync(join(tmpdir(), 'mandel-tls-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=mandel test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    );
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      'san.ext',
      '-out',
      'server.pem',
    );
    const tlsPort = await freePort();
    const server = await RedisServer.start(undefined, [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(dir, 'server.pem'),
      '--tls-key-file',
      join(dir, 'server.key'),
      '--tls-ca-cert-file',
      join(dir, 'ca.pem'),
      '--tls-auth-clients',
      'no',
    ]);
    const url = `rediss://127.0.0.1:${tlsPort}`;
    const trusted = { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') };
    const worker = spawn(process.execPath, [bin, 'worker', '--redis', url, '--threads', '1'], { env: trusted, stdio: 'ignore' });
    try {
      const grid = ['--width', '37', '--height', '21', '-m', '300', '--chunks', '5'];
      const submit = await mandelAsync(['submit', '--redis', url, ...grid, '--wait', '--json', '--no-progress'], trusted);
      assert.equal(submit.status, 0, submit.stderr);
      const { id } = JSON.parse(submit.stdout.split('\n')[0]!) as { id: string };
      const file = join(dir, 'tls.npy');
      const result = await mandelAsync(['result', id, '--redis', url, '--counts', file, '--json'], trusted);
      assert.equal(result.status, 0, result.stderr);
      const expected = await reference(gridWorkload({ width: 37, height: 21, maxiter: 300 }));
      assert.deepEqual(npy(file), { rows: 21, cols: 37, counts: expected });
      assert.equal(
        (JSON.parse(result.stdout) as { sum: number }).sum,
        expected.reduce((a, b) => a + b, 0),
      );
      const untrusted = await mandelAsync(['status', '--redis', url, '--timeout', '2'], process.env);
      assert.equal(untrusted.status, 1);
      assert.match(untrusted.stderr.trim(), /^mandel: cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+: .*certificate.*$/);
    } finally {
      worker.kill('SIGKILL');
      await server.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
