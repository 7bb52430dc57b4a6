import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { colormapTable, type Scale } from '../src/outputs/colormap.js';
import { AUTO_SPREAD, BAND_PERIOD, colourScale, fold, INTERIOR } from '../web/scale.js';
import { decodeNpyInt32, encodeNpyInt32 } from '../src/outputs/npy.js';
import { encodePng } from '../src/outputs/png.js';
import { sampleGrid } from '../src/outputs/surface3d.js';

const dir = mkdtempSync(join(tmpdir(), 'mandel-outputs-'));

describe('.npy output', () => {
  const counts = Int32Array.from({ length: 12 }, (_, i) => i * 1000 - 3);

  it('starts the data on a 64-byte boundary after a v1.0 header', () => {
    const [header] = encodeNpyInt32(counts, 3, 4);
    assert.equal(header!.length % 64, 0);
    assert.equal(header!.subarray(0, 8).toString('latin1'), '\x93NUMPY\x01\x00');
    assert.match(header!.toString('latin1'), /\{'descr': '<i4', 'fortran_order': False, 'shape': \(3, 4\), \} *\n$/);
  });

  it('reads back as the same rows × cols int32 array', () => {
    const file = Buffer.concat(encodeNpyInt32(counts, 3, 4));
    const back = decodeNpyInt32(file);
    assert.deepEqual([back.rows, back.cols], [3, 4]);
    assert.deepEqual(back.counts, counts);
  });

  it('loads in Python as int32, shape (rows, cols), row-major', () => {
    const path = join(dir, 'c.npy');
    writeFileSync(path, Buffer.concat(encodeNpyInt32(counts, 3, 4)));
    // numpy.load where numpy exists; otherwise the format's own header and raw int32 data.
    const program = `
import sys, ast, array
path = sys.argv[1]
try:
    import numpy
    a = numpy.load(path)
    print(a.dtype, a.shape, a[2, 1], a.sum())
except ImportError:
    raw = open(path, 'rb').read()
    n = int.from_bytes(raw[8:10], 'little')
    h = ast.literal_eval(raw[10:10 + n].decode('latin1'))
    a = array.array('i', raw[10 + n:])
    print('int32', h['shape'], a[2 * h['shape'][1] + 1], sum(a))`;
    const out = execFileSync('python3', ['-c', program, path], { encoding: 'utf8' }).trim();
    const sum = counts.reduce((s, v) => s + v, 0);
    assert.equal(out, `int32 (3, 4) ${counts[9]} ${sum}`);
  });
});

