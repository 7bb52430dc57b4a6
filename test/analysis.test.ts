import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { amdahlSpeedup, fitAmdahl, karpFlatt } from '../src/analysis/amdahl.js';
import { explain, wallTimeParts } from '../src/analysis/explain.js';
import { writeOutputs } from '../src/outputs/index.js';
import { render } from '../src/render.js';
import { TraceRecorder, type ChunkEvent, type Trace } from '../src/trace.js';
import { tutorialWorkload } from '../src/workload.js';
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
    assert.ok(fit.rmse < 1e-9);
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

  it('splits compute into work, imbalance and hand-over, and every part adds up to the wall time', () => {
    const parts = wallTimeParts(trace([event('a', 5, 50), event('a', 50, 95), event('b', 5, 65)], 100));
    assert.equal(parts.workMs, 75); // lanes busy 90 and 60
    assert.equal(parts.imbalanceMs, 15); // the busiest lane's 90 − 75
    assert.equal(parts.handoverMs, 10);
    assert.equal(parts.outputMs, 10);
    assert.equal(parts.otherMs, 2);
    const total =
      parts.startupMs +
      parts.setupMs +
      parts.workMs +
      parts.imbalanceMs +
      parts.handoverMs +
      parts.summaryMs +
      parts.outputMs +
      parts.otherMs;
    assert.equal(total, parts.wallMs);
  });

  it('names the change that would help most', () => {
    const imbalanced = explain(trace([event('a', 5, 105), event('b', 5, 15)], 100), {
      kernel: 'native',
      backend: 'threads',
      workers: 2,
      cores: 2,
    });
    assert.match(imbalanced.advice, /smaller chunks|interleaved/);
    const coldStart = explain(trace([event('a', 300, 310), event('b', 300, 310)], 12, 300), {
      kernel: 'native',
      backend: 'threads',
      workers: 2,
      cores: 2,
    });
    assert.match(coldStart.advice, /keep the pool warm/);
    const slowKernel = explain(trace([event('a', 5, 100), event('b', 5, 100)], 100), {
      kernel: 'js',
      backend: 'threads',
      workers: 2,
      cores: 2,
    });
    assert.match(slowKernel.advice, /faster kernel/);
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
