// The explorer: the set fills the window; Leaflet (a simple CRS: no map projection) zooms
// and pans over 256 × 256 tiles that mandel renders on demand with its own kernels. The
// browser fetches each tile's raw counts and colours them itself, so a colour change costs
// no render, the counts are exactly those of `mandel run`, and a tile that leaves the view
// aborts its request (and the server cancels its chunk).
import { getJson, workerColour } from './common.js';

/* global L */
const config = await getJson('/api/config');
const { world, tileSize, maxZoom, doubleLimitZoom } = config;
const unitsPerPixel0 = world.side / tileSize; // complex units per pixel at zoom 0

const $ = (id) => document.getElementById(id);
for (const name of Object.keys(config.colormaps)) $('colormap').add(new Option(name, name));
for (const name of ['auto', ...config.kernels]) $('kernel').add(new Option(name, name));
$('maxzoom').textContent = String(maxZoom);

/** Complex plane ↔ Leaflet's plane (lng = x pixels, lat = −y pixels, at zoom 0). */
const toLatLng = (re, im) => L.latLng((im - world.im) / unitsPerPixel0, (re - world.re) / unitsPerPixel0);
const toComplex = (latlng) => ({ re: world.re + latlng.lng * unitsPerPixel0, im: world.im + latlng.lat * unitsPerPixel0 });

const state = readHash();
$('maxiter').value = String(state.maxiter === 'auto' ? 1000 : state.maxiter);
$('auto').checked = state.maxiter === 'auto';
$('colormap').value = state.colormap;
$('scale').value = state.scale;
$('kernel').value = state.kernel;
$('prune').checked = state.prune;
$('byworker').checked = state.byWorker;

const map = L.map('map', {
  crs: L.CRS.Simple,
  minZoom: -1,
  maxZoom,
  zoomSnap: 0.25,
  zoomDelta: 0.5,
  wheelPxPerZoomLevel: 90,
  attributionControl: false,
  zoomControl: false,
  keyboard: true,
});

/** maxiter for a zoom: the field's value, or one that grows with depth. */
function maxiterAt(zoom) {
  if (!$('auto').checked) return Math.max(1, Math.min(100000, Number($('maxiter').value) || 1000));
  return Math.min(20000, Math.round(200 + 120 * Math.max(0, zoom) ** 1.3));
}

const loaded = new Map(); // "z/x/y" → { counts, worker, maxiter }
const explorer = { loaded, requests: 0, aborted: 0, errors: [] };
window.mandelExplorer = explorer;

const TileLayer = L.GridLayer.extend({
  createTile(coords, done) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = tileSize;
    const controller = new AbortController();
    canvas.mandelAbort = () => controller.abort();
    const maxiter = maxiterAt(coords.z);
    // uint16 counts whenever maxiter fits: half the bytes of int32 for the server to copy and send.
    const format = maxiter <= 0xffff ? 'counts16' : 'counts';
    const query = new URLSearchParams({
      maxiter: String(maxiter),
      kernel: $('kernel').value,
      prune: $('prune').checked ? '1' : '0',
      format,
    });
    explorer.requests++;
    fetchTile(`/api/tile/${coords.z}/${coords.x}/${coords.y}?${query}`, format, controller.signal)
      .then(({ counts, worker }) => {
        loaded.set(`${coords.z}/${coords.x}/${coords.y}`, { counts, worker, maxiter });
        paint(canvas, counts, maxiter, worker);
        done(null, canvas);
      })
      .catch((error) => {
        if (controller.signal.aborted) return;
        explorer.errors.push(String(error));
        done(error, canvas);
      });
    return canvas;
  },
});

/** A tile's counts, retried after the server's Retry-After when it is busy (503). */
async function fetchTile(url, format, signal) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { signal });
    if (response.status === 503 && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get('Retry-After') ?? 1)));
      continue;
    }
    if (!response.ok) throw new Error((await response.json()).error);
    const bytes = await response.arrayBuffer();
    return {
      counts: format === 'counts16' ? new Uint16Array(bytes) : new Int32Array(bytes),
      worker: response.headers.get('X-Mandel-Worker') ?? '?',
    };
  }
}

