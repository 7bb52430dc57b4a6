/**
 * Smooth colouring (src/kernels/smooth.ts): each escaping point's fraction μ − n beside its
 * exact count. What it must be — the continuous count of an independent loop with a far larger
 * escape radius — and that every kernel, ISA and backend gives it bit for bit, counts untouched.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { axesOf } from '../src/axis.js';
import { referenceOrbit } from '../src/deep/reference.js';
import { deepCentre, referenceBits, viewWorkload } from '../src/deep/view.js';
import { jsKernel } from '../src/kernels/js.js';
import { loadNativeKernel, nativeIsas } from '../src/kernels/native.js';
import { deepInputOf } from '../src/kernels/perturbation.js';
import { portableLog2 } from '../src/portable-math.js';
import { smoothFraction } from '../src/kernels/smooth.js';
import type { DeepInput, Kernel } from '../src/kernels/types.js';
import { loadWasmKernel } from '../src/kernels/wasm.js';
import { render } from '../src/render.js';
import { gridWorkload } from '../src/workload.js';

/** The kernels of this machine by name: js, wasm, and native on every ISA it runs. */
function kernels(): Map<string, Kernel> {
  const all = new Map<string, Kernel>([['js', jsKernel]]);
  const wasm = loadWasmKernel();
  if ('kernel' in wasm) all.set('wasm', wasm.kernel);
  for (const isa of nativeIsas().filter((candidate) => candidate.supported)) {
    const native = loadNativeKernel(isa.name);
    if ('kernel' in native) all.set(native.kernel.name, native.kernel);
  }
  return all;
}

function computeWith(kernel: Kernel, re: Float64Array, im: Float64Array, maxiter: number, prune: boolean, deep?: DeepInput) {
  const out = new Int32Array(re.length * im.length);
  const smooth = new Float32Array(out.length).fill(Number.NaN); // every point must be written
  const input = { re, im, maxiter, out, offset: 0, rowStride: re.length, prune, smooth };
  if (deep) kernel.computeDeep!(input, deep);
  else kernel.compute(input);
  return { out, smooth };
}

/**
 * The continuous count by a loop of its own: z from 0 until |z| > 10^10 (U updates), then
 * U − log2(log2 |z|). Past 10^10 the term c changes log2 log2 |z| by under 1e-19; past 256 (the
 * kernels' radius) by ~1e-5, which bounds how far the two may differ.
 */
function independentMu(cr: number, ci: number, maxiter: number): number | undefined {
  let zr = 0;
  let zi = 0;
  let escapedAt: number | undefined;
  for (let updates = 1; updates < maxiter + 60; updates++) {
    const r = zr * zr - zi * zi + cr;
    zi = 2 * zr * zi + ci;
    zr = r;
    const m = Math.hypot(zr, zi);
    if (escapedAt === undefined && m > 2) escapedAt = updates;
    if (escapedAt === undefined && updates >= maxiter) return undefined;
    if (m > 1e10) return updates - Math.log2(Math.log2(m));
  }
  return undefined;
}

const grid = (x1: number, x2: number, y1: number, y2: number, cols: number, rows: number) => ({
  re: Float64Array.from({ length: cols }, (_, i) => x1 + ((x2 - x1) * i) / (cols - 1)),
  im: Float64Array.from({ length: rows }, (_, j) => y2 - ((y2 - y1) * j) / (rows - 1)),
});

