import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { surfaceHtml } from '../src/outputs/surface3d.js';
import { render } from '../src/render.js';
import { tutorialWorkload } from '../src/workload.js';
import { browserSkipReason, launchBrowser } from './helpers/browser.js';

const skip = browserSkipReason();

describe('the 3D surface page in a real browser', { skip, timeout: 120_000 }, () => {
  it('renders offline: a WebGL canvas with a varied picture, no network, no errors', async () => {
    const result = await render(tutorialWorkload({ size: 120, maxiter: 200 }), { backend: 'serial' });
    const file = join(mkdtempSync(join(tmpdir(), 'mandel-surface-')), 'surface.html');
    writeFileSync(file, surfaceHtml(result.counts, result.workload));
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('request', (request) => {
        if (!request.url().startsWith('file:') && !request.url().startsWith('data:')) requests.push(request.url());
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 60_000 });
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [], 'the page must not fetch anything');
      assert.ok((await page.locator('canvas').count()) > 0, 'plotly draws on a canvas');
      // The picture is not blank: many distinct colours on screen.
      const png = PNG.sync.read(await page.screenshot());
      const colours = new Set<number>();
      for (let i = 0; i < png.data.length; i += 4 * 7) colours.add(png.data.readUInt32BE(i));
      assert.ok(colours.size > 200, `only ${colours.size} distinct colours on screen`);
    } finally {
      await browser.close();
    }
  });
});