describe('PNG output', () => {
  it('draws one pixel per point, from the first colour of the map to the last, and the set black', () => {
    const counts = Int32Array.from([0, 50, 99, 100, 10, 0]);
    const png = PNG.sync.read(encodePng(counts, 2, 3, 100, { colormap: 'grey', scale: 'linear' }));
    assert.deepEqual([png.width, png.height], [3, 2]);
    const pixel = (i: number) => [...png.data.subarray(i * 4, i * 4 + 4)];
    assert.deepEqual(pixel(0), [0, 0, 0, 255]);
    assert.deepEqual(pixel(2), [252, 252, 252, 255]);
    assert.deepEqual(pixel(1), [128, 128, 128, 255]);
    assert.deepEqual(pixel(3), [0, 0, 0, 255]);
  });

  it('uses viridis by default: dark purple for 0, yellow for the maximum', () => {
    const table = colormapTable('viridis');
    const hex = (i: number) => [...table.subarray(i * 3, i * 3 + 3)].map((v) => v.toString(16).padStart(2, '0')).join('');
    // matplotlib's viridis starts at #440154 and ends at #fde725.
    const close = (got: string, want: string) =>
      [0, 2, 4].every((k) => Math.abs(parseInt(got.slice(k, k + 2), 16) - parseInt(want.slice(k, k + 2), 16)) <= 1);
    assert.ok(close(hex(0), '440154'), hex(0));
    assert.ok(close(hex(255), 'fde725'), hex(255));
  });

  const indices = (counts: number[], maxiter: number, scale: Scale) => {
    // Read each pixel back to its colour map index (grey: the index is the red channel).
    const png = PNG.sync.read(encodePng(Int32Array.from(counts), 1, counts.length, maxiter, { colormap: 'grey', scale }));
    return counts.map((_, i) => png.data[i * 4]!);
  };

  it('stretches a zoomed view from its lowest count: the whole map is used, and points in the set are black', () => {
    assert.deepEqual(indices([40, 70, 100, 55, 99], 100, 'linear'), [0, 128, 0, 64, 251]);
    const png = PNG.sync.read(encodePng(Int32Array.from([40, 100]), 2, 1, 100, { colormap: 'viridis', scale: 'linear' }));
    assert.deepEqual([...png.data.subarray(4, 8)], [0, 0, 0, 255], 'the set: black, not the top colour');
    assert.notDeepEqual([...png.data.subarray(0, 4)], [0, 0, 0, 255]);
    const log = indices([40, 41, 99], 100, 'log');
    assert.equal(log[0], 0);
    assert.equal(log[2], Math.round((255 * Math.log1p(59)) / Math.log1p(60)));
    assert.equal(log[1], Math.round((255 * Math.log1p(1)) / Math.log1p(60)));
  });

  it('auto takes log where the counts of a view spread over the map, histogram where log would crowd them', () => {
    // Shallow: counts from 0 to 900 in even steps, maxiter 1000: the log scale's 10th–90th
    // percentiles sit far apart on the map.
    const shallow = Int32Array.from({ length: 1000 }, (_, i) => Math.floor(i * 0.9));
    assert.equal(colourScale([shallow], 1000, 'auto').scale, 'log');
    // Deep: one point escapes at 5,000 and the rest between 9,000 and 9,100 (maxiter 20,000):
    // the log scale puts 80% of points within log1p(100 + 4000)/log1p(15000) − log1p(4000)/log1p(15000) ≈ 0.003.
    const deep = Int32Array.from({ length: 1000 }, (_, i) => (i === 0 ? 5000 : 9000 + (i % 100)));
    const chosen = colourScale([deep], 20000, 'auto');
    assert.equal(chosen.scale, 'histogram');
    // …and then the 100 counts present share the whole map.
    assert.ok(chosen.index(9099) - chosen.index(9000) > 200, `${chosen.index(9000)} → ${chosen.index(9099)}`);
    // The rule's edge: the decision follows the measured spread and AUTO_SPREAD, not the depth.
    const edge = (spread: number) => {
      // Half the points at lowest, half at a count whose log position is `spread`.
      const high = Math.round(Math.expm1(spread * Math.log1p(999)));
      return colourScale([Int32Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : high))], 1000, 'auto').scale;
    };
    assert.equal(edge(AUTO_SPREAD + 0.02), 'log');
    assert.equal(edge(AUTO_SPREAD - 0.02), 'histogram');
    // Counts spread over many tiles are one view: the same as one array.
    const halves = [deep.subarray(0, 500), deep.subarray(500)];
    assert.equal(colourScale(halves, 20000, 'auto').index(9050), chosen.index(9050));
  });

  it('bands cycle every BAND_PERIOD iterations whatever the view, the set black', () => {
    const bands = colourScale([], 100000, 'bands');
    assert.equal(bands.index(0), 0);
    assert.equal(bands.index(BAND_PERIOD / 2), 255);
    assert.equal(bands.index(BAND_PERIOD), 0);
    assert.equal(bands.index(390 * BAND_PERIOD + BAND_PERIOD / 4), bands.index(BAND_PERIOD / 4));
    assert.equal(bands.index(100000), INTERIOR);
  });

  it('histogram colouring gives each escaped point an equal share of colours, whatever maxiter', () => {
    const counts = [3, 5, 9, 20, 33, 34, 200, 1000];
    const small = indices(
      counts.map((c) => Math.min(c, 1000)),
      1000,
      'histogram',
    );
    assert.deepEqual(
      small.slice(0, 7),
      [1, 3, 5, 7, 9, 11, 13].map((k) => Math.round((255 * k) / 14)),
    );
    assert.equal(small[7], 0, 'a never-escaping point is black');
    const deeper = indices([...counts.slice(0, 7), 5_000_000], 5_000_000, 'histogram');
    assert.deepEqual(deeper.slice(0, 7), small.slice(0, 7));
    const huge = indices([7, 8, 2 ** 31 - 1], 2 ** 31 - 1, 'log');
    assert.deepEqual(huge, [0, Math.round((255 * Math.log1p(1)) / Math.log1p(2 ** 31 - 8)), 0]);
  });

  it('rejects an unknown colour map by name', () => {
    assert.throws(() => colormapTable('rainbow' as 'grey'), { code: 'ERR_INVALID_OPTION' });
  });
});

