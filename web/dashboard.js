// The dashboard: everything arrives over one Server-Sent Events stream (/api/events) —
// every chunk of a watched render as it starts (threads backend) and every chunk as it
// finishes, and once a second the server's counters, memory and (on the cluster) the workers
// connected, the queue and Redis's memory.
import uPlot from '/static/uPlot.esm.js';
import { formatBytes, formatRate, getJson, workerColour } from './common.js';

const $ = (id) => document.getElementById(id);
const WINDOW_MS = 10_000;
/** How far back iterations/s is drawn, and kept. */
const RATE_WINDOW_S = 120;
const bars = []; // { worker, start, end (undefined while running), kind, id, chunk, iterations }
const lanes = new Map(); // worker → { chunks }
const renderColours = new Map();
const dashboard = { bars, lanes, renderChunks: 0, stats: undefined, watched: undefined };
window.mandelDashboard = dashboard;
/** The movie being made (one at a time on a server), whoever started it. */
const movie = { id: undefined, keyframes: 0, total: 0, framesDone: 0, frames: 0, video: undefined, chunks: 0 };
dashboard.movie = movie;

const config = await getJson('/api/config');
for (const name of config.kernels) $('wkernel').add(new Option(name, name));
$('wkernel').value = config.kernels.includes('js') ? 'js' : config.kernels[0];

// Legends name the series (no cursor values: "Time: --" says nothing).
const rates = new uPlot(
  {
    width: 360,
    height: 180,
    legend: { live: false },
    series: [{ label: 'time' }, { label: 'tiles/s', stroke: '#4e79a7' }, { label: 'M iterations/s', stroke: '#f28e2b', scale: 'it' }],
    axes: [{}, {}, { side: 1, scale: 'it' }],
  },
  [[], [], []],
  $('rates'),
);
const memory = new uPlot(
  {
    width: 360,
    height: 180,
    legend: { live: false },
    series: [{ label: 'time' }, { label: 'server RSS MiB', stroke: '#59a14f' }, { label: 'Redis MiB', stroke: '#b07aa1' }],
  },
  [[], [], []],
  $('memory'),
);
const history = { rates: [[], [], []], memory: [[], [], []] };

const events = new EventSource('/api/events');
events.addEventListener('hello', (event) => {
  const hello = JSON.parse(event.data);
  // A lane per thread from the start: idle threads show as empty lanes.
  if (hello.backend === 'threads')
    for (let i = 1; i <= hello.threads; i++) if (!lanes.has(`thread-${i}`)) lanes.set(`thread-${i}`, { chunks: 0 });
  $('backend').textContent =
    `${hello.backend} backend · ${hello.threads} ${hello.backend === 'threads' ? 'threads' : 'worker threads seen'} · kernels ${hello.kernels.join(', ')}`;
});
/** The bar of a running chunk, found again when it ends. */
const running = new Map(); // "render id/chunk id" → bar
events.addEventListener('chunk-start', (event) => {
  const start = JSON.parse(event.data);
  const bar = { worker: start.worker, start: start.startEpochMs, end: undefined, kind: start.kind, id: start.id, chunk: start.chunk };
  running.set(`${start.id}/${start.chunk.id}`, bar);
  bars.push(bar);
  if (!lanes.has(start.worker)) lanes.set(start.worker, { chunks: 0 });
});
events.addEventListener('chunk', (event) => {
  const chunk = JSON.parse(event.data);
  const key = `${chunk.id}/${chunk.chunk.id}`;
  const bar = running.get(key);
  running.delete(key);
  if (bar) Object.assign(bar, { worker: chunk.worker, start: chunk.startEpochMs, end: chunk.endEpochMs });
  else
    bars.push({
      worker: chunk.worker,
      start: chunk.startEpochMs,
      end: chunk.endEpochMs,
      kind: chunk.kind,
      id: chunk.id,
      chunk: chunk.chunk,
    });
  spreadOver(chunk.startEpochMs, chunk.endEpochMs, chunk.iterations);
  if (movie.id && chunk.id.startsWith(`${movie.id}/`)) movie.chunks++; // a movie's keyframe: one id each
  const lane = lanes.get(chunk.worker) ?? { chunks: 0 };
  lane.chunks++;
  lanes.set(chunk.worker, lane);
  if (chunk.kind !== 'render') return;
  if (dashboard.watched && chunk.id === dashboard.watched.id) paintChunk(chunk);
  // A render's first events can come before the answer to its POST: keep them until then.
  else if (!dashboard.watched || chunk.id !== dashboard.watched.id) early(chunk.id).chunks.push(chunk);
});
events.addEventListener('stats', (event) => {
  const stats = JSON.parse(event.data);
  dashboard.stats = stats;
  const cards = [
    [stats.inFlight, 'tiles in flight'],
    [stats.tilesServed, 'tiles served'],
    [stats.cacheHits, 'from the cache'],
    [stats.cancelled, 'chunks cancelled'],
    [stats.rejected, 'answered 503'],
    [`${stats.tilesPerSecond.toFixed(1)}`, 'tiles/s'],
    [formatRate(meanRate() * 1e6), 'iterations/s (10 s)'],
    [formatBytes(stats.memory.rss), 'server RSS'],
  ];
  if (stats.queue) cards.push([`${stats.queue.waiting} / ${stats.queue.active}`, 'queue waiting / active']);
  if (stats.redisMemoryBytes !== undefined) cards.push([formatBytes(stats.redisMemoryBytes), 'Redis memory']);
  if (stats.workers) cards.push([stats.workers.length, 'workers connected']);
  $('cards').innerHTML = cards.map(([value, label]) => `<div class="card"><b>${value}</b><span>${label}</span></div>`).join('');
  const t = stats.time / 1000;
  history.rates[0].push(t);
  history.rates[1].push(stats.tilesPerSecond);
  history.rates[2].push(0); // drawn again below from the chunks themselves
  history.memory[0].push(t);
  history.memory[1].push(stats.memory.rss / 2 ** 20);
  history.memory[2].push(stats.redisMemoryBytes === undefined ? null : stats.redisMemoryBytes / 2 ** 20);
  for (const series of [...history.rates, ...history.memory]) if (series.length > RATE_WINDOW_S) series.shift();
  history.rates[2] = iterationRates(history.rates[0]);
  rates.setData(history.rates);
  memory.setData(history.memory);
  if (stats.workers)
    for (const worker of stats.workers)
      if (![...lanes.keys()].some((lane) => lane.startsWith(worker.name)))
        lanes.set(`${worker.name}`, lanes.get(worker.name) ?? { chunks: 0 });
});
/**
 * Iterations per second of each whole second (epoch s → iterations), from the chunks that ran
 * then: a chunk's iterations spread evenly over its run. A chunk is counted when it ends (its
 * iterations are known then), so the seconds it ran through fill in afterwards instead of
 * spiking at its end. Filled once per chunk, read once per sample: the dashboard's cost does not
 * grow with the chunks of the last two minutes (thousands, while tiles are served).
 */
