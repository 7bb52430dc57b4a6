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

/** Palette settings: the map once over the scale's range (density 1), from its first colour (offset 0). */
export const PALETTE = Object.freeze({ density: 1, offset: 0 });
/** Bounds of the density, colours per unit of the scale (bands: per BAND_PERIOD / 2 iterations). */
export const DENSITY_MIN = 1 / 64;
export const DENSITY_MAX = 1024;

/**
 * The colour index (0 … 255, or INTERIOR) of every point of one view, under a scale.
 *
 * A scale places a count on the map, 0 … 1 (`bands`: without end, a map every BAND_PERIOD / 2
 * iterations); with a smooth fraction (src/kernels/smooth.ts) the place is that of the
 * continuous count μ = count + fraction, between the places of its neighbouring counts, so
 * colours change without steps. The palette then repeats the map `density` times as often and
 * shifts it by `offset` (a whole cycle is 1): the place p becomes p·density + 2·offset, folded
 * back and forth over the map (0 → 1 → 0 …) so that a repeated map has no seam. With the
 * defaults and no fraction every index is what it always was.
 *
 * @param {ArrayLike<number>[]} parts the view's counts, in one array or many (the explorer's tiles)
 * @param {number} maxiter
 * @param {string} scale one of SCALES
 * @param {{ density?: number, offset?: number }} [palette]
 * @returns {{ scale: string, index: (count: number, fraction?: number) => number }} `scale` is the one used (auto resolved)
 */
export function colourScale(parts, maxiter, scale, palette = PALETTE) {
  if (!SCALES.includes(scale)) throw new RangeError(`scale must be one of ${SCALES.join(', ')} (got "${scale}")`);
  const density = palette.density ?? PALETTE.density;
  const offset = palette.offset ?? PALETTE.offset;
  if (!(density >= DENSITY_MIN && density <= DENSITY_MAX)) {
    throw new RangeError(`density must be from ${DENSITY_MIN} to ${DENSITY_MAX} (got ${density})`);
  }
  if (!Number.isFinite(offset)) throw new RangeError(`offset must be a number (got ${offset})`);
  const shift = 2 * offset;
  const plain = density === 1 && shift === 0;
  const toIndex = (place) => Math.round((plain ? place : fold(place * density + shift)) * 255);
  if (scale === 'bands') {
    const half = BAND_PERIOD / 2;
    return {
      scale,
      index: (count, fraction = 0) => (count >= maxiter ? INTERIOR : Math.round(fold(((count + fraction) / half) * density + shift) * 255)),
    };
  }
  const histogram = countHistogram(parts, maxiter);
  const { present, lowest, escaped } = histogram;
  const span = maxiter - lowest;
  const logAt = (count) => (span <= 0 ? 1 : Math.log1p(count - lowest) / Math.log1p(span));
  const used = scale === 'auto' ? (logSpread(histogram, logAt) < AUTO_SPREAD ? 'histogram' : 'log') : scale;
  // The histogram scale places a count at the middle of its rank among escaped points.
  let below = 0;
  const placeOf = new Map();
  for (const count of present) {
    const n = histogram.of(count);
    let place;
    if (used === 'histogram') place = escaped > 0 ? (below + n / 2) / escaped : 0;
    else if (used === 'linear') place = span <= 0 ? 1 : (count - lowest) / span;
    else place = logAt(count);
    below += n;
    placeOf.set(count, place);
  }
  const highest = present.length > 0 ? present[present.length - 1] : lowest;
  const dense = highest - lowest < TABLE_LIMIT;
  // Places of μ between counts: log and linear by their formulas (continuous already); the
  // histogram's by straight lines between the places of the counts present.
  let continuous;
  if (used === 'log') continuous = (mu) => logAt(Math.min(Math.max(mu, lowest), maxiter));
  else if (used === 'linear') continuous = (mu) => (span <= 0 ? 1 : (Math.min(Math.max(mu, lowest), maxiter) - lowest) / span);
  else if (dense && present.length > 0) {
    const at = new Float64Array(highest - lowest + 1);
    let previous = present[0];
    for (const count of present) {
      const from = placeOf.get(previous);
      const to = placeOf.get(count);
      for (let c = previous; c <= count; c++)
        at[c - lowest] = count === previous ? to : from + ((to - from) * (c - previous)) / (count - previous);
      previous = count;
    }
    continuous = (mu) => {
      if (mu <= lowest) return at[0];
      if (mu >= highest) return at[at.length - 1];
      const n = Math.floor(mu);
      const f = mu - n;
      const i = n - lowest;
      return at[i] + f * (at[i + 1] - at[i]);
    };
  }
  let counted;
  if (maxiter <= TABLE_LIMIT) {
    const table = new Int16Array(maxiter + 1).fill(INTERIOR);
    for (const [count, place] of placeOf) table[count] = toIndex(place);
    counted = (count) => (count >= maxiter ? INTERIOR : table[count]);
  } else {
    counted = (count) => (count >= maxiter ? INTERIOR : toIndex(placeOf.get(count) ?? 1));
  }
  return {
    scale: used,
    index: (count, fraction) => {
      if (fraction === undefined || count >= maxiter || !continuous) return counted(count);
      return toIndex(continuous(count + fraction));
    },
  };
}

/** A place on the map, folded back and forth into 0 … 1: 1.25 → 0.75, 2.25 → 0.25, −0.25 → 0.25. */
export function fold(place) {
  const y = place - 2 * Math.floor(place / 2);
  return y <= 1 ? y : 2 - y;
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
