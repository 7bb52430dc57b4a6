/**
 * The tiles `mandel serve` has rendered: the most recently used kept, bounded in bytes.
 *
 * Their uint16 buffers are reused once a tile is evicted and no response is still sending it.
 * A fresh 128 KiB buffer per tile grows V8's external memory, and V8 answers with a full
 * garbage collection every few dozen tiles: over 1,120 tiles of bench/serve.ts, 25 collections
 * where reuse leaves 6, and ~0.3 ms of CPU a tile more on V8's helper threads, taken from the
 * kernels' two cores.
 */
import { LRUCache } from 'lru-cache';

/** What holds a tile while it is sent: a ServerResponse, which emits 'close' once done or gone. */
export interface Sending {
  readonly closed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

export interface TileEntry {
  /** The counts, as uint16 when maxiter fits (half the bytes to keep, copy and send), else int32. */
  readonly counts: Uint16Array | Int32Array;
  /** The points' smooth fractions, for a tile asked with smooth: sent after the counts. */
  readonly smooth?: Float32Array;
  /** uint16 counts and their fractions side by side in one buffer, as they are sent. */
  readonly body?: Buffer;
  /** What is sent (the counts, then any fractions) gzipped, made by the first request that accepts gzip and kept for the next. */
  gzip?: Buffer;
  readonly worker: string;
  readonly iterations: number;
  readonly computeMs: number;
}

interface Held {
  /** Responses that may still be sending the entry's counts. */
  readers: number;
  evicted: boolean;
}

/** Spare buffers kept for reuse, at most (8 MiB of 256 × 256 tiles). */
const MAX_SPARE = 64;

export class TileCache {
  private readonly lru: LRUCache<string, TileEntry>;
  private readonly held = new WeakMap<TileEntry, Held>();
  private readonly spare: Uint16Array[] = [];
  private readonly spareBodies: Buffer[] = [];

  /** `elements`: the counts of one tile, the size of every reusable buffer. */
  constructor(
    maxBytes: number,
    private readonly elements: number,
  ) {
    this.lru = new LRUCache<string, TileEntry>({
      maxSize: maxBytes,
      sizeCalculation: (entry) => entry.counts.byteLength + (entry.smooth?.byteLength ?? 0) + (entry.gzip?.length ?? 0),
      dispose: (entry) => {
        const held = this.held.get(entry);
        if (!held) return;
        held.evicted = true;
        this.recycle(entry, held);
      },
    });
  }

  /** Bytes of counts (and gzipped copies) held. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** A buffer for a new tile's uint16 counts: one given back by an evicted tile, or a new one. */
  buffer(): Uint16Array {
    return this.spare.pop() ?? new Uint16Array(this.elements);
  }

  /** A buffer for a new tile's uint16 counts and float32 smooth fractions side by side (6 bytes a point), reused likewise. */
  bodyBuffer(): Buffer {
    return this.spareBodies.pop() ?? Buffer.allocUnsafeSlow(this.elements * 6);
  }

  /**
   * The tile cached under `key`, held for `response`: its buffer is not reused before the
   * response has closed (sent, or gone), whatever is evicted meanwhile.
   */
  get(key: string, response: Sending): TileEntry | undefined {
    const entry = this.lru.get(key);
    if (entry) this.hold(entry, response);
    return entry;
  }

  /** Caches a new tile, held for `response` as `get` holds one. */
  add(key: string, entry: TileEntry, response: Sending): void {
    this.held.set(entry, { readers: 0, evicted: false });
    this.hold(entry, response);
    this.lru.set(key, entry);
  }

  /** Counts a gzipped copy, added to a cached entry, in the cache's size. */
  resized(key: string, entry: TileEntry): void {
    if (this.lru.peek(key) === entry) this.lru.set(key, entry);
  }

  clear(): void {
    this.lru.clear();
  }

  private hold(entry: TileEntry, response: Sending): void {
    const held = this.held.get(entry);
    if (!held) return;
    held.readers++;
    const release = () => {
      held.readers--;
      this.recycle(entry, held);
    };
    // A response that has already closed will send nothing more.
    if (response.closed) release();
    else response.once('close', release);
  }

  private recycle(entry: TileEntry, held: Held): void {
    if (!held.evicted || held.readers > 0) return;
    this.held.delete(entry); // once
    const counts = entry.counts;
    if (entry.body) {
      if (entry.body.length === this.elements * 6 && this.spareBodies.length < MAX_SPARE / 3) this.spareBodies.push(entry.body);
    } else if (counts instanceof Uint16Array && counts.length === this.elements && this.spare.length < MAX_SPARE) this.spare.push(counts);
  }
}
