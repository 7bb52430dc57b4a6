/**
 * What `run` and `result` print about a render: the tutorial's lines (elements, seconds,
 * the validation sum) and more, as text for a person or as one JSON object for a script.
 */
import { grouped, rate, signedBytes } from '../format.js';
import type { RepresentationCost } from '../memory.js';
import type { WrittenFile } from '../outputs/index.js';
import type { BitmapResult } from '../bitmap.js';
import type { RenderResult } from '../result.js';
import { viewNotice } from '../analysis/notice.js';

export interface ReportContext {
  /** The kernel as asked (`auto`, or a name), beside the one that ran. */
  readonly kernelChoice: string;
  readonly files: readonly WrittenFile[];
  readonly representations?: readonly RepresentationCost[] | undefined;
}

export function jsonReport(result: RenderResult, context: ReportContext) {
  return {
    ...shape(result),
    sum: result.sum,
    iterations: result.iterations,
    bruteForceIterations: result.bruteForceIterations,
    skippedIterations: result.bruteForceIterations - result.iterations,
    ...how(result, context),
    ...(context.representations ? { representations: context.representations } : {}),
    notice: viewNotice(result.counts, result.workload) ?? null,
  };
}

const shape = (result: RenderResult | BitmapResult) => ({
  elements: result.elements,
  rows: result.rows,
  cols: result.cols,
  maxiter: result.maxiter,
});

/** Chunks a threads render computed on the calling thread (a pool sized to the work: ThreadsBackend's sizeToWork). */
const chunksOnMain = (result: RenderResult | BitmapResult): number =>
  result.backend === 'threads' ? result.trace.chunks.filter((event) => event.worker === 'main').length : 0;

function mainThreadNote(result: RenderResult | BitmapResult): string[] {
  const onMain = chunksOnMain(result);
  if (onMain === 0) return [];
  return onMain === result.chunks
    ? [
        `All ${onMain} chunks ran on the main thread: the work was done before the threads could have started (--workers N starts them regardless)`,
      ]
    : [`The main thread computed ${onMain} of ${result.chunks} chunks before the threads started`];
}

/** Time, rate, where it ran, what was written. */
const how = (result: RenderResult | BitmapResult, context: ReportContext) => {
  const seconds = result.computeMs / 1000;
  return {
    seconds,
    iterationsPerSecond: result.iterations / seconds,
    backend: result.backend,
    kernel: result.kernel,
    kernelChoice: context.kernelChoice,
    prune: result.prune,
    workers: result.workers,
    chunks: result.chunks,
    chunksOnMainThread: chunksOnMain(result),
    files: context.files,
    phases: result.trace.phases,
  };
};

/** The lines every run prints first: the tutorial's two, then where and how long. */
const heading = (result: RenderResult | BitmapResult, context: ReportContext): string[] => {
  // Who computed: the workers, or — a pool sized to the work that never started — this thread.
  const who =
    result.chunks > 0 && chunksOnMain(result) === result.chunks
      ? `on the main thread (${result.workers} thread${result.workers === 1 ? '' : 's'} not needed)`
      : `${result.workers} worker${result.workers === 1 ? '' : 's'}`;
  return [
    `Length of x: ${result.cols}`,
    `Total elements: ${result.elements}`,
    `${result.backend} backend, ${result.kernel} kernel${context.kernelChoice === 'auto' ? ' (auto)' : ''}, ${who}: compute took ${(result.computeMs / 1000).toFixed(3)} seconds`,
  ];
};

export function textReport(result: RenderResult, context: ReportContext): string {
  const seconds = result.computeMs / 1000;
  const lines = [
    ...heading(result, context),
    `Total iterations: ${grouped(result.iterations)} (${rate(result.iterations / seconds)} iterations/s)` +
      (result.workload.deep
        ? `; perturbation skipped ${grouped(result.bruteForceIterations - result.iterations)} of ${grouped(result.bruteForceIterations)} (series and BLA)`
        : result.prune
          ? `; pruning skipped ${grouped(result.bruteForceIterations - result.iterations)} of ${grouped(result.bruteForceIterations)}`
          : ''),
    `Total sum of elements (for validation): ${result.sum}`,
    ...mainThreadNote(result),
  ];
  const notice = viewNotice(result.counts, result.workload);
  if (notice) lines.push(`Note: ${notice.message}`);
  for (const file of context.files) lines.push(`Wrote ${file.path} (${file.kind}, ${grouped(file.bytes)} bytes)`);
  if (context.representations) {
    // Every column right-aligned under a header of the same width.
    const phaseWidth = Math.max(36, ...result.trace.phases.map((phase) => phase.name.length));
    lines.push(
      '',
      `  ${'Memory per phase (after − before)'.padEnd(phaseWidth)} ${'heap'.padStart(11)} ${'array buffers'.padStart(14)} ${'RSS'.padStart(11)} ${'time'.padStart(10)}`,
    );
    for (const phase of result.trace.phases) {
      const delta = phase.memoryDelta;
      if (!delta) continue;
      lines.push(
        `  ${phase.name.padEnd(phaseWidth)} ${signedBytes(delta.heapUsed).padStart(11)} ${signedBytes(delta.arrayBuffers).padStart(14)} ${signedBytes(delta.rss).padStart(11)} ${`${(phase.endMs - phase.startMs).toFixed(1)} ms`.padStart(10)}`,
      );
    }
    const nameWidth = Math.max(...context.representations.map((cost) => cost.name.length));
    lines.push(
      '',
      `  ${`Bytes per point, ${grouped(result.elements)} points`.padEnd(nameWidth)} ${'lower bound'.padStart(11)} ${'measured'.padStart(10)}`,
    );
    for (const cost of context.representations) {
      lines.push(
        `  ${cost.name.padEnd(nameWidth)} ${cost.lowerBoundBytesPerElement.toFixed(3).padStart(11)} ${cost.measuredBytesPerElement.toFixed(3).padStart(10)}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** A bitmap render (`--pbm` alone): no counts were kept, so no validation sum; the points in the set instead. */
export function bitmapJsonReport(result: BitmapResult, context: ReportContext) {
  return { mode: 'bitmap', ...shape(result), inSet: result.inSet, iterations: result.iterations, ...how(result, context) };
}

export function bitmapTextReport(result: BitmapResult, context: ReportContext): string {
  const seconds = result.computeMs / 1000;
  const lines = [
    ...heading(result, context),
    `Total iterations: ${grouped(result.iterations)} (${rate(result.iterations / seconds)} iterations/s)`,
    `Points in the set: ${grouped(result.inSet)} (a bitmap render: only whether each point escapes was kept, ` +
      `so there is no validation sum; --out or --counts keep the counts)`,
    ...mainThreadNote(result),
  ];
  for (const file of context.files) lines.push(`Wrote ${file.path} (${file.kind}, ${grouped(file.bytes)} bytes)`);
  return lines.join('\n') + '\n';
}