function paint(canvas, counts, maxiter, worker) {
  const table = config.colormaps[$('colormap').value];
  const linear = $('scale').value === 'linear';
  const context = canvas.getContext('2d');
  const image = context.createImageData(tileSize, tileSize);
  const top = Math.log1p(maxiter);
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i];
    image.data[i * 4 + 3] = 255;
    if (count >= maxiter) continue; // the set itself: black, as explorers draw it
    const index = Math.round((linear ? count / maxiter : Math.log1p(count) / top) * 255) * 3;
    image.data[i * 4] = table[index];
    image.data[i * 4 + 1] = table[index + 1];
    image.data[i * 4 + 2] = table[index + 2];
  }
  context.putImageData(image, 0, 0);
  if ($('byworker').checked) {
    context.fillStyle = workerColour(worker, 0.45);
    context.fillRect(0, 0, tileSize, tileSize);
    context.fillStyle = '#fff';
    context.font = '12px sans-serif';
    context.fillText(worker, 6, 16);
  }
}

const layer = new TileLayer({ tileSize, maxZoom, minZoom: -1, keepBuffer: 1, updateWhenZooming: false });
layer.on('tileunload', (event) => {
  if (event.tile.mandelAbort) {
    event.tile.mandelAbort();
    explorer.aborted++;
  }
});
layer.addTo(map);

const widthToZoom = (width) => Math.log2((map.getSize().x * unitsPerPixel0) / width);
map.setView(toLatLng(state.re, state.im), Math.min(maxZoom, widthToZoom(state.width)), { animate: false });

function viewNow() {
  const centre = toComplex(map.getCenter());
  const width = (map.getSize().x * unitsPerPixel0) / 2 ** map.getZoom();
  return { ...centre, width, zoom: map.getZoom() };
}
explorer.view = viewNow;

function update() {
  const view = viewNow();
  $('readout').textContent =
    `centre ${view.re.toPrecision(17)} ${view.im >= 0 ? '+' : '−'} ${Math.abs(view.im).toPrecision(17)}i · width ${view.width.toPrecision(4)} · zoom ${view.zoom.toFixed(2)} · maxiter ${maxiterAt(Math.round(view.zoom))}`;
  $('limit').classList.toggle('hidden', view.zoom < doubleLimitZoom);
  writeHash(view);
}
map.on('moveend zoomend', update);
for (const id of ['maxiter', 'auto', 'kernel', 'prune']) $(id).addEventListener('change', () => (layer.redraw(), update()));
for (const id of ['colormap', 'scale', 'byworker']) $(id).addEventListener('change', () => (layer.redraw(), update()));
update();

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const number = (key, fallback) => (p.has(key) && Number.isFinite(Number(p.get(key))) ? Number(p.get(key)) : fallback);
  return {
    re: number('re', -0.75),
    im: number('im', 0),
    width: number('w', 3.5),
    maxiter: p.get('m') && p.get('m') !== 'auto' ? number('m', 1000) : 'auto',
    colormap: p.get('cm') ?? 'viridis',
    scale: p.get('sc') ?? 'log',
    kernel: p.get('k') ?? 'auto',
    prune: p.get('p') !== '0',
    byWorker: p.get('by') === 'worker',
  };
}

function writeHash(view) {
  const p = new URLSearchParams({
    re: view.re.toPrecision(17),
    im: view.im.toPrecision(17),
    w: view.width.toPrecision(6),
    m: $('auto').checked ? 'auto' : String(maxiterAt(0)),
    cm: $('colormap').value,
    sc: $('scale').value,
    k: $('kernel').value,
    p: $('prune').checked ? '1' : '0',
    by: $('byworker').checked ? 'worker' : 'count',
  });
  history.replaceState(null, '', `${location.pathname}${location.search}#${p}`);
}
document.body.dataset.ready = 'true';
