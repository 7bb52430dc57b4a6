/**
 * The worker timeline: one lane per worker, one bar per chunk from its start to its end,
 * shaded by the chunk's iterations, so idle time and imbalance are visible at a glance.
 * Drawn with ECharts' server-side SVG renderer (no browser, no native dependencies).
 */
import { laneSummaries, PHASE, type Trace } from '../trace.js';
import { renderSvgChart } from './chart.js';

export interface TimelineOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

export function timelineSvg(trace: Trace, options: TimelineOptions = {}): string {
  const lanes = laneSummaries(trace);
  const laneIndex = new Map(lanes.map((lane, i) => [lane.worker, i]));
  const compute = trace.phases.find((phase) => phase.name === PHASE.compute);
  const maxIterations = Math.max(1, ...trace.chunks.map((event) => event.iterations));
  const width = options.width ?? 960;
  const height = options.height ?? Math.max(220, 110 + lanes.length * 36);
  const data = trace.chunks.map((event) => ({
    value: [laneIndex.get(event.worker)!, event.startMs, event.endMs, event.chunk.id, event.iterations],
    itemStyle: { color: shade(event.iterations / maxIterations), borderColor: '#ffffff', borderWidth: 0.5 },
  }));
  const summary = lanes.map((lane) => `${lane.worker} ${Math.round(lane.utilisation * 100)}% busy`).join(', ');
  return renderSvgChart(
    {
      animation: false,
      backgroundColor: '#ffffff',
      title: {
        text: options.title ?? `Worker timeline: ${trace.chunks.length} chunks on ${lanes.length} worker${lanes.length === 1 ? '' : 's'}`,
        subtext: `${compute ? `compute ${(compute.endMs - compute.startMs).toFixed(1)} ms; ` : ''}${summary}. Darker bars did more iterations.`,
        left: 'center',
        textStyle: { fontSize: 14 },
        subtextStyle: { fontSize: 11 },
      },
      // Room for the longest lane label (host:pid/thread-n on a cluster), so none touches the edge.
      grid: { left: 24 + 7 * Math.max(8, ...lanes.map((lane) => lane.worker.length)), right: 24, top: 64, bottom: 40 },
      xAxis: {
        type: 'value',
        name: 'ms since the render started',
        nameLocation: 'middle',
        nameGap: 26,
        min: compute ? Math.floor(compute.startMs) : undefined,
        max: compute ? Math.ceil(compute.endMs) : undefined,
        // The exact ends of the compute phase fall between ticks: show only labels that fit.
        axisLabel: { hideOverlap: true, showMinLabel: false, showMaxLabel: false },
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
    },
    width,
    height,
  );
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