describe('the smooth fraction', () => {
  it('is log2 closely enough: portableLog2 is within 1e-8 of Math.log2 over 1 … 2^1000', () => {
    for (let e = 0; e < 1000; e += 7) {
      for (const m of [1, 1.0000001, 1.2, 1.4142135623730951, 1.4142135623730954, 1.7, 1.999999]) {
        const x = m * 2 ** e;
        const exact = Math.log2(x);
        assert.ok(Math.abs(portableLog2(x) - exact) <= 1e-8 * Math.max(1, exact), `log2(${x})`);
      }
    }
  });

  it('gives μ = count + fraction equal to an independent loop with radius 10^10, within 1e-4', () => {
    const { re, im } = grid(-2.2, 0.8, -1.3, 1.3, 61, 41);
    const maxiter = 300;
    const { out, smooth } = computeWith(jsKernel, re, im, maxiter, false);
    let checked = 0;
    for (let j = 0; j < im.length; j++) {
      for (let i = 0; i < re.length; i++) {
        const at = j * re.length + i;
        const expected = independentMu(re[i]!, im[j]!, maxiter);
        if (out[at] === maxiter) {
          assert.equal(smooth[at], 0, 'a point inside has fraction 0');
          continue;
        }
        assert.ok(expected !== undefined);
        assert.ok(
          Math.abs(out[at]! + smooth[at]! - expected) < 1e-4,
          `c = ${re[i]} + ${im[j]}i: μ ${out[at]! + smooth[at]!} vs ${expected}`,
        );
        checked++;
      }
    }
    assert.ok(checked > 1500, `${checked} escaping points checked`);
  });

  it('is continuous where counts step: along the real axis from 0.35 to 2, no neighbour differs by more than 0.05', () => {
    // 4,000 points from near the cardioid's cusp (0.25) out past 2: counts fall by one again
    // and again; μ slides through each step.
    const points = 4000;
    const re = Float64Array.from({ length: points }, (_, i) => 0.35 + (1.65 * i) / points);
    const im = Float64Array.of(0);
    const { out, smooth } = computeWith(jsKernel, re, im, 5000, true);
    let steps = 0;
    for (let i = 1; i < points; i++) {
      if (out[i] === 5000 || out[i - 1] === 5000) continue;
      if (out[i] !== out[i - 1]) steps++;
      const jump = Math.abs(out[i]! + smooth[i]! - (out[i - 1]! + smooth[i - 1]!));
      assert.ok(jump < 0.05, `μ jumps by ${jump} between points ${i - 1} and ${i} (counts ${out[i - 1]}, ${out[i]})`);
    }
    assert.ok(steps >= 6, `the ray crosses ${steps} count steps`);
  });

  it('is the same bit for bit from every kernel and ISA, with and without pruning; counts unchanged', () => {
    const { re, im } = grid(-2.1, 0.6, -1.2, 1.2, 203, 151);
    const maxiter = 700;
    const reference = computeWith(jsKernel, re, im, maxiter, false);
    const plain = new Int32Array(reference.out.length);
    jsKernel.compute({ re, im, maxiter, out: plain, offset: 0, rowStride: re.length, prune: false });
    assert.deepEqual(reference.out, plain, 'asking for fractions moves no count');
    const tried = [...kernels().entries()];
    assert.ok(tried.length >= 3, `kernels tried: ${tried.map(([name]) => name).join(', ')}`);
    for (const [name, kernel] of tried) {
      for (const prune of [false, true]) {
        const { out, smooth } = computeWith(kernel, re, im, maxiter, prune);
        assert.deepEqual(out, reference.out, `${name}, prune ${prune}: counts`);
        const differ = smooth.findIndex((value, i) => !Object.is(value, reference.smooth[i]));
        assert.equal(differ, -1, `${name}, prune ${prune}: fraction of point ${differ}`);
      }
    }
  });

  it('is written at the chunk’s place in a larger buffer, and nowhere else', () => {
    const { re, im } = grid(-2, 0.5, -1, 1, 30, 20);
    for (const [name, kernel] of kernels()) {
      const cols = 50;
      const out = new Int32Array(cols * 30);
      const smooth = new Float32Array(out.length).fill(-7);
      kernel.compute({ re, im, maxiter: 200, out, offset: 5 * cols + 10, rowStride: cols, prune: true, smooth });
      for (let i = 0; i < out.length; i++) {
        const row = Math.floor(i / cols) - 5;
        const col = (i % cols) - 10;
        const inside = row >= 0 && row < 20 && col >= 0 && col < 30;
        assert.equal(smooth[i] === -7, !inside, `${name}: point ${i}`);
      }
    }
  });
});

interface Fixture {
  center: { re: string; im: string };
  width: string;
  cols: number;
  rows: number;
  maxiter: number;
}
function fixture(name: string): Fixture {
  const { center, width, cols, rows, maxiter } = JSON.parse(
    readFileSync(new URL(`./fixtures/deep/${name}.json`, import.meta.url), 'utf8'),
  ) as Fixture;
  return { center, width, cols, rows, maxiter };
}

