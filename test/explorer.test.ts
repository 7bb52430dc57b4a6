/// <reference lib="dom" />
/**
 * The explorer as a person uses it, in a real browser (Debian's chromium through
 * playwright-core) against a real `mandel serve` on loopback: every control at zooms between
 * whole levels, shallow and deep; colour that shows structure at depth without a setting;
 * links, history and famous places; the export and the command it copies, checked against
 * `mandel run` itself.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { ThreadsBackend } from '../src/backends/threads.js';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { browserSkipReason, launchBrowser } from './helpers/browser.js';

const bin = fileURLToPath(new URL('../bin/mandel.js', import.meta.url));
const screenshots = process.env.MANDEL_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'mandel-shots-'));
const SPIRAL = { re: '-0.77568376800905379746948350393', im: '0.13646736829469012473327440961' };

interface Explorer {
  loaded: Map<string, { counts: ArrayLike<number>; maxiter: number }>;
  loading?: boolean;
  requests: number;
  repaints: number;
  errors: string[];
  scale?: string;
  exported?: string;
  map: { getZoom(): number };
  view(): { zoom: number; reText: string; imText: string; widthText: string };
}
/** The explorer's own state (window.mandelExplorer); the page gets this same function as a global. */
const explorer = () => (window as unknown as { mandelExplorer: Explorer }).mandelExplorer;

