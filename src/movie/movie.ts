/**
 * `renderMovie`: a zoom movie from a plan (plan.ts). Keyframes are render jobs on any backend —
 * one at a time on threads (each uses every thread), several at once on the cluster (so every
 * worker has chunks) — stored as they finish (store.ts); frames are composed in order as soon as
 * their two keyframes are in (frames.ts) and piped to ffmpeg (encode.ts), so encoding overlaps
 * rendering. Keyframes stored by an earlier run of the same movie are not rendered again.
 */
import type { Backend } from '../backends/types.js';
import { viewWorkload } from '../deep/view.js';
import { AbortError, InvalidOptionError } from '../errors.js';
import { colourise, type ColormapName, type Scale } from '../outputs/colormap.js';
import { render } from '../render.js';
import { TraceRecorder, type ChunkEvent, type ChunkStart } from '../trace.js';
import { Encoder, checkFfmpeg } from './encode.js';
import { composeFrame, type Picture } from './frames.js';
import { frameZoom, moviePlan, type Keyframe, type MoviePlan, type MoviePlanSpec } from './plan.js';
import { KeyframeStore } from './store.js';

export interface MovieOptions extends MoviePlanSpec {
  readonly cols: number;
  readonly rows: number;
  readonly output: string;
  /** Where keyframes are kept (default: the output's name + `.keyframes`). */
  readonly keyframesDir?: string;
  readonly colormap?: ColormapName;
  /** `bands` by default: it colours a count the same in every keyframe, so frames from two keyframes meet without a seam. */
  readonly scale?: Scale;
  /** Colour by the continuous count μ (kernels/smooth.ts): no stepped bands. Default true. */
  readonly smooth?: boolean;
  /** The palette (web/scale.js): the map `density` times as often, shifted by `offset` cycles. */
  readonly density?: number;
  readonly offset?: number;
  readonly backend: Backend;
  readonly kernel?: string;
  readonly prune?: boolean;
  /** Let other renders on the backend go first (a server's tiles): RenderOptions.background. */
  readonly background?: boolean;
  /** Keyframes rendered at once (default 1; the cluster wants a few). */
  readonly parallel?: number;
  /**
   * Chunks a keyframe is split into (default: the backend's own with one keyframe at a time;
   * KEYFRAME_CHUNKS with several, whose chunks already keep every worker busy: the cluster's
   * default 64 cost 10,880 queue jobs on a movie to 1e-50, for no better balance).
   */
  readonly chunks?: number;
  readonly signal?: AbortSignal;
  /** A keyframe done: rendered now (with its time) or found from an earlier run. */
  readonly onKeyframe?: (event: { keyframe: Keyframe; reused: boolean; ms: number; done: number; total: number }) => void;
  readonly onFrame?: (done: number, total: number) => void;
  /** A keyframe's chunk as it starts (threads backend) and as it ends, with its render's clock origin (epoch ms). */
  readonly onChunkStart?: (keyframe: Keyframe, event: ChunkStart, originEpochMs: number) => void;
  readonly onChunk?: (keyframe: Keyframe, event: ChunkEvent, originEpochMs: number) => void;
}

export interface MovieResult {
  readonly plan: MoviePlan;
  readonly rendered: number;
  readonly reused: number;
  /** Wall time of each keyframe rendered now, by index. */
  readonly keyframeMs: ReadonlyMap<number, number>;
  readonly wallMs: number;
  readonly keyframesDir: string;
}

/** Chunks a keyframe when several are in flight. */
export const KEYFRAME_CHUNKS = 8;

