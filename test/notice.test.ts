/**
 * The one line mandel prints about a view whose picture says nothing (all at maxiter, or one
 * count everywhere), checked on constructed counts and on the README's own 1e-50 example.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { decimalsOf, viewNotice } from '../src/analysis/notice.js';
import { viewWorkload } from '../src/deep/view.js';

const spiral29 = { re: '-0.77568376800905379746948350393', im: '0.13646736829469012473327440961' };
const view = (center: { re: string; im: string }, width: string, maxiter = 5000) =>
  viewWorkload({ center, width, cols: 8, rows: 4, maxiter });
const filled = (count: number) => new Int32Array(32).fill(count);

describe('a notice for a view with nothing to show', () => {
  it('counts the digits after the point a centre carries, trailing zeros left out', () => {
    assert.equal(decimalsOf('-0.77568376800905379746948350393'), 29);
    assert.equal(decimalsOf('0.5000'), 1);
    assert.equal(decimalsOf('1'), 0);
    assert.equal(decimalsOf('0'), 0);
    assert.equal(decimalsOf('2.5e-30'), 31);
    assert.equal(decimalsOf('1234e-2'), 2);
  });

  it('says nothing when the counts differ, even by one', () => {
    const counts = filled(1601);
    counts[31] = 1602;
    assert.equal(viewNotice(counts, view(spiral29, '1e-50')), undefined);
  });

  it('all at maxiter: raise -m, by ten', () => {
    const notice = viewNotice(filled(5000), view(spiral29, '1e-20', 5000));
    assert.equal(notice?.code, 'ALL_AT_MAXITER');
    assert.match(notice.message, /All 32 points reached maxiter \(5,000\).*try -m 50000$/);
  });

  it('one count, and a centre with fewer digits than the depth needs: more digits', () => {
    const notice = viewNotice(filled(1601), view(spiral29, '1e-50'));
    assert.equal(notice?.code, 'CENTRE_DIGITS');
    assert.match(notice.message, /after 1,601 iterations: the centre has 29 digits after the point, and a view 1e-50 wide needs about 52/);
  });

  it('one count with a centre that has the digits: no detail here, not the digits’ fault', () => {
    const long = { re: `${spiral29.re}${'1'.repeat(30)}`, im: spiral29.im };
    assert.equal(viewNotice(filled(1601), view(long, '1e-50'))?.code, 'ONE_COUNT');
    // A shallow view of one count: no deep centre to blame either.
    assert.equal(viewNotice(filled(3), view({ re: '1.5', im: '1.5' }, '1e-3'))?.code, 'ONE_COUNT');
  });

  it('`mandel run` prints it once as a line, and --json carries it with its code', () => {
    const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
    const args = ['run', `--center=${spiral29.re},${spiral29.im}`, '--zoom', '1e-50', '--width', '32', '--height', '24', '-m', '5000'];
    const text = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(text.status, 0, text.stderr);
    assert.equal(
      text.stdout.match(/^Note: Every point escaped after 1,601 iterations: the centre has 29 digits/gm)?.length,
      1,
      text.stdout,
    );
    const json = spawnSync(process.execPath, [bin, ...args, '--json'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal((JSON.parse(json.stdout) as { notice: { code: string } }).notice.code, 'CENTRE_DIGITS');
  });
});
