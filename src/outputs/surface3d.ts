/**
 * The tutorial's --plot3D: the counts as an interactive 3D surface (rotate, zoom, hover),
 * in one self-contained HTML file with plotly's gl3d bundle inlined, so it opens offline.
 * WebGL draws a few hundred thousand vertices smoothly, not tens of millions: large renders
 * are sampled (every k-th row and column, values unchanged) down to `maxSide` per axis.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { axisCoordinates } from '../axis.js';
import type { Workload } from '../grid.js';
import type { SurfaceHeight } from '../defaults.js';
import { colormapTable, type ColormapName } from './colormap.js';
import { escapeHtml } from './html.js';

export interface SurfaceOptions {
  /** Largest number of rows or columns drawn; default 300. */
  readonly maxSide?: number;
  readonly title?: string;
  /** The colour map, as the PNG's; default viridis. */
  readonly colormap?: ColormapName;
  /**
   * Height of the surface: log(1 + count) by default, so the escaping filaments show beside
   * the interior's plateau at maxiter; linear draws the interior as a tower.
   */
  readonly height?: SurfaceHeight;
}

export { SURFACE_HEIGHTS, type SurfaceHeight } from '../defaults.js';

/** The colour map as plotly's colour scale: 17 stops of the same 256-entry table as the PNG. */
function colourScale(name: ColormapName): [number, string][] {
  const table = colormapTable(name);
  return Array.from({ length: 17 }, (_, k) => {
    const i = Math.round((k / 16) * 255);
    return [k / 16, `rgb(${table[i * 3]},${table[i * 3 + 1]},${table[i * 3 + 2]})`];
  });
}

let plotlySource: string | undefined;

function plotlyBundle(): string {
  if (plotlySource === undefined) {
    const require = createRequire(import.meta.url);
    plotlySource = readFileSync(require.resolve('plotly.js-gl3d-dist-min'), 'utf8');
  }
  return plotlySource;
}

/** Every `stride`-th row and column of the counts, as int32. */
export function sampleGrid(counts: Int32Array, rows: number, cols: number, maxSide: number) {
  const stride = Math.max(1, Math.ceil(Math.max(rows, cols) / maxSide));
  const sampledRows = Math.ceil(rows / stride);
  const sampledCols = Math.ceil(cols / stride);
  const values = new Int32Array(sampledRows * sampledCols);
  for (let r = 0; r < sampledRows; r++) {
    for (let c = 0; c < sampledCols; c++) values[r * sampledCols + c] = counts[r * stride * cols + c * stride]!;
  }
  return { stride, rows: sampledRows, cols: sampledCols, values };
}

export function surfaceHtml(counts: Int32Array, workload: Workload, options: SurfaceOptions = {}): string {
  const rows = workload.im.count;
  const cols = workload.re.count;
  const grid = sampleGrid(counts, rows, cols, options.maxSide ?? 300);
  const re = axisCoordinates(workload.re).filter((_, i) => i % grid.stride === 0);
  const im = axisCoordinates(workload.im).filter((_, i) => i % grid.stride === 0);
  const title = options.title ?? `Mandelbrot escape counts, ${rows} × ${cols} points, maxiter ${workload.maxiter}`;
  const note = grid.stride > 1 ? ` (one row and one column in ${grid.stride} drawn)` : '';
  // The counts travel as base64 int32, not as a JSON list of numbers.
  const data = {
    rows: grid.rows,
    cols: grid.cols,
    countsBase64: Buffer.from(grid.values.buffer).toString('base64'),
    re: Array.from(re),
    im: Array.from(im),
  };
  const height = options.height ?? 'log';
  const view = {
    colorscale: colourScale(options.colormap ?? 'viridis'),
    log: height === 'log',
    zTitle: height === 'log' ? 'log(1 + count)' : 'count',
  };
  const dataJson = JSON.stringify({ ...data, ...view }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>html,body{margin:0;height:100%;font-family:sans-serif}#surface{width:100%;height:calc(100% - 2.5em)}p{margin:.6em 1em;font-size:14px}</style>
</head>
<body>
<p>${escapeHtml(title + note)}. Drag to rotate, scroll to zoom.</p>
<div id="surface"></div>
<script>${plotlyBundle()}</script>
<script>
const data = ${dataJson};
const bytes = Uint8Array.from(atob(data.countsBase64), (ch) => ch.charCodeAt(0));
const counts = new Int32Array(bytes.buffer);
const z = [];
for (let r = 0; r < data.rows; r++) {
  const row = Array.from(counts.subarray(r * data.cols, (r + 1) * data.cols));
  z.push(data.log ? row.map((v) => Math.log1p(v)) : row);
}
// The colour bar sits below the tool bar (top right), its title beside it, not above.
Plotly.newPlot('surface', [{ type: 'surface', x: data.re, y: data.im, z, colorscale: data.colorscale,
  colorbar: { title: { text: data.zTitle, side: 'right' }, len: 0.75, y: 0.45, thickness: 18 } }], {
  margin: { l: 0, r: 0, t: 36, b: 0 },
  // A flat box seen from above at an angle: the set reads as a landscape, not a tower.
  scene: { xaxis: { title: { text: 'Re(c)' } }, yaxis: { title: { text: 'Im(c)' } }, zaxis: { title: { text: data.zTitle } },
    aspectmode: 'manual', aspectratio: { x: 1.3, y: 1.15, z: 0.45 }, camera: { eye: { x: 0.9, y: -1.6, z: 1.1 } } },
}, { responsive: true }).then(() => { document.body.dataset.rendered = 'true'; });
</script>
</body>
</html>
`;
}
