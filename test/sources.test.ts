/**
 * Texts that must say what the code does: the wire format's document against its module,
 * and the committed WebAssembly kernel against the generator that writes it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DEFAULT_MAX_CHUNK_ITERATIONS, MAX_AXIS_POINTS, MAX_CHUNK_POINTS, WIRE_VERSION, keys, parseChunkJob } from '../src/cluster/wire.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('docs/wire-format.md says what src/cluster/wire.ts does', () => {
  const doc = read('docs/wire-format.md');

  it('names the same version', () => {
    assert.match(doc, new RegExp(`^# mandel's cluster wire format \\(version ${WIRE_VERSION}\\)$`, 'm'));
    assert.match(doc, new RegExp(`\\| \`v\` +\\| \`${WIRE_VERSION}\``));
  });

  it('lists every key the code builds, spelled the same', () => {
    const k = keys('<prefix>', '<id>');
    for (const key of [k.render, k.done, k.meta, k.results, k.reference]) {
      assert.ok(doc.includes(`\`${key}\``), `${key} is not in the document`);
    }
  });

  it('its chunk-job example is a payload the worker accepts', () => {
    const section = doc.slice(doc.indexOf('## A chunk job'));
    const example = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const job = parseChunkJob(JSON.parse(example));
    assert.equal(job.v, WIRE_VERSION);
  });

  it('states the limits the schema enforces', () => {
    assert.ok(doc.includes(MAX_AXIS_POINTS.toLocaleString('en-US')), 'axis limit');
    assert.ok(doc.includes(MAX_CHUNK_POINTS.toLocaleString('en-US')), 'chunk limit');
    assert.ok(doc.includes(DEFAULT_MAX_CHUNK_ITERATIONS.toLocaleString('en-US')), 'iteration limit');
  });
});

/**
 * The packages a module loads when it is imported (its static imports, followed through the
 * project's own modules; `import type` and imports inside functions are not loaded then).
 */
function packagesLoadedBy(entry: string): Map<string, string> {
  const packages = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/^(?:import|export) (?!type )[^'"]*?from '([^']+)'/gm)) {
      // A project module is TypeScript, or a plain script of the web app (web/scale.js, shared).
      const local = spec!.startsWith('.') ? resolve(dirname(file), spec!) : undefined;
      if (local) walk(existsSync(local) ? local : local.replace(/\.js$/, '.ts'));
      else if (!spec!.startsWith('node:')) packages.set(spec!, file.slice(root.length));
    }
  };
  walk(join(root, entry));
  return packages;
}

describe('start-up: what is loaded, and where', () => {
  it('a worker thread loads no validation library (zod costs ~100 ms a thread) and no pool', () => {
    const loaded = packagesLoadedBy('src/pool/thread-worker.ts');
    for (const name of ['zod', 'piscina', 'pngjs', 'commander']) assert.ok(!loaded.has(name), `${name}, through ${loaded.get(name)}`);
  });

  it('the command line loads encoders and the progress bar only when a run asks for them', () => {
    const loaded = packagesLoadedBy('src/cli/main.ts');
    for (const name of ['pngjs', 'd3-color', 'd3-scale-chromatic', 'cli-progress', 'bullmq', 'ioredis', 'piscina']) {
      assert.ok(!loaded.has(name), `${name}, through ${loaded.get(name)}`);
    }
    assert.ok(loaded.has('commander'), 'the walk follows the imports');
  });

  it('the backends load the thread pool (piscina: 20–37 ms) only when threads start', () => {
    for (const entry of ['src/create-backend.ts', 'src/backends/threads.ts', 'src/render.ts', 'src/bitmap.ts']) {
      const loaded = packagesLoadedBy(entry);
      assert.ok(!loaded.has('piscina'), `${entry} loads piscina through ${loaded.get('piscina')}`);
    }
    assert.ok(packagesLoadedBy('src/pool/thread-pool.ts').has('piscina'), 'the walk sees it where it is');
  });

  it('`mandel run` builds its grid and renders without the validation library (zod: ~100 ms to load)', () => {
    // …and a deep view too (`--center … --zoom …`): its spec is checked by hand.
    for (const entry of ['src/cli/run.ts', 'src/grid.ts', 'src/render.ts', 'src/trace.ts', 'src/deep/view.ts', 'src/analysis/notice.ts']) {
      const loaded = packagesLoadedBy(entry);
      assert.ok(!loaded.has('zod'), `${entry} loads zod through ${loaded.get('zod')}`);
    }
  });
});

/**
 * What a `mandel` command loads when it runs, dynamic imports included: packages by name
 * ("zod"), mandel's own modules by path ("dist/cli/run.js").
 */
function modulesLoadedByRunning(args: string[]): Set<string> {
  const preload = new URL('./fixtures/record-loads.mjs', import.meta.url).href;
  const child = spawnSync(process.execPath, ['--import', preload, join(root, 'bin/mandel.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(child.status, 0, child.stderr);
  const loaded = new Set<string>();
  for (const [, name] of child.stderr.matchAll(/^LOADED file:\/\/.*?\/node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) loaded.add(name!);
  for (const [, file] of child.stderr.matchAll(/^LOADED file:\/\/.*?\/(dist\/\S+)$/gm)) loaded.add(file!);
  return loaded;
}

describe('start-up: what `mandel run` loads when it runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mandel-loads-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a deep view writing its counts loads neither the validation library nor the image encoders', () => {
    const args = ['run', '--center=-0.75,0.1', '--zoom', '1e-20', '--width', '64', '--height', '48', '-m', '2000'];
    const loaded = modulesLoadedByRunning([...args, '--counts', join(dir, 'deep.npy'), '--json']);
    assert.ok(loaded.has('commander'), 'the hook sees the packages loaded');
    for (const name of ['zod', 'pngjs', 'd3-color', 'd3-scale-chromatic', 'd3-interpolate']) assert.ok(!loaded.has(name), name);
    // …nor the other commands' modules (`mandel --help` loads them all).
    assert.ok(loaded.has('dist/cli/run.js'), "the hook sees mandel's modules");
    for (const name of ['bench', 'cluster', 'movie', 'serve', 'worker']) assert.ok(!loaded.has(`dist/cli/${name}.js`), name);
  });

  it('the default workload writing counts, trace and timeline loads no image encoder; a PNG loads them', () => {
    const files = ['--counts', join(dir, 'a.npy'), '--trace', join(dir, 't.json'), '--timeline', join(dir, 't.svg')];
    const loaded = modulesLoadedByRunning(['run', '--size', '100', ...files]);
    for (const name of ['zod', 'pngjs', 'd3-scale-chromatic']) assert.ok(!loaded.has(name), name);
    const withImage = modulesLoadedByRunning(['run', '--size', '100', '--out', join(dir, 'a.png')]);
    for (const name of ['pngjs', 'd3-scale-chromatic']) assert.ok(withImage.has(name), name);
  });
});

describe('assembly/mandel.ts', () => {
  it('is exactly what scripts/gen-wasm-kernel.py writes (edit the generator, not the output)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandel-gen-'));
    mkdirSync(join(dir, 'assembly'));
    try {
      execFileSync('python3', [join(root, 'scripts/gen-wasm-kernel.py')], { cwd: dir, stdio: 'pipe' });
      assert.equal(readFileSync(join(dir, 'assembly/mandel.ts'), 'utf8'), read('assembly/mandel.ts'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
