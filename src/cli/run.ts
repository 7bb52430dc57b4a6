/**
 * `mandel run`: render one workload and print what the tutorial printed (elements,
 * seconds, the validation sum), plus iterations and iterations/s; write the outputs asked.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { BACKENDS, DEFAULT_BACKEND, type BackendName } from '../defaults.js';
import { textWidth, wrap } from '../format.js';
import type { Backend } from '../backends/types.js';
import { prepareKernel } from './kernels.js';
import {
  addComputeOptions,
  addOutputOptions,
  addWorkloadOptions,
  buildWorkload,
  outputOptions,
  type ComputeFlags,
  type OutputFlags,
  type WorkloadFlags,
} from './options.js';
import { positiveInteger } from './parse.js';
import { createProgress } from './progress.js';
import { bitmapJsonReport, bitmapTextReport, jsonReport, textReport } from './report.js';

interface RunFlags extends WorkloadFlags, ComputeFlags, OutputFlags {
  backend: BackendName;
  workers?: number;
  redis?: string;
  profileMemory?: boolean;
  explain?: boolean;
  progress: boolean;
}

export function runCommand(signal: AbortSignal): Command {
  const command = new Command('run').description('render the Mandelbrot set once, timed, and write the outputs asked for');
  addWorkloadOptions(command);
  command
    .addOption(new Option('--backend <name>', 'where chunks run').choices(BACKENDS).default(DEFAULT_BACKEND))
    .option(
      '-w, --workers <n>',
      'threads of the threads backend (default: available parallelism, started only if the work needs them)',
      positiveInteger(2),
    )
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

async function runAction(flags: RunFlags, signal: AbortSignal): Promise<number> {
  // The library loads here, not when the command line is parsed (`mandel --help` stays light),
  // and only what this run uses: the encoders (PNG, colour maps) and the analyses cost tens of
  // milliseconds of module loading, more than the default workload's compute.
  const outputs = outputOptions(flags); // every path checked now, not after minutes of compute
  // Files besides the bitmap: they are written from a render of counts (writeOutputs).
  const otherFiles = (['png', 'npy', 'smooth', 'surface', 'trace', 'timeline'] as const).some((kind) => outputs[kind] !== undefined);
  const writesFiles = otherFiles || outputs.pbm !== undefined;
  // A bitmap is all that is asked for: render one bit a point, never the counts (bitmap.ts).
  const bitmapOnly =
    outputs.pbm !== undefined && !otherFiles && !flags.profileMemory && flags.backend !== 'cluster' && flags.schedule !== 'tiles';
  const { kernelName, moduleUrls } = await prepareKernel(flags);
  // Without --workers the pool is sized to the work: this thread computes first and starts the
  // threads only when the rest of the work would outlast their start (ThreadsBackend's
  // sizeToWork) — the default workload is done before they could boot. With --workers (or kernel
  // modules, which load on the threads only) they boot now, on the other cores, while this one
  // loads the rest of the library and builds the workload.
  const early = flags.backend === 'threads' ? await threadsBackend(flags.workers, moduleUrls) : undefined;
  try {
    const [{ render }, { PHASE, TraceRecorder }, outputModule, memoryModule, explainModule] = await Promise.all([
      import('../render.js'),
      import('../trace.js'),
      writesFiles && !bitmapOnly ? import('../outputs/index.js') : undefined,
      flags.profileMemory ? import('../memory.js') : undefined,
      flags.explain ? import('../analysis/explain.js') : undefined,
    ]);
    const workload = await buildWorkload(flags, { bitsOnly: bitmapOnly });
    const recorder = new TraceRecorder({ memory: flags.profileMemory ?? false });
    const progress = createProgress(flags.progress && !flags.json, 'computing');
    const explainTrace = (result: { kernel: string; backend: string; workers: number }) =>
      explainModule?.explain(recorder.trace, {
        kernel: result.kernel,
        backend: result.backend,
        workers: result.workers,
        cores: availableParallelism(),
      });
    const print = (json: object, text: string, explanation: ReturnType<typeof explainTrace>) => {
      if (flags.json) {
        process.stdout.write(
          JSON.stringify(explanation ? { ...json, explanation: { ...explanation.parts, advice: explanation.advice } } : json) + '\n',
        );
      } else {
        process.stdout.write(text);
        if (explanation) process.stdout.write(`\n${wrap(explanation.text, textWidth())}\n`);
      }
    };
    // What both routes share: where the chunks run, how they are cut, progress on one recorder.
    const shared = {
      ...(early ? { backend: early } : { backend: flags.backend, workers: flags.workers, kernelModules: moduleUrls }),
      chunks: flags.chunks,
      schedule: flags.schedule,
      prune: flags.prune,
      signal,
      recorder,
      onProgress: (done: number, total: number) => progress.update(done, total),
    };
    // The progress bar stops after the render; a pool started here stops then, traced as
    // render() traces stopping a pool it started itself.
    const rendered = async <T>(run: () => Promise<T>): Promise<T> => {
      let result: T;
      try {
        result = await run();
      } finally {
        progress.stop();
      }
      if (early) await recorder.phase(PHASE.stopWorkers, () => early.close());
      return result;
    };
    if (bitmapOnly && !workload.deep) {
      const path = outputs.pbm!;
      const [{ renderBitmap, bitmapPbm }, { writeOutput }] = await Promise.all([import('../bitmap.js'), import('../outputs/write.js')]);
      const result = await rendered(() => renderBitmap(workload, { ...shared, kernel: kernelName }));
      const bytes = await recorder.phase(PHASE.encodePbm, () => writeOutput(path, bitmapPbm(result), signal));
      const context = { kernelChoice: flags.kernel, files: [{ kind: 'pbm' as const, path, bytes }] };
      print(bitmapJsonReport(result, context), bitmapTextReport(result, context), explainTrace(result));
      return 0;
    }
    const result = await rendered(() =>
      render(workload, {
        ...shared,
        redis: flags.redis,
        smooth: flags.smooth !== undefined,
        // A deep view has one kernel so far (render() refuses another by name): auto means it.
        kernel: workload.deep && flags.kernel === 'auto' ? 'auto' : kernelName,
        onNote: (note) => process.stderr.write(`mandel: ${note}\n`),
      }),
    );
    // A deep view asked for a bitmap alone renders counts: the encoders load only now.
    const encoders = outputModule ?? (writesFiles ? await import('../outputs/index.js') : undefined);
    const files = encoders ? await encoders.writeOutputs(result, { ...outputs, signal }, recorder) : [];
    const representations = memoryModule?.measureRepresentations(result.rows, result.cols, result.maxiter);
    const context = { kernelChoice: flags.kernel, files, representations };
    print(jsonReport(result, context), textReport(result, context), explainTrace(result));
    return 0;
  } finally {
    await early?.close(); // after a failure; a second close does nothing
  }
}

/** The threads backend for this run: sized to the work, or its threads starting (not awaited: render() waits, and reports a failure). */
async function threadsBackend(workers: number | undefined, kernelModules: readonly string[]): Promise<Backend> {
  const { ThreadsBackend } = await import('../backends/threads.js');
  if (workers === undefined && kernelModules.length === 0) return new ThreadsBackend({ sizeToWork: true });
  const backend = new ThreadsBackend({ workers, kernelModules });
  backend.start().catch(() => {});
  return backend;
}