const perSecond = new Map();
function spreadOver(start, end, iterations) {
  const add = (second, share) => perSecond.set(second, (perSecond.get(second) ?? 0) + share);
  if (end <= start) {
    add(Math.floor(start / 1000), iterations);
    return;
  }
  for (let second = Math.floor(start / 1000); second * 1000 < end; second++) {
    const overlap = Math.min(end, (second + 1) * 1000) - Math.max(start, second * 1000);
    add(second, (iterations * overlap) / (end - start));
  }
}
/** The rate of the last whole second before each sample time `times` (s since the epoch), in M iterations/s. */
function iterationRates(times) {
  const oldest = Math.floor(times[0] ?? Date.now() / 1000) - 1;
  for (const second of perSecond.keys()) if (second < oldest) perSecond.delete(second);
  return times.map((t) => (perSecond.get(Math.floor(t) - 1) ?? 0) / 1e6);
}
dashboard.iterationRates = () => iterationRates(history.rates[0]);
/** The mean of the curve over its last 10 s (M iterations/s). */
const meanRate = () => {
  const last = history.rates[2].slice(-10);
  return last.length > 0 ? last.reduce((a, b) => a + b, 0) / last.length : 0;
};

/** Events of a render not yet known to be ours, by render id (only the latest few kept). */
const earlyEvents = new Map();
function early(id) {
  if (!earlyEvents.has(id)) {
    earlyEvents.set(id, { chunks: [], done: undefined, failed: undefined, start: undefined });
    while (earlyEvents.size > 4) earlyEvents.delete(earlyEvents.keys().next().value);
  }
  return earlyEvents.get(id);
}
events.addEventListener('render-done', (event) => renderDone(JSON.parse(event.data)));
function renderDone(done) {
  if (!dashboard.watched || done.id !== dashboard.watched.id) return void (early(done.id).done = done);
  $('wstatus').textContent = `done: ${plural(done.chunks, 'chunk')} in ${done.computeMs.toFixed(0)} ms, sum ${done.sum}`;
  $('explanation').textContent = done.explanation;
  $('legend').innerHTML = done.lanes
    .map(
      (lane) =>
        `<div><span class="swatch" style="background:${workerColour(lane.worker)}"></span>${lane.worker}: ${plural(lane.chunks, 'chunk')}, ${Math.round(lane.utilisation * 100)}% busy</div>`,
    )
    .join('');
  const image = new Image();
  image.onload = () => {
    const context = $('painting').getContext('2d');
    context.globalAlpha = 0.6;
    context.drawImage(image, 0, 0, $('painting').width, $('painting').height);
    context.globalAlpha = 1;
  };
  image.src = `/api/renders/${done.id}/image.png`;
  finishWatch();
}
events.addEventListener('render-failed', (event) => renderFailed(JSON.parse(event.data)));
function renderFailed(failed) {
  if (!dashboard.watched || failed.id !== dashboard.watched.id) return void (early(failed.id).failed = failed);
  $('wstatus').textContent = `${failed.state}: ${failed.error}`;
  finishWatch();
}
events.addEventListener('bench-done', () => ($('benchstatus').innerHTML = 'done: <a href="/report" target="_blank">open the report</a>'));

