/**
 * The bench report: speed-up against workers (measured, ideal, fitted Amdahl curve),
 * efficiency, the worker timeline of the explained run, and memory per phase — as SVG charts
 * (ECharts' server-side renderer, loaded on first use) and one self-contained HTML page that
 * holds them inline: no script, no network, opens anywhere.
 */
import { amdahlSpeedup, describeFit } from '../analysis/amdahl.js';
import type { BenchResult } from '../analysis/bench.js';
import { renderSvgChart } from './chart.js';
import { escapeHtml } from './html.js';
import { timelineSvg } from './timeline.js';

function svgChart(option: Record<string, unknown>, width = 720, height = 400): string {
  return renderSvgChart({ animation: false, backgroundColor: '#ffffff', ...option }, width, height);
}

export interface ReportCharts {
  readonly speedup: string;
  readonly efficiency: string;
  readonly timeline: string;
  readonly memory: string;
}

/**
 * One colour per measured series, the same in every chart (Tableau 10, without its grey and
 * red); the reference lines are grey (ideal) and black dashed (the fits), so none of them
 * can be taken for a measurement.
 */
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f'];
const IDEAL_COLOUR = '#9a9a9a';
const FIT_COLOURS = ['#222222', '#555555', '#777777'];
const coloured = (colour: string) => ({ color: colour, itemStyle: { color: colour }, lineStyle: { color: colour } });

export function benchCharts(bench: BenchResult): ReportCharts {
  const threads = bench.points.filter((p) => p.backend === 'threads');
  const maxWorkers = Math.max(8, ...threads.map((p) => p.workers));
  const series = new Map<string, [number, number][]>();
  const efficiency = new Map<string, [number, number][]>();
  for (const p of threads) {
    const name = `${p.kernel}, ${p.schedule}, ${p.chunkSetting === 'auto' ? 'auto' : p.chunkSetting} chunks`;
    series.set(name, [...(series.get(name) ?? []), [p.workers, p.speedup]]);
    efficiency.set(name, [...(efficiency.get(name) ?? []), [p.workers, p.efficiency]]);
  }
  const colourOf = new Map([...series.keys()].map((name, i) => [name, PALETTE[i % PALETTE.length]!]));
  const fitted = Object.entries(bench.amdahl).flatMap(([kernel, fit], i) =>
    fit
      ? [
          {
            name: `Amdahl fit, ${kernel} (serial fraction ${fit.serialFraction.toFixed(3)})`,
            type: 'line',
            showSymbol: false,
            ...coloured(FIT_COLOURS[i % FIT_COLOURS.length]!),
            lineStyle: { type: 'dashed', color: FIT_COLOURS[i % FIT_COLOURS.length]! },
            data: Array.from({ length: maxWorkers }, (_, i) => [i + 1, amdahlSpeedup(fit.serialFraction, i + 1)]),
          },
        ]
      : [],
  );
  const axes = (y: string) => ({
    xAxis: { type: 'value', name: 'workers', nameLocation: 'middle', nameGap: 26, min: 1, max: maxWorkers },
    yAxis: { type: 'value', name: y },
    grid: { left: 60, right: 24, top: 96, bottom: 50 },
    legend: { top: 36, textStyle: { fontSize: 11 } },
  });
  const speedup = svgChart({
    title: { text: `Speed-up against workers (${bench.cores} cores here)`, left: 'center', textStyle: { fontSize: 14 } },
    ...axes('speed-up'),
    series: [
      {
        name: 'ideal',
        type: 'line',
        showSymbol: false,
        ...coloured(IDEAL_COLOUR),
        data: [
          [1, 1],
          [maxWorkers, maxWorkers],
        ],
      },
      ...fitted,
      ...[...series].map(([name, data]) => ({ name, type: 'line', symbolSize: 8, data, ...coloured(colourOf.get(name)!) })),
    ],
  });
  const efficiencyChart = svgChart({
    title: { text: 'Parallel efficiency (speed-up / workers)', left: 'center', textStyle: { fontSize: 14 } },
    ...axes('efficiency'),
    // Up to 1.1, or higher when a noisy run measured more (never clip a measurement).
    yAxis: { type: 'value', name: 'efficiency', min: 0, max: Math.ceil(Math.max(1.1, ...threads.map((p) => p.efficiency)) * 10) / 10 },
    series: [...efficiency].map(([name, data]) => ({ name, type: 'line', symbolSize: 8, data, ...coloured(colourOf.get(name)!) })),
  });
  const phases = bench.memory;
  const mib = (v: number) => Number((v / 2 ** 20).toFixed(2));
  const memory = svgChart({
    title: { text: 'Memory per phase (after − before, MiB)', left: 'center', textStyle: { fontSize: 14 } },
    grid: { left: 60, right: 24, top: 80, bottom: 60 },
    legend: { top: 36 },
    xAxis: { type: 'category', data: phases.map((p) => p.name), axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: 'value', name: 'MiB' },
    series: (['heapUsed', 'arrayBuffers', 'rss'] as const).map((key, i) => ({
      name: key,
      type: 'bar',
      ...coloured(PALETTE[i]!),
      data: phases.map((p) => mib(p.memoryDelta?.[key] ?? 0)),
    })),
  });
  return {
    speedup,
    efficiency: efficiencyChart,
    timeline: timelineSvg(bench.timeline, { title: `Worker timeline: ${bench.explanation.config}` }),
    memory,
  };
}

