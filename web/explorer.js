// The explorer: the set fills the window; Leaflet (a simple CRS: no map projection) zooms
// and pans over 256 × 256 tiles that mandel renders on demand with its own kernels. The
// browser fetches each tile's raw counts and colours them itself, so a colour change costs
// no render, the counts are exactly those of `mandel run`, and a tile that leaves the view
// aborts its request (and the server cancels its chunk).
import { getJson, workerColour } from './common.js';
import { bitsAt, decimalToFixed, fixedToDecimal, Frame, log2Of, widthText } from './plane.js';
import { colourScale, DENSITY_MAX, DENSITY_MIN, INTERIOR, SCALES } from './scale.js';

/* global L */
const config = await getJson('/api/config');
const { tileSize, maxZoom, doubleZoom } = config;
// Local zoom L of the Leaflet map is absolute zoom frame.z0 + L; the frame moves as one zooms.
const REANCHOR_ABOVE = 28;
const REANCHOR_BELOW = 4;
const LOCAL_DEPTH = 12;

/** Famous places, one click away: centre and width as decimal strings, as in a link. */
const PLACES = [
  { name: 'the whole set', re: '-0.75', im: '0', width: '3.5' },
  { name: 'Seahorse Valley', re: '-0.7453', im: '0.1127', width: '0.012' },
  { name: 'Elephant Valley', re: '0.2925', im: '0.0149', width: '0.015' },
  {
    name: 'a double spiral, 1e-22 (M(24,1))',
    re: '-0.77568376800905379746948350393',
    im: '0.13646736829469012473327440961',
    width: '1e-22',
  },
  {
    name: 'a minibrot of period 27, 2.5e-19',
    re: '0.00000000097129317218970649810297842596133880230241659543671',
    im: '1.0000000004765938201144901270102799093346831892549',
    width: '2.5e-19',
  },
  {
    name: 'Seahorse Valley at 1e-30',
    re: '-0.743643887037158704752191506114774',
    im: '0.131825904205311970493132056385139',
    width: '1e-30',
    maxiter: 5000,
  },
];

const $ = (id) => document.getElementById(id);
const KERNELS = ['auto', ...config.kernels];
for (const name of Object.keys(config.colormaps)) $('colormap').add(new Option(name, name));
for (const name of SCALES) $('scale').add(new Option(name === 'auto' ? 'auto (from the view)' : name, name));
for (const name of KERNELS) $('kernel').add(new Option(name, name));
for (const [index, place] of PLACES.entries()) $('places').add(new Option(place.name, String(index)));
$('maxzoom').textContent = String(doubleZoom);

/** Absolute zoom at which the window's width shows `log2Width` of the plane. */
const zoomFor = (log2Width) => Math.log2((window.innerWidth * 4) / tileSize) - log2Width;

let frame = new Frame();
/**
 * The centre as the person typed it (a link, a bookmark), kept in the URL while the view
 * stays there: a decimal read back from the map's position would differ in the last digits.
 */
let typed;

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

/** maxiter for an absolute zoom: the field's value, or one that grows with depth. */
function maxiterAt(zoom) {
  if (!$('auto').checked) return Math.max(1, Math.min(100000, Number($('maxiter').value) || 1000));
  return Math.min(20000, Math.round(200 + 120 * Math.max(0, zoom) ** 1.3));
}

const loaded = new Map(); // "z/x/y" (absolute) → { counts, worker, maxiter }
const explorer = { loaded, requests: 0, aborted: 0, errors: [], reanchored: 0, repaints: 0, map: undefined };
window.mandelExplorer = explorer;

