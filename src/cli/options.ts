/**
 * The flags that several commands share, each group built in one place: what to render
 * (run, submit), how to split and compute it (run, submit), what to write (run, result),
 * and where Redis is (worker, submit, status, result); and the typed values they become.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { InvalidOptionError } from '../errors.js';
import {
  BENCHMARKS_GAME_MAXITER,
  COLORMAPS,
  DEFAULT_MAXITER,
  DEFAULT_PREFIX,
  DEFAULT_SCHEDULE,
  DEFAULT_SIZE,
  SCALES,
  SURFACE_HEIGHTS,
  TUTORIAL_REGION,
  type ColormapName,
  type Scale,
  type SurfaceHeight,
} from '../defaults.js';
import type { OutputOptions } from '../outputs/index.js';
import { checkOutputs } from '../outputs/write.js';
import { SCHEDULES, type Schedule } from '../plan.js';
import type { Region, Workload } from '../workload.js';
import { DENSITY_MAX, DENSITY_MIN } from '../../web/scale.js';
import { numberIn, positiveInteger, positiveNumber, region } from './parse.js';

export interface WorkloadFlags {
  size?: number;
  maxiter?: number;
  maxiterations?: number;
  width?: number;
  height?: number;
  region?: Region;
  maxMemory?: number;
  benchmarksGame?: number;
  center?: string;
  zoom?: string;
  perturbation?: boolean;
}

export interface ComputeFlags {
  chunks?: number;
  schedule: Schedule;
  kernel: string;
  prune: boolean;
  kernelModule: string[];
}

export interface OutputFlags {
  out?: string;
  colormap: ColormapName;
  scale: Scale;
  smooth?: string | boolean;
  density?: number;
  offset?: number;
  counts?: string;
  pbm?: string;
  plot3d?: string | boolean;
  plot3D?: string | boolean;
  surfaceHeight: SurfaceHeight;
  trace?: string;
  timeline?: string;
  json?: boolean;
}

export interface RedisFlags {
  redis?: string;
  prefix?: string;
  timeout: number;
  json?: boolean;
}

const DEFAULT_SURFACE_FILE = 'mandelbrot-3d.html';

/** commander's accumulator for a repeatable option. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** --size … --region, --maxiter, --max-memory: what to render. */
export function addWorkloadOptions(command: Command): Command {
  return command
    .option('-s, --size <n>', `the tutorial's size: a grid of about n/2 × n/2 points (default ${DEFAULT_SIZE})`, positiveInteger(1000))
    .option('-m, --maxiter <n>', `iteration limit (default ${DEFAULT_MAXITER})`, positiveInteger(1000))
    .addOption(new Option('--maxiterations <n>', "the tutorial's spelling of --maxiter").argParser(positiveInteger(1000)))
    .option('--width <n>', 'a general render: points per row (with --height)', positiveInteger(1024))
    .option('--height <n>', 'a general render: rows (with --width)', positiveInteger(768))
    .option('--benchmarks-game <N>', "the Benchmarks Game's grid: N × N points, 2x/N − 1.5 + (2y/N − 1)i, maxiter 50", positiveInteger(200))
    .option('--region <x1,x2,y1,y2>', 'real part x1..x2, imaginary part y1..y2 (default -2.13,0.77,-1.3,1.3)', region)
    .option('--center <re,im>', 'a view centred here (decimals of any length; with --zoom, and --width/--height, default 1024 × 768)')
    .option('--zoom <width>', "the view's width in the complex plane, down to 1e-1000 (e.g. 1e-100); past doubles' precision: perturbation")
    .option('--perturbation', 'compute a --center/--zoom view by perturbation at any depth, not only past double precision')
    .option('--max-memory <MB>', 'refuse renders whose memory estimate exceeds this (default 4096)', positiveNumber);
}