export function benchReportHtml(bench: BenchResult, charts: ReportCharts = benchCharts(bench)): string {
  const rows = bench.points
    .map(
      (p) =>
        `<tr><td>${p.backend}</td><td>${escapeHtml(p.kernel)}</td><td>${p.workers}</td><td>${p.schedule}</td><td>${p.chunks}</td>` +
        `<td>${p.medianMs.toFixed(1)}</td><td>${p.startupMs.toFixed(1)}</td><td>${p.speedup.toFixed(2)}</td><td>${p.efficiency.toFixed(2)}</td>` +
        `<td>${p.karpFlatt === null ? '' : p.karpFlatt.toFixed(3)}</td></tr>`,
    )
    .join('\n');
  const fits = Object.entries(bench.amdahl)
    .map(([kernel, fit]) =>
      fit
        ? `<li>${escapeHtml(kernel)}: ${escapeHtml(describeFit(fit, bench.amdahlByRep[kernel] ?? []))}</li>`
        : `<li>${escapeHtml(kernel)}: no multi-worker points to fit</li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mandel bench report</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:24px auto;padding:0 16px;color:#222}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
figure{margin:18px 0}.note{color:#555}.warning{color:#8a2a00;font-weight:600}</style></head>
<body data-report="mandel-bench">
<h1>mandel bench</h1>
<p>${escapeHtml(bench.workloadLabel)}, maxiter ${bench.maxiter}, ${bench.prune ? 'pruned' : 'brute force'}; ${bench.cores} cores; median of ${bench.reps} runs per point; sweep took ${bench.seconds.toFixed(1)} s. Times are the compute phase; pool start-up is listed apart.</p>
<table><thead><tr><th>backend</th><th>kernel</th><th>workers</th><th>schedule</th><th>chunks</th><th>median ms</th><th>start-up ms</th><th>speed-up</th><th>efficiency</th><th>Karp–Flatt</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${bench.machine.busy ? `<p class="warning" data-warning="busy">Warning: ${escapeHtml(bench.machine.warning)}.</p>` : ''}
<h2>Amdahl's law, fitted</h2>
<ul>${fits}</ul>
<p class="note">${escapeHtml(bench.caveat)}</p>
<h2>Where the time went (${escapeHtml(bench.explanation.config)})</h2>
<p>${escapeHtml(bench.explanation.text)}</p>
<figure>${charts.speedup}</figure>
<figure>${charts.efficiency}</figure>
<figure>${charts.timeline}</figure>
<figure>${charts.memory}</figure>
</body></html>
`;
}
