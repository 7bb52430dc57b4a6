// Builds the optional native kernel (N-API addon) with node-gyp. Where no compiler or
// headers exist the install still succeeds: mandel says so, and `auto` uses wasm.
// In CI a failed build is an error, so a broken addon cannot pass unnoticed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const local = fileURLToPath(new URL('../node_modules/node-gyp/bin/node-gyp.js', import.meta.url));
const command = existsSync(local) ? [process.execPath, local] : ['node-gyp'];
const result = spawnSync(command[0], [...command.slice(1), 'rebuild'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.status === 0) {
  console.log('mandel: native kernel built (build/Release/mandel_native.node)');
} else {
  const reason = result.error?.message ?? (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
  console.warn(`mandel: the native kernel was not built (${reason}); the wasm and js kernels work, and --kernel auto uses wasm`);
  if (process.env.CI) process.exit(1);
}