const TileLayer = L.GridLayer.extend({
  // One pixel larger than the grid, each tile overlapping the next: at a zoom between whole
  // levels Leaflet scales the tiles, and their edges, rounded apart, showed hairline seams.
  _initTile(tile) {
    L.GridLayer.prototype._initTile.call(this, tile);
    tile.style.width = `${tileSize + 1}px`;
    tile.style.height = `${tileSize + 1}px`;
  },
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
    // Always with the smooth fractions: switching smooth colour on or off then costs no request.
    const query = new URLSearchParams({ maxiter: String(maxiter), kernel, prune: $('prune').checked ? '1' : '0', format, smooth: '1' });
    const key = `${tile.z}/${tile.x}/${tile.y}`;
    explorer.requests++;
    fetchTile(`/api/tile/${key}?${query}`, format, controller.signal)
      .then(({ counts, smooth, worker }) => {
        loaded.set(key, { counts, smooth, worker, maxiter });
        canvas.mandelKey = key;
        paint(canvas, loaded.get(key));
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
    // The counts, then (X-Mandel-Smooth) each point's smooth fraction as float32.
    const bytes = await response.arrayBuffer();
    const points = tileSize * tileSize;
    const counts = format === 'counts16' ? new Uint16Array(bytes, 0, points) : new Int32Array(bytes, 0, points);
    const smooth = response.headers.get('X-Mandel-Smooth') ? new Float32Array(bytes, counts.byteLength, points) : undefined;
    return { counts, smooth, worker: response.headers.get('X-Mandel-Worker') ?? '?' };
  }
}

/** The colour scale of the tiles on screen (web/scale.js, as `mandel run` colours an image). */
let viewScale;

/** The tiles on screen, with their counts. */
function tilesOnScreen() {
  const tiles = [];
  for (const canvas of layer.getContainer()?.querySelectorAll('canvas') ?? []) {
    const tile = loaded.get(canvas.mandelKey);
    if (tile) tiles.push({ canvas, tile });
  }
  return tiles;
}

/** The palette of the panel: density (its slider is log2 of it) and offset, in cycles. */
function palette() {
  const density = Math.min(DENSITY_MAX, Math.max(DENSITY_MIN, 2 ** Number($('density').value)));
  return { density, offset: Number($('offset').value) };
}

/** The scale from every tile on screen; one tile's own until there are others at its maxiter. */
function scaleFor(tile) {
  const asked = `${$('scale').value} ${$('density').value} ${$('offset').value}`;
  if (!viewScale || viewScale.maxiter !== tile.maxiter || viewScale.asked !== asked) {
    const tiles = tilesOnScreen().filter((t) => t.tile.maxiter === tile.maxiter);
    const counts = tiles.length > 0 ? tiles.map((t) => t.tile.counts) : [tile.counts];
    viewScale = { ...colourScale(counts, tile.maxiter, $('scale').value, palette()), maxiter: tile.maxiter, asked };
  }
  return viewScale;
}

function paint(canvas, tile) {
  const table = config.colormaps[$('colormap').value];
  const { index: indexOf } = scaleFor(tile);
  const { counts } = tile;
  const fractions = $('smooth').checked ? tile.smooth : undefined;
  const context = canvas.getContext('2d');
  const image = context.createImageData(tileSize, tileSize);
  for (let i = 0; i < counts.length; i++) {
    image.data[i * 4 + 3] = 255;
    const index = fractions ? indexOf(counts[i], fractions[i]) : indexOf(counts[i]);
    if (index === INTERIOR) continue; // the set itself: black, as in `mandel run`'s images
    image.data[i * 4] = table[index * 3];
    image.data[i * 4 + 1] = table[index * 3 + 1];
    image.data[i * 4 + 2] = table[index * 3 + 2];
  }
  context.putImageData(image, 0, 0);
  if ($('byworker').checked) {
    context.fillStyle = workerColour(tile.worker, 0.45);
    context.fillRect(0, 0, tileSize, tileSize);
    context.fillStyle = '#fff';
    context.font = '12px sans-serif';
    context.fillText(tile.worker, 6, 16);
  }
}

/** Colours again from the counts in hand: a colour setting costs no request. */
function repaint() {
  viewScale = undefined;
  for (const { canvas, tile } of tilesOnScreen()) paint(canvas, tile);
  explorer.scale = viewScale?.scale;
  explorer.repaints++;
}

/**
 * Asks for every tile again (maxiter, kernel, pruning changed). Not layer.redraw(): in Leaflet
 * 1.9 it takes the map's fractional zoom for the tiles' zoom, and a tile at zoom 3.25 cannot be.
 */
function reload() {
  layer.remove();
  layer.addTo(map);
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
  repaint(); // the scale of the whole view, now that every tile on it is here
  showNotice();
  update();
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

/**
 * Shows a place given by decimal strings: anchors the frame LOCAL_DEPTH levels above its zoom,
 * around its centre, and keeps the strings as typed for the URL.
 */
function goTo(place) {
  const zoom = Math.min(maxZoom, zoomFor(log2Of(place.width)));
  const bits = bitsAt(zoom);
  const re = decimalToFixed(place.re, bits);
  const im = decimalToFixed(place.im, bits);
  navigating = true;
  const local = showAt(re, im, bits, zoom);
  typed = { reText: place.re, imText: place.im, z0: frame.z0, lat: local.lat, lng: local.lng };
  navigating = false;
  update();
}
/**
 * The frame anchored LOCAL_DEPTH levels above `zoom` around (re, im), and the map there. The
 * layer leaves while the map moves to the new frame, and comes back to draw it afresh (its
 * tiles are the same absolute tiles: cached by the server). Not redraw(): in Leaflet 1.9 it
 * takes the map's fractional zoom for the tiles' zoom.
 */
function showAt(re, im, bits, zoom) {
  layer.remove();
  frame = Frame.around(re, im, bits, Math.max(0, zoom - LOCAL_DEPTH));
  const local = frame.toLocal(re, im, bits);
  map.setMinZoom(frame.z0 === 0 ? -1 : 0);
  map.setMaxZoom(maxZoom - frame.z0);
  map.setView(L.latLng(local.lat, local.lng), zoom - frame.z0, { animate: false });
  layer.addTo(map);
  return local;
}

/** True while the explorer moves the map itself (a link, back/forward): no history entry. */
let navigating = false;

/** The view: its centre exactly (decimal strings), its width and absolute zoom. */
function viewNow() {
  const zoom = frame.z0 + map.getZoom();
  const bits = bitsAt(zoom);
  const centre = map.getCenter();
  const here = typed && typed.z0 === frame.z0 && typed.lat === centre.lat && typed.lng === centre.lng;
  const { re, im } = frame.toFixed(centre.lng, centre.lat, bits);
  const digits = Math.max(6, Math.ceil(zoom * Math.log10(2)) + 8);
  // The typed centre while the map has not moved from it; the map's own position after.
  const reText = here ? typed.reText : fixedToDecimal(re, bits, digits);
  const imText = here ? typed.imText : fixedToDecimal(im, bits, digits);
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
  showAt(re, im, bits, zoom);
  explorer.reanchored++;
  return true;
}

function update() {
  if (reanchor()) return; // setView comes back here
  const view = viewNow();
  const deep = view.zoom > doubleZoom;
  const maxiter = maxiterAt(Math.round(view.zoom));
  const line = (id, text) => {
    $(id).textContent = text;
    $(id).title = text;
  };
  line('re', `re ${view.reText}`);
  line('im', `im ${view.imText}`);
  line('width', `width ${view.widthText} · zoom ${view.zoom.toFixed(2)}`);
  const scale = $('scale').value === 'auto' && viewScale ? `auto: ${viewScale.scale}` : $('scale').value;
  line('iterations', `maxiter ${maxiter.toLocaleString('en-US')}${deep ? ' · perturbation' : ''}`);
  const { density, offset } = palette();
  $('density-value').textContent = density >= 1 ? String(Math.round(density * 100) / 100) : `1/${Math.round(1 / density)}`;
  $('offset-value').textContent = offset.toFixed(2);
  line(
    'colours',
    `colours ${$('colormap').value}, ${scale}${$('smooth').checked ? ', smooth' : ''}` +
      `${density !== 1 ? ` ×${$('density-value').textContent}` : ''}${offset !== 0 ? ` +${offset.toFixed(2)}` : ''}`,
  );
  // Under auto the field shows the value in use and cannot be edited; untick auto to set one.
  $('maxiter').disabled = $('auto').checked;
  if ($('auto').checked) $('maxiter').value = String(maxiter);
  $('limit').classList.toggle('hidden', view.zoom <= doubleZoom);
  $('command').value = runCommand(view, maxiter);
  // Not while colours cycle: browsers refuse a page's history calls past ~100 in 10 s.
  if (!$('cycle').checked) writeHash(view);
}
map.on('moveend zoomend', update);
// A move the person makes starts a new history entry (Back returns to where it began); the
// entry then follows the view as it moves and settles.
map.on('movestart zoomstart', () => {
  if (navigating || moving) return;
  moving = true;
  history.pushState(null, '', location.href);
});
map.on('moveend', () => (moving = false));
let moving = false;
window.addEventListener('popstate', () => {
  const state = readHash();
  setControls(state);
  goTo(state);
});
for (const id of ['maxiter', 'auto', 'kernel', 'prune']) $(id).addEventListener('change', () => (reload(), update()));
for (const id of ['colormap', 'scale', 'byworker', 'smooth']) $(id).addEventListener('change', () => (repaint(), update()));
for (const id of ['density', 'offset']) $(id).addEventListener('input', () => (repaint(), update()));
$('cycle').addEventListener('change', () => {
  if ($('cycle').checked) requestAnimationFrame(cycle);
  update();
});

/** Colour cycling: the offset runs once round the palette every CYCLE_SECONDS, repainted from the counts in hand. */
const CYCLE_SECONDS = 10;
let cycledAt;
function cycle(now) {
  if (!$('cycle').checked) {
    cycledAt = undefined;
    return;
  }
  // At most ~20 repaints a second: each colours every tile on screen again.
  if (cycledAt === undefined || now - cycledAt >= 50) {
    const step = cycledAt === undefined ? 0 : (now - cycledAt) / 1000 / CYCLE_SECONDS;
    $('offset').value = String((Number($('offset').value) + step) % 1);
    cycledAt = now;
    repaint();
    update();
    explorer.cycles = (explorer.cycles ?? 0) + 1;
  }
  requestAnimationFrame(cycle);
}
$('places').addEventListener('change', () => {
  const place = PLACES[Number($('places').value)];
  $('places').value = '';
  if (!place) return;
  history.pushState(null, '', location.href);
  if (place.maxiter) {
    $('auto').checked = false;
    $('maxiter').value = String(place.maxiter);
  } else $('auto').checked = true;
  goTo(place);
});
$('collapse').addEventListener('click', () => {
  const collapsed = $('panel').classList.toggle('collapsed');
  $('collapse').textContent = collapsed ? 'show' : 'hide';
  $('collapse').setAttribute('aria-expanded', String(!collapsed));
});
$('copy').addEventListener('click', async () => {
  $('command').select();
  try {
    await navigator.clipboard.writeText($('command').value);
    $('copy').textContent = 'copied';
  } catch {
    document.execCommand('copy'); // selected above: the fallback where the clipboard API is refused
    $('copy').textContent = 'selected';
  }
  setTimeout(() => ($('copy').textContent = 'copy'), 1500);
});
$('export').addEventListener('click', () => exportPng());
for (const id of ['export-width', 'export-height']) $(id).addEventListener('input', () => update());
{
  const state = readHash();
  setControls(state);
  goTo(state);
}

/** The `mandel run` command that renders this view at the export size, in these colours. */
function runCommand(view, maxiter) {
  const cols = exportSize('export-width', 1920);
  const rows = exportSize('export-height', 1080);
  const kernel = view.zoom <= doubleZoom && $('kernel').value !== 'auto' ? ` --kernel ${$('kernel').value}` : '';
  const prune = $('prune').checked ? '' : ' --no-prune';
  const { density, offset } = palette();
  const colours =
    `${$('smooth').checked ? ' --smooth' : ''}${density !== 1 ? ` --density ${density}` : ''}` +
    `${offset !== 0 ? ` --offset ${offset}` : ''}`;
  return (
    `mandel run --center=${view.reText},${view.imText} --zoom ${view.widthText} --width ${cols} --height ${rows} -m ${maxiter}` +
    `${kernel}${prune} --colormap ${$('colormap').value} --scale ${$('scale').value}${colours} -o mandel-view.png`
  );
}

function exportSize(id, fallback) {
  const value = Math.round(Number($(id).value));
  return Number.isFinite(value) && value >= 16 && value <= 4096 ? value : fallback;
}

/**
 * Renders the view at the export size on the server's backend (any depth), with a progress
 * bar, then offers the PNG, coloured as on screen. The server watches one render at a time.
 */
async function exportPng() {
  const view = viewNow();
  const cols = exportSize('export-width', 1920);
  const rows = exportSize('export-height', 1080);
  const status = $('export-status');
  const bar = $('export-progress');
  $('export').disabled = true;
  $('export-link').classList.add('hidden');
  bar.value = 0;
  bar.classList.remove('hidden');
  try {
    const body = {
      view: { re: view.reText, im: view.imText, width: view.widthText, cols, rows },
      maxiter: maxiterAt(Math.round(view.zoom)),
      kernel: view.zoom <= doubleZoom ? $('kernel').value : 'auto',
      prune: $('prune').checked,
      smooth: $('smooth').checked,
    };
    let render = await getJson('/api/renders', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    while (render.state === 'running') {
      status.textContent = `rendering ${cols} × ${rows}: ${Math.floor((100 * render.done) / render.total)}%`;
      bar.value = render.done / render.total;
      await new Promise((resolve) => setTimeout(resolve, 250));
      render = await getJson(`/api/renders/${render.id}`);
    }
    if (render.state !== 'done') throw new Error(render.error ?? render.state);
    bar.value = 1;
    const { density, offset } = palette();
    const query = new URLSearchParams({
      colormap: $('colormap').value,
      scale: $('scale').value,
      smooth: $('smooth').checked ? '1' : '0',
      density: String(density),
      offset: String(offset),
    });
    const link = $('export-link');
    link.href = `/api/renders/${render.id}/image.png?${query}`;
    link.download = `mandel-${cols}x${rows}.png`;
    link.classList.remove('hidden');
    status.textContent = `done in ${(render.computeMs / 1000).toFixed(1)} s:`;
    explorer.exported = link.href;
  } catch (error) {
    status.textContent = `export failed: ${error.message}`;
    explorer.errors.push(String(error));
  } finally {
    $('export').disabled = false;
    bar.classList.add('hidden');
  }
}

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
    colormap: oneOf(p.get('cm'), Object.keys(config.colormaps), 'viridis'),
    scale: oneOf(p.get('sc'), SCALES, 'auto'),
    kernel: oneOf(p.get('k'), KERNELS, 'auto'),
    prune: p.get('p') !== '0',
    byWorker: p.get('by') === 'worker',
    smooth: p.get('sm') !== '0',
    // log2 of the density, as its slider holds it, within the slider's range.
    density: Math.min(10, Math.max(-6, Math.log2(number('d', 1) > 0 ? number('d', 1) : 1))),
    offset: ((number('o', 0) % 1) + 1) % 1,
  };
}

/** A setting from the URL, when it is one the page offers; otherwise the default. */
function oneOf(value, choices, fallback) {
  return choices.includes(value) ? value : fallback;
}

function setControls(state) {
  $('maxiter').value = String(state.maxiter === 'auto' ? 1000 : state.maxiter);
  $('auto').checked = state.maxiter === 'auto';
  $('colormap').value = state.colormap;
  $('scale').value = state.scale;
  $('kernel').value = state.kernel;
  $('prune').checked = state.prune;
  $('byworker').checked = state.byWorker;
  $('smooth').checked = state.smooth;
  $('density').value = String(state.density);
  $('offset').value = String(state.offset);
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
    sm: $('smooth').checked ? '1' : '0',
    d: String(palette().density),
    o: String(palette().offset),
  });
  history.replaceState(null, '', `${location.pathname}${location.search}#${p}`);
}
document.body.dataset.ready = 'true';
