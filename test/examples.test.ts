import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const example = (name: string) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

describe('the examples', () => {
  it("the README's library example is examples/library.ts, and it runs", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = readFileSync(example('library.ts'), 'utf8').split('\n').slice(1).join('\n');
    assert.ok(readme.includes(code.trim()), 'README and examples/library.ts have drifted apart');
    const run = spawnSync(process.execPath, ['--import', 'tsx', example('library.ts')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^500 500 51214485 \d+ /m);
    assert.match(run.stdout, /thread-\d/);
  });
});
