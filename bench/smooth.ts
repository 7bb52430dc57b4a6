/**
 * What smooth colour costs: the same render with and without each point's smooth fraction
 * (render's `smooth`), alternating, on one thread (the serial backend), for every kernel here,
 * on two views — the whole set at 1024 × 1024, maxiter 500 (most points escape within a few
 * updates: the fraction is the largest share of their work), and Seahorse Valley 0.012 wide,
 * maxiter 2,000 (longer orbits) — then a deep view (1e-22, perturbation, native) where a point
 * costs thousands of updates. Prints medians and smooth ÷ counts alone; checks the counts agree.
 *
 *   npm run build && node --import tsx bench/smooth.ts [--reps 5]
 */
import { parseArgs } from 'node:util';
import { gridWorkload, render, viewWorkload, type Workload } from '../dist/index.js';
import { median } from '../dist/analysis/stats.js';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' } } });
const reps = Number(values.reps);

async function compare(label: string, workload: Workload, kernels: readonly string[]) {
  for (const kernel of kernels) {
    const times = { counts: [] as number[], smooth: [] as number[] };
    let sums: number[] = [];
    await render(workload, { backend: 'serial', kernel, smooth: true }); // warm-up
    for (let rep = 0; rep < reps; rep++) {
      for (const smooth of [false, true]) {
        const started = performance.now();
        const result = await render(workload, { backend: 'serial', kernel, smooth });
        times[smooth ? 'smooth' : 'counts'].push(performance.now() - started);
        sums.push(result.sum);
      }
    }
    sums = [...new Set(sums)];
    if (sums.length !== 1) throw new Error(`${label}, ${kernel}: the counts differ with smooth (sums ${sums.join(', ')})`);
    const a = median(times.counts);
    const b = median(times.smooth);
    console.log(`${label}, ${kernel}: counts alone ${a.toFixed(1)} ms, with smooth ${b.toFixed(1)} ms: ×${(b / a).toFixed(2)}`);
  }
}

await compare(
  'whole set 1024², maxiter 500',
  gridWorkload({ width: 1024, height: 1024, maxiter: 500, region: { x1: -2.5, x2: 1.5, y1: -2, y2: 2 } }),
  ['native', 'wasm', 'js'],
);
await compare(
  'Seahorse Valley 0.012 wide 1024 × 768, maxiter 2000',
  viewWorkload({ center: { re: '-0.7453', im: '0.1127' }, width: '0.012', cols: 1024, rows: 768, maxiter: 2000 }),
  ['native', 'wasm', 'js'],
);
await compare(
  'spiral M(24,1) 1e-22, 512 × 384, maxiter 20000 (perturbation)',
  viewWorkload({
    center: { re: '-0.77568376800905379746948350393', im: '0.13646736829469012473327440961' },
    width: '1e-22',
    cols: 512,
    rows: 384,
    maxiter: 20000,
  }),
  ['native'],
);
