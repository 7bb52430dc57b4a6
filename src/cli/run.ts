/**
 * `mandel run`: render one workload and print what the tutorial printed (elements,
 * seconds, the validation sum), plus iterations and iterations/s; write the outputs asked.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { explain } from '../analysis/explain.js';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { getKernel, resolveAuto } from '../kernels/registry.js';
import { InvalidOptionError } from '../errors.js';
import { measureRepresentations } from '../memory.js';
import { COLORMAPS, SCALES, type ColormapName, type Scale } from '../outputs/colormap.js';
import { writeOutputs, type OutputOptions, type WrittenFile } from '../outputs/index.js';
import { SCHEDULES, type Schedule } from '../plan.js';
import { BACKENDS, DEFAULT_SCHEDULE, render, type BackendName, type RenderResult } from '../render.js';
import { TraceRecorder } from '../trace.js';
import { DEFAULT_MAXITER, DEFAULT_SIZE, gridWorkload, TUTORIAL_REGION, tutorialWorkload, type Region, type Workload } from '../workload.js';
import { grouped, rate, signedBytes } from './format.js';
import { positiveInteger, positiveNumber, region, svgFile } from './parse.js';
import { createProgress } from './progress.js';

export interface WorkloadFlags {
  size?: number;
  maxiter?: number;
  maxiterations?: number;
  width?: number;
  height?: number;
  region?: Region;
  maxMemory?: number;
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
  counts?: string;
  plot3d?: string | boolean;
  plot3D?: string | boolean;
  trace?: string;
  timeline?: string;
  json?: boolean;
}

interface RunFlags extends WorkloadFlags, ComputeFlags, OutputFlags {
  backend: BackendName;
  workers?: number;
  redis?: string;
  profileMemory?: boolean;
  explain?: boolean;
  progress: boolean;
}

const DEFAULT_SURFACE_FILE = 'mandelbrot-3d.html';

/** commander's accumulator for a repeatable option. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** --size … --region, --maxiter, --max-memory: what to render. */
export function addWorkloadOptions(command: Command): Command {
  return command
    .option('-s, --size <n>', `the tutorial's size: a grid of about n/2 × n/2 points (default ${DEFAULT_SIZE})`, positiveInteger)
    .option('-m, --maxiter <n>', `iteration limit (default ${DEFAULT_MAXITER})`, positiveInteger)
    .addOption(new Option('--maxiterations <n>', "the tutorial's spelling of --maxiter").argParser(positiveInteger))
    .option('--width <n>', 'a general render: points per row (with --height)', positiveInteger)
    .option('--height <n>', 'a general render: rows (with --width)', positiveInteger)
    .option('--region <x1,x2,y1,y2>', 'real part x1..x2, imaginary part y1..y2 (default -2.13,0.77,-1.3,1.3)', region)
    .option('--max-memory <MB>', 'refuse renders whose memory estimate exceeds this (default 4096)', positiveNumber);
}

/** --chunks, --schedule, --kernel, --no-prune, --kernel-module: how to split and compute it. */
export function addComputeOptions(command: Command): Command {
  return command
    .option('--chunks <n>', 'how many chunks to split the work into (default: 4 per worker, more for big renders)', positiveInteger)
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
    .addOption(new Option('--scale <kind>', 'how counts map to colours').choices(SCALES).default('log'))
    .option('--counts <file.npy>', 'write the counts as a NumPy int32 array, rows × cols')
    .option('--plot3d [file.html]', `write an interactive 3D surface (default file ${DEFAULT_SURFACE_FILE})`)
    .option('--plot3D [file.html]', "the tutorial's spelling of --plot3d")
    .option('--trace <file.json>', 'write the trace: phases and, per chunk, worker, queued/start/end times, bytes moved')
    .option('--timeline <file.svg>', 'draw the worker timeline, one lane per worker', svgFile)
    .option('--json', 'print one JSON object instead of text');
}

