// The explorer: the set fills the window; Leaflet (a simple CRS: no map projection) zooms
// and pans over 256 × 256 tiles that mandel renders on demand with its own kernels. The
// browser fetches each tile's raw counts and colours them itself, so a colour change costs
// no render, the counts are exactly those of `mandel run`, and a tile that leaves the view
// aborts its request (and the server cancels its chunk).
import { getJson, workerColour } from './common.js';
import { bitsAt, decimalToFixed, fixedToDecimal, Frame, log2Of, widthText } from './plane.js';

/* global L */
const config = await getJson('/api/config');
const { tileSize, maxZoom, doubleZoom } = config;
// Local zoom L of the Leaflet map is absolute zoom frame.z0 + L; the frame moves as one zooms.
const REANCHOR_ABOVE = 28;
const REANCHOR_BELOW = 4;
const LOCAL_DEPTH = 12;

const $ = (id) => document.getElementById(id);
for (const name of Object.keys(config.colormaps)) $('colormap').add(new Option(name, name));
for (const name of ['auto', ...config.kernels]) $('kernel').add(new Option(name, name));
$('maxzoom').textContent = String(doubleZoom);

const state = readHash();
$('maxiter').value = String(state.maxiter === 'auto' ? 1000 : state.maxiter);
$('auto').checked = state.maxiter === 'auto';
$('colormap').value = state.colormap;
$('scale').value = state.scale;
$('kernel').value = state.kernel;
$('prune').checked = state.prune;
$('byworker').checked = state.byWorker;

/** Absolute zoom at which the window's width shows `log2Width` of the plane. */
const zoomFor = (log2Width) => Math.log2((window.innerWidth * 4) / tileSize) - log2Width;

// The first frame: anchored LOCAL_DEPTH levels above the asked zoom, around the asked centre.
const startZoom = Math.min(maxZoom, zoomFor(log2Of(state.width)));
const startBits = bitsAt(startZoom);
const startRe = decimalToFixed(state.re, startBits);
const startIm = decimalToFixed(state.im, startBits);
let frame = Frame.around(startRe, startIm, startBits, Math.max(0, startZoom - LOCAL_DEPTH));

const map = L.map('map', {
  crs: L.CRS.Simple,
  minZoom: frame.z0 === 0 ? -1 : 0,
  maxZoom: maxZoom - frame.z0,
  zoomSnap: 0.25,
  zoomDelta: 0.5,
  wheelPxPerZoomLevel: 90,
  attributionControl: false,
  zoomControl: false,
  keyboard: true,
});

/** maxiter for an absolute zoom: the field's value, or one that grows with depth. */
function maxiterAt(zoom) {
  if (!$('auto').checked) return Math.max(1, Math.min(100000, Number($('maxiter').value) || 1000));
  return Math.min(20000, Math.round(200 + 120 * Math.max(0, zoom) ** 1.3));
}

const loaded = new Map(); // "z/x/y" (absolute) → { counts, worker, maxiter }
const explorer = { loaded, requests: 0, aborted: 0, errors: [], reanchored: 0, map: undefined };
window.mandelExplorer = explorer;

