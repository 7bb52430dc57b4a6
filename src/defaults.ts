/**
 * The defaults a person sees in `--help`, apart from the modules that use them, so that
 * printing the help loads no validation library, no worker pool and no Redis client.
 */
import { SCALES } from '../web/scale.js';

/** The tutorial's default size (`--size`): a grid of 500 × 500 points. */
export const DEFAULT_SIZE = 1000;
/** The tutorial's iteration limit. */
export const DEFAULT_MAXITER = 1000;
/** The Benchmarks Game's mandelbrot iterates 50 times. */
export const BENCHMARKS_GAME_MAXITER = 50;
/** The tutorial's region: x1, x2, y1, y2 = -2.13, 0.77, -1.3, 1.3. */
export const TUTORIAL_REGION = Object.freeze({ x1: -2.13, x2: 0.77, y1: -1.3, y2: 1.3 });

/**
 * Interleaved rows by default: every chunk samples the whole image, so chunks cost about
 * the same whatever the region (contiguous bands of a zoom can differ a hundredfold).
 */
export const DEFAULT_SCHEDULE = 'interleaved' as const;

/**
 * The default sweep of `mandel bench`: the tutorial's workload, brute force with the js
 * kernel (the one whose work is worth sharing), serial against 1, 2 and 4 threads, on the
 * default schedule and on contiguous bands, the tutorial's own split.
 */
export const BENCH_DEFAULTS = {
  size: DEFAULT_SIZE,
  maxiter: DEFAULT_MAXITER,
  backends: ['serial', 'threads'] as ('serial' | 'threads')[],
  workers: [1, 2, 4],
  chunks: ['auto'] as (number | 'auto')[],
  schedules: [DEFAULT_SCHEDULE, 'contiguous'] as ('contiguous' | 'interleaved' | 'tiles')[],
  kernels: ['js'],
  prune: false,
  reps: 3,
};

/** The built-in backends, by name. */
export const BACKENDS = ['threads', 'serial', 'cluster'] as const;
export type BackendName = (typeof BACKENDS)[number];
export const DEFAULT_BACKEND: BackendName = 'threads';

/** Colour maps, scales and 3D heights of the outputs. */
export const COLORMAPS = ['viridis', 'magma', 'inferno', 'turbo', 'grey', 'hot'] as const;
export type ColormapName = (typeof COLORMAPS)[number];
/**
 * How counts map to colours (web/scale.js, shared with the explorer). `log` and `linear`
 * stretch from the lowest count in the view to maxiter (a zoom whose every point takes 300
 * iterations still uses the whole map); `histogram` gives each colour an equal share of the
 * escaped points, whatever maxiter; `bands` cycles every 128 iterations; `auto` (the default)
 * takes log, or histogram where log would crowd the view into a sliver of the map. Points in
 * the set (count = maxiter) are black in every scale.
 */
export { SCALES };
export type Scale = (typeof SCALES)[number];
export const SURFACE_HEIGHTS = ['log', 'linear'] as const;
export type SurfaceHeight = (typeof SURFACE_HEIGHTS)[number];

/** The cluster's key prefix, result lifetime and per-chunk iteration limit. */
export const DEFAULT_PREFIX = 'mandel';
/** Seconds render keys live; long enough for a render submitted while no worker runs. */
export const DEFAULT_TTL_SECONDS = 24 * 3600;
/**
 * The most iterations one chunk may cost (points × maxiter) unless a worker's operator allows
 * more: about 20 s of the native kernel, 5 min of the js one. A job cannot hold a thread for hours.
 */
export const DEFAULT_MAX_CHUNK_ITERATIONS = 1e11;
