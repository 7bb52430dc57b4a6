/**
 * `mandel run`: render one workload and print what the tutorial printed (elements,
 * seconds, the validation sum), plus iterations and iterations/s; write the outputs asked.
 */
import { availableParallelism } from 'node:os';
import { Command, Option } from 'commander';
import { BACKENDS, DEFAULT_BACKEND, type BackendName } from '../defaults.js';
import { textWidth, wrap } from '../format.js';
import type { Backend } from '../backends/types.js';
import type { RenderResult } from '../result.js';
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
import { jsonReport, textReport } from './report.js';

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
    .option('-w, --workers <n>', 'threads of the threads backend (default: available parallelism)', positiveInteger(2))
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
  const writesFiles = (['png', 'npy', 'pbm', 'surface', 'trace', 'timeline'] as const).some((kind) => outputs[kind] !== undefined);
  const { kernelName, moduleUrls } = await prepareKernel(flags);
  // The pool's threads boot on the other cores while this one loads the rest of the library
  // and builds the workload: ~80 ms of the default command's ~0.3 s were spent waiting for
  // them. render() then only waits for what is left of their start ("start workers").
  const early = flags.backend === 'threads' ? await startThreads(flags.workers, moduleUrls) : undefined;
  try {
    const [{ render }, { PHASE, TraceRecorder }, outputModule, memoryModule, explainModule] = await Promise.all([
      import('../render.js'),
      import('../trace.js'),
      writesFiles ? import('../outputs/index.js') : undefined,
      flags.profileMemory ? import('../memory.js') : undefined,
      flags.explain ? import('../analysis/explain.js') : undefined,
    ]);
    const workload = await buildWorkload(flags);
    const recorder = new TraceRecorder({ memory: flags.profileMemory ?? false });
    const progress = createProgress(flags.progress && !flags.json, 'computing');
    let result: RenderResult;
    try {
      result = await render(workload, {
        ...(early ? { backend: early } : { backend: flags.backend, workers: flags.workers, kernelModules: moduleUrls }),
        redis: flags.redis,
        chunks: flags.chunks,
        schedule: flags.schedule,
        // A deep view has one kernel so far (render() refuses another by name): auto means it.
        kernel: workload.deep && flags.kernel === 'auto' ? 'auto' : kernelName,
        prune: flags.prune,
        signal,
        recorder,
        onProgress: (done, total) => progress.update(done, total),
        onNote: (note) => process.stderr.write(`mandel: ${note}\n`),
      });
    } finally {
      progress.stop();
    }
    // As render() traces stopping a pool it started itself.
    if (early) await recorder.phase(PHASE.stopWorkers, () => early.close());
    const files = outputModule ? await outputModule.writeOutputs(result, { ...outputs, signal }, recorder) : [];
    const representations = memoryModule?.measureRepresentations(result.rows, result.cols, result.maxiter);
    const explanation = explainModule?.explain(recorder.trace, {
      kernel: result.kernel,
      backend: result.backend,
      workers: result.workers,
      cores: availableParallelism(),
    });
    const context = { kernelChoice: flags.kernel, files, representations };
    if (flags.json) {
      const report = jsonReport(result, context);
      process.stdout.write(
        JSON.stringify(explanation ? { ...report, explanation: { ...explanation.parts, advice: explanation.advice } } : report) + '\n',
      );
    } else {
      process.stdout.write(textReport(result, context));
      if (explanation) process.stdout.write(`\n${wrap(explanation.text, textWidth())}\n`);
    }
    return 0;
  } finally {
    await early?.close(); // after a failure; a second close does nothing
  }
}

/** A threads backend, its threads starting (not awaited: render() waits, and reports a failure). */
async function startThreads(workers: number | undefined, kernelModules: readonly string[]): Promise<Backend> {
  const { createBackend } = await import('../create-backend.js');
  const backend = await createBackend('threads', { workers, kernelModules });
  backend.start?.().catch(() => {});
  return backend;
}
