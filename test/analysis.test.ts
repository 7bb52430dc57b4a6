import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { amdahlSpeedup, describeFit, fitAmdahl, karpFlatt } from '../src/analysis/amdahl.js';
import { machineCondition } from '../src/analysis/bench.js';
import { explain, wallTimeParts } from '../src/analysis/explain.js';
import { writeOutputs } from '../src/outputs/index.js';
import { render } from '../src/render.js';
import { TraceRecorder, type ChunkEvent, type Trace } from '../src/trace.js';
import { tutorialWorkload } from '../src/workload.js';
import { viewWorkload } from '../src/deep/view.js';
import { ThreadsBackend } from '../src/backends/threads.js';
import { browserSkipReason, launchBrowser } from './helpers/browser.js';

const chunk = { id: 0, row0: 0, rowStep: 1, rowCount: 1, col0: 0, colCount: 1 };
const event = (worker: string, startMs: number, endMs: number): ChunkEvent => ({
  chunk,
  worker,
  queuedMs: 0,
  startMs,
  endMs,
  iterations: 1,
  bytesIn: 100,
  bytesOut: 0,
});

describe("Amdahl's law", () => {
  it('recovers the serial fraction from exact speed-ups, and predicts with it', () => {
    const points = [2, 4, 8, 16].map((workers) => ({ workers, speedup: amdahlSpeedup(0.1, workers) }));
    const fit = fitAmdahl(points)!;
    assert.ok(Math.abs(fit.serialFraction - 0.1) < 1e-12, String(fit.serialFraction));
    assert.ok(fit.rmse !== null && fit.rmse < 1e-9);
    assert.ok(Math.abs(fit.ceiling - 10) < 1e-9);
    assert.deepEqual(
      fit.predicted.map((p) => p.workers),
      [8, 32, 128],
    );
    assert.ok(Math.abs(fit.predicted[0]!.speedup - 1 / (0.1 + 0.9 / 8)) < 1e-9);
  });

  it('fits noisy measurements by least squares, and clamps super-linear ones to a serial fraction of 0', () => {
    const noisy = fitAmdahl([
      { workers: 2, speedup: amdahlSpeedup(0.05, 2) * 1.01 },
      { workers: 4, speedup: amdahlSpeedup(0.05, 4) * 0.99 },
    ])!;
    assert.ok(Math.abs(noisy.serialFraction - 0.05) < 0.01, String(noisy.serialFraction));
    assert.equal(fitAmdahl([{ workers: 2, speedup: 2.1 }])!.serialFraction, 0);
    assert.equal(fitAmdahl([{ workers: 1, speedup: 1 }]), undefined, 'one worker says nothing about parallel parts');
  });

  it('gives no error figure for a one-point fit, and shows the spread of the fit rep by rep', () => {
    const one = fitAmdahl([{ workers: 2, speedup: 1.8 }])!;
    assert.equal(one.rmse, null);
    const line = describeFit(one, [0.03, 0.11, 0.85]);
    assert.match(line, /^serial fraction 0\.1111 \(fitted on 1 point, so it has no error figure; rep by rep it ranged 0\.030–0\.850\)/);
    assert.doesNotMatch(line, /rms error/);
    const two = fitAmdahl([
      { workers: 2, speedup: 1.8 },
      { workers: 4, speedup: 3 },
    ])!;
    assert.match(describeFit(two, [0.1]), /fitted on 2 points, rms error \d\.\d{3}\)/);
  });

  it('calls the machine busy from the load before the sweep or the spread of identical serial runs, and says which', () => {
    const quiet = machineCondition({ loadAverage: 0.3, cores: 2, serialRunsMs: [[100, 104, 102]] });
    assert.deepEqual([quiet.busy, quiet.warning], [false, '']);
    assert.ok(Math.abs(quiet.serialSpread - 0.04) < 1e-12);
    const loaded = machineCondition({ loadAverage: 1.7, cores: 2, serialRunsMs: [[100, 101]] });
    assert.equal(loaded.busy, true);
    assert.match(loaded.warning, /load average 1\.70 on 2 cores before the sweep/);
    assert.doesNotMatch(loaded.warning, /differed/);
    const noisy = machineCondition({
      loadAverage: 0.2,
      cores: 2,
      serialRunsMs: [
        [90, 100],
        [100, 135, 120],
      ],
    });
    assert.equal(noisy.busy, true);
    assert.match(noisy.warning, /identical serial runs differed by 35%/);
    assert.doesNotMatch(noisy.warning, /load average/);
  });

  it('Karp–Flatt: 0 for a perfect speed-up, 1 for none, undefined for one worker', () => {
    assert.equal(karpFlatt(2, 2), 0);
    assert.equal(karpFlatt(1, 4), 1);
    assert.equal(karpFlatt(1, 1), undefined);
    assert.ok(Math.abs(karpFlatt(amdahlSpeedup(0.2, 8), 8)! - 0.2) < 1e-12);
  });
});