export function runCommand(signal: AbortSignal): Command {
  const command = new Command('run').description('render the Mandelbrot set once, timed, and write the outputs asked for');
  addWorkloadOptions(command);
  command
    .addOption(new Option('--backend <name>', 'where chunks run').choices(BACKENDS).default('threads'))
    .option('-w, --workers <n>', 'threads of the threads backend (default: available parallelism)', positiveInteger)
    .option('--redis <url>', "the cluster backend's Redis (default: $REDIS_URL)", process.env.REDIS_URL);
  addComputeOptions(command);
  addOutputOptions(command);
  return command
    .option('--profile-memory', 'measure memory per phase and per representation')
    .option('--explain', 'split the wall time from the trace (start-up, work, imbalance, hand-over, output) and say what would help')
    .option('--no-progress', 'never draw a progress bar')
    .action(async (flags: RunFlags, self: Command) => {
      const code = await runAction(flags, signal);
      self.setOptionValue('exitCode', code);
    });
}

export function buildWorkload(flags: WorkloadFlags): Workload {
  if (flags.maxiter !== undefined && flags.maxiterations !== undefined && flags.maxiter !== flags.maxiterations) {
    throw new InvalidOptionError('--maxiter and --maxiterations disagree; give one of them');
  }
  const maxiter = flags.maxiter ?? flags.maxiterations ?? DEFAULT_MAXITER;
  const common = {
    maxiter,
    region: flags.region ?? TUTORIAL_REGION,
    ...(flags.maxMemory !== undefined ? { maxMemoryBytes: flags.maxMemory * 2 ** 20 } : {}),
  };
  const general = flags.width !== undefined || flags.height !== undefined;
  if (general) {
    if (flags.size !== undefined) throw new InvalidOptionError('--size builds the tutorial grid; use it or --width/--height, not both');
    if (flags.width === undefined || flags.height === undefined) throw new InvalidOptionError('--width and --height go together');
    return gridWorkload({ width: flags.width, height: flags.height, ...common });
  }
  return tutorialWorkload({ size: flags.size ?? DEFAULT_SIZE, ...common });
}

function surfacePath(flags: OutputFlags): string | undefined {
  const value = flags.plot3d ?? flags.plot3D;
  if (value === undefined || value === false) return undefined;
  return value === true ? DEFAULT_SURFACE_FILE : value;
}