const plural = (n, noun) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

function paintChunk(chunk) {
  const watched = dashboard.watched;
  const canvas = $('painting');
  const context = canvas.getContext('2d');
  const sx = canvas.width / watched.cols;
  const sy = canvas.height / watched.rows;
  context.fillStyle = workerColour(chunk.worker, 0.9);
  const c = chunk.chunk;
  for (let r = 0; r < c.rowCount; r++) {
    const row = c.row0 + r * c.rowStep;
    context.fillRect(c.col0 * sx, row * sy, c.colCount * sx, Math.max(1, sy));
  }
  dashboard.renderChunks++;
}

$('watch').addEventListener('click', async () => {
  const body = {
    size: Number($('size').value),
    maxiter: Number($('wmaxiter').value),
    schedule: $('schedule').value,
    chunks: Number($('chunks').value),
    kernel: $('wkernel').value,
  };
  try {
    const started = await getJson('/api/renders', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    // Rows and columns of the tutorial grid, as the server will report them.
    const side = Math.ceil(body.size / 2);
    dashboard.watched = { id: started.id, rows: side, cols: side };
    const pending = earlyEvents.get(started.id);
    renderColours.set(started.id, `hsl(${(renderColours.size * 67 + 20) % 360}, 70%, 60%)`);
    const canvas = $('painting');
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    dashboard.renderChunks = 0;
    $('wstatus').textContent = `running: ${plural(body.chunks, 'chunk')}, ${body.schedule}`;
    $('explanation').textContent = '';
    $('legend').textContent = '';
    $('watch').disabled = true;
    $('cancel').disabled = false;
    if (pending) {
      earlyEvents.delete(started.id);
      if (pending.start) Object.assign(dashboard.watched, { rows: pending.start.rows, cols: pending.start.cols });
      for (const chunk of pending.chunks) paintChunk(chunk);
      if (pending.done) renderDone(pending.done);
      if (pending.failed) renderFailed(pending.failed);
    }
  } catch (error) {
    $('wstatus').textContent = String(error.message);
  }
});
events.addEventListener('render-start', (event) => {
  const start = JSON.parse(event.data);
  if (dashboard.watched && start.id === dashboard.watched.id) Object.assign(dashboard.watched, { rows: start.rows, cols: start.cols });
  else early(start.id).start = start;
});
$('cancel').addEventListener('click', () => dashboard.watched && fetch(`/api/renders/${dashboard.watched.id}`, { method: 'DELETE' }));
function finishWatch() {
  $('watch').disabled = false;
  $('cancel').disabled = true;
}
// A movie: keyframes as thumbnails as they finish, then the video. Events of another movie
// (another dashboard started it) are shown too: there is one at a time.
const showMovie = (text) => ($('mstatus').textContent = text);
events.addEventListener('movie-start', (event) => {
  const start = JSON.parse(event.data);
  Object.assign(movie, {
    id: start.id,
    keyframes: 0,
    total: start.total,
    framesDone: 0,
    frames: start.frames,
    video: undefined,
    chunks: 0,
  });
  $('keyframes').textContent = '';
  $('mvideo').textContent = '';
  $('movie').disabled = true;
  $('mcancel').disabled = false;
  showMovie(`${plural(start.total, 'keyframe')}, ${plural(start.frames, 'frame')}, ${start.width} × ${start.height}`);
});
events.addEventListener('movie-keyframe', (event) => {
  const keyframe = JSON.parse(event.data);
  if (keyframe.id !== movie.id) return;
  movie.keyframes = keyframe.done;
  const image = new Image();
  image.src = `/api/movies/${keyframe.id}/keyframes/${keyframe.index}.png`;
  image.alt = image.title = `keyframe ${keyframe.index}: ${keyframe.width} wide, ${keyframe.ms.toFixed(0)} ms`;
  image.dataset.index = String(keyframe.index);
  $('keyframes').append(image);
  showMovie(`keyframes ${keyframe.done} / ${keyframe.total} · frames ${movie.framesDone} / ${movie.frames}`);
});
events.addEventListener('movie-progress', (event) => {
  const progress = JSON.parse(event.data);
  if (progress.id !== movie.id) return;
  movie.framesDone = progress.framesDone;
  showMovie(`keyframes ${movie.keyframes} / ${movie.total} · frames ${progress.framesDone} / ${progress.frames}`);
});
events.addEventListener('movie-done', (event) => {
  const done = JSON.parse(event.data);
  if (done.id !== movie.id) return;
  movie.video = done.video;
  showMovie(`done in ${(done.wallMs / 1000).toFixed(1)} s: ${plural(movie.total, 'keyframe')}, ${plural(movie.frames, 'frame')}`);
  const video = document.createElement('video');
  video.controls = true;
  video.src = done.video;
  video.width = 480;
  const link = document.createElement('a');
  link.href = done.video;
  link.download = 'mandel-zoom.mp4';
  link.textContent = 'save the video';
  $('mvideo').append(video, document.createElement('br'), link);
  $('movie').disabled = false;
  $('mcancel').disabled = true;
});
events.addEventListener('movie-failed', (event) => {
  const failed = JSON.parse(event.data);
  if (failed.id !== movie.id) return;
  showMovie(`${failed.state}: ${failed.error}`);
  $('movie').disabled = false;
  $('mcancel').disabled = true;
});
$('movie').addEventListener('click', async () => {
  const [re, im] = $('mcenter')
    .value.split(',')
    .map((part) => part.trim());
  const [width, height] = $('msize').value.split('x').map(Number);
  try {
    await getJson('/api/movies', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        center: { re: re ?? '', im: im ?? '' },
        zoomTo: $('mzoom').value.trim(),
        seconds: Number($('mseconds').value),
        width,
        height,
      }),
    });
  } catch (error) {
    showMovie(String(error.message));
  }
});
$('mcancel').addEventListener('click', () => movie.id && fetch(`/api/movies/${movie.id}`, { method: 'DELETE' }));

