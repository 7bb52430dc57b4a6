/**
 * The video, encoded by ffmpeg (Debian's `ffmpeg`): raw RGBA frames on its stdin, H.264 in an
 * MP4 out. Written to a temporary name beside the output and renamed once ffmpeg has finished,
 * so an interrupted movie never leaves a truncated file under the name asked for.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { AbortError, MandelError } from '../errors.js';
import { temporaryFile } from '../outputs/write.js';

/** Throws, in one line naming the package, when ffmpeg cannot be run. */
export function checkFfmpeg(command = 'ffmpeg'): void {
  const probe = spawnSync(command, ['-hide_banner', '-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new MandelError(
      'ERR_NO_FFMPEG',
      `mandel movie encodes with ffmpeg, and ${command} ${probe.error ? 'was not found' : 'does not run'}: install it (Debian: apt-get install ffmpeg)`,
    );
  }
}

export class Encoder {
  private readonly child: ChildProcess;
  private readonly temporary: string;
  private readonly exited: Promise<number | null>;
  private stderr = '';
  private readonly untrack: () => void;

  constructor(
    private readonly output: string,
    private readonly cols: number,
    private readonly rows: number,
    fps: number,
  ) {
    const temporary = temporaryFile(output);
    this.temporary = temporary.path;
    this.untrack = temporary.release;
    // yuv420p for players everywhere; CRF 18 keeps a deep zoom's fine filaments.
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-s',
      `${cols}x${rows}`,
      '-r',
      String(fps),
      '-i',
      'pipe:0',
    ];
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      'medium',
      '-crf',
      '18',
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      this.temporary,
    );
    this.child = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-2000)));
    this.child.stdin!.on('error', () => {}); // a dead ffmpeg is reported by finish() with its own words
    this.exited = once(this.child, 'exit').then(([code]) => code as number | null);
  }

  /** One frame, RGBA, cols × rows; resolves when ffmpeg can take the next (backpressure). */
  async write(frame: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new AbortError();
    if (frame.length !== this.cols * this.rows * 4) throw new Error(`a frame is ${this.cols * this.rows * 4} bytes, not ${frame.length}`);
    if (this.child.exitCode !== null) throw this.failure(this.child.exitCode);
    if (!this.child.stdin!.write(frame)) {
      await Promise.race([once(this.child.stdin!, 'drain'), this.exited]);
      if (this.child.exitCode !== null) throw this.failure(this.child.exitCode);
    }
  }

  /** Closes the stream, waits for ffmpeg, and puts the video in place. */
  async finish(): Promise<void> {
    this.child.stdin!.end();
    const code = await this.exited;
    this.untrack();
    if (code !== 0) {
      await rm(this.temporary, { force: true });
      throw this.failure(code);
    }
    await rename(this.temporary, this.output).catch(async (error: Error) => {
      await rm(this.temporary, { force: true });
      throw new MandelError('ERR_OUTPUT', `cannot write ${this.output}: ${error.message}`, { cause: error });
    });
  }

  /** Stops ffmpeg and removes its partial file. */
  async abort(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited.catch(() => undefined);
    await rm(this.temporary, { force: true });
    this.untrack();
  }

  private failure(code: number | null): MandelError {
    return new MandelError(
      'ERR_ENCODE',
      `ffmpeg stopped (exit ${code}) while encoding ${this.output}: ${this.stderr.trim().split('\n').slice(-2).join(' | ') || 'no message'}`,
    );
  }
}
