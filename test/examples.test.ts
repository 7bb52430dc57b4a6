import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { describe, it } from 'node:test';

const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

describe('the examples', () => {
  it("the README's library example is examples/library.ts, and it runs", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = readFileSync(example('library.ts'), 'utf8').split('\n').slice(1).join('\n');
    assert.ok(readme.includes(code.trim()), 'README and examples/library.ts have drifted apart');
    const dir = mkdtempSync(join(tmpdir(), 'mandel-library-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', example('library.ts'), dir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^500 500 51214485 \d+ /m);
    assert.match(run.stdout, /^png .*mandelbrot\.png \d+ bytes$/m);
    const png = PNG.sync.read(readFileSync(join(dir, 'mandelbrot.png')));
    assert.deepEqual([png.width, png.height], [500, 500]);
    assert.match(readFileSync(join(dir, 'counts.npy')).subarray(0, 6).toString('latin1'), /^\x93NUMPY/);
    assert.match(run.stdout, /thread-\d/);
  });

  it('examples/custom-kernel.ts registers its own kernel, which every worker thread runs', () => {
    const png = join(mkdtempSync(join(tmpdir(), 'mandel-example-')), 'ship.png');
    const run = spawnSync(process.execPath, ['--import', 'tsx', example('custom-kernel.ts'), png], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^burning-ship: 240000 points, sum \d+, on thread-1 thread-2; wrote /);
    assert.deepEqual([PNG.sync.read(readFileSync(png)).width, PNG.sync.read(readFileSync(png)).height], [600, 400]);
  });

  it('mandel run --kernel-module loads a user kernel in the CLI and in its threads', () => {
    const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
    const args = [
      '--import',
      'tsx',
      bin,
      'run',
      '--kernel-module',
      example('custom-kernel.ts'),
      '--kernel',
      'burning-ship',
      '--size',
      '200',
    ];
    const threads = spawnSync(process.execPath, [...args, '--workers', '2', '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(threads.status, 0, threads.stderr);
    const serial = spawnSync(process.execPath, [...args, '--backend', 'serial', '--json'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(serial.status, 0, serial.stderr);
    const [t, s] = [JSON.parse(threads.stdout), JSON.parse(serial.stdout)] as { kernel: string; sum: number; workers: number }[];
    assert.deepEqual([t!.kernel, t!.workers, s!.kernel], ['burning-ship', 2, 'burning-ship']);
    assert.equal(t!.sum, s!.sum);
  });
});
