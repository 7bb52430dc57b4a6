/**
 * Flag parsers for commander: each turns one flag's text into a typed value or throws
 * commander's InvalidArgumentError, whose message commander prefixes with the flag's name.
 */
import { InvalidArgumentError } from 'commander';
import type { Region } from '../workload.js';

/** A parser for a whole number ≥ 1; its error gives an example that fits the option. */
export function positiveInteger(example: number): (text: string) => number {
  return (text: string) => {
    const value = Number(text);
    if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new InvalidArgumentError(`expected a whole number ≥ 1, e.g. ${example}.`);
    }
    return value;
  };
}

export function positiveNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a number > 0.');
  return value;
}

/** A parser for a number from min to max; its error names the range. */
export function numberIn(min: number, max: number): (text: string) => number {
  return (text: string) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
    }
    return value;
  };
}

/** "x1,x2,y1,y2": real part x1..x2, imaginary part y1 (bottom)..y2 (top). */
export function region(text: string): Region {
  const parts = text.split(',').map((part) => part.trim());
  const values = parts.map(Number);
  if (parts.length !== 4 || parts.some((part) => part === '') || !values.every(Number.isFinite)) {
    throw new InvalidArgumentError('expected four numbers x1,x2,y1,y2, e.g. -2.13,0.77,-1.3,1.3.');
  }
  const [x1, x2, y1, y2] = values as [number, number, number, number];
  if (!(x1 < x2)) throw new InvalidArgumentError(`expected x1 < x2 (got ${x1} and ${x2}).`);
  if (!(y1 < y2)) throw new InvalidArgumentError(`expected y1 < y2 (got ${y1} and ${y2}).`);
  return { x1, x2, y1, y2 };
}
