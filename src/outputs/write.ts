/**
 * The one way mandel writes a file. Every output of every command goes through here, so a
 * failure reads the same everywhere (ERR_OUTPUT, naming the path) and a file is never left
 * half written: the bytes go to a temporary file in the same directory, which is renamed
 * into place only once complete (a rename within a directory is atomic on POSIX).
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, rmSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { AbortError, InvalidOptionError, MandelError } from '../errors.js';

/** The file name endings each kind of output is written under: never one format under another's name. */
export const OUTPUT_EXTENSIONS = {
  png: ['.png'],
  npy: ['.npy'],
  smooth: ['.npy'],
  pbm: ['.pbm'],
  surface: ['.html', '.htm'],
  trace: ['.json'],
  timeline: ['.svg'],
  report: ['.html', '.htm'],
  video: ['.mp4'],
} as const;
const FORMAT_NAMES: Record<keyof typeof OUTPUT_EXTENSIONS, string> = {
  png: 'a PNG image',
  npy: 'a NumPy .npy array',
  smooth: 'a NumPy .npy array',
  pbm: 'a PBM bitmap',
  surface: 'an HTML page',
  trace: 'JSON',
  timeline: 'an SVG drawing',
  report: 'an HTML page',
  video: 'an MP4 video',
};
export type OutputKind = keyof typeof OUTPUT_EXTENSIONS;

/**
 * Checks, before any work, that `path` can be written as a `kind` file: its name ends as
 * that format's does, its directory exists and is writable, and it is not a directory.
 * A render of minutes must never be thrown away for want of a folder.
 */
export function checkOutputPath(path: string, kind: OutputKind, flag: string): void {
  const allowed: readonly string[] = OUTPUT_EXTENSIONS[kind];
  const extension = extname(path).toLowerCase();
  if (!allowed.includes(extension)) {
    throw new InvalidOptionError(`${flag} ${path}: writes ${FORMAT_NAMES[kind]}, so the name must end in ${allowed.join(' or ')}`);
  }
  const directory = dirname(resolve(path));
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new InvalidOptionError(`${flag} ${path}: the directory ${directory} does not exist`);
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new InvalidOptionError(`${flag} ${path}: the directory ${directory} is not writable`);
  }
  try {
    if (statSync(path).isDirectory()) throw new InvalidOptionError(`${flag} ${path}: is a directory`);
  } catch (error) {
    if (error instanceof InvalidOptionError) throw error;
  }
}

/** Checks that a directory for outputs exists or can be created under an existing, writable parent. */
export function checkOutputDirectory(path: string, flag: string): void {
  let existing = resolve(path);
  for (;;) {
    try {
      if (!statSync(existing).isDirectory()) throw new InvalidOptionError(`${flag} ${path}: ${existing} is not a directory`);
      break;
    } catch (error) {
      if (error instanceof InvalidOptionError) throw error;
      const parent = dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new InvalidOptionError(`${flag} ${path}: the directory ${existing} is not writable`);
  }
}

/** Temporary files being written now, so that an exit in the middle can remove them. */
const inFlight = new Set<string>();

/**
 * Removes every temporary file still being written: for a process about to exit at once
 * (a second Ctrl-C), which then leaves no half file behind, only complete ones.
 */
export function removeTemporaryFiles(): void {
  for (const file of inFlight) rmSync(file, { force: true });
  inFlight.clear();
}

/**
 * A temporary name beside `path`, hidden and unique to this process and call, registered so a
 * second Ctrl-C removes it; `release()` once it is renamed into place or removed. For writers
 * of their own (ffmpeg) as for writeOutput.
 */
export function temporaryFile(path: string): { path: string; release(): void } {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  inFlight.add(temporary);
  return { path: temporary, release: () => inFlight.delete(temporary) };
}

/**
 * Writes `data` to `path` atomically; resolves with the bytes written. When `signal` fires
 * before the file is complete, the temporary file is removed and nothing replaces `path`.
 */
export async function writeOutput(
  path: string,
  data: Buffer | string | readonly (Buffer | string)[],
  signal?: AbortSignal,
): Promise<number> {
  if (signal?.aborted) throw new AbortError();
  const parts = Array.isArray(data) ? (data as readonly (Buffer | string)[]) : [data as Buffer | string];
  const { path: temporary, release } = temporaryFile(path);
  try {
    await writeFile(temporary, parts, signal ? { signal } : {});
    if (signal?.aborted) throw new AbortError();
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    if (error instanceof AbortError || signal?.aborted) throw new AbortError();
    throw new MandelError('ERR_OUTPUT', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    release();
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

/** The outputs a render writes (a bench report is written by `mandel bench`). */
type FileOption = Exclude<OutputKind, 'report'>;
const FILE_OPTIONS = (Object.keys(OUTPUT_EXTENSIONS) as OutputKind[]).filter((kind): kind is FileOption => kind !== 'report');

/**
 * Checks every output path before any work (see checkOutputPath): the right ending, an
 * existing writable directory. `names` says how to call each option in a message (the CLI
 * passes its flags).
 */
export function checkOutputs(
  options: Partial<Record<FileOption, string | undefined>>,
  names: Partial<Record<FileOption, string>> = {},
): void {
  for (const option of FILE_OPTIONS) {
    const path = options[option];
    if (path) checkOutputPath(path, option, names[option] ?? option);
  }
}
