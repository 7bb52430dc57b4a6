/**
 * Every file the web app is made of, by URL path: mandel's own pages and the libraries they
 * use, all served from this package (no CDN, works offline). A URL is looked up in this
 * table and nothing else, so no request can name a file outside it (no path traversal).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const web = fileURLToPath(new URL('../../web/', import.meta.url));
const leaflet = dirname(require.resolve('leaflet/dist/leaflet.js'));
const uplot = dirname(require.resolve('uplot/dist/uPlot.esm.js'));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const ASSETS: Record<string, string> = {
  '/': join(web, 'index.html'),
  '/dashboard': join(web, 'dashboard.html'),
  '/static/explorer.js': join(web, 'explorer.js'),
  '/static/dashboard.js': join(web, 'dashboard.js'),
  '/static/common.js': join(web, 'common.js'),
  '/static/plane.js': join(web, 'plane.js'),
  '/static/scale.js': join(web, 'scale.js'),
  '/static/style.css': join(web, 'style.css'),
  '/static/leaflet.js': join(leaflet, 'leaflet.js'),
  '/static/leaflet.css': join(leaflet, 'leaflet.css'),
  '/static/uPlot.esm.js': join(uplot, 'uPlot.esm.js'),
  '/static/uPlot.min.css': join(uplot, 'uPlot.min.css'),
};

const cache = new Map<string, Buffer>();

/** The asset at this URL path, with its content type; undefined for any other path. */
export async function asset(path: string): Promise<{ body: Buffer; type: string } | undefined> {
  const file = ASSETS[path];
  if (!file) return undefined;
  let body = cache.get(path);
  if (!body) {
    body = await readFile(file);
    cache.set(path, body);
  }
  const extension = /\.[a-z]+$/.exec(file)?.[0] ?? '.html';
  return { body, type: TYPES[extension] ?? 'application/octet-stream' };
}