$('bench').addEventListener('click', async () => {
  $('bench').disabled = true;
  $('benchstatus').textContent = 'running…';
  try {
    await getJson('/api/bench', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  } catch (error) {
    $('benchstatus').textContent = String(error.message);
  } finally {
    $('bench').disabled = false;
  }
});

// The task stream and the workers' table, redrawn every frame.
function draw() {
  const now = Date.now();
  // Finished bars leave when they scroll out; running ones stay (their end is now).
  for (let i = bars.length - 1; i >= 0; i--) if (bars[i].end !== undefined && bars[i].end < now - WINDOW_MS) bars.splice(i, 1);
  const canvas = $('stream');
  const context = canvas.getContext('2d');
  const names = [...lanes.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  canvas.height = Math.max(60, 24 + names.length * 26);
  context.fillStyle = '#15151a';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const left = 170;
  const x = (t) => left + ((t - (now - WINDOW_MS)) / WINDOW_MS) * (canvas.width - left - 10);
  context.font = '12px sans-serif';
  names.forEach((name, i) => {
    const y = 10 + i * 26;
    context.fillStyle = '#bbb';
    context.fillText(name, 8, y + 15);
    context.fillStyle = '#222';
    context.fillRect(left, y, canvas.width - left - 10, 20);
  });
  const busy = new Map();
  const active = new Map();
  for (const bar of bars) {
    const i = names.indexOf(bar.worker);
    if (i < 0) continue;
    const end = bar.end ?? now;
    const x0 = Math.max(left, x(bar.start));
    const x1 = Math.max(x0 + 1, x(end));
    context.fillStyle = bar.kind === 'tile' ? '#4e79a7' : (renderColours.get(bar.id) ?? '#f28e2b');
    context.fillRect(x0, 10 + i * 26, x1 - x0, 20);
    if (bar.end === undefined) {
      // Still running: an open right edge, growing with time.
      context.fillStyle = '#fff';
      context.fillRect(x1 - 2, 10 + i * 26, 2, 20);
      active.set(bar.worker, (active.get(bar.worker) ?? 0) + 1);
    }
    busy.set(bar.worker, (busy.get(bar.worker) ?? 0) + Math.max(0, Math.min(end, now) - Math.max(bar.start, now - WINDOW_MS)));
  }
  dashboard.busy = busy;
  dashboard.active = active;
  $('workers').tBodies[0].innerHTML = names
    .map(
      (name) =>
        `<tr><td><span class="swatch" style="background:${workerColour(name)}"></span>${name}</td><td>${lanes.get(name).chunks}</td>` +
        `<td>${active.get(name) ?? 0}</td><td>${Math.round((100 * (busy.get(name) ?? 0)) / WINDOW_MS)}%</td></tr>`,
    )
    .join('');
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
document.body.dataset.ready = 'true';