describe('the explorer in a real browser', { skip: browserSkipReason(), timeout: 240_000 }, () => {
  let backend: ThreadsBackend;
  let server: RunningServer;
  let base: string;
  let browser: Browser;
  before(async () => {
    backend = new ThreadsBackend({ workers: 2 });
    server = await startServer({ backend, port: 0 });
    base = `http://127.0.0.1:${server.port}`;
    browser = await launchBrowser();
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => {
    await browser.close();
    await server.close();
    await backend.close();
  });

  /** A new page on a link, with every page error collected; resolves when its tiles are in. */
  async function open(hash: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await page.addInitScript(`window.explorer = ${explorer.toString()}`);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('request', (request) => !request.url().startsWith(base) && errors.push(`a request to another origin: ${request.url()}`));
    await page.goto(`${base}/${hash}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    await settled(page);
    return { page, errors };
  }

  /** Waits until every tile on screen is in (the layer's load event). */
  async function settled(page: Page): Promise<void> {
    await page.waitForTimeout(100);
    await page.waitForFunction(() => explorer().loaded.size > 0 && explorer().loading === false, null, { timeout: 60_000 });
  }

  /** What the tiles on screen show: how many are drawn, and how many colours (sampled). */
  const drawn = (page: Page) =>
    page.evaluate(() => {
      const colours = new Set<number>();
      let tiles = 0;
      for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('.leaflet-tile-loaded'))) {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        tiles++;
        for (let i = 0; i < data.length; i += 4 * 61) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      }
      return { tiles, colours: colours.size };
    });

  for (const [where, hash, maxiter] of [
    ['shallow, zoom 8.75 (the link of the fault)', '#re=-0.745&im=0.11&w=0.05', '700'],
    ['deep, between whole levels past doubles', `#re=${SPIRAL.re}&im=${SPIRAL.im}&w=1.3e-22`, '9000'],
  ] as const) {
    it(`every control works at a fractional zoom, ${where}: tiles drawn after each, colours without a request`, async () => {
      const { page, errors } = await open(hash);
      try {
        const zoom = await page.evaluate(() => explorer().view().zoom);
        assert.notEqual(zoom % 1, 0, `zoom ${zoom} is between whole levels`);
        const check = async (what: string) => {
          await settled(page);
          const seen = await drawn(page);
          // Drawn: not one flat colour (a linear scale at depth has only a few; black has one).
          assert.ok(seen.tiles >= 4 && seen.colours >= 4, `after ${what}: ${JSON.stringify(seen)}`);
        };
        // Colour settings: repainted from the counts in hand, no request.
        for (const [id, value] of [
          ['colormap', 'magma'],
          ['scale', 'log'],
          ['scale', 'linear'],
          ['scale', 'histogram'],
          ['scale', 'bands'],
          ['scale', 'auto'],
          ['colormap', 'turbo'],
        ] as const) {
          const before = await page.evaluate(() => ({ requests: explorer().requests, repaints: explorer().repaints }));
          await page.selectOption(`#${id}`, value);
          await check(`${id} ${value}`);
          const now = await page.evaluate(() => ({ requests: explorer().requests, repaints: explorer().repaints }));
          assert.equal(now.requests, before.requests, `${id} ${value} asked for tiles`);
          assert.ok(now.repaints > before.repaints, `${id} ${value} repainted nothing`);
        }
        // The smooth colour and the palette, as a person sets them: a tick box and two sliders.
        for (const [what, step] of [
          ['smooth off', async () => page.uncheck('#smooth')],
          ['smooth on', async () => page.check('#smooth')],
          ['density ×4', async () => page.fill('#density', '2')],
          ['density ×1/2', async () => page.fill('#density', '-1')],
          ['offset 0.37', async () => page.fill('#offset', '0.37')],
          ['density back to 1', async () => page.fill('#density', '0')],
        ] as const) {
          const before = await page.evaluate(() => ({ requests: explorer().requests, repaints: explorer().repaints }));
          await step();
          await check(what);
          const now = await page.evaluate(() => ({ requests: explorer().requests, repaints: explorer().repaints }));
          assert.equal(now.requests, before.requests, `${what} asked for tiles`);
          assert.ok(now.repaints > before.repaints, `${what} repainted nothing`);
        }
        await page.fill('#offset', '0');
        await page.check('#byworker');
        await check('colour by worker');
        await page.uncheck('#byworker');
        // Settings that change the counts: every tile asked again, and drawn.
        for (const step of [
          async () => page.selectOption('#kernel', 'js'),
          async () => page.uncheck('#prune'),
          async () => page.check('#prune'),
          async () => page.uncheck('#auto'),
          async () => page.fill('#maxiter', maxiter).then(() => page.dispatchEvent('#maxiter', 'change')),
          async () => page.check('#auto'),
        ]) {
          const before = await page.evaluate(() => explorer().requests);
          await step();
          await check(String(step));
          assert.ok((await page.evaluate(() => explorer().requests)) > before, `${String(step)} asked for no tile`);
        }
        assert.equal(await page.evaluate(() => explorer().view().zoom), zoom, 'the zoom stayed where it was');
        // Wheel and drag still move the map afterwards.
        await page.mouse.move(400, 350);
        await page.mouse.wheel(0, -90);
        await page.waitForTimeout(400);
        await page.mouse.down();
        await page.mouse.move(300, 300, { steps: 5 });
        await page.mouse.up();
        await check('wheel and drag');
        assert.notEqual(await page.evaluate(() => explorer().view().zoom), zoom);
        assert.deepEqual(errors, []);
        assert.deepEqual(await page.evaluate(() => explorer().errors), []);
      } finally {
        await page.close();
      }
    });
  }

  it('colours the spiral at 1e-22 with structure by default (auto → histogram), and a link with sc=histogram selects it', async () => {
    const { page, errors } = await open(`#re=${SPIRAL.re}&im=${SPIRAL.im}&w=1e-22`);
    try {
      assert.equal(await page.inputValue('#scale'), 'auto');
      assert.equal(await page.evaluate(() => explorer().scale), 'histogram');
      const auto = await drawn(page);
      assert.match((await page.textContent('#colours')) ?? '', /auto: histogram/);
      await page.screenshot({ path: join(screenshots, 'explorer-spiral-auto.png') });
      await page.selectOption('#scale', 'log');
      await settled(page);
      const log = await drawn(page);
      await page.screenshot({ path: join(screenshots, 'explorer-spiral-log.png') });
      console.log(`spiral at 1e-22, colours sampled on screen: auto ${auto.colours}, log ${log.colours}`);
      assert.ok(auto.colours > 60, `auto: ${auto.colours} colours`);
      const linked = await open(`#re=${SPIRAL.re}&im=${SPIRAL.im}&w=1e-22&sc=histogram&cm=nonsense&k=nonsense`);
      assert.equal(await linked.page.inputValue('#scale'), 'histogram');
      assert.equal(await linked.page.inputValue('#colormap'), 'viridis', 'an unknown colour map falls back to the default');
      assert.equal(await linked.page.inputValue('#kernel'), 'auto');
      await linked.page.close();
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  it('shows the auto maxiter in a field that cannot be edited, keeps a typed centre in the URL, and retraces views with Back and Forward', async () => {
    const typed = { re: '-0.74535003930', im: '0.11270000001' };
    const { page, errors } = await open(`#re=${typed.re}&im=${typed.im}&w=0.05`);
    try {
      assert.ok(await page.isDisabled('#maxiter'));
      const shown = Number(await page.inputValue('#maxiter'));
      assert.match((await page.textContent('#iterations'))!.replace(/,/g, ''), new RegExp(`maxiter ${shown}\\b`));
      await page.uncheck('#auto');
      assert.ok(await page.isEnabled('#maxiter'));
      await page.check('#auto');
      // The centre as typed, trailing zero and all.
      const params = () => new URLSearchParams(new URL(page.url()).hash.slice(1));
      assert.equal(params().get('re'), typed.re);
      assert.equal(params().get('im'), typed.im);
      // A wheel notch away from the centre moves it: the URL follows, and Back returns.
      await page.mouse.move(200, 200);
      await page.mouse.wheel(0, -180);
      await page.waitForFunction((re) => new URLSearchParams(location.hash.slice(1)).get('re') !== re, typed.re);
      await settled(page);
      const moved = params();
      await page.goBack();
      await page.waitForFunction((re) => new URLSearchParams(location.hash.slice(1)).get('re') === re, typed.re);
      await settled(page);
      assert.equal(params().get('im'), typed.im);
      await page.goForward();
      await page.waitForFunction((re) => new URLSearchParams(location.hash.slice(1)).get('re') === re, moved.get('re'));
      // A famous place, one click away, and Back from it.
      await page.selectOption('#places', { label: 'Seahorse Valley at 1e-30' });
      await settled(page);
      const deep = await page.evaluate(() => explorer().view());
      assert.ok(deep.zoom > 100, `zoom ${deep.zoom}`);
      assert.equal(deep.reText, '-0.743643887037158704752191506114774');
      assert.equal(await page.inputValue('#maxiter'), '5000');
      assert.ok(!(await page.isChecked('#auto')));
      await page.goBack();
      await page.waitForFunction((re) => new URLSearchParams(location.hash.slice(1)).get('re') === re, moved.get('re'));
      // The panel folds away to its title and back.
      const open = await page.locator('#panel').boundingBox();
      await page.click('#collapse');
      const folded = await page.locator('#panel').boundingBox();
      await page.screenshot({ path: join(screenshots, 'explorer-folded.png') });
      assert.ok(folded!.height < 60 && folded!.height < open!.height / 4, `${folded!.height} vs ${open!.height}`);
      await page.click('#collapse');
      assert.ok((await page.locator('#panel').boundingBox())!.height > 200);
      // No number of the readout breaks across lines: one line each.
      for (const id of ['re', 'im', 'width', 'iterations', 'colours']) {
        const box = await page.locator(`#${id}`).boundingBox();
        assert.ok(box!.height < 20, `#${id} is ${box!.height}px high`);
      }
      await page.screenshot({ path: join(screenshots, 'explorer-panel.png') });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  it('smooth colour is the default and leaves no bands; a link sets the palette; colours cycle without a request', async () => {
    const seahorse = '#re=-0.7453&im=0.1127&w=0.0123&m=800&sc=log';
    const bands = async (page: Page) =>
      // Distinct colours along one row of the tiles: stepped counts give few, μ many.
      page.evaluate(() => {
        const colours = new Set<number>();
        for (const canvas of Array.from(document.querySelectorAll<HTMLCanvasElement>('.leaflet-tile-loaded'))) {
          const data = canvas.getContext('2d')!.getImageData(0, 128, canvas.width, 1).data;
          for (let i = 0; i < data.length; i += 4) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        }
        return colours.size;
      });
    const { page, errors } = await open(seahorse);
    try {
      assert.equal(await page.isChecked('#smooth'), true, 'smooth is the default');
      const smooth = await bands(page);
      await page.uncheck('#smooth');
      const stepped = await bands(page);
      assert.ok(smooth > 1.3 * stepped, `${smooth} colours along a row smooth, ${stepped} stepped`);
      assert.match(page.url(), /sm=0/);
      await page.screenshot({ path: join(screenshots, 'explorer-stepped.png') });
      await page.check('#smooth');
      await page.screenshot({ path: join(screenshots, 'explorer-smooth.png') });
    } finally {
      await page.close();
    }
    // A deep link with a palette: the controls say it, and the readout.
    const linked = await open(`${seahorse}&d=4&o=0.25&sm=1`);
    try {
      assert.equal(await linked.page.inputValue('#density'), '2');
      assert.equal(await linked.page.inputValue('#offset'), '0.25');
      assert.match((await linked.page.textContent('#colours'))!, /smooth ×4 \+0\.25/);
      // Cycling: the offset moves by itself, each step a repaint and no request.
      const before = await linked.page.evaluate(() => ({ requests: explorer().requests, repaints: explorer().repaints }));
      await linked.page.check('#cycle');
      await linked.page.waitForTimeout(1200);
      await linked.page.uncheck('#cycle');
      const after = await linked.page.evaluate(() => ({ requests: explorer().requests, repaints: explorer().repaints }));
      const offset = Number(await linked.page.inputValue('#offset'));
      assert.ok(offset > 0.3 && offset < 0.5, `the offset cycled from 0.25 to ${offset} in 1.2 s`);
      assert.ok(after.repaints - before.repaints >= 5, `${after.repaints - before.repaints} repaints`);
      assert.equal(after.requests, before.requests);
      // Stopped: the link keeps where it stopped.
      assert.match(linked.page.url(), new RegExp(`o=${offset}`));
      assert.deepEqual([...errors, ...linked.errors], []);
    } finally {
      await linked.page.close();
    }
  });

  it('exports the view as a PNG at the asked size, the same pixels as the `mandel run` command it copies', async () => {
    const { page, errors } = await open('#re=-0.7453&im=0.1127&w=0.0123&m=800&cm=magma&sc=histogram');
    try {
      // Colours by μ (the default) with a palette of twice the density, shifted by 0.3 of a cycle.
      await page.fill('#density', '1');
      await page.fill('#offset', '0.3');
      await page.fill('#export-width', '160');
      await page.fill('#export-height', '90');
      await page.dispatchEvent('#export-height', 'change');
      await page.click('#export');
      await page.waitForFunction(() => explorer().exported !== undefined || explorer().errors.length > 0, null, { timeout: 60_000 });
      assert.deepEqual(await page.evaluate(() => explorer().errors), []);
      const href = await page.evaluate(() => explorer().exported!);
      const exported = PNG.sync.read(Buffer.from(await (await fetch(new URL(href, base))).arrayBuffer()));
      assert.deepEqual([exported.width, exported.height], [160, 90]);
      // The copied command, run as a person would paste it (with -o into a scratch folder).
      const command = await page.inputValue('#command');
      assert.match(
        command,
        /^mandel run --center=-0\.7453,0\.1127 --zoom \S+ --width 160 --height 90 -m 800 .*--colormap magma --scale histogram --smooth --density 2 --offset 0\.3 /,
      );
      const dir = mkdtempSync(join(tmpdir(), 'mandel-export-'));
      const args = command.split(' ').slice(1);
      args[args.indexOf('-o') + 1] = join(dir, 'view.png');
      execFileSync(process.execPath, [bin, ...args], { stdio: 'pipe' });
      const cli = PNG.sync.read(readFileSync(join(dir, 'view.png')));
      assert.deepEqual([cli.width, cli.height], [160, 90]);
      assert.ok(Buffer.compare(cli.data, exported.data) === 0, 'the export and `mandel run` differ');
      const colours = new Set<number>();
      for (let i = 0; i < cli.data.length; i += 4) colours.add((cli.data[i]! << 16) | (cli.data[i + 1]! << 8) | cli.data[i + 2]!);
      assert.ok(colours.size > 50, `${colours.size} colours`);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});
