/**
 * The tile queue of `mandel serve`: a fixed number of tiles are handed to the backend at once,
 * the rest wait here, where a tile whose request went away is dropped without costing anything.
 */
import { AbortError } from '../errors.js';

/** A counting semaphore whose waiters can give up (an AbortSignal) without holding anything. */
export class Slots {
  private readonly waiting: (() => void)[] = [];
  private free: number;

  constructor(size: number) {
    this.free = size;
  }

  async acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new AbortError();
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', giveUp);
        resolve();
      };
      const giveUp = () => {
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        reject(new AbortError());
      };
      this.waiting.push(wake);
      signal.addEventListener('abort', giveUp, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
