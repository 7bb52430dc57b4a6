/**
 * The tile cache of `mandel serve` reuses the buffers of evicted tiles, and must never hand
 * out one that a response may still be sending. The responses here are event emitters with
 * a `closed` flag: what a ServerResponse shows the cache.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { TileCache, type TileEntry } from '../src/serve/tile-cache.js';

const ELEMENTS = 16;

class Response extends EventEmitter {
  closed = false;
  close(): void {
    this.closed = true;
    this.emit('close');
  }
}

/** A tile whose counts are all `value`, in a buffer from the cache. */
function tile(cache: TileCache, value: number): TileEntry {
  const counts = cache.buffer().fill(value);
  return { counts, worker: 'w', iterations: 0, computeMs: 0 };
}

describe('the tile cache', () => {
  it('keeps tiles up to its size in bytes, the most recently used first', () => {
    const cache = new TileCache(2 * ELEMENTS * 2, ELEMENTS);
    const done = new Response();
    done.close();
    cache.add('a', tile(cache, 1), done);
    cache.add('b', tile(cache, 2), done);
    assert.ok(cache.get('a', done)); // a is now the most recent
    cache.add('c', tile(cache, 3), done);
    assert.equal(cache.get('b', done), undefined, 'b, the least recently used, went');
    assert.deepEqual([cache.get('a', done)?.counts[0], cache.get('c', done)?.counts[0]], [1, 3]);
    assert.equal(cache.bytes, 2 * ELEMENTS * 2);
  });

  it('reuses the buffer of an evicted tile once nothing sends it', () => {
    const cache = new TileCache(ELEMENTS * 2, ELEMENTS);
    const response = new Response();
    const first = tile(cache, 1);
    cache.add('a', first, response);
    response.close();
    cache.add('b', tile(cache, 2), new Response()); // evicts a, whose response has closed
    assert.equal(cache.buffer(), first.counts, 'the evicted buffer comes back');
    assert.notEqual(cache.buffer(), first.counts, 'once');
  });

  it('never reuses a buffer that a response may still be sending, evicted or not', () => {
    const cache = new TileCache(ELEMENTS * 2, ELEMENTS);
    const maker = new Response();
    const first = tile(cache, 1);
    cache.add('a', first, maker);
    maker.close();
    const slow = new Response();
    assert.equal(cache.get('a', slow), first, 'a hit, now being sent to a slow client');
    cache.add('b', tile(cache, 2), new Response()); // evicts a while it is sent
    const fresh = cache.buffer();
    assert.notEqual(fresh, first.counts, 'not while the slow response is open');
    assert.deepEqual([...first.counts], new Array(ELEMENTS).fill(1), 'its counts untouched');
    slow.close();
    assert.equal(cache.buffer(), first.counts, 'reused once the last response closed');
  });

  it('does not wait for a response that had closed before the tile was held', () => {
    const cache = new TileCache(ELEMENTS * 2, ELEMENTS);
    const gone = new Response();
    gone.close();
    const first = tile(cache, 1);
    cache.add('a', first, gone);
    cache.add('b', tile(cache, 2), new Response());
    assert.equal(cache.buffer(), first.counts);
  });

  it('gives back only buffers of its own size, and forgets everything on clear', () => {
    const cache = new TileCache(10 * ELEMENTS * 4, ELEMENTS);
    const done = new Response();
    done.close();
    const wide: TileEntry = { counts: new Int32Array(ELEMENTS), worker: 'w', iterations: 0, computeMs: 0 };
    cache.add('int32', wide, done);
    cache.clear();
    assert.equal(cache.get('int32', done), undefined);
    assert.ok(cache.buffer() instanceof Uint16Array, 'an int32 tile is never handed out as a uint16 buffer');
    assert.equal(cache.bytes, 0);
  });
});