/** --chunks, --schedule, --kernel, --no-prune, --kernel-module: how to split and compute it. */
export function addComputeOptions(command: Command): Command {
  return command
    .option('--chunks <n>', 'how many chunks to split the work into (default: 4 per worker, more for big renders)', positiveInteger(16))
    .addOption(new Option('--schedule <name>', 'how rows are dealt to chunks').choices(SCHEDULES).default(DEFAULT_SCHEDULE))
    .addOption(
      new Option('--kernel <name>', 'how counts are computed: auto (the fastest here), native, wasm, js, or a registered one').default(
        'auto',
      ),
    )
    .option('--no-prune', 'brute force: iterate every point (pruning skips the cardioid, the bulb and exact cycles; counts are identical)')
    .option('--kernel-module <file>', 'a module that registers kernels (repeatable); loaded here and by every worker', collect, []);
}

/** -o, --colormap, --scale, --counts, --plot3d, --trace, --timeline, --json: what to write. */
export function addOutputOptions(command: Command): Command {
  return command
    .option('-o, --out <file.png>', 'write the image as PNG')
    .addOption(new Option('--colormap <name>', 'colour map of the image').choices(COLORMAPS).default('viridis'))
    .addOption(new Option('--scale <kind>', 'how counts map to colours').choices(SCALES).default('auto'))
    .option(
      '--smooth [file.npy]',
      'colour by the continuous count μ = count + smooth fraction (no bands; counts unchanged); with a file, also write μ as NumPy float32',
    )
    .option(
      '--density <x>',
      `colours per unit of the scale: the colour map ${DENSITY_MIN}–${DENSITY_MAX} times as often (default 1)`,
      numberIn(DENSITY_MIN, DENSITY_MAX),
    )
    .option('--offset <cycles>', 'shift the colour map along, in cycles (0.5: the map run backwards; default 0)', numberIn(-1e6, 1e6))
    .option('--counts <file.npy>', 'write the counts as a NumPy int32 array, rows × cols')
    .option('--pbm <file.pbm>', 'write a bitmap (PBM P4) of the points that never escaped')
    .option('--plot3d [file.html]', `write an interactive 3D surface (default file ${DEFAULT_SURFACE_FILE})`)
    .option('--plot3D [file.html]', "the tutorial's spelling of --plot3d")
    .addOption(
      new Option('--surface-height <kind>', 'height of the 3D surface: log(1 + count) or the count')
        .choices(SURFACE_HEIGHTS)
        .default('log'),
    )
    .option('--trace <file.json>', 'write the trace: phases and, per chunk, worker, queued/start/end times, bytes moved')
    .option('--timeline <file.svg>', 'draw the worker timeline, one lane per worker')
    .option('--json', 'print one JSON object instead of text');
}

/** --redis, --prefix, --timeout: which Redis, which cluster on it, how long to wait for it. */
export function addRedisOptions(command: Command): Command {
  return command
    .option(
      '--redis <url>',
      'redis://[user:password@]host:port[/db], rediss:// for TLS, redis+cluster://host:port for a Redis Cluster (default: $REDIS_URL)',
      process.env.REDIS_URL,
    )
    .option(
      '--prefix <name>',
      `key prefix of the queue and results, for several clusters on one Redis (default ${DEFAULT_PREFIX}; {${DEFAULT_PREFIX}} on a Redis Cluster)`,
    )
    .option('--timeout <seconds>', 'how long to wait for an unreachable Redis before giving up', positiveInteger(5), 5);
}

/**
 * The workload the flags describe. Its grid is built from the flags as their parsers checked
 * them (grid.ts; a view past doubles goes through deep/view.ts), not through the library's
 * schemas: a run then loads no validation library.
 */
