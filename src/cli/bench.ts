/**
 * `mandel bench`: the sweep, its table, the Amdahl fit, the explanation, and optionally the
 * HTML report and its charts as SVG files. Lists are comma-separated.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { describeFit } from '../analysis/amdahl.js';
import { textWidth, wrap } from '../format.js';
import type { BenchPoint } from '../analysis/bench.js';
import { BENCH_DEFAULTS } from '../defaults.js';
import { InvalidOptionError } from '../errors.js';
import { checkOutputDirectory, checkOutputPath, ensureDirectory, writeOutput } from '../outputs/write.js';
import { SCHEDULES, type Schedule } from '../plan.js';
import { viewFromFlags } from './options.js';
import { positiveInteger } from './parse.js';

const list =
  <T>(parse: (item: string) => T) =>
  (text: string): T[] => {
    const items = text.split(',').map((item) => item.trim());
    if (items.length === 0 || items.some((item) => item === '')) throw new InvalidArgumentError('expected a comma-separated list.');
    return items.map(parse);
  };
const chunkItem = (item: string): number | 'auto' => (item === 'auto' ? 'auto' : positiveInteger(16)(item));
const scheduleItem = (item: string): Schedule => {
  if (!(SCHEDULES as readonly string[]).includes(item)) throw new InvalidArgumentError(`expected schedules among ${SCHEDULES.join(', ')}.`);
  return item as Schedule;
};
const backendItem = (item: string): 'serial' | 'threads' => {
  if (item !== 'serial' && item !== 'threads')
    throw new InvalidArgumentError('expected backends among serial, threads (the sweep runs on this machine).');
  return item;
};

interface BenchFlags {
  size: number;
  center?: string;
  zoom?: string;
  width?: number;
  height?: number;
  maxiter: number;
  backends: ('serial' | 'threads')[];
  workers: number[];
  chunks: (number | 'auto')[];
  schedules: Schedule[];
  kernels: string[];
  prune?: boolean;
  reps: number;
  report?: string;
  charts?: string;
  json?: boolean;
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('sweep backends × workers × chunks × schedules × kernels; table, Amdahl fit, explanation, report')
    .option('-s, --size <n>', "the tutorial's size", positiveInteger(1000), BENCH_DEFAULTS.size)
    .option('-m, --maxiter <n>', 'iteration limit', positiveInteger(1000), BENCH_DEFAULTS.maxiter)
    .option('--center <re,im>', 'sweep a view centred here instead (with --zoom; deep views by perturbation)')
    .option('--zoom <width>', "the view's width in the complex plane (e.g. 1e-100)")
    .option('--width <n>', 'points per row of the view (default 512)', positiveInteger(512))
    .option('--height <n>', 'rows of the view (default 384)', positiveInteger(384))
    .option('--backends <list>', 'serial,threads', list(backendItem), [...BENCH_DEFAULTS.backends])
    .option('--workers <list>', 'thread counts', list(positiveInteger(2)), [...BENCH_DEFAULTS.workers])
    .option('--chunks <list>', 'chunk counts, or auto', list(chunkItem), [...BENCH_DEFAULTS.chunks])
    .option('--schedules <list>', SCHEDULES.join(','), list(scheduleItem), [...BENCH_DEFAULTS.schedules])
    .option('--kernels <list>', 'kernels (js by default: the one with work worth sharing)', list(String), [...BENCH_DEFAULTS.kernels])
    .option('--prune', 'prune (default: brute force, so every run does the same work)')
    .option('--reps <n>', 'runs per point; the median is kept', positiveInteger(3), BENCH_DEFAULTS.reps)
    .option('--report <file.html>', 'write the HTML report (self-contained, offline)')
    .option('--charts <dir>', 'write the charts as SVG files')
    .option('--json', 'print the whole result as one JSON object')
    .action(async (flags: BenchFlags, self: Command) => {
      const { getDeepKernel, getKernel } = await import('../kernels/registry.js');
      const { runBench } = await import('../analysis/bench.js');
      const workload = await viewOf(flags);
      // Unknown names (or, for a deep view, kernels without perturbation) fail before any run.
      for (const kernel of flags.kernels) (workload?.deep ? getDeepKernel : getKernel)(kernel);
      if (flags.report) checkOutputPath(flags.report, 'report', '--report');
      if (flags.charts) checkOutputDirectory(flags.charts, '--charts');
      const row = (p: BenchPoint) =>
        `${p.backend.padEnd(8)} ${p.kernel.padEnd(7)} ${String(p.workers).padStart(7)}  ${p.schedule.padEnd(12)} ${String(p.chunks).padStart(6)} ${p.medianMs.toFixed(1).padStart(10)} ${p.startupMs.toFixed(1).padStart(11)} ${p.speedup.toFixed(2).padStart(9)} ${p.efficiency.toFixed(2).padStart(11)} ${(p.karpFlatt === null ? '' : p.karpFlatt.toFixed(3)).padStart(11)}`;
      if (!flags.json) {
        process.stdout.write(
          `mandel bench: ${workload ? `--center ${flags.center} --zoom ${flags.zoom} (${workload.re.count} × ${workload.im.count})` : `--size ${flags.size}`}, maxiter ${flags.maxiter}, ${workload?.deep ? (flags.prune ? 'perturbation, skipping (series, BLA)' : 'perturbation, every update') : flags.prune ? 'pruned' : 'brute force'}, median of ${flags.reps}\n`,
        );
        process.stdout.write('backend  kernel  workers  schedule     chunks  median ms  start-up ms  speed-up  efficiency  Karp–Flatt\n');
      }
      const result = await runBench({
        size: flags.size,
        ...(workload ? { workload } : {}),
        maxiter: flags.maxiter,
        backends: flags.backends,
        workers: flags.workers,
        chunks: flags.chunks,
        schedules: flags.schedules,
        kernels: flags.kernels,
        prune: flags.prune ?? BENCH_DEFAULTS.prune,
        reps: flags.reps,
        onPoint: (point) => flags.json || process.stdout.write(row(point) + '\n'),
      });
      const files: string[] = [];
      if (flags.report || flags.charts) {
        const { benchCharts, benchReportHtml } = await import('../outputs/report.js');
        const charts = benchCharts(result);
        if (flags.charts) {
          await ensureDirectory(flags.charts);
          for (const [name, svg] of Object.entries(charts)) {
            const file = join(flags.charts, `${name}.svg`);
            await writeOutput(file, svg);
            files.push(file);
          }
        }
        if (flags.report) {
          await writeOutput(flags.report, benchReportHtml(result, charts));
          files.push(flags.report);
        }
      }
      if (flags.json) {
        process.stdout.write(
          JSON.stringify({
            ...result,
            // amdahl.serialFraction (and the rest of the fit) for the first kernel; every kernel under byKernel.
            amdahl: { ...(result.amdahl[flags.kernels[0]!] ?? {}), byKernel: result.amdahl },
            files,
            timeline: undefined,
            explanation: {
              ...result.explanation.parts,
              advice: result.explanation.advice,
              text: result.explanation.text,
              config: result.explanation.config,
            },
          }) + '\n',
        );
      } else {
        const lines = [''];
        for (const [kernel, fit] of Object.entries(result.amdahl)) {
          lines.push(
            fit
              ? `Amdahl fit (${kernel}): ${describeFit(fit, result.amdahlByRep[kernel] ?? [])}`
              : `Amdahl fit (${kernel}): no multi-worker points`,
          );
        }
        if (result.machine.busy) lines.push(`Warning: ${result.machine.warning}.`);
        lines.push(`Caveat: ${result.caveat}`, '', `Where the time went (${result.explanation.config}): ${result.explanation.text}`);
        for (const file of files) lines.push(`Wrote ${file}`);
        process.stdout.write(wrap(lines.join('\n'), textWidth()) + '\n');
      }
      self.setOptionValue('exitCode', 0);
    });
}

/** The view of --center/--zoom, if given: what the sweep renders instead of the tutorial's grid. */
async function viewOf(flags: BenchFlags) {
  if (flags.center === undefined && flags.zoom === undefined) {
    if (flags.width !== undefined || flags.height !== undefined)
      throw new InvalidOptionError('--width and --height go with --center and --zoom');
    return undefined;
  }
  if (flags.center === undefined || flags.zoom === undefined) throw new InvalidOptionError('--center and --zoom go together');
  return viewFromFlags(flags.center, flags.zoom, { cols: flags.width ?? 512, rows: flags.height ?? 384, maxiter: flags.maxiter });
}