const TileLayer = L.GridLayer.extend({
  createTile(coords, done) {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = tileSize;
    const controller = new AbortController();
    canvas.mandelAbort = () => controller.abort();
    const tile = frame.tile(coords);
    const maxiter = maxiterAt(tile.z);
    // uint16 counts whenever maxiter fits: half the bytes of int32 for the server to copy and send.
    const format = maxiter <= 0xffff ? 'counts16' : 'counts';
    // Past double precision every tile is perturbation's: the server picks the best kernel with it.
    const kernel = tile.z > doubleZoom ? 'auto' : $('kernel').value;
    const query = new URLSearchParams({ maxiter: String(maxiter), kernel, prune: $('prune').checked ? '1' : '0', format });
    const key = `${tile.z}/${tile.x}/${tile.y}`;
    explorer.requests++;
    fetchTile(`/api/tile/${key}?${query}`, format, controller.signal)
      .then(({ counts, worker }) => {
        loaded.set(key, { counts, worker, maxiter });
        canvas.mandelKey = key;
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

/**
 * Where a count falls on the colour map, 0 … 1. `bands` runs up and down the map every 64
 * iterations, whatever maxiter: deep views, whose counts all sit near maxiter on a log or
 * linear scale, still show their structure, and no tile's colours depend on its neighbours.
 */
function position(count, maxiter, top, scale) {
  if (scale === 'linear') return count / maxiter;
  if (scale === 'bands') {
    const phase = (count % 128) / 64;
    return phase < 1 ? phase : 2 - phase;
  }
  return Math.log1p(count) / top;
}

function paint(canvas, counts, maxiter, worker) {
  const table = config.colormaps[$('colormap').value];
  const scale = $('scale').value;
  const context = canvas.getContext('2d');
  const image = context.createImageData(tileSize, tileSize);
  const top = Math.log1p(maxiter);
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i];
    image.data[i * 4 + 3] = 255;
    if (count >= maxiter) continue; // the set itself: black, as explorers draw it
    const index = Math.round(position(count, maxiter, top, scale) * 255) * 3;
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

const layer = new TileLayer({ tileSize, keepBuffer: 1, updateWhenZooming: false });
layer.on('tileunload', (event) => {
  if (event.tile.mandelAbort) {
    event.tile.mandelAbort();
    explorer.aborted++;
  }
});
layer.on('loading', () => (explorer.loading = true));
layer.on('load', () => {
  explorer.loading = false;
  showNotice();
});

/**
 * One line when the tiles on screen say nothing, as `mandel run` prints it (src/analysis/notice.ts):
 * every point at maxiter, or every point with one count.
 */
function showNotice() {
  let low = Infinity;
  let high = -Infinity;
  let maxiter = 0;
  let points = 0;
  for (const canvas of layer.getContainer()?.querySelectorAll('canvas') ?? []) {
    const tile = loaded.get(canvas.mandelKey);
    if (!tile) continue;
    maxiter = Math.max(maxiter, tile.maxiter);
    points += tile.counts.length;
    for (const count of tile.counts) {
      if (count < low) low = count;
      if (count > high) high = count;
    }
  }
  const notice = $('notice');
  let text = '';
  if (points > 0 && low === high && low >= maxiter) {
    text =
      `Every point on screen reached maxiter (${maxiter.toLocaleString('en-US')}): you are inside the set, or the detail ` +
      'here needs more iterations: untick auto maxiter and raise it.';
  } else if (points > 0 && low === high) {
    text = `Every point on screen escaped after ${low.toLocaleString('en-US')} iterations: there is no detail here; move, or zoom out.`;
  }
  notice.textContent = text;
  notice.classList.toggle('hidden', text === '');
  explorer.notice = text;
}
layer.addTo(map);
{
  const local = frame.toLocal(startRe, startIm, startBits);
  map.setView(L.latLng(local.lat, local.lng), startZoom - frame.z0, { animate: false });
}

/** The view: its centre exactly (decimal strings), its width and absolute zoom. */
function viewNow() {
  const zoom = frame.z0 + map.getZoom();
  const bits = bitsAt(zoom);
  const centre = map.getCenter();
  const { re, im } = frame.toFixed(centre.lng, centre.lat, bits);
  const digits = Math.max(6, Math.ceil(zoom * Math.log10(2)) + 8);
  const reText = fixedToDecimal(re, bits, digits);
  const imText = fixedToDecimal(im, bits, digits);
  const log2Width = Math.log2((map.getSize().x * 4) / tileSize) - zoom;
  return { re: Number(reText), im: Number(imText), reText, imText, width: 2 ** log2Width, widthText: widthText(log2Width), zoom };
}
explorer.view = viewNow;
explorer.map = map;

/**
 * Moves the frame when the local zoom leaves its comfortable range, so Leaflet's doubles
 * never have to tell deep tiles apart: the same view, re-expressed around a new anchor.
 */
function reanchor() {
  const local = map.getZoom();
  if (local <= REANCHOR_ABOVE && (local >= REANCHOR_BELOW || frame.z0 === 0)) return false;
  const zoom = frame.z0 + local;
  const bits = bitsAt(zoom);
  const centre = map.getCenter();
  const { re, im } = frame.toFixed(centre.lng, centre.lat, bits);
  // The layer leaves while the map moves to the new frame, and comes back to draw it afresh
  // (its tiles are the same absolute tiles: cached by the server). Not redraw(): in Leaflet 1.9
  // it takes the map's fractional zoom for the tiles' zoom.
  layer.remove();
  frame = Frame.around(re, im, bits, Math.max(0, zoom - LOCAL_DEPTH));
  const next = frame.toLocal(re, im, bits);
  map.setMinZoom(frame.z0 === 0 ? -1 : 0);
  map.setMaxZoom(maxZoom - frame.z0);
  map.setView(L.latLng(next.lat, next.lng), zoom - frame.z0, { animate: false });
  layer.addTo(map);
  explorer.reanchored++;
  return true;
}

function update() {
  if (reanchor()) return; // setView comes back here
  const view = viewNow();
  const deep = view.zoom > doubleZoom;
  $('readout').textContent =
    `centre ${view.reText.slice(0, 40)}${view.reText.length > 40 ? '…' : ''} ${view.imText.startsWith('-') ? '−' : '+'} ` +
    `${view.imText.replace(/^-/, '').slice(0, 40)}${view.imText.length > 41 ? '…' : ''}i · width ${view.widthText} · zoom ${view.zoom.toFixed(2)} · ` +
    `maxiter ${maxiterAt(Math.round(view.zoom))}${deep ? ' · perturbation' : ''}`;
  $('limit').classList.toggle('hidden', view.zoom <= doubleZoom);
  writeHash(view);
}
map.on('moveend zoomend', update);
for (const id of ['maxiter', 'auto', 'kernel', 'prune']) $(id).addEventListener('change', () => (layer.redraw(), update()));
for (const id of ['colormap', 'scale', 'byworker']) $(id).addEventListener('change', () => (layer.redraw(), update()));
update();

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const decimal = (key, fallback) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p.get(key) ?? '') ? p.get(key) : fallback);
  const number = (key, fallback) => (p.has(key) && Number.isFinite(Number(p.get(key))) ? Number(p.get(key)) : fallback);
  const width = decimal('w', '3.5');
  return {
    re: decimal('re', '-0.75'),
    im: decimal('im', '0'),
    width: Number.isFinite(log2Of(width)) ? width : '3.5',
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
    re: view.reText,
    im: view.imText,
    w: view.widthText,
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