export async function buildWorkload(flags: WorkloadFlags, { bitsOnly = false } = {}): Promise<Workload> {
  const { benchmarksGameGrid, generalGrid, tutorialGrid, DEFAULT_MAX_MEMORY_BYTES } = await import('../grid.js');
  if (flags.maxiter !== undefined && flags.maxiterations !== undefined && flags.maxiter !== flags.maxiterations) {
    throw new InvalidOptionError('--maxiter and --maxiterations disagree; give one of them');
  }
  const maxiter = flags.maxiter ?? flags.maxiterations ?? DEFAULT_MAXITER;
  const maxMemoryBytes = flags.maxMemory !== undefined ? flags.maxMemory * 2 ** 20 : DEFAULT_MAX_MEMORY_BYTES;
  // A bitmap render (bitsOnly: `--pbm` alone) needs one bit a point, not an int32.
  const common = { maxiter, region: flags.region ?? TUTORIAL_REGION, maxMemoryBytes, bitsOnly };
  if (flags.benchmarksGame !== undefined) {
    if (flags.size !== undefined || flags.width !== undefined || flags.height !== undefined || flags.region !== undefined) {
      throw new InvalidOptionError('--benchmarks-game sets its own grid; drop --size, --width, --height and --region');
    }
    return benchmarksGameGrid({
      size: flags.benchmarksGame,
      maxiter: flags.maxiter !== undefined || flags.maxiterations !== undefined ? maxiter : BENCHMARKS_GAME_MAXITER,
      maxMemoryBytes,
      bitsOnly,
    });
  }
  if (flags.center !== undefined || flags.zoom !== undefined) {
    if (flags.center === undefined || flags.zoom === undefined) throw new InvalidOptionError('--center and --zoom go together');
    if (flags.size !== undefined || flags.region !== undefined) {
      throw new InvalidOptionError('--center/--zoom give the view; drop --size and --region');
    }
    return viewFromFlags(flags.center, flags.zoom, {
      cols: flags.width ?? 1024,
      rows: flags.height ?? 768,
      maxiter,
      perturbation: flags.perturbation ? 'always' : 'auto',
      maxMemoryBytes,
    });
  }
  if (flags.perturbation) throw new InvalidOptionError('--perturbation needs a view given by --center and --zoom');
  const general = flags.width !== undefined || flags.height !== undefined;
  if (general) {
    if (flags.size !== undefined) throw new InvalidOptionError('--size builds the tutorial grid; use it or --width/--height, not both');
    if (flags.width === undefined || flags.height === undefined) throw new InvalidOptionError('--width and --height go together');
    return generalGrid({ width: flags.width, height: flags.height, ...common });
  }
  return tutorialGrid({ size: flags.size ?? DEFAULT_SIZE, ...common });
}

/** The view of `--center RE,IM --zoom WIDTH`: `mandel run`'s and `mandel bench`'s alike. */
export async function viewFromFlags(
  center: string,
  zoom: string,
  grid: { cols: number; rows: number; maxiter: number; perturbation?: 'auto' | 'always'; maxMemoryBytes?: number },
): Promise<Workload> {
  const { viewWorkload } = await import('../deep/view.js');
  return viewWorkload({ center: centerFlag(center), width: zoom, ...grid });
}

/** `--center RE,IM` as its two decimals (checked as numbers where the view is built). */
export function centerFlag(center: string): { re: string; im: string } {
  const parts = center.split(',');
  if (parts.length !== 2) throw new InvalidOptionError(`--center takes RE,IM: two decimals and a comma (got "${center}")`);
  return { re: parts[0]!.trim(), im: parts[1]!.trim() };
}

/** The outputs the flags ask for, every path checked before any work starts. */
export function outputOptions(flags: OutputFlags): OutputOptions {
  const surface = flags.plot3d ?? flags.plot3D;
  const options = {
    png: flags.out,
    colormap: flags.colormap,
    scale: flags.scale,
    ...(typeof flags.smooth === 'string' ? { smooth: flags.smooth } : {}),
    ...(flags.density !== undefined ? { density: flags.density } : {}),
    ...(flags.offset !== undefined ? { offset: flags.offset } : {}),
    npy: flags.counts,
    pbm: flags.pbm,
    surface: surface === undefined || surface === false ? undefined : surface === true ? DEFAULT_SURFACE_FILE : surface,
    surfaceHeight: flags.surfaceHeight,
    trace: flags.trace,
    timeline: flags.timeline,
  };
  checkOutputs(options, {
    png: '--out',
    smooth: '--smooth',
    npy: '--counts',
    pbm: '--pbm',
    surface: flags.plot3D !== undefined ? '--plot3D' : '--plot3d',
    trace: '--trace',
    timeline: '--timeline',
  });
  return options;
}
