/**
 * The one way mandel writes a file. Every output of every command goes through here, so a
 * failure reads the same everywhere (ERR_OUTPUT, naming the path) and a file is never left
 * half written: the bytes go to a temporary file in the same directory, which is renamed
 * into place only once complete (a rename within a directory is atomic on POSIX).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MandelError } from '../errors.js';

/** Writes `data` to `path` atomically; resolves with the bytes written. */
export async function writeOutput(path: string, data: Buffer | string | readonly (Buffer | string)[]): Promise<number> {
  const parts = Array.isArray(data) ? (data as readonly (Buffer | string)[]) : [data as Buffer | string];
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, parts);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw new MandelError('ERR_OUTPUT', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parts.reduce((sum, part) => sum + Buffer.byteLength(part), 0);
}

/** Creates a directory for outputs (and its parents); ERR_OUTPUT when it cannot. */
export async function ensureDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new MandelError('ERR_OUTPUT', `cannot create the directory ${path}: ${(error as Error).message}`, { cause: error });
  }
}