describe('smooth colour and the palette (web/scale.js)', () => {
  const counts = Int32Array.from({ length: 400 }, (_, i) => 3 + Math.floor(i / 4) + (i % 7 === 0 ? 200 : 0));

  it('with the default palette and no fraction, every index is the one the scale gave before (a table of counts)', () => {
    for (const scale of ['log', 'linear', 'histogram', 'bands'] as const) {
      const plain = colourScale([counts], 1000, scale);
      const palette = colourScale([counts], 1000, scale, { density: 1, offset: 0 });
      for (const count of [3, 4, 50, 102, 230, 999, 1000]) assert.equal(palette.index(count), plain.index(count), `${scale} ${count}`);
    }
  });

  it('places μ = count + fraction between the places of its neighbouring counts, on every scale', () => {
    for (const scale of ['log', 'linear', 'histogram', 'bands'] as const) {
      const { index } = colourScale([counts], 1000, scale, { density: 0.25 }); // bands: a quarter as often, so 0 … 256 rises
      for (const count of [10, 40, 90]) {
        const low = index(count);
        const high = index(count + 1);
        const mid = index(count, 0.5);
        assert.ok(Math.min(low, high) <= mid && mid <= Math.max(low, high), `${scale} ${count}: ${low} ≤ ${mid} ≤ ${high}`);
        if (Math.abs(high - low) >= 4)
          assert.ok(mid !== low && mid !== high, `${scale} ${count}: ${low}, ${mid}, ${high} — the fraction moves the colour`);
      }
      assert.equal(index(1000, 0.3), INTERIOR, `${scale}: the set stays black`);
    }
  });

  it('density repeats the map, folded back and forth so it has no seam; offset shifts it, 0.5 of a cycle runs it backwards', () => {
    const linear = (palette: { density?: number; offset?: number }) =>
      colourScale([Int32Array.of(0, 100, 250, 400, 500, 750, 900)], 1000, 'linear', palette).index;
    const once = linear({});
    const twice = linear({ density: 2 });
    // Linear from 0 to 1000: count 250 is a quarter of the way; twice as dense, half way.
    assert.equal(twice(250), once(500));
    // Past the end of the map it comes back down: 750 twice as dense is 1.5 → 0.5.
    assert.equal(twice(750), once(500));
    assert.equal(twice(500), 255);
    const backwards = linear({ offset: 0.5 });
    for (const count of [0, 100, 400, 900]) assert.ok(Math.abs(backwards(count) - (255 - once(count))) <= 1, `count ${count}`);
    // A whole cycle is the identity.
    const cycled = linear({ offset: 1 });
    for (const count of [0, 100, 400, 900]) assert.ok(Math.abs(cycled(count) - once(count)) <= 1, `count ${count}`);
    assert.equal(fold(-0.25), 0.25);
    assert.equal(fold(2.25), 0.25);
    assert.equal(fold(1.25), 0.75);
  });

  it('refuses a density outside its range, by name', () => {
    assert.throws(() => colourScale([counts], 1000, 'log', { density: 0 }), /density must be from/);
    assert.throws(() => colourScale([counts], 1000, 'log', { density: 1e9 }), /density must be from/);
    assert.throws(() => colourScale([counts], 1000, 'log', { offset: Number.NaN }), /offset must be a number/);
  });

  it('a PNG coloured by μ has colours between the stepped ones, and the same black', () => {
    // A ramp of counts 0 … 9 (ten points each), with fractions spreading each count over (0, 1].
    const ramp = Int32Array.from({ length: 100 }, (_, i) => (i === 99 ? 50 : Math.floor(i / 10)));
    const fractions = Float32Array.from({ length: 100 }, (_, i) => ((i % 10) + 1) / 10);
    const colours = (png: Buffer) => {
      const image = PNG.sync.read(png);
      return new Set(Array.from({ length: 100 }, (_, i) => image.data.readUInt32BE(i * 4)));
    };
    const stepped = colours(encodePng(ramp, 10, 10, 50, { scale: 'linear' }));
    const smooth = colours(encodePng(ramp, 10, 10, 50, { scale: 'linear', smooth: fractions }));
    assert.equal(stepped.size, 11); // ten counts and the set
    assert.ok(smooth.size > 50, `${smooth.size} colours`);
    assert.ok(smooth.has(0x000000ff), 'the set is black');
  });
});

describe('3D surface sampling', () => {
  it('keeps every value of a small grid and every k-th row and column of a large one', () => {
    const counts = Int32Array.from({ length: 100 }, (_, i) => i);
    assert.deepEqual(sampleGrid(counts, 10, 10, 300).values, counts);
    const sampled = sampleGrid(counts, 10, 10, 4);
    assert.deepEqual([sampled.stride, sampled.rows, sampled.cols], [3, 4, 4]);
    assert.deepEqual([...sampled.values.subarray(4, 8)], [30, 33, 36, 39]);
  });
});
