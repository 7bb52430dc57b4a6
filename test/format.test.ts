import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, grouped, rate, signedBytes, wrap } from '../src/format.js';

describe('numbers and prose for people', () => {
  it('sizes in binary units, with the sign of a delta always shown', () => {
    assert.deepEqual(
      [formatBytes(0), formatBytes(1023), formatBytes(1536), formatBytes(3 * 2 ** 30)],
      ['0 B', '1023 B', '1.5 KiB', '3.0 GiB'],
    );
    assert.deepEqual([signedBytes(2048), signedBytes(-5), signedBytes(0)], ['+2.0 KiB', '-5 B', '+0 B']);
    assert.deepEqual([grouped(51214485), rate(3.2e9), rate(428.6e6), rate(12)], ['51,214,485', '3.20 G', '428.6 M', '12']);
  });

  it('wraps a paragraph at spaces to the width, keeping every word in order', () => {
    const text = 'What would help most: keep the pool warm (reuse one backend across renders), or use --backend serial.';
    const lines = wrap(text, 30).split('\n');
    assert.ok(lines.length > 1);
    assert.ok(
      lines.every((line) => line.length <= 30),
      lines.join('|'),
    );
    assert.equal(lines.join(' '), text);
    assert.equal(wrap('a-very-long-word-that-does-not-fit', 10), 'a-very-long-word-that-does-not-fit');
  });
});