describe('the explanation of a render', () => {
  const trace = (chunks: ChunkEvent[], computeMs: number, startupMs = 5): Trace => ({
    originEpochMs: 0,
    phases: [
      { name: 'start workers', startMs: 0, endMs: startupMs },
      { name: 'compute', startMs: startupMs, endMs: startupMs + computeMs },
      { name: 'encode png', startMs: startupMs + computeMs + 2, endMs: startupMs + computeMs + 12 },
    ],
    chunks,
  });

  it('takes each part from its own phases or lanes: start-up, setup, work, imbalance, hand-over, summary, output, other', () => {
    // Every phase with its own length, gaps of 1 + 2 + 4 ms between some of them.
    const built: Trace = {
      originEpochMs: 0,
      phases: [
        { name: 'start workers', startMs: 0, endMs: 7 },
        { name: 'coordinates', startMs: 7, endMs: 10 },
        { name: 'allocate', startMs: 11, endMs: 13 }, // 1 ms gap before
        { name: 'compute', startMs: 13, endMs: 113 },
        { name: 'summarise', startMs: 113, endMs: 117 },
        { name: 'stop workers', startMs: 119, endMs: 124 }, // 2 ms gap before
        { name: 'encode png', startMs: 124, endMs: 135 },
        { name: 'encode npy', startMs: 139, endMs: 145 }, // 4 ms gap before
      ],
      // Lane a busy 45 + 40 = 85 ms, lane b 55 ms: average 70, busiest 85.
      chunks: [event('a', 13, 58), event('a', 60, 100), event('b', 14, 69)],
    };
    const parts = wallTimeParts(built);
    assert.deepEqual(
      {
        wall: parts.wallMs,
        startup: parts.startupMs,
        setup: parts.setupMs,
        work: parts.workMs,
        imbalance: parts.imbalanceMs,
        handover: parts.handoverMs,
        summary: parts.summaryMs,
        output: parts.outputMs,
        other: parts.otherMs,
      },
      { wall: 145, startup: 12, setup: 5, work: 70, imbalance: 15, handover: 15, summary: 4, output: 17, other: 7 },
    );
    assert.deepEqual([parts.lanes, parts.chunks, parts.bytesIn, parts.bytesOut], [2, 3, 300, 0]);
  });

  it("names a deep view's reference orbit and its series and BLA tables, and advises from the orbit when it dominates", () => {
    // A 24 × 24 view at 1e-300: the orbit 600 ms, the tables 40 ms, the kernels 80 ms a lane.
    const deep: Trace = {
      originEpochMs: 0,
      phases: [
        { name: 'coordinates', startMs: 0, endMs: 1 },
        { name: 'reference orbit', startMs: 1, endMs: 601 },
        { name: 'series and BLA', startMs: 601, endMs: 641 },
        { name: 'compute', startMs: 641, endMs: 731 },
      ],
      chunks: [event('a', 645, 725), event('b', 646, 726)],
    };
    const parts = wallTimeParts(deep);
    assert.deepEqual([parts.referenceMs, parts.skipTablesMs, parts.otherMs, parts.workMs], [600, 40, 0, 80]);
    const explained = explain(deep, { kernel: 'native', backend: 'threads', workers: 2, cores: 2 });
    assert.match(explained.text, /reference orbit 600 ms \(82%\); series and BLA tables 40\.0 ms \(5%\)/);
    assert.match(explained.advice, /^the reference orbit \(600 ms\) costs 7\.5× the kernels' work: it is computed once per render/);
    assert.doesNotMatch(explained.advice, /--chunks/);
    // Where the tables dominate instead, they are what the advice names first.
    const tables: Trace = {
      originEpochMs: 0,
      phases: [
        { name: 'reference orbit', startMs: 0, endMs: 10 },
        { name: 'series and BLA', startMs: 10, endMs: 50 },
        { name: 'compute', startMs: 50, endMs: 140 },
      ],
      chunks: [event('a', 54, 134), event('b', 55, 135)],
    };
    assert.match(
      explain(tables, { kernel: 'native', backend: 'threads', workers: 2, cores: 2 }).advice,
      /^building the series and BLA tables \(40\.0 ms\) costs 0\.5×/,
    );
  });

  it('caps imbalance and work at the compute phase, and a fetched render counts its fetch as summary', () => {
    const fetched: Trace = {
      originEpochMs: 0,
      phases: [{ name: 'fetch and assemble', startMs: 0, endMs: 30 }],
      chunks: [event('h:1/thread-1', -500, -100)],
    };
    const parts = wallTimeParts(fetched);
    assert.deepEqual([parts.wallMs, parts.summaryMs, parts.workMs, parts.otherMs], [30, 30, 0, 0]);
  });

  const context = { kernel: 'native', backend: 'threads', workers: 2, cores: 2 };
  const bands = (worker: string, id: number, startMs: number, endMs: number): ChunkEvent => ({
    ...event(worker, startMs, endMs),
    chunk: { id, row0: id * 10, rowStep: 1, rowCount: 10, col0: 0, colCount: 40 },
  });
  const dealt = (worker: string, id: number, startMs: number, endMs: number): ChunkEvent => ({
    ...event(worker, startMs, endMs),
    chunk: { id, row0: id, rowStep: 4, rowCount: 10, col0: 0, colCount: 40 },
  });

  it('imbalance on contiguous bands: advises the interleaved schedule, with the measured ratio', () => {
    const advice = explain(trace([bands('a', 0, 5, 105), bands('b', 1, 5, 15), bands('b', 2, 15, 25)], 100), context).advice;
    // Lanes busy 100 and 20: average 60, imbalance 40 = 0.7× the average.
    assert.match(advice, /^workers idled 40\.0 ms while the busiest finished \(0\.7× the average lane's work\)/);
    assert.match(advice, /--schedule interleaved/);
  });

  it("the tutorial's contiguous × 3 case with a cold pool: names start-up first, then the interleaved schedule", () => {
    // Start-up 130 ms; lanes busy 136 (two bands) and 55 (one band): average 95.5, imbalance 40.5.
    const advice = explain(trace([bands('a', 0, 130, 200), bands('a', 2, 200, 266), bands('b', 1, 130, 185)], 140, 130), context).advice;
    assert.match(advice, /^start-up \(130 ms\) costs 1\.4× the kernels' work \(95\.5 ms\), more than the work itself: keep the pool warm/);
    assert.match(
      advice,
      /; next, workers idled 40\.5 ms while the busiest finished \(0\.4× the average lane's work\): .*--schedule interleaved/,
    );
  });

  it('names a smaller imbalance on contiguous bands (over 0.1× the work: interleaving costs nothing), not on interleaved rows (0.25×)', () => {
    // Lanes busy 100 and 76: average 88, imbalance 12 = 0.14× the average lane's work.
    const contiguous = explain(trace([bands('a', 0, 0, 100), bands('b', 1, 0, 40), bands('b', 2, 40, 76)], 100), context);
    assert.match(
      contiguous.advice,
      /^workers idled 12\.0 ms while the busiest finished \(0\.1× the average lane's work\): .*--schedule interleaved/,
    );
    const dealtRows = explain(trace([dealt('a', 0, 0, 100), dealt('b', 1, 0, 40), dealt('b', 2, 40, 76)], 100), context);
    assert.doesNotMatch(dealtRows.advice, /idled|--schedule|--chunks/);
    // Below 0.1×: lanes busy 100 and 84 (average 92, imbalance 8 = 0.09×): not named even on bands.
    const even = explain(trace([bands('a', 0, 0, 100), bands('b', 1, 0, 40), bands('b', 2, 40, 84)], 100), context);
    assert.doesNotMatch(even.advice, /--schedule/);
  });

  it('imbalance on interleaved rows: advises more, smaller chunks', () => {
    const advice = explain(
      trace([dealt('a', 0, 5, 105), dealt('b', 1, 5, 15), dealt('b', 2, 15, 25), dealt('b', 3, 25, 35)], 100),
      context,
    ).advice;
    assert.match(advice, /more, smaller chunks \(--chunks 8\)/);
    assert.doesNotMatch(advice, /--schedule/);
  });

  it('start-up: says "more than the work" only when it is, and gives the ratio either way', () => {
    const more = explain(trace([event('a', 300, 390), event('b', 300, 390)], 92, 300), context).advice;
    assert.match(
      more,
      /the render is too small to gain from more workers: starting and stopping 2 of them \(300 ms\) costs more than all the kernels' work together \(180 ms\)/,
    );
    const less = explain(trace([event('a', 80, 180), event('b', 80, 180)], 102, 80), context).advice;
    // 80 ms of start-up against 100 ms of work: over half, not more.
    assert.match(less, /^start-up \(80\.0 ms\) costs 0\.8× the kernels' work \(100 ms\): keep the pool warm/);
    assert.doesNotMatch(less, /more than/);
    const over = explain(trace([event('a', 120, 220), event('b', 120, 220)], 102, 120), { ...context, workers: 2 }).advice;
    // 120 ms against 100 ms of work on each of 2 lanes (200 in all): more than the work, but the render still gains.
    assert.match(over, /^start-up \(120 ms\) costs 1\.2× the kernels' work \(100 ms\), more than the work itself/);
  });

  it('hand-over, output and bookkeeping: each named with its ratio; none when the work dominates', () => {
    const handover = explain(trace([event('a', 5, 35), event('b', 5, 35)], 100), context).advice;
    assert.match(handover, /^hand-over and transfer between chunks \(70\.0 ms\) cost 2\.3× the kernels' work: fewer, larger chunks/);
    const output = explain(
      {
        ...trace([event('a', 5, 25), event('b', 5, 25)], 20),
        phases: [...trace([], 20).phases.slice(0, 2), { name: 'encode png', startMs: 25, endMs: 75 }],
      },
      context,
    ).advice;
    assert.match(output, /^writing the outputs \(50\.0 ms\) takes 2\.5× the kernels' work/);
    const slowKernel = explain(trace([event('a', 5, 100), event('b', 5, 100)], 100), { ...context, kernel: 'js' }).advice;
    assert.match(slowKernel, /faster kernel/);
    const oneWorker = explain(trace([event('a', 5, 100)], 100), { ...context, workers: 1 }).advice;
    assert.match(oneWorker, /2 cores are available, use --workers 2/);
    const saturated = explain(trace([event('a', 5, 100), event('b', 5, 100)], 100), context).advice;
    assert.match(saturated, /every core is busy/);
  });

  it('threads started inside the compute phase (sized to the work) count as start-up, not as hand-over', () => {
    // Compute 5–125: the threads boot 5–65, then two lanes work 60 ms each from 65.
    const started: Trace = { ...trace([event('a', 65, 125), event('b', 65, 125)], 120, 5), threadStarts: [{ startMs: 5, endMs: 65 }] };
    const parts = wallTimeParts(started);
    assert.deepEqual([parts.startupMs, parts.workMs, parts.handoverMs, parts.otherMs], [65, 60, 0, 2]);
    assert.match(
      explain(started, context).advice,
      /^start-up \(65\.0 ms\) costs 1\.1× the kernels' work \(60\.0 ms\), more than the work itself/,
    );
    // The same trace without the report: the boot reads as hand-over, and the advice (fewer chunks) would not help.
    const unreported = wallTimeParts({ ...started, threadStarts: undefined });
    assert.deepEqual([unreported.startupMs, unreported.handoverMs], [5, 60]);
  });

  it('on a real render with outputs, the parts add up to the measured wall time within 5%', async () => {
    const recorder = new TraceRecorder();
    const result = await render(tutorialWorkload({ size: 400 }), { workers: 2, kernel: 'js', prune: false, recorder });
    const dir = mkdtempSync(join(tmpdir(), 'mandel-explain-'));
    await writeOutputs(result, { png: join(dir, 'a.png') }, recorder);
    const wall = recorder.trace.phases.at(-1)!.endMs - recorder.trace.phases[0]!.startMs;
    const { parts } = explain(recorder.trace, { kernel: 'js', backend: 'threads', workers: 2, cores: 2 });
    const named = parts.startupMs + parts.setupMs + parts.workMs + parts.imbalanceMs + parts.handoverMs + parts.summaryMs + parts.outputMs;
    assert.ok(Math.abs(named + parts.otherMs - wall) <= 0.05 * wall);
    assert.ok(parts.otherMs <= 0.05 * wall, `unexplained ${parts.otherMs.toFixed(1)} of ${wall.toFixed(1)} ms`);
  });
  it('a deep render on a backend sized to the work reports its threads started where it starts them', async () => {
    const readme = { re: '-0.77568376800905379746948350393', im: '0.13646736829469012473327440961' };
    const workload = viewWorkload({ center: readme, width: '1e-25', cols: 512, rows: 384, maxiter: 20_000 });
    const backend = new ThreadsBackend({ workers: 2, sizeToWork: true });
    try {
      const recorder = new TraceRecorder();
      await render(workload, { backend, recorder });
      const [start] = recorder.trace.threadStarts ?? [];
      const compute = recorder.trace.phases.find((p) => p.name === 'compute')!;
      assert.ok(start && start.startMs >= compute.startMs && start.endMs <= compute.endMs && start.endMs > start.startMs);
      const firstChunk = Math.min(...recorder.trace.chunks.map((e) => e.startMs));
      assert.ok(firstChunk >= start.endMs - 1, 'no thread took a chunk before the pool was up');
      const again = new TraceRecorder();
      await render(workload, { backend, recorder: again });
      assert.equal(again.trace.threadStarts, undefined, 'a pool already up is not started again');
    } finally {
      await backend.close();
    }
  });
});

describe('mandel bench', () => {
  const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'mandel-bench-'));
  const report = join(dir, 'report.html');
  const charts = join(dir, 'charts');

  it('sweeps, fits and explains, as JSON, and writes the report and its charts', () => {
    const run = spawnSync(
      process.execPath,
      [
        bin,
        'bench',
        '--size',
        '300',
        '--workers',
        '1,2',
        '--schedules',
        'interleaved',
        '--reps',
        '1',
        '--json',
        '--report',
        report,
        '--charts',
        charts,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      points: { backend: string; workers: number; speedup: number; efficiency: number }[];
      amdahl: { serialFraction: number; predicted: unknown[]; byKernel: { js: { serialFraction: number } } };
      explanation: Record<string, number | string>;
      files: string[];
    };
    assert.deepEqual(
      result.points.map((p) => `${p.backend}×${p.workers}`),
      ['serial×1', 'threads×1', 'threads×2'],
    );
    for (const p of result.points) assert.ok(Math.abs(p.efficiency - p.speedup / p.workers) < 1e-12);
    assert.equal(typeof result.amdahl.serialFraction, 'number');
    assert.equal(result.amdahl.byKernel.js.serialFraction, result.amdahl.serialFraction);
    assert.equal(result.amdahl.predicted.length, 3);
    const e = result.explanation as Record<string, number>;
    const parts = e.startupMs! + e.setupMs! + e.workMs! + e.imbalanceMs! + e.handoverMs! + e.summaryMs! + e.outputMs! + e.otherMs!;
    assert.ok(Math.abs(parts - e.wallMs!) <= 0.05 * e.wallMs!);
    for (const name of ['speedup', 'efficiency', 'timeline', 'memory']) assert.ok(existsSync(join(charts, `${name}.svg`)), name);
    assert.match(readFileSync(report, 'utf8'), /<svg/);
  });

  it('rejects a bad list with one line and exit code 2', () => {
    const run = spawnSync(process.execPath, [bin, 'bench', '--workers', '1,,2'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /^mandel: .*--workers.*comma-separated list/);
  });

  it('its report opens offline in a real browser, with every chart drawn', { skip: browserSkipReason() }, async () => {
    assert.ok(existsSync(report), 'the sweep test writes the report first');
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 2400 } });
      const requests: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) requests.push(request.url());
      });
      await page.goto(pathToFileURL(report).href);
      assert.deepEqual(requests, []);
      assert.equal(await page.locator('figure svg').count(), 4);
      for (const figure of await page.locator('figure').all()) {
        const box = (await figure.boundingBox())!;
        assert.ok(box.width > 300 && box.height > 150, JSON.stringify(box));
      }
      const png = PNG.sync.read(await page.screenshot({ fullPage: true }));
      const colours = new Set<number>();
      for (let i = 0; i < png.data.length; i += 4 * 5) colours.add(png.data.readUInt32BE(i));
      assert.ok(colours.size > 50, `only ${colours.size} colours on the page`);
    } finally {
      await browser.close();
    }
  });
});
