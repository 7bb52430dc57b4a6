/**
 * Zoom movies made by `mandel serve` on its own backend, for the dashboard to watch: each
 * keyframe is announced as it finishes (and served as a small PNG), then the video. One movie
 * at a time, in a folder of the server's own choosing under the system's temporary directory
 * (no request names a path), removed when the next movie starts or the server closes. Sizes,
 * lengths and frame rates are bounded: a page can ask for a movie, not for the disk.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Backend } from '../backends/types.js';
import { checkFfmpeg } from '../movie/encode.js';
import { renderMovie } from '../movie/movie.js';
import { moviePlan } from '../movie/plan.js';
import { fileName, smoothFileName } from '../movie/store.js';
import { decodeNpyFloat32, decodeNpyInt32 } from '../outputs/npy.js';
import { encodePng } from '../outputs/png.js';
import { parseOrThrow } from '../schema.js';
import type { ChunkEvent, ChunkStart } from '../trace.js';
import { allow, HttpError, readJson, send, sendJson } from './http.js';
import { decimalText } from './tiles.js';

const movieRequestSchema = z.strictObject({
  center: z.strictObject({ re: decimalText, im: decimalText }),
  zoomTo: decimalText,
  zoomFrom: decimalText.default('4'),
  seconds: z.number().positive().max(60).default(5),
  fps: z.number().int().min(1).max(60).default(24),
  width: z.number().int().min(16).max(1920).default(640),
  height: z.number().int().min(16).max(1080).default(360),
  maxiter: z.number().int().min(1).max(100_000).optional(),
});

interface Movie {
  readonly id: string;
  readonly dir: string;
  readonly output: string;
  readonly request: z.output<typeof movieRequestSchema>;
  readonly controller: AbortController;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  readonly total: number;
  readonly frames: number;
  keyframes: { index: number; width: string; maxiter: number; ms: number }[];
  framesDone: number;
  wallMs?: number;
  error?: string;
}

export interface MovieRoutes {
  /** Answers a request under /api/movies; false for any other path. */
  handle(path: string, method: string, request: IncomingMessage, response: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

export function movieRoutes(
  backend: Backend,
  broadcast: (event: string, data: unknown) => void,
  /** The server's own chunk event, so a movie's chunks join the task stream (one id a keyframe). */
  chunkEvent: (origin: number, event: ChunkEvent, kind: 'render', id: string, kernel: string) => void,
  chunkStartEvent: (origin: number, event: ChunkStart, id: string) => void,
): MovieRoutes {
  let current: Movie | undefined;

  const status = (movie: Movie) => ({
    id: movie.id,
    state: movie.state,
    ...movie.request,
    keyframes: movie.keyframes,
    total: movie.total,
    frames: movie.frames,
    framesDone: movie.framesDone,
    ...(movie.state === 'done' ? { video: `/api/movies/${movie.id}/movie.mp4`, wallMs: movie.wallMs } : {}),
    ...(movie.error ? { error: movie.error } : {}),
  });

  async function start(body: unknown): Promise<Movie> {
    const request = parseOrThrow(movieRequestSchema, body, 'movie request');
    checkFfmpeg();
    if (current?.state === 'running') throw new HttpError(409, 'a movie is being made; wait for it or cancel it first', 'ERR_BUSY');
    if (request.width % 2 !== 0 || request.height % 2 !== 0) {
      throw new HttpError(400, `width and height must be even for H.264 (got ${request.width} × ${request.height})`, 'ERR_INVALID_OPTION');
    }
    // The plan now, so a zoom that goes out is refused here, with a 400.
    const spec = {
      center: request.center,
      from: request.zoomFrom,
      to: request.zoomTo,
      seconds: request.seconds,
      fps: request.fps,
      ...(request.maxiter ? { maxiter: request.maxiter } : {}),
    };
    const plan = moviePlan(spec);
    if (current) await rm(current.dir, { recursive: true, force: true });
    const dir = await mkdtemp(join(tmpdir(), 'mandel-serve-movie-'));
    const movie: Movie = {
      id: randomUUID(),
      dir,
      output: join(dir, 'movie.mp4'),
      request,
      controller: new AbortController(),
      state: 'running',
      total: plan.keyframes.length,
      frames: plan.frames,
      keyframes: [],
      framesDone: 0,
    };
    current = movie;
    broadcast('movie-start', { id: movie.id, total: movie.total, frames: movie.frames, width: request.width, height: request.height });
    let lastProgress = 0;
    renderMovie({
      ...spec,
      cols: request.width,
      rows: request.height,
      output: movie.output,
      backend,
      parallel: backend.name === 'cluster' ? 4 : 1,
      // The explorer's tiles go between a keyframe's chunks.
      background: true,
      signal: movie.controller.signal,
      onChunk: (keyframe, event, origin) => chunkEvent(origin, event, 'render', `${movie.id}/k${keyframe.index}`, 'auto'),
      onChunkStart: (keyframe, event, origin) => chunkStartEvent(origin, event, `${movie.id}/k${keyframe.index}`),
      onKeyframe: ({ keyframe, ms }) => {
        movie.keyframes.push({ index: keyframe.index, width: keyframe.width, maxiter: keyframe.maxiter, ms });
        broadcast('movie-keyframe', {
          id: movie.id,
          index: keyframe.index,
          width: keyframe.width,
          ms,
          done: movie.keyframes.length,
          total: movie.total,
        });
      },
      onFrame: (done) => {
        movie.framesDone = done;
        if (performance.now() - lastProgress > 250 || done === movie.frames) {
          lastProgress = performance.now();
          broadcast('movie-progress', { id: movie.id, framesDone: done, frames: movie.frames });
        }
      },
    }).then(
      (result) => {
        movie.state = 'done';
        movie.wallMs = result.wallMs;
        broadcast('movie-done', { id: movie.id, video: `/api/movies/${movie.id}/movie.mp4`, wallMs: result.wallMs });
      },
      (error: unknown) => {
        movie.state = movie.controller.signal.aborted ? 'cancelled' : 'failed';
        movie.error = (error as Error).message;
        broadcast('movie-failed', { id: movie.id, state: movie.state, error: movie.error });
      },
    );
    return movie;
  }

  return {
    async handle(path, method, request, response) {
      if (path === '/api/movies') {
        allow(method, ['POST']);
        sendJson(response, 202, status(await start(await readJson(request))));
        return true;
      }
      const route = /^\/api\/movies\/([A-Za-z0-9-]{1,64})(?:\/(movie\.mp4|keyframes\/(\d{1,5})\.png))?$/.exec(path);
      if (!route) return false;
      const movie = current?.id === route[1] ? current : undefined;
      if (!movie) throw new HttpError(404, `no movie ${route[1]} here`, 'ERR_NOT_FOUND');
      if (route[2] === 'movie.mp4') {
        allow(method, ['GET']);
        if (movie.state !== 'done') throw new HttpError(409, `movie ${movie.id} is ${movie.state}, not done`, 'ERR_NOT_FINISHED');
        send(response, 200, await readFile(movie.output), 'video/mp4');
        return true;
      }
      if (route[3] !== undefined) {
        allow(method, ['GET']);
        const index = Number(route[3]);
        const keyframe = movie.keyframes.find((k) => k.index === index);
        if (!keyframe) throw new HttpError(404, `movie ${movie.id} has no keyframe ${index} yet`, 'ERR_NOT_FOUND');
        const dir = `${movie.output}.keyframes`;
        const { rows, cols, counts } = decodeNpyInt32(await readFile(join(dir, fileName(index))));
        // Coloured as the movie's frames are: by μ, on bands.
        const { values: smooth } = decodeNpyFloat32(await readFile(join(dir, smoothFileName(index))));
        send(response, 200, encodePng(counts, rows, cols, keyframe.maxiter, { scale: 'bands', smooth }), 'image/png');
        return true;
      }
      allow(method, ['GET', 'DELETE']);
      if (method === 'DELETE') movie.controller.abort();
      sendJson(response, 200, status(movie));
      return true;
    },
    async close() {
      current?.controller.abort();
      if (current) await rm(current.dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