describe('the smooth fraction at depth (perturbation)', () => {
  it('agrees with direct iteration in doubles where both can run (a view 1e-6 wide): 99% within 1e-3, all within 0.05', () => {
    const f = fixture('spiral-1e-6');
    const deep = viewWorkload({ ...f, perturbation: 'always' });
    const shallow = viewWorkload({ ...f, perturbation: 'auto' });
    assert.ok(deep.deep && !shallow.deep);
    const reference = referenceOrbit(deepCentre(deep.deep), referenceBits(deep.deep), f.maxiter);
    const { re, im } = axesOf(deep);
    const perturbed = computeWith(jsKernel, re, im, f.maxiter, false, { reference, exponent: deep.deep.exponent });
    const direct = computeWith(jsKernel, axesOf(shallow).re, axesOf(shallow).im, f.maxiter, false);
    // Both are the same orbit in doubles, rounded differently, over 200–450 updates near a
    // spiral: their z at escape differ a little (measured: median 3e-8, 99th percentile 1e-4).
    let compared = 0;
    let close = 0;
    for (let i = 0; i < direct.out.length; i++) {
      if (direct.out[i] !== perturbed.out[i] || direct.out[i] === f.maxiter) continue;
      const d = Math.abs(direct.smooth[i]! - perturbed.smooth[i]!);
      assert.ok(d < 0.05, `point ${i}: ${direct.smooth[i]} vs ${perturbed.smooth[i]}`);
      if (d < 1e-3) close++;
      compared++;
    }
    assert.ok(compared > 2000, `${compared} points compared`);
    assert.ok(close >= 0.99 * compared, `${close} of ${compared} within 1e-3`);
  });

  for (const name of ['minibrot-off-1e-20', 'spiral-off-1e-50', 'filament-1e-150', 'minibrot-1e-400']) {
    it(`${name}: js and native on every ISA give the same fractions, with the series and BLA and without`, () => {
      const f = fixture(name);
      const workload = viewWorkload({ ...f, perturbation: 'always' });
      const reference = referenceOrbit(deepCentre(workload.deep!), referenceBits(workload.deep!), f.maxiter);
      const { re, im } = axesOf(workload);
      const inputs: [string, DeepInput][] = [
        ['every update', { reference, exponent: workload.deep!.exponent }],
        ['series and tables', deepInputOf(workload, reference, true, (bytes) => new ArrayBuffer(bytes))],
      ];
      for (const [how, deep] of inputs) {
        const expected = computeWith(jsKernel, re, im, f.maxiter, false, deep);
        const escaped = expected.out.filter((count) => count < f.maxiter).length;
        assert.ok(escaped > 1000, `${escaped} points escape`);
        for (const [kernelName, kernel] of kernels()) {
          if (!kernel.computeDeep || kernelName === 'js') continue;
          const { out, smooth } = computeWith(kernel, re, im, f.maxiter, false, deep);
          assert.deepEqual(out, expected.out, `${kernelName}, ${how}: counts`);
          const differ = smooth.findIndex((value, i) => !Object.is(value, expected.smooth[i]));
          assert.equal(differ, -1, `${kernelName}, ${how}: the fraction of point ${differ}`);
        }
      }
    });
  }
});

describe('smooth through render()', () => {
  it('every backend gives the serial js fractions; a render without smooth has none', async () => {
    const workload = gridWorkload({ width: 120, height: 90, maxiter: 500, region: { x1: -2, x2: 0.6, y1: -1.1, y2: 1.1 } });
    const expected = await render(workload, { backend: 'serial', kernel: 'js', smooth: true });
    assert.ok(expected.smooth instanceof Float32Array && expected.smooth.length === expected.counts.length);
    for (const backend of ['serial', 'threads'] as const) {
      for (const kernel of ['js', 'wasm', 'native']) {
        const result = await render(workload, { backend, kernel, smooth: true, workers: backend === 'threads' ? 2 : undefined, chunks: 7 });
        assert.deepEqual(result.counts, expected.counts);
        assert.deepEqual(result.smooth, expected.smooth, `${backend} ${kernel}`);
      }
    }
    assert.equal((await render(workload, { backend: 'serial' })).smooth, undefined);
  });

  it('smoothFraction itself: 1 just past |z| = 2 with c = 0, 0 at |z| = 4, and 0 for an orbit that overflows', () => {
    assert.ok(Math.abs(smoothFraction(2 + 1e-9, 0, 0, 0) - 1) < 1e-8);
    assert.equal(smoothFraction(4, 0, 0, 0), 0);
    assert.equal(smoothFraction(1e200, 1e200, 0, 0), 0);
  });
});
