/**
 * Decimal numbers of any length, turned into binary fixed point without passing through a
 * double: a deep view's centre has as many digits as its depth needs, and every one counts.
 */
import { InvalidOptionError } from '../errors.js';

/** `digits × 10^exponent`, exactly as written. */
export interface Decimal {
  readonly digits: bigint;
  readonly exponent: number;
}

const DECIMAL = /^([+-]?)(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;
/** Digits a coordinate may carry: far past what 1e-1000 needs, short of a memory attack. */
const MAX_DIGITS = 5000;

export function parseDecimal(text: string, what: string): Decimal {
  const match = DECIMAL.exec(text.trim());
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (!match || whole.length + fraction.length === 0) {
    throw new InvalidOptionError(`${what} must be a decimal number such as -1.7490844 or 2.5e-30 (got "${text}")`);
  }
  if (whole.length + fraction.length > MAX_DIGITS) {
    throw new InvalidOptionError(`${what} has over ${MAX_DIGITS} digits`);
  }
  const digits = BigInt(whole + fraction || '0') * (match[1] === '-' ? -1n : 1n);
  return { digits, exponent: Number(match[4] ?? 0) - fraction.length };
}

/** round(value × 2^bits), to the nearest integer (ties away from zero). */
export function toFixed(value: Decimal, bits: number): bigint {
  const scaled = value.digits << BigInt(bits);
  if (value.exponent >= 0) return scaled * 10n ** BigInt(value.exponent);
  const divisor = 10n ** BigInt(-value.exponent);
  const half = divisor / 2n;
  return scaled >= 0n ? (scaled + half) / divisor : -((-scaled + half) / divisor);
}

/** log10 of |value|, to about 15 digits (for bounds and depth, never for coordinates). */
export function log10Of(value: Decimal): number {
  if (value.digits === 0n) return -Infinity;
  const text = (value.digits < 0n ? -value.digits : value.digits).toString();
  const lead = Number(`${text[0]}.${text.slice(1, 17) || '0'}`);
  return Math.log10(lead) + text.length - 1 + value.exponent;
}

/** A fixed-point value (× 2^-bits) as the nearest double, for any bits. */
export function fixedToNumber(value: bigint, bits: number): number {
  // Number(bigint) rounds correctly but overflows past 2^1024: keep the integer below that.
  const shift = Math.max(0, bits - 1000);
  return Number(value >> BigInt(shift)) * 2 ** -(bits - shift);
}
