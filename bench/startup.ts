/**
 * Start-up: `mandel run` on the default workload, the whole process, wall clock, hyperfine-
 * style (a warm-up, then runs alternating with the anchors so drift falls on all of them):
 *   node -e ''                       Node's own start and exit: the floor for any Node CLI
 *   mandel run                       the default command (pool sized to the work)
 *   mandel run --workers 2           the threads started at once, as before sizing
 * Prints medians and minima, what mandel adds above Node's own start, and the default
 * command against issue 14's target (median ≤ 250 ms).
 *
 *   npm run build && node --import tsx bench/startup.ts [--runs 10]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../dist/analysis/stats.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);

const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const commands: { label: string; args: string[] }[] = [
  { label: "node -e ''", args: ['-e', ''] },
  { label: 'mandel run', args: [bin, 'run'] },
  { label: 'mandel run --workers 2', args: [bin, 'run', '--workers', '2'] },
];

function wall(args: string[]): number {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`${args.join(' ')} exited with ${child.status}: ${child.stderr}`);
  return ms;
}

const times = new Map(commands.map((c) => [c.label, [] as number[]]));
for (const command of commands) wall(command.args); // warm-up: file cache, the addon's first load
for (let run = 0; run < runs; run++) for (const command of commands) times.get(command.label)!.push(wall(command.args));

const floor = median(times.get("node -e ''")!);
console.log(`mandel bench/startup: whole process, wall clock, ${runs} runs each, alternating, after a warm-up\n`);
console.log('  command                   median ms   min ms   above node -e ""');
for (const { label } of commands) {
  const list = times.get(label)!;
  const above = label.startsWith('node') ? '' : `${(median(list) - floor).toFixed(0).padStart(12)} ms`;
  console.log(
    `  ${label.padEnd(24)} ${median(list).toFixed(0).padStart(10)} ${Math.min(...list)
      .toFixed(0)
      .padStart(8)}   ${above}`,
  );
}
const run = median(times.get('mandel run')!);
console.log(`\nmandel run: median ${run.toFixed(0)} ms; issue 14 aims at ≤ 250 ms: ${run <= 250 ? 'met' : 'not met'} in this run`);
