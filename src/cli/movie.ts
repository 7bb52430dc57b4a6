/**
 * `mandel movie`: a zoom movie from the whole set down to a point, its keyframes rendered on a
 * backend (threads here, or `mandel worker`s through Redis), its frames encoded by ffmpeg.
 * Stopped and started again, it renders only the keyframes it does not have yet.
 */
import { statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { BACKENDS, COLORMAPS, SCALES, type BackendName, type ColormapName, type Scale } from '../defaults.js';
import { formatBytes, grouped } from '../format.js';
import { centerFlag } from './options.js';
import { numberIn, positiveInteger, positiveNumber } from './parse.js';
import { DENSITY_MAX, DENSITY_MIN } from '../../web/scale.js';
import { createProgress } from './progress.js';

interface MovieFlags {
  center: string;
  zoomTo: string;
  zoomFrom: string;
  seconds: number;
  fps: number;
  width: number;
  height: number;
  maxiter?: number;
  colormap: ColormapName;
  scale: Scale;
  smooth: boolean;
  density?: number;
  offset?: number;
  kernel: string;
  prune: boolean;
  backend: BackendName;
  workers?: number;
  redis?: string;
  parallel?: number;
  chunks?: number;
  keyframes?: string;
  out: string;
  progress: boolean;
}

export function movieCommand(signal: AbortSignal): Command {
  return new Command('movie')
    .description('render a zoom movie from the whole set down to a point: keyframes on the backend, frames encoded by ffmpeg')
    .requiredOption('--center <re,im>', 'where the zoom goes (decimals of any length: as many digits as the depth needs)')
    .requiredOption('--zoom-to <width>', "the last frame's width in the complex plane, down to 1e-1000")
    .option('--zoom-from <width>', "the first frame's width", '4')
    .option('--seconds <s>', 'length of the movie', positiveNumber, 10)
    .option('--fps <n>', 'frames per second', positiveInteger(30), 30)
    .option('--width <n>', 'frame width in pixels (even)', positiveInteger(1920), 1920)
    .option('--height <n>', 'frame height in pixels (even)', positiveInteger(1080), 1080)
    .option('-m, --maxiter <n>', 'iteration limit of every keyframe (default: grows with depth, up to 20,000)', positiveInteger(5000))
    .addOption(new Option('--colormap <name>', 'colour map').choices(COLORMAPS).default('viridis'))
    .addOption(
      new Option('--scale <kind>', 'how counts map to colours (bands: the same colour for a count in every keyframe)')
        .choices(SCALES)
        .default('bands'),
    )
    .option('--no-smooth', 'colour by whole counts, in steps (by default: by the continuous count μ, no bands)')
    .option(
      '--density <x>',
      `the colour map x times as often (${DENSITY_MIN}–${DENSITY_MAX}; default 1)`,
      numberIn(DENSITY_MIN, DENSITY_MAX),
    )
    .option('--offset <cycles>', 'shift the colour map along, in cycles (default 0)', numberIn(-1e6, 1e6))
    .option('--kernel <name>', 'kernel of the keyframes (auto: the best with perturbation when deep)', 'auto')
    .option('--no-prune', 'brute force: iterate every point (counts are identical)')
    .addOption(new Option('--backend <name>', 'where keyframes render').choices(BACKENDS).default('threads'))
    .option('-w, --workers <n>', 'threads of the threads backend (default: every core)', positiveInteger(2))
    .option('--redis <url>', "the cluster backend's Redis (default: $REDIS_URL)", process.env.REDIS_URL)
    .option('--parallel <n>', 'keyframes rendered at once (default: 1 on threads and serial, 4 on the cluster)', positiveInteger(4))
    .option(
      '--chunks <n>',
      "chunks a keyframe is split into (default: the backend's, or 8 when several keyframes render at once)",
      positiveInteger(8),
    )
    .option('--keyframes <dir>', 'where keyframes are kept, to resume (default: <out>.keyframes)')
    .requiredOption('-o, --out <file.mp4>', 'the video (H.264 in MP4)')
    .option('--no-progress', 'never draw a progress bar')
    .action(async (flags: MovieFlags, self: Command) => {
      self.setOptionValue('exitCode', await movieAction(flags, signal));
    });
}

async function movieAction(flags: MovieFlags, signal: AbortSignal): Promise<number> {
  const center = centerFlag(flags.center);
  const { checkOutputPath } = await import('../outputs/write.js');
  checkOutputPath(flags.out, 'video', '-o'); // an .mp4 name, in a folder that exists and is writable
  const [{ renderMovie }, { createBackend }] = await Promise.all([import('../movie/movie.js'), import('../create-backend.js')]);
  const backend = await createBackend(flags.backend, { workers: flags.workers, redis: flags.redis });
  const progress = createProgress(flags.progress, 'frames', 300, 'frames');
  try {
    const result = await renderMovie({
      center,
      from: flags.zoomFrom,
      to: flags.zoomTo,
      seconds: flags.seconds,
      fps: flags.fps,
      cols: flags.width,
      rows: flags.height,
      ...(flags.maxiter !== undefined ? { maxiter: flags.maxiter } : {}),
      colormap: flags.colormap,
      scale: flags.scale,
      smooth: flags.smooth,
      ...(flags.density !== undefined ? { density: flags.density } : {}),
      ...(flags.offset !== undefined ? { offset: flags.offset } : {}),
      backend,
      kernel: flags.kernel,
      prune: flags.prune,
      parallel: flags.parallel ?? (flags.backend === 'cluster' ? 4 : 1),
      ...(flags.chunks !== undefined ? { chunks: flags.chunks } : {}),
      output: flags.out,
      ...(flags.keyframes ? { keyframesDir: flags.keyframes } : {}),
      signal,
      onFrame: (done, total) => progress.update(done, total),
    });
    progress.stop();
    const rendered = [...result.keyframeMs.values()];
    const renderSeconds = rendered.reduce((a, b) => a + b, 0) / 1000;
    const { plan } = result;
    process.stdout.write(
      `${plan.keyframes.length} keyframes (each halving of the width from ${flags.zoomFrom} to ${flags.zoomTo}, ${flags.width} × ${flags.height}): ` +
        `${result.rendered} rendered on the ${backend.name} backend${result.reused > 0 ? `, ${result.reused} from an earlier run` : ''}\n` +
        (result.rendered > 0
          ? `keyframes took ${renderSeconds.toFixed(1)} s of rendering, ${(result.rendered / (result.wallMs / 1000)).toFixed(2)} keyframes/s over the whole run\n`
          : '') +
        `${grouped(plan.frames)} frames (${flags.seconds} s at ${flags.fps} fps) in ${(result.wallMs / 1000).toFixed(1)} s\n` +
        `Wrote ${flags.out} (${formatBytes(statSync(flags.out).size)}); keyframes kept in ${result.keyframesDir} (a rerun reuses them)\n`,
    );
    return 0;
  } finally {
    progress.stop();
    await backend.close();
  }
}
