/**
 * Child processes of the benches: a `mandel worker` or an anchor's worker, started and awaited
 * until it says it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Starts a child process and resolves once it prints `marker`. */
export function startChild(args: string[], marker: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    child.stdout!.on('data', (text: Buffer) => text.includes(marker) && resolve(child));
  });
}