/** Imports --kernel-module files here (they register kernels); returns their URLs for the workers. */
export async function loadKernelModules(files: readonly string[]): Promise<string[]> {
  const urls = files.map((file) => pathToFileURL(resolve(file)).href);
  for (const url of urls) {
    try {
      await import(url);
    } catch (error) {
      throw new InvalidOptionError(`--kernel-module ${url}: cannot load it: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return urls;
}

/** Loads --kernel-module files, resolves `auto` (saying what it passed over), checks the name. */
export async function prepareKernel(flags: ComputeFlags & { json?: boolean }): Promise<{ kernelName: string; moduleUrls: string[] }> {
  const moduleUrls = await loadKernelModules(flags.kernelModule);
  let kernelName = flags.kernel;
  if (kernelName === 'auto') {
    const auto = resolveAuto();
    kernelName = auto.kernel.name;
    // Say once why a faster kernel was passed over (an addon that did not build, say).
    if (!flags.json)
      for (const { name, reason } of auto.skipped)
        process.stderr.write(`mandel: ${name} kernel unavailable (${reason}); auto uses ${kernelName}\n`);
  } else {
    getKernel(kernelName); // an unknown name fails here, before any thread starts
  }
  return { kernelName, moduleUrls };
}

async function runAction(flags: RunFlags, signal: AbortSignal): Promise<number> {
  const workload = buildWorkload(flags);
  const { kernelName, moduleUrls } = await prepareKernel(flags);
  const recorder = new TraceRecorder({ memory: flags.profileMemory ?? false });
  const progress = createProgress(flags.progress && !flags.json, 'computing');
  let result: RenderResult;
  try {
    result = await render(workload, {
      backend: flags.backend,
      workers: flags.workers,
      redis: flags.redis,
      chunks: flags.chunks,
      schedule: flags.schedule,
      kernel: kernelName,
      prune: flags.prune,
      kernelModules: moduleUrls,
      signal,
      recorder,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
  }
  const files = await writeOutputs(result, outputOptions(flags), recorder);
  const representations = flags.profileMemory ? measureRepresentations(result.rows, result.cols, result.maxiter) : undefined;
  const explanation = flags.explain
    ? explain(recorder.trace, { kernel: result.kernel, backend: result.backend, workers: result.workers, cores: availableParallelism() })
    : undefined;
  if (flags.json) {
    const report = jsonReport(flags, result, files, recorder, representations);
    process.stdout.write(
      JSON.stringify(explanation ? { ...report, explanation: { ...explanation.parts, advice: explanation.advice } } : report) + '\n',
    );
  } else {
    process.stdout.write(textReport(flags, result, files, recorder, representations));
    if (explanation) process.stdout.write(`\n${explanation.text}\n`);
  }
  return 0;
}

export function outputOptions(flags: OutputFlags): OutputOptions {
  return {
    png: flags.out,
    colormap: flags.colormap,
    scale: flags.scale,
    npy: flags.counts,
    surface: surfacePath(flags),
    trace: flags.trace,
    timeline: flags.timeline,
  };
}

export function jsonReport(
  flags: { kernel: string },
  result: RenderResult,
  files: WrittenFile[],
  recorder: TraceRecorder,
  representations?: ReturnType<typeof measureRepresentations>,
) {
  const seconds = result.computeMs / 1000;
  return {
    elements: result.elements,
    rows: result.rows,
    cols: result.cols,
    maxiter: result.maxiter,
    sum: result.sum,
    iterations: result.iterations,
    bruteForceIterations: result.bruteForceIterations,
    skippedIterations: result.bruteForceIterations - result.iterations,
    seconds,
    iterationsPerSecond: result.iterations / seconds,
    backend: result.backend,
    kernel: result.kernel,
    kernelChoice: flags.kernel,
    prune: result.prune,
    workers: result.workers,
    chunks: result.chunks,
    files,
    phases: recorder.trace.phases,
    ...(representations ? { representations } : {}),
  };
}

export function textReport(
  flags: { kernel: string },
  result: RenderResult,
  files: WrittenFile[],
  recorder: TraceRecorder,
  representations?: ReturnType<typeof measureRepresentations>,
): string {
  const seconds = result.computeMs / 1000;
  const lines = [
    `Length of x: ${result.cols}`,
    `Total elements: ${result.elements}`,
    `${result.backend} backend, ${result.kernel} kernel${flags.kernel === 'auto' ? ' (auto)' : ''}, ${result.workers} worker${result.workers === 1 ? '' : 's'}: compute took ${seconds.toFixed(3)} seconds`,
    `Total iterations: ${grouped(result.iterations)} (${rate(result.iterations / seconds)} iterations/s)` +
      (result.prune
        ? `; pruning skipped ${grouped(result.bruteForceIterations - result.iterations)} of ${grouped(result.bruteForceIterations)}`
        : ''),
    `Total sum of elements (for validation): ${result.sum}`,
  ];
  for (const file of files) lines.push(`Wrote ${file.path} (${file.kind}, ${grouped(file.bytes)} bytes)`);
  if (representations) {
    lines.push('', 'Memory per phase (after − before)       heap        array buffers   RSS            time');
    for (const phase of recorder.trace.phases) {
      const delta = phase.memoryDelta;
      if (!delta) continue;
      lines.push(
        `  ${phase.name.padEnd(36)} ${signedBytes(delta.heapUsed).padStart(11)} ${signedBytes(delta.arrayBuffers).padStart(14)} ${signedBytes(delta.rss).padStart(13)} ${(phase.endMs - phase.startMs).toFixed(1).padStart(9)} ms`,
      );
    }
    lines.push('', `Bytes per point, ${grouped(result.elements)} points                                    lower bound   measured`);
    for (const cost of representations) {
      lines.push(
        `  ${cost.name.padEnd(72)} ${cost.lowerBoundBytesPerElement.toFixed(3).padStart(10)} ${cost.measuredBytesPerElement.toFixed(3).padStart(10)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}
