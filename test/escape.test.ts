import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ESCAPE_BAND_HIGH, ESCAPE_BAND_LOW, escapes, libmHypot } from '../src/kernels/escape.js';

/** The double k units in the last place away from x. */
function nextAfter(x: number, steps: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigInt64(0, view.getBigInt64(0) + BigInt(steps));
  return view.getFloat64(0);
}

/** Points on |z| = radius, each coordinate nudged by up to ±3 ulps (seeded, reproducible). */
function nearCircle(count: number, radius: () => number, seed: number): [number, number][] {
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  return Array.from({ length: count }, () => {
    const angle = random() * 2 * Math.PI;
    const r = radius();
    return [nextAfter(r * Math.cos(angle), Math.floor(random() * 7) - 3), nextAfter(r * Math.sin(angle), Math.floor(random() * 7) - 3)];
  });
}

/** Python's abs(complex(x, y)) for each point, read back exactly (repr round-trips). */
function pythonAbs(points: [number, number][]): number[] {
  const input = points.map(([x, y]) => `${x} ${y}`).join('\n');
  const program = 'import sys\nfor line in sys.stdin:\n  x, y = map(float, line.split())\n  print(repr(abs(complex(x, y))))';
  return execFileSync('python3', ['-c', program], { input, encoding: 'utf8', maxBuffer: 1 << 26 })
    .trim()
    .split('\n')
    .map(Number);
}

/** |z| > 2 decided on exact rationals: the correctly rounded answer. */
function exactlyAbove2(x: number, y: number): boolean {
  const bits = (v: number) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, Math.abs(v));
    const raw = view.getBigUint64(0);
    return { mantissa: (raw & 0xfffffffffffffn) | (1n << 52n), exponent: Number(raw >> 52n) - 1075 };
  };
  const a = bits(x);
  const b = bits(y);
  const base = Math.min(2 * a.exponent, 2 * b.exponent, -104);
  const sum = ((a.mantissa * a.mantissa) << BigInt(2 * a.exponent - base)) + ((b.mantissa * b.mantissa) << BigInt(2 * b.exponent - base));
  return sum > ((1n << 106n) + (1n << 54n) + 1n) << BigInt(-104 - base); // (2 + 2^-52)²
}

describe('the escape test |z| > 2', () => {
  it('does not escape at |z| = 2 exactly, and does one ulp above', () => {
    assert.equal(escapes(2, 0), false);
    assert.equal(escapes(0, -2), false);
    assert.equal(escapes(nextAfter(2, 1), 0), true);
    assert.equal(escapes(-2, 1e-300), false);
  });

  it("computes hypot bit for bit as Python's complex abs does, at every scale", () => {
    const points = [
      ...nearCircle(3000, () => 2, 3),
      ...nearCircle(3000, () => 0.5 + 3 * Math.random(), 5),
      [1e-320, 3e-321],
      [1e300, 3e300],
      [2, 1e-17],
      [1e-200, 2],
      [0, 0],
    ] as [number, number][];
    const expected = pythonAbs(points);
    const wrong = points.filter(([x, y], i) => !Object.is(libmHypot(x, y), expected[i]));
    assert.deepEqual(wrong, []);
  });

  it('agrees with Python near the circle where neither the squared nor the exact test does', () => {
    const points = nearCircle(20000, () => 2, 7);
    const expected = pythonAbs(points).map((h) => h > 2);
    assert.deepEqual(
      points.filter(([x, y], i) => escapes(x, y) !== expected[i]),
      [],
    );
    // libm's hypot is not correctly rounded, and the sum of squares rounds three times:
    // both shortcuts disagree with Python somewhere in this sample.
    assert.ok(
      points.some(([x, y], i) => exactlyAbove2(x, y) !== expected[i]),
      'exact test never differed',
    );
    assert.ok(
      points.some(([x, y], i) => x * x + y * y > 4 !== expected[i]),
      'squared test never differed',
    );
  });

  it('a known point: exact |z| rounds above 2, Python (and mandel) say it has not escaped', () => {
    const [x, y] = [1.373399161168807, 1.4538826445421302];
    assert.equal(exactlyAbove2(x, y), true);
    assert.equal(pythonAbs([[x, y]])[0], 2);
    assert.equal(escapes(x, y), false);
  });

  it('is only consulted in a narrow band around |z|² = 4', () => {
    assert.ok(ESCAPE_BAND_LOW < 4 && ESCAPE_BAND_HIGH > 4);
    assert.ok(ESCAPE_BAND_HIGH - ESCAPE_BAND_LOW < 1e-12);
  });
});
