import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { colormapTable } from '../src/outputs/colormap.js';
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
  it('draws one pixel per point, never-escaping points in the top colour of the map', () => {
    const counts = Int32Array.from([0, 50, 100, 100, 10, 0]);
    const png = PNG.sync.read(encodePng(counts, 2, 3, 100, { colormap: 'grey', scale: 'linear' }));
    assert.deepEqual([png.width, png.height], [3, 2]);
    const pixel = (i: number) => [...png.data.subarray(i * 4, i * 4 + 4)];
    assert.deepEqual(pixel(0), [0, 0, 0, 255]);
    assert.deepEqual(pixel(2), [255, 255, 255, 255]);
    assert.deepEqual(pixel(1), [128, 128, 128, 255]);
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

  it('rejects an unknown colour map by name', () => {
    assert.throws(() => colormapTable('rainbow' as 'grey'), { code: 'ERR_INVALID_OPTION' });
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
