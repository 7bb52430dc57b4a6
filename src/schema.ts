/**
 * The zod pieces every boundary shares (workload specs, worker-thread tasks, queue payloads,
 * later HTTP input), and the one function that turns zod's first complaint into a sentence.
 * Worded once here, so the same bad value reads the same on every path.
 */
import { z } from 'zod';
import { InvalidOptionError } from './errors.js';

/** The largest count of anything mandel indexes with an int32: points, rows, chunk ids. */
export const MAX_INT32 = 2 ** 31 - 1;

/** A whole number from 1 to 2^31 − 1; `what` names the field in every message. */
export const positiveInt = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .refine(Number.isInteger, { message: `${what} must be a whole number` })
    .refine((n) => n >= 1, { message: `${what} must be at least 1` })
    .refine((n) => n <= MAX_INT32, { message: `${what} must be at most ${MAX_INT32}` });

/** A whole number from 0 to 2^31 − 1. */
export const nonNegativeInt = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .refine(Number.isInteger, { message: `${what} must be a whole number` })
    .refine((n) => n >= 0, { message: `${what} must be at least 0` })
    .refine((n) => n <= MAX_INT32, { message: `${what} must be at most ${MAX_INT32}` });

/** Any finite number (no NaN, no ±Infinity). */
export const finite = (what: string) =>
  z.number({ error: `${what} must be a number` }).refine(Number.isFinite, { message: `${what} must be a finite number` });

/** Turns the first problem zod found into one sentence that names the field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 && issue.code !== 'custom' ? `${issue.path.join('.')}: ` : '';
  throw new InvalidOptionError(`invalid ${what}: ${where}${issue?.message ?? 'malformed'}`);
}
