/**
 * One chart as SVG, drawn by ECharts' server-side renderer (no browser, no native
 * dependencies). ECharts takes ~0.6 s to load, so it is loaded on first use, not with mandel.
 */
import { createRequire } from 'node:module';
import type * as Echarts from 'echarts';

let echartsModule: typeof Echarts | undefined;

export function renderSvgChart(option: Record<string, unknown>, width: number, height: number): string {
  echartsModule ??= createRequire(import.meta.url)('echarts') as typeof Echarts;
  const chart = echartsModule.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption(option);
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
