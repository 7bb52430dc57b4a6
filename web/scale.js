// How iteration counts become places on a colour map: one module for `mandel run`'s images
// (src/outputs/colormap.ts imports it) and for the explorer's tiles (the browser loads it as
// it is), so that both draw one view with the same colours and the same rule for the set.
//
// Every scale but `bands` is relative to the view: the lowest count on it is the map's first
// colour. A deep view's counts all sit in a narrow band near some large count, which an
// absolute scale paints in one colour; `auto` looks at the counts and, when a log scale would
// crowd most points into a sliver of the map, equalises the histogram instead.

/** The scales, `auto` first: it is the default everywhere. */
export const SCALES = ['auto', 'log', 'linear', 'histogram', 'bands'];

/** The colour index of a point in the set (count = maxiter): drawn black, not from the map. */
export const INTERIOR = -1;

/**
 * `auto` takes the histogram when, on the log scale, the middle 80% of escaped points (10th to
 * 90th percentile) would share less than this fraction of the map.
 */
export const AUTO_SPREAD = 0.25;

/** `bands` runs up the map and back down every BAND_PERIOD iterations, whatever maxiter. */
export const BAND_PERIOD = 128;

/** Up to this maxiter, one table slot per count; past it, a map of the counts present. */
const TABLE_LIMIT = 1 << 22;

/**
 * The colour index (0 … 255, or INTERIOR) of every count of one view, under a scale.
 *
 * @param {ArrayLike<number>[]} parts the view's counts, in one array or many (the explorer's tiles)
 * @param {number} maxiter
 * @param {string} scale one of SCALES
 * @returns {{ scale: string, index: (count: number) => number }} `scale` is the one used (auto resolved)
 */
export function colourScale(parts, maxiter, scale) {
  if (!SCALES.includes(scale)) throw new RangeError(`scale must be one of ${SCALES.join(', ')} (got "${scale}")`);
  if (scale === 'bands') {
    return {
      scale,
      index: (count) => {
        if (count >= maxiter) return INTERIOR;
        const phase = (count % BAND_PERIOD) / (BAND_PERIOD / 2);
        return Math.round((phase < 1 ? phase : 2 - phase) * 255);
      },
    };
  }
  const histogram = countHistogram(parts, maxiter);
  const { present, lowest, escaped } = histogram;
  const span = maxiter - lowest;
  const logAt = (count) => (span <= 0 ? 1 : Math.log1p(count - lowest) / Math.log1p(span));
  const used = scale === 'auto' ? (logSpread(histogram, logAt) < AUTO_SPREAD ? 'histogram' : 'log') : scale;
  // The histogram scale places a count at the middle of its rank among escaped points.
  let below = 0;
  const indexOf = new Map();
  for (const count of present) {
    const n = histogram.of(count);
    let position;
    if (used === 'histogram') position = escaped > 0 ? (below + n / 2) / escaped : 0;
    else if (used === 'linear') position = span <= 0 ? 1 : (count - lowest) / span;
    else position = logAt(count);
    below += n;
    indexOf.set(count, Math.round(position * 255));
  }
  if (maxiter <= TABLE_LIMIT) {
    const table = new Int16Array(maxiter + 1).fill(INTERIOR);
    for (const [count, index] of indexOf) table[count] = index;
    return { scale: used, index: (count) => (count >= maxiter ? INTERIOR : table[count]) };
  }
  return { scale: used, index: (count) => (count >= maxiter ? INTERIOR : (indexOf.get(count) ?? 255)) };
}

/** How many escaped points took each count: the counts present (ascending), the lowest, the total. */
function countHistogram(parts, maxiter) {
  const dense = maxiter <= TABLE_LIMIT ? new Float64Array(maxiter) : undefined;
  const sparse = dense ? undefined : new Map();
  let lowest = maxiter;
  let escaped = 0;
  for (const counts of parts) {
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i];
      if (c >= maxiter) continue;
      escaped++;
      if (c < lowest) lowest = c;
      if (dense) dense[c] += 1;
      else sparse.set(c, (sparse.get(c) ?? 0) + 1);
    }
  }
  let present;
  if (dense) {
    present = [];
    for (let c = lowest; c < maxiter; c++) if (dense[c] > 0) present.push(c);
  } else present = [...sparse.keys()].sort((a, b) => a - b);
  return { present, lowest, escaped, of: (count) => (dense ? dense[count] : sparse.get(count)) };
}

/** The share of the map between the 10th and 90th percentile of escaped points, on a scale. */
function logSpread({ present, escaped, of }, positionOf) {
  if (escaped === 0) return 1;
  let below = 0;
  let p10;
  let p90;
  for (const count of present) {
    below += of(count);
    if (p10 === undefined && below >= 0.1 * escaped) p10 = count;
    if (below >= 0.9 * escaped) {
      p90 = count;
      break;
    }
  }
  return positionOf(p90) - positionOf(p10);
}