export async function renderMovie(options: MovieOptions): Promise<MovieResult> {
  const started = performance.now();
  const { cols, rows, signal } = options;
  const plan = moviePlan(options);
  checkFfmpeg(); // before any render: a movie of hours must not end for want of an encoder
  if (cols % 2 !== 0 || rows % 2 !== 0)
    throw new InvalidOptionError(`the video's width and height must be even for H.264 (got ${cols} × ${rows})`);
  const keyframesDir = options.keyframesDir ?? `${options.output}.keyframes`;
  const smooth = options.smooth ?? true;
  const store = await KeyframeStore.open(keyframesDir, { center: options.center, cols, rows }, plan.keyframes, signal, smooth);
  const total = plan.keyframes.length;
  let done = 0;
  const keyframeMs = new Map<number, number>();
  // One promise per keyframe, settled when it is on disk; renders start in zoom order.
  const ready = new Map<number, Promise<void>>();
  const controller = new AbortController();
  const stop = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
  const queue = plan.keyframes.filter((k) => !store.has(k.index));
  const reused = total - queue.length;
  for (const keyframe of plan.keyframes) {
    if (store.has(keyframe.index)) {
      ready.set(keyframe.index, Promise.resolve());
      options.onKeyframe?.({ keyframe, reused: true, ms: 0, done: ++done, total });
    }
  }
  const resolvers = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();
  for (const keyframe of queue) {
    ready.set(keyframe.index, new Promise<void>((resolve, reject) => resolvers.set(keyframe.index, { resolve, reject })));
    ready.get(keyframe.index)!.catch(() => {}); // awaited by the frames; a failure stops them there
  }
  const chunks = options.chunks ?? ((options.parallel ?? 1) > 1 ? KEYFRAME_CHUNKS : undefined);
  let next = 0;
  const worker = async () => {
    while (next < queue.length && !stop.aborted) {
      const keyframe = queue[next++]!;
      const settle = resolvers.get(keyframe.index)!;
      try {
        const begun = performance.now();
        const workload = viewWorkload({ center: options.center, width: keyframe.width, cols, rows, maxiter: keyframe.maxiter });
        const recorder = new TraceRecorder();
        const origin = () => recorder.trace.originEpochMs;
        const result = await render(workload, {
          recorder,
          ...(options.onChunk ? { onChunk: (event: ChunkEvent) => options.onChunk!(keyframe, event, origin()) } : {}),
          ...(options.onChunkStart ? { onChunkStart: (event: ChunkStart) => options.onChunkStart!(keyframe, event, origin()) } : {}),
          backend: options.backend,
          ...(options.kernel ? { kernel: options.kernel } : {}),
          prune: options.prune ?? true,
          smooth,
          ...(chunks !== undefined ? { chunks } : {}),
          ...(options.background ? { background: true } : {}),
          signal: stop,
        });
        await store.write(keyframe, result.counts, stop, result.smooth);
        const ms = performance.now() - begun;
        keyframeMs.set(keyframe.index, ms);
        options.onKeyframe?.({ keyframe, reused: false, ms, done: ++done, total });
        settle.resolve();
      } catch (error) {
        settle.reject(error);
        controller.abort(); // no point rendering keyframes past one that failed
        throw error;
      }
    }
  };
  const rendering = Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? 1, queue.length)) }, worker));
  rendering.catch(() => {});
  const encoder = new Encoder(options.output, cols, rows, options.fps);
  try {
    await writeFrames(plan, { ...options, smooth }, store, ready, encoder, stop);
    await rendering;
    await encoder.finish();
  } catch (error) {
    controller.abort();
    await encoder.abort();
    await rendering.catch(() => undefined); // every render stopped before the caller hears of it
    if (signal?.aborted) throw new AbortError();
    throw error;
  }
  return { plan, rendered: queue.length, reused, keyframeMs, wallMs: performance.now() - started, keyframesDir };
}

/** Every frame in order, each as soon as its keyframes are stored; two keyframes' pictures held at a time. */
async function writeFrames(
  plan: MoviePlan,
  options: MovieOptions,
  store: KeyframeStore,
  ready: ReadonlyMap<number, Promise<void>>,
  encoder: Encoder,
  signal: AbortSignal,
): Promise<void> {
  const { cols, rows } = options;
  const last = plan.keyframes.length - 1;
  const pictures = new Map<number, Picture>();
  const picture = async (index: number): Promise<Picture> => {
    let found = pictures.get(index);
    if (!found) {
      await ready.get(index);
      if (signal.aborted) throw new AbortError();
      const keyframe = plan.keyframes[index]!;
      const stored = await store.read(index, options.smooth);
      const rgba = colourise(stored.counts, keyframe.maxiter, options.colormap ?? 'viridis', options.scale ?? 'bands', {
        ...(stored.smooth ? { smooth: stored.smooth } : {}),
        ...(options.density !== undefined ? { density: options.density } : {}),
        ...(options.offset !== undefined ? { offset: options.offset } : {}),
      });
      found = { rgba, cols, rows };
      pictures.set(index, found);
      for (const old of pictures.keys()) if (old < index - 1) pictures.delete(old);
    }
    return found;
  };
  const frame = new Uint8Array(cols * rows * 4);
  for (let i = 0; i < plan.frames; i++) {
    if (signal.aborted) throw new AbortError();
    const z = frameZoom(i, plan.frames, plan.depth);
    const k = Math.min(last, Math.floor(z));
    const outer = await picture(k);
    const inner = k < last ? await picture(k + 1) : undefined;
    composeFrame(outer, inner, z - k, frame);
    await encoder.write(frame, signal);
    options.onFrame?.(i + 1, plan.frames);
  }
}
