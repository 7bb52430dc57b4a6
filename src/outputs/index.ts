/**
 * Writing a render's outputs: image, 3D surface, NumPy counts. Each is one traced phase, so
 * encode time and memory show in the same report as compute.
 */
import { InvalidOptionError } from '../errors.js';
import type { RenderResult } from '../result.js';
import { PHASE, TraceRecorder } from '../trace.js';
import type { ColormapName, Scale } from './colormap.js';
import { encodeNpyFloat32, encodeNpyInt32 } from './npy.js';
import { encodePbm } from './pbm.js';
import type { SurfaceHeight } from './surface3d.js';
import { traceJson } from './timeline.js';
import { checkOutputs, writeOutput as save } from './write.js';

export { checkOutputs } from './write.js';

export interface OutputOptions {
  readonly png?: string;
  readonly colormap?: ColormapName;
  readonly scale?: Scale;
  readonly npy?: string;
  /**
   * The continuous counts μ = count + smooth fraction as float32 .npy (a render with `smooth`;
   * float32 keeps 24 bits: steps of 1/512 near count 10,000, 1/16 near 1,000,000).
   */
  readonly smooth?: string;
  /** The palette of the image (web/scale.js): the map `density` times as often, shifted by `offset` cycles. */
  readonly density?: number;
  readonly offset?: number;
  /** A bitmap of the points that never escaped (PBM P4: the Benchmarks Game's output format). */
  readonly pbm?: string;
  readonly surface?: string;
  readonly surfaceMaxSide?: number;
  /** Height of the 3D surface: log(1 + count) (default) or linear. */
  readonly surfaceHeight?: SurfaceHeight;
  /** The trace as JSON (phases, chunk events, lanes). */
  readonly trace?: string;
  /** The worker timeline as SVG. */
  readonly timeline?: string;
  /** Stops between and inside files (ERR_ABORTED); a file is either complete or absent. */
  readonly signal?: AbortSignal;
}

export interface WrittenFile {
  readonly kind: 'png' | 'npy' | 'smooth' | 'pbm' | 'surface' | 'trace' | 'timeline';
  readonly path: string;
  readonly bytes: number;
}

/**
 * Writes the outputs asked for, each one atomically, after checking every path. With a
 * recorder, each encoding is a traced phase on the render's clock.
 */
export async function writeOutputs(result: RenderResult, options: OutputOptions, recorder = new TraceRecorder()): Promise<WrittenFile[]> {
  checkOutputs(options);
  const written: WrittenFile[] = [];
  const { png, npy, surface } = options;
  // The image's encoders (pngjs, the colour maps), the 3D surface and the chart load only when
  // asked for: together ~15 ms of module loading, a tenth of a small deep view's whole run. They
  // load inside their output's phase, so the trace counts that time as writing the output.
  if (png) {
    const bytes = await recorder.phase(PHASE.encodePng, async () =>
      save(
        png,
        (await import('./png.js')).encodePng(result.counts, result.rows, result.cols, result.maxiter, {
          colormap: options.colormap,
          scale: options.scale,
          density: options.density,
          offset: options.offset,
          ...(result.smooth ? { smooth: result.smooth } : {}),
        }),
        options.signal,
      ),
    );
    written.push({ kind: 'png', path: png, bytes });
  }
  if (options.smooth) {
    const path = options.smooth;
    const fractions = result.smooth;
    if (!fractions) throw new InvalidOptionError('a smooth .npy needs a render with smooth fractions (render({ smooth: true }))');
    const mu = new Float32Array(result.counts.length);
    for (let i = 0; i < mu.length; i++) mu[i] = result.counts[i]! + fractions[i]!;
    const bytes = await recorder.phase(PHASE.encodeNpy, () => save(path, encodeNpyFloat32(mu, result.rows, result.cols), options.signal));
    written.push({ kind: 'smooth', path, bytes });
  }
  if (npy) {
    const bytes = await recorder.phase(PHASE.encodeNpy, () =>
      save(npy, encodeNpyInt32(result.counts, result.rows, result.cols), options.signal),
    );
    written.push({ kind: 'npy', path: npy, bytes });
  }
  if (options.pbm) {
    const path = options.pbm;
    const bytes = await recorder.phase(PHASE.encodePbm, () =>
      save(path, encodePbm(result.counts, result.rows, result.cols, result.maxiter), options.signal),
    );
    written.push({ kind: 'pbm', path, bytes });
  }
  if (surface) {
    const bytes = await recorder.phase(PHASE.encode3d, async () =>
      save(
        surface,
        (await import('./surface3d.js')).surfaceHtml(result.counts, result.workload, {
          maxSide: options.surfaceMaxSide,
          colormap: options.colormap,
          height: options.surfaceHeight,
        }),
        options.signal,
      ),
    );
    written.push({ kind: 'surface', path: surface, bytes });
  }
  if (options.timeline) {
    const path = options.timeline;
    const bytes = await recorder.phase(PHASE.encodeTimeline, async () =>
      save(path, (await import('./timeline.js')).timelineSvg(result.trace), options.signal),
    );
    written.push({ kind: 'timeline', path, bytes });
  }
  // Last, so the trace holds every phase before it, outputs included.
  if (options.trace) {
    const path = options.trace;
    const meta = {
      rows: result.rows,
      cols: result.cols,
      maxiter: result.maxiter,
      backend: result.backend,
      kernel: result.kernel,
      workers: result.workers,
    };
    const bytes = await save(path, traceJson(result.trace, meta), options.signal);
    written.push({ kind: 'trace', path, bytes });
  }
  return written;
}
