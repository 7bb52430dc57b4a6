/**
 * The worker timeline: one lane per worker, one bar per chunk from its start to its end,
 * shaded by the chunk's iterations, so idle time and imbalance are visible at a glance.
 * Drawn with ECharts' server-side SVG renderer (no browser, no native dependencies).
 */
import { createRequire } from 'node:module';
import type * as Echarts from 'echarts';
import type { Trace } from '../trace.js';

// ECharts takes ~0.6 s to load, so it is loaded on first use, not with mandel.
let echartsModule: typeof Echarts | undefined;
function echarts(): typeof Echarts {
  echartsModule ??= createRequire(import.meta.url)('echarts') as typeof Echarts;
  return echartsModule;
}

export interface TimelineOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

export interface LaneSummary {
  readonly worker: string;
  readonly chunks: number;
  readonly busyMs: number;
  /** Busy time over the compute phase's length. */
  readonly utilisation: number;
}

/** Per worker: chunks, busy time, and utilisation of the compute phase. */
export function laneSummaries(trace: Trace): LaneSummary[] {
  const compute = trace.phases.find((phase) => phase.name === 'compute');
  const span = compute ? compute.endMs - compute.startMs : 0;
  const lanes = new Map<string, { chunks: number; busyMs: number }>();
  for (const event of trace.chunks) {
    const lane = lanes.get(event.worker) ?? { chunks: 0, busyMs: 0 };
    lane.chunks += 1;
    lane.busyMs += event.endMs - event.startMs;
    lanes.set(event.worker, lane);
  }
  return [...lanes.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([worker, lane]) => ({ worker, ...lane, utilisation: span > 0 ? lane.busyMs / span : 0 }));
}

export function timelineSvg(trace: Trace, options: TimelineOptions = {}): string {
  const lanes = laneSummaries(trace);
  const laneIndex = new Map(lanes.map((lane, i) => [lane.worker, i]));
  const compute = trace.phases.find((phase) => phase.name === 'compute');
  const maxIterations = Math.max(1, ...trace.chunks.map((event) => event.iterations));
  const width = options.width ?? 960;
  const height = options.height ?? Math.max(220, 110 + lanes.length * 36);
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  const data = trace.chunks.map((event) => ({
    value: [laneIndex.get(event.worker)!, event.startMs, event.endMs, event.chunk.id, event.iterations],
    itemStyle: { color: shade(event.iterations / maxIterations), borderColor: '#ffffff', borderWidth: 0.5 },
  }));
  const summary = lanes.map((lane) => `${lane.worker} ${Math.round(lane.utilisation * 100)}% busy`).join(', ');
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: {
      text: options.title ?? `Worker timeline: ${trace.chunks.length} chunks on ${lanes.length} worker${lanes.length === 1 ? '' : 's'}`,
      subtext: `${compute ? `compute ${(compute.endMs - compute.startMs).toFixed(1)} ms; ` : ''}${summary}. Darker bars did more iterations.`,
      left: 'center',
      textStyle: { fontSize: 14 },
      subtextStyle: { fontSize: 11 },
    },
    grid: { left: 80, right: 24, top: 64, bottom: 40 },
    xAxis: {
      type: 'value',
      name: 'ms since the render started',
      nameLocation: 'middle',
      nameGap: 26,
      min: compute ? Math.floor(compute.startMs) : undefined,
      max: compute ? Math.ceil(compute.endMs) : undefined,
    },
    yAxis: { type: 'category', data: lanes.map((lane) => lane.worker), inverse: true },
    series: [
      {
        type: 'custom',
        encode: { x: [1, 2], y: 0 },
        data,
        renderItem: (_params: unknown, api: CustomApi) => {
          const lane = api.value(0);
          const [x0, y] = api.coord([api.value(1), lane]);
          const [x1] = api.coord([api.value(2), lane]);
          const barHeight = api.size([0, 1])[1]! * 0.7;
          return {
            type: 'rect',
            shape: { x: x0, y: y! - barHeight / 2, width: Math.max(0.5, x1! - x0!), height: barHeight },
            style: { fill: api.visual('color') },
          };
        },
      },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

interface CustomApi {
  value(dimension: number): number;
  coord(point: [number, number]): number[];
  size(size: [number, number]): number[];
  visual(name: string): string;
}

/** Light to dark blue with the amount of work. */
function shade(fraction: number): string {
  const t = Math.min(1, Math.max(0, fraction));
  const mix = (from: number, to: number) => Math.round(from + (to - from) * t);
  return `rgb(${mix(198, 8)}, ${mix(219, 48)}, ${mix(239, 107)})`;
}

/** The trace as a JSON document: phases and chunk events on the render's clock. */
export function traceJson(trace: Trace, meta: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...meta, ...trace, lanes: laneSummaries(trace) }, null, 1) + '\n';
}
