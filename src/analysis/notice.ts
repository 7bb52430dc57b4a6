/**
 * One line about a view whose picture says nothing: every point at maxiter, or every point
 * with the same count. Both look like a failure (a black or a flat image) and both have a
 * cause a person can act on, which the line names: more iterations, or a centre with more
 * digits than the depth needs (a centre given to 29 digits is a plain point at 1e-50: every
 * point of a view that small escapes together).
 */
import { parseDecimal } from '../deep/decimal.js';
import { grouped } from '../format.js';
import type { Workload } from '../workload.js';

export interface ViewNotice {
  readonly code: 'ALL_AT_MAXITER' | 'CENTRE_DIGITS' | 'ONE_COUNT';
  readonly message: string;
}

/** Digits after the decimal point that a centre coordinate carries (trailing zeros not counted). */
export function decimalsOf(text: string): number {
  const value = parseDecimal(text, 'the centre');
  let digits = value.digits < 0n ? -value.digits : value.digits;
  let exponent = value.exponent;
  while (digits !== 0n && digits % 10n === 0n) {
    digits /= 10n;
    exponent++;
  }
  return digits === 0n ? 0 : Math.max(0, -exponent);
}

/** log10 of a deep view's width (its columns × the step between them). */
function widthLog10(workload: Workload): number {
  const exponent = workload.deep?.exponent ?? 0;
  return Math.log10(workload.re.count * Math.abs(workload.re.step)) + exponent * Math.log10(2);
}

export function viewNotice(counts: Int32Array, workload: Workload): ViewNotice | undefined {
  if (counts.length < 2) return undefined;
  // Indexed, and out at the first count that differs: a view with detail (nearly every view)
  // costs a few comparisons; iterating 786,432 counts cold took 60 ms of `mandel run`.
  const low = counts[0]!;
  for (let i = 1; i < counts.length; i++) if (counts[i] !== low) return undefined;
  const { maxiter } = workload;
  const points = grouped(counts.length);
  if (low >= maxiter) {
    return {
      code: 'ALL_AT_MAXITER',
      message:
        `All ${points} points reached maxiter (${grouped(maxiter)}): the view lies inside the set, or its detail needs ` +
        `more iterations than that; try -m ${maxiter * 10}`,
    };
  }
  if (workload.deep) {
    const decimals = Math.max(decimalsOf(workload.deep.re), decimalsOf(workload.deep.im));
    // The centre must be known to a small part of the view's width to lie on what is drawn there.
    const width = widthLog10(workload);
    const needed = Math.ceil(-width) + 2;
    if (decimals < needed) {
      return {
        code: 'CENTRE_DIGITS',
        message:
          `Every point escaped after ${grouped(low)} iterations: the centre has ${decimals} digits after the point, and a view ` +
          `1e${Math.round(width)} wide needs about ${needed} to sit on detail that small (past its last digit ` +
          `the centre is a plain point, far from any); give the centre more digits, or zoom out`,
      };
    }
  }
  return {
    code: 'ONE_COUNT',
    message: `Every point escaped after ${grouped(low)} iterations: there is no detail in this view; move it, or zoom out`,
  };
}
