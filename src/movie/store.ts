/**
 * A movie's keyframes on disk, so a movie survives its producer: each keyframe's counts as a
 * .npy file (the format of `mandel run --counts`), written to a temporary name and renamed into
 * place (a keyframe file is whole or absent, whatever stops the producer), and a manifest of
 * the views they are. On disk, not in Redis: a 1920 × 1080 keyframe is 8 MB and a movie to
 * 1e-50 has ~170 of them — a broker's memory is the wrong place for 1.4 GB that the producer
 * alone reads — and the threads backend, which has no Redis, resumes the same way. Kept after
 * the movie is encoded: new colours or another frame rate need no render. A smooth movie keeps
 * each keyframe's smooth fractions beside its counts (k00012.smooth.npy, float32), written
 * first: the counts file, renamed into place last, marks the pair whole.
 *
 * The manifest names the centre and the size; a keyframe file counts only where the manifest
 * gives it the width and maxiter the new plan asks for, so a deeper movie of the same place
 * reuses every shallower keyframe, and another -m renders them again.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { decodeNpyFloat32, decodeNpyInt32, encodeNpyFloat32, encodeNpyInt32 } from '../outputs/npy.js';
import { ensureDirectory, writeOutput } from '../outputs/write.js';
import type { Keyframe } from './plan.js';

export interface MovieView {
  readonly center: { readonly re: string; readonly im: string };
  readonly cols: number;
  readonly rows: number;
}

interface Manifest extends MovieView {
  readonly version: 1;
  readonly keyframes: Record<string, { width: string; maxiter: number; smooth?: boolean }>;
}

/** A stored keyframe: its counts, and its smooth fractions when the movie has them. */
export interface StoredKeyframe {
  readonly counts: Int32Array;
  readonly smooth?: Float32Array;
}

const MANIFEST = 'movie.json';

export class KeyframeStore {
  private constructor(
    readonly dir: string,
    private readonly view: MovieView,
    private readonly manifest: Manifest,
    /** Keyframes on disk that are this plan's (same width and maxiter). */
    private readonly stored: Set<number>,
  ) {}

  /** Opens (or creates) the folder for this movie; refuses one that holds another place's keyframes. */
  static async open(
    dir: string,
    view: MovieView,
    keyframes: readonly Keyframe[],
    signal?: AbortSignal,
    smooth = false,
  ): Promise<KeyframeStore> {
    await ensureDirectory(dir);
    let manifest: Manifest = { version: 1, ...view, keyframes: {} };
    const text = await readFile(join(dir, MANIFEST), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      let old: Manifest;
      try {
        old = JSON.parse(text) as Manifest;
      } catch {
        throw new InvalidOptionError(
          `${join(dir, MANIFEST)} is not a movie manifest (not JSON); remove the folder or choose another --keyframes`,
        );
      }
      const same =
        old.version === 1 &&
        old.center?.re === view.center.re &&
        old.center?.im === view.center.im &&
        old.cols === view.cols &&
        old.rows === view.rows;
      if (!same) {
        throw new InvalidOptionError(
          `${dir} holds the keyframes of another movie (${old.center?.re},${old.center?.im} at ${old.cols} × ${old.rows}); ` +
            'remove it or choose another --keyframes',
        );
      }
      manifest = { ...old, keyframes: { ...old.keyframes } };
    }
    const files = new Set(await readdir(dir));
    const stored = new Set<number>();
    const bytes = view.cols * view.rows * 4;
    for (const keyframe of keyframes) {
      const entry = manifest.keyframes[String(keyframe.index)];
      const file = fileName(keyframe.index);
      if (!entry || entry.width !== keyframe.width || entry.maxiter !== keyframe.maxiter || !files.has(file)) continue;
      // A smooth movie needs the fractions too; a keyframe with them serves a movie without.
      if (smooth && (!entry.smooth || !files.has(smoothFileName(keyframe.index)))) continue;
      // Renamed into place whole, so a file of the right size is the keyframe (its header is read again later).
      const size = (await stat(join(dir, file))).size;
      const fractions = smooth ? (await stat(join(dir, smoothFileName(keyframe.index)))).size : bytes + 1;
      if (size > bytes && size < bytes + 256 && fractions > bytes && fractions < bytes + 256) stored.add(keyframe.index);
    }
    // The manifest now promises nothing about keyframes this plan renders afresh.
    for (const keyframe of keyframes) {
      if (!stored.has(keyframe.index)) delete manifest.keyframes[String(keyframe.index)];
    }
    const store = new KeyframeStore(dir, view, manifest, stored);
    await store.saveManifest(signal);
    return store;
  }

  has(index: number): boolean {
    return this.stored.has(index);
  }

  /** A keyframe's counts, and (`smooth`) its fractions. */
  async read(index: number, smooth = false): Promise<StoredKeyframe> {
    const file = join(this.dir, fileName(index));
    const { rows, cols, counts } = decodeNpyInt32(await readFile(file));
    if (rows !== this.view.rows || cols !== this.view.cols) {
      throw new InvalidOptionError(`${file} is ${cols} × ${rows}, not the movie's ${this.view.cols} × ${this.view.rows}`);
    }
    if (!smooth) return { counts };
    const fractions = decodeNpyFloat32(await readFile(join(this.dir, smoothFileName(index))));
    if (fractions.rows !== rows || fractions.cols !== cols) {
      throw new InvalidOptionError(`${smoothFileName(index)} is ${fractions.cols} × ${fractions.rows}, not the movie's ${cols} × ${rows}`);
    }
    return { counts, smooth: fractions.values };
  }

  /**
   * Stores a keyframe's counts (its fractions first, when given), then records it in the
   * manifest: a crash between the two costs a render, never a wrong frame.
   */
  async write(keyframe: Keyframe, counts: Int32Array, signal?: AbortSignal, smooth?: Float32Array): Promise<void> {
    if (smooth) {
      await writeOutput(join(this.dir, smoothFileName(keyframe.index)), encodeNpyFloat32(smooth, this.view.rows, this.view.cols), signal);
    }
    await writeOutput(join(this.dir, fileName(keyframe.index)), encodeNpyInt32(counts, this.view.rows, this.view.cols), signal);
    this.manifest.keyframes[String(keyframe.index)] = {
      width: keyframe.width,
      maxiter: keyframe.maxiter,
      ...(smooth ? { smooth: true } : {}),
    };
    this.stored.add(keyframe.index);
    await this.saveManifest(signal);
  }

  /** One save at a time, each of the manifest as it is then: keyframes that finish together never lose each other. */
  private saveManifest(signal?: AbortSignal): Promise<void> {
    const next = this.saving.then(() => writeOutput(join(this.dir, MANIFEST), `${JSON.stringify(this.manifest, null, 1)}\n`, signal));
    this.saving = next.then(
      () => undefined,
      () => undefined,
    );
    return next.then(() => undefined);
  }

  private saving: Promise<void> = Promise.resolve();
}

/** k00012.npy: sorted by name, the keyframes are in zoom order. */
export function fileName(index: number): string {
  return `k${String(index).padStart(5, '0')}.npy`;
}

/** k00012.smooth.npy: a keyframe's smooth fractions. */
export function smoothFileName(index: number): string {
  return `k${String(index).padStart(5, '0')}.smooth.npy`;
}
