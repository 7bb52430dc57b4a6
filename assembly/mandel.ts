/**
 * The WebAssembly SIMD kernel (AssemblyScript → wasm, f64x2). The arithmetic and the escape
 * test are those of native/kernel-body.h: z updated as Python does (WebAssembly has no fused
 * multiply-add outside relaxed-simd), the escape test once per block of iterations (12 brute
 * force, 8 pruning), and a flagged block re-run one iteration at a time with the exact test.
 * Brute force keeps
 * 5 vectors of 2 points in flight, each refilled from its row as soon as its points are
 * done (bruteRow); pruning iterates groups of 8 points with exact cycle detection at
 * block boundaries (groupPrune).
 *
 * Written by scripts/gen-wasm-kernel.py (5 and 4 vectors): AssemblyScript keeps v128 values in
 * registers only as named locals, so the vectors are unrolled there. Edit the generator.
 */

const BAND_LOW: f64 = 4.0 - 2.8421709430404007434844970703125e-14; // 4 − 2^-45
const BAND_HIGH: f64 = 4.0 + 2.8421709430404007434844970703125e-14; // 4 + 2^-45
const GROUP: i32 = 8;

// Scratch of a pruning group: the points' real parts, their columns, their counts, their smooth fractions.
const CR: usize = memory.data(GROUP * 8, 16);
const IDX: usize = memory.data(GROUP * 4, 16);
const COUNTS: usize = memory.data(GROUP * 4, 16);
const FRACTIONS: usize = memory.data(GROUP * 4, 16);

/** glibc's hypot (≥ 2.35, no FMA), as src/kernels/escape.ts. */
function correctedHypot(ax: f64, ay: f64): f64 {
  let h = Math.sqrt(ax * ax + ay * ay);
  let t1: f64, t2: f64;
  if (h <= 2.0 * ay) {
    const delta = h - ay;
    t1 = ax * (2.0 * delta - ax);
    t2 = (delta - 2.0 * (ax - ay)) * delta;
  } else {
    const delta = h - ax;
    t1 = 2.0 * delta * (ax - 2.0 * ay);
    t2 = (4.0 * delta - ay) * ay + delta * delta;
  }
  return h - (t1 + t2) / (2.0 * h);
}

export function libmHypot(x: f64, y: f64): f64 {
  if (!isFinite(x) || !isFinite(y)) {
    const infinite = (!isNaN(x) && !isFinite(x)) || (!isNaN(y) && !isFinite(y));
    return infinite ? Infinity : NaN;
  }
  x = Math.abs(x);
  y = Math.abs(y);
  const ax = x < y ? y : x;
  const ay = x < y ? x : y;
  const scale: f64 = 2.409919865102884e-181; // 2^-600
  if (ax > 6.703903964971299e153) {
    // 2^511
    if (ay <= ax * 5.551115123125783e-17) return ax + ay; // 2^-54
    return correctedHypot(ax * scale, ay * scale) / scale;
  }
  if (ay < 1.4916681462400413e-138) {
    // 2^-459
    if (ax >= ay / 5.551115123125783e-17) return ax + ay;
    return correctedHypot(ax / scale, ay / scale) * scale;
  }
  if (ay <= ax * 5.551115123125783e-17) return ax + ay;
  return correctedHypot(ax, ay);
}

// @ts-ignore: decorator
@inline
function escaped(re: f64, im: f64, m2: f64): bool {
  return m2 > BAND_HIGH || libmHypot(re, im) > 2.0;
}

// Smooth colouring (src/kernels/smooth.ts, which says why): where each escaping point's
// fraction goes, as a distance from its count's address; 0 when none is asked for.
let smoothDelta: usize = 0;

/** log2(x) for x ≥ 1 by the same double operations as src/kernels/smooth.ts, bit for bit. */
function portableLog2(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let e = <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x800fffffffffffff) | 0x3ff0000000000000);
  if (m > 1.4142135623730951) {
    m = m * 0.5;
    e = e + 1;
  }
  const s = (m - 1.0) / (m + 1.0);
  const z = s * s;
  const series = 1.0 + z * (1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z / 9.0)));
  return <f64>e + 2.0 * s * series * 1.4426950408889634;
}

/** The fraction μ − n of a point c whose z escaped at its count n. */
function smoothFraction(zr: f64, zi: f64, cr: f64, ci: f64): f32 {
  let m2 = zr * zr + zi * zi;
  let k = 0;
  while (m2 <= 65536.0 && k < 64) {
    const t = zr * zi;
    zr = zr * zr - zi * zi + cr;
    zi = t + t + ci;
    m2 = zr * zr + zi * zi;
    k++;
  }
  if (!(m2 < Infinity)) return 0;
  return <f32>(<f64>(k + 2) - portableLog2(portableLog2(m2)));
}

// @ts-ignore: decorator
@inline
function knownInside(x: f64, y: f64): bool {
  const xq = x - 0.25;
  const y2 = y * y;
  const q = xq * xq + y2;
  if (q * (q + xq) < 0.25 * y2 - 1e-9) return true;
  const xb = x + 1.0;
  return xb * xb + y2 < 0.0625 - 1e-9;
}

// The iteration count of an idle vector (one the row has no more points for): it grows by a
// block at a time with the others, but from -2^30 it stays far below maxiter − BLOCK for as long
// as a row can last (maxiter < 2^31), so an idle vector never takes the last-steps path.
const IDLE: i32 = -0x40000000;

/**
 * Brute force, one row: counts of the cols points on row ci, written at line (prefilled with
 * maxiter); returns the z updates performed. 5 vectors of 2 points in flight, each with its
 * own iteration count; a vector takes the next 2 points as soon as both of its own are done.
 * All step in blocks of 12 iterations with one escape test at the block's end; when a lane
 * was flagged, only the flagged vectors re-run the block from its saved state, one step at a
 * time with the exact test, and only until every flagged lane is resolved (the other lanes
 * keep the block's end state, which the re-run would reproduce exactly).
 * One call a row, not a chunk: V8 runs a new function as baseline (Liftoff) code and swaps in
 * the optimized code between calls, never inside one, so a whole chunk in one call ran its
 * first render 2–3× slower.
 */
function bruteRow(rePtr: usize, cols: i32, ci: f64, maxiter: i32, line: usize): f64 {
  const low = f64x2.splat(BAND_LOW);
  const high = f64x2.splat(BAND_HIGH);
  const zero = f64x2.splat(0.0);
  const off = i64x2.splat(0);
  const on = i64x2.splat(-1);
  const first = i64x2.replace_lane(off, 0, -1);
  const lim = maxiter - 12; // a vector past this has fewer than 12 iterations left
  const civ = f64x2.splat(ci);
  let total: f64 = 0;
  let t = zero, a = zero, b = zero, m2 = zero;
  let zr0 = zero, zi0 = zero, cr0 = zero, act0 = off, it0 = 0, out0: usize = 0;
  let zr1 = zero, zi1 = zero, cr1 = zero, act1 = off, it1 = 0, out1: usize = 0;
  let zr2 = zero, zi2 = zero, cr2 = zero, act2 = off, it2 = 0, out2: usize = 0;
  let zr3 = zero, zi3 = zero, cr3 = zero, act3 = off, it3 = 0, out3: usize = 0;
  let zr4 = zero, zi4 = zero, cr4 = zero, act4 = off, it4 = 0, out4: usize = 0;
  let col = 0;
  let live = 5;
  if (col < cols) {
    const two = cols - col >= 2;
    cr0 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
    act0 = two ? on : first;
    out0 = line + (<usize>col << 2);
    col += 2;
    it0 = 0;
  } else {
    act0 = off;
    cr0 = zero;
    it0 = IDLE;
    live--;
  }
  zr0 = zero;
  zi0 = zero;
  if (col < cols) {
    const two = cols - col >= 2;
    cr1 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
    act1 = two ? on : first;
    out1 = line + (<usize>col << 2);
    col += 2;
    it1 = 0;
  } else {
    act1 = off;
    cr1 = zero;
    it1 = IDLE;
    live--;
  }
  zr1 = zero;
  zi1 = zero;
  if (col < cols) {
    const two = cols - col >= 2;
    cr2 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
    act2 = two ? on : first;
    out2 = line + (<usize>col << 2);
    col += 2;
    it2 = 0;
  } else {
    act2 = off;
    cr2 = zero;
    it2 = IDLE;
    live--;
  }
  zr2 = zero;
  zi2 = zero;
  if (col < cols) {
    const two = cols - col >= 2;
    cr3 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
    act3 = two ? on : first;
    out3 = line + (<usize>col << 2);
    col += 2;
    it3 = 0;
  } else {
    act3 = off;
    cr3 = zero;
    it3 = IDLE;
    live--;
  }
  zr3 = zero;
  zi3 = zero;
  if (col < cols) {
    const two = cols - col >= 2;
    cr4 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
    act4 = two ? on : first;
    out4 = line + (<usize>col << 2);
    col += 2;
    it4 = 0;
  } else {
    act4 = off;
    cr4 = zero;
    it4 = IDLE;
    live--;
  }
  zr4 = zero;
  zi4 = zero;
  while (live > 0) {
    if (<i32>(it0 > lim) | <i32>(it1 > lim) | <i32>(it2 > lim) | <i32>(it3 > lim) | <i32>(it4 > lim)) {
      // The last iterations before maxiter one at a time; the lanes still running then end at maxiter.
      if (it0 > lim) {
        for (let k = 0; k < maxiter - it0; k++) {
          t = f64x2.mul(zr0, zi0);
          zr0 = f64x2.add(f64x2.sub(f64x2.mul(zr0, zr0), f64x2.mul(zi0, zi0)), cr0);
          zi0 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr0, zr0), f64x2.mul(zi0, zi0));
          let esc = v128.and(f64x2.gt(m2, high), act0);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), act0);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr0, 0), f64x2.extract_lane(zi0, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr0, 1), f64x2.extract_lane(zi0, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it0 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out0 + smoothDelta, smoothFraction(f64x2.extract_lane(zr0, 0), f64x2.extract_lane(zi0, 0), f64x2.extract_lane(cr0, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out0 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr0, 1), f64x2.extract_lane(zi0, 1), f64x2.extract_lane(cr0, 1), ci));
          }
          v128.store64_lane(out0, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out0), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act0 = v128.andnot(act0, esc);
        }
        total += <f64>maxiter * <f64>popcnt(i64x2.bitmask(act0));
        if (col < cols) {
          const two = cols - col >= 2;
          cr0 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act0 = two ? on : first;
          out0 = line + (<usize>col << 2);
          col += 2;
          it0 = 0;
        } else {
          act0 = off;
          cr0 = zero;
          it0 = IDLE;
          live--;
        }
        zr0 = zero;
        zi0 = zero;
      }
      if (it1 > lim) {
        for (let k = 0; k < maxiter - it1; k++) {
          t = f64x2.mul(zr1, zi1);
          zr1 = f64x2.add(f64x2.sub(f64x2.mul(zr1, zr1), f64x2.mul(zi1, zi1)), cr1);
          zi1 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr1, zr1), f64x2.mul(zi1, zi1));
          let esc = v128.and(f64x2.gt(m2, high), act1);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), act1);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr1, 0), f64x2.extract_lane(zi1, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr1, 1), f64x2.extract_lane(zi1, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it1 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out1 + smoothDelta, smoothFraction(f64x2.extract_lane(zr1, 0), f64x2.extract_lane(zi1, 0), f64x2.extract_lane(cr1, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out1 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr1, 1), f64x2.extract_lane(zi1, 1), f64x2.extract_lane(cr1, 1), ci));
          }
          v128.store64_lane(out1, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out1), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act1 = v128.andnot(act1, esc);
        }
        total += <f64>maxiter * <f64>popcnt(i64x2.bitmask(act1));
        if (col < cols) {
          const two = cols - col >= 2;
          cr1 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act1 = two ? on : first;
          out1 = line + (<usize>col << 2);
          col += 2;
          it1 = 0;
        } else {
          act1 = off;
          cr1 = zero;
          it1 = IDLE;
          live--;
        }
        zr1 = zero;
        zi1 = zero;
      }
      if (it2 > lim) {
        for (let k = 0; k < maxiter - it2; k++) {
          t = f64x2.mul(zr2, zi2);
          zr2 = f64x2.add(f64x2.sub(f64x2.mul(zr2, zr2), f64x2.mul(zi2, zi2)), cr2);
          zi2 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr2, zr2), f64x2.mul(zi2, zi2));
          let esc = v128.and(f64x2.gt(m2, high), act2);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), act2);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr2, 0), f64x2.extract_lane(zi2, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr2, 1), f64x2.extract_lane(zi2, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it2 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out2 + smoothDelta, smoothFraction(f64x2.extract_lane(zr2, 0), f64x2.extract_lane(zi2, 0), f64x2.extract_lane(cr2, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out2 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr2, 1), f64x2.extract_lane(zi2, 1), f64x2.extract_lane(cr2, 1), ci));
          }
          v128.store64_lane(out2, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out2), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act2 = v128.andnot(act2, esc);
        }
        total += <f64>maxiter * <f64>popcnt(i64x2.bitmask(act2));
        if (col < cols) {
          const two = cols - col >= 2;
          cr2 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act2 = two ? on : first;
          out2 = line + (<usize>col << 2);
          col += 2;
          it2 = 0;
        } else {
          act2 = off;
          cr2 = zero;
          it2 = IDLE;
          live--;
        }
        zr2 = zero;
        zi2 = zero;
      }
      if (it3 > lim) {
        for (let k = 0; k < maxiter - it3; k++) {
          t = f64x2.mul(zr3, zi3);
          zr3 = f64x2.add(f64x2.sub(f64x2.mul(zr3, zr3), f64x2.mul(zi3, zi3)), cr3);
          zi3 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr3, zr3), f64x2.mul(zi3, zi3));
          let esc = v128.and(f64x2.gt(m2, high), act3);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), act3);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr3, 0), f64x2.extract_lane(zi3, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr3, 1), f64x2.extract_lane(zi3, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it3 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out3 + smoothDelta, smoothFraction(f64x2.extract_lane(zr3, 0), f64x2.extract_lane(zi3, 0), f64x2.extract_lane(cr3, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out3 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr3, 1), f64x2.extract_lane(zi3, 1), f64x2.extract_lane(cr3, 1), ci));
          }
          v128.store64_lane(out3, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out3), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act3 = v128.andnot(act3, esc);
        }
        total += <f64>maxiter * <f64>popcnt(i64x2.bitmask(act3));
        if (col < cols) {
          const two = cols - col >= 2;
          cr3 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act3 = two ? on : first;
          out3 = line + (<usize>col << 2);
          col += 2;
          it3 = 0;
        } else {
          act3 = off;
          cr3 = zero;
          it3 = IDLE;
          live--;
        }
        zr3 = zero;
        zi3 = zero;
      }
      if (it4 > lim) {
        for (let k = 0; k < maxiter - it4; k++) {
          t = f64x2.mul(zr4, zi4);
          zr4 = f64x2.add(f64x2.sub(f64x2.mul(zr4, zr4), f64x2.mul(zi4, zi4)), cr4);
          zi4 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr4, zr4), f64x2.mul(zi4, zi4));
          let esc = v128.and(f64x2.gt(m2, high), act4);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), act4);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr4, 0), f64x2.extract_lane(zi4, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr4, 1), f64x2.extract_lane(zi4, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it4 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr4, 0), f64x2.extract_lane(zi4, 0), f64x2.extract_lane(cr4, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out4 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr4, 1), f64x2.extract_lane(zi4, 1), f64x2.extract_lane(cr4, 1), ci));
          }
          v128.store64_lane(out4, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out4), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act4 = v128.andnot(act4, esc);
        }
        total += <f64>maxiter * <f64>popcnt(i64x2.bitmask(act4));
        if (col < cols) {
          const two = cols - col >= 2;
          cr4 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act4 = two ? on : first;
          out4 = line + (<usize>col << 2);
          col += 2;
          it4 = 0;
        } else {
          act4 = off;
          cr4 = zero;
          it4 = IDLE;
          live--;
        }
        zr4 = zero;
        zi4 = zero;
      }
      continue;
    }
    const szr0 = zr0, szi0 = zi0;
    const szr1 = zr1, szi1 = zi1;
    const szr2 = zr2, szi2 = zi2;
    const szr3 = zr3, szi3 = zi3;
    const szr4 = zr4, szi4 = zi4;
    // 12 steps written out: a wasm loop back-edge carries a stack check in V8.
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr0, zr0);
    b = f64x2.mul(zi0, zi0);
    t = f64x2.mul(zr0, zi0);
    zr0 = f64x2.add(f64x2.sub(a, b), cr0);
    zi0 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr1, zr1);
    b = f64x2.mul(zi1, zi1);
    t = f64x2.mul(zr1, zi1);
    zr1 = f64x2.add(f64x2.sub(a, b), cr1);
    zi1 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr2, zr2);
    b = f64x2.mul(zi2, zi2);
    t = f64x2.mul(zr2, zi2);
    zr2 = f64x2.add(f64x2.sub(a, b), cr2);
    zi2 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr3, zr3);
    b = f64x2.mul(zi3, zi3);
    t = f64x2.mul(zr3, zi3);
    zr3 = f64x2.add(f64x2.sub(a, b), cr3);
    zi3 = f64x2.add(f64x2.add(t, t), civ);
    a = f64x2.mul(zr4, zr4);
    b = f64x2.mul(zi4, zi4);
    t = f64x2.mul(zr4, zi4);
    zr4 = f64x2.add(f64x2.sub(a, b), cr4);
    zi4 = f64x2.add(f64x2.add(t, t), civ);
    it0 += 12;
    it1 += 12;
    it2 += 12;
    it3 += 12;
    it4 += 12;
    let pend0 = v128.andnot(act0, f64x2.le(f64x2.add(f64x2.mul(zr0, zr0), f64x2.mul(zi0, zi0)), low));
    let pend1 = v128.andnot(act1, f64x2.le(f64x2.add(f64x2.mul(zr1, zr1), f64x2.mul(zi1, zi1)), low));
    let pend2 = v128.andnot(act2, f64x2.le(f64x2.add(f64x2.mul(zr2, zr2), f64x2.mul(zi2, zi2)), low));
    let pend3 = v128.andnot(act3, f64x2.le(f64x2.add(f64x2.mul(zr3, zr3), f64x2.mul(zi3, zi3)), low));
    let pend4 = v128.andnot(act4, f64x2.le(f64x2.add(f64x2.mul(zr4, zr4), f64x2.mul(zi4, zi4)), low));
    if (v128.any_true(v128.or(v128.or(v128.or(v128.or(pend0, pend1), pend2), pend3), pend4))) {
      let pending = <i32>popcnt(i64x2.bitmask(pend0)) + <i32>popcnt(i64x2.bitmask(pend1)) + <i32>popcnt(i64x2.bitmask(pend2)) + <i32>popcnt(i64x2.bitmask(pend3)) + <i32>popcnt(i64x2.bitmask(pend4));
      // The vectors that may run out of points here: an idle one has no lane to flag.
      const had0 = v128.any_true(pend0);
      const had1 = v128.any_true(pend1);
      const had2 = v128.any_true(pend2);
      const had3 = v128.any_true(pend3);
      const had4 = v128.any_true(pend4);
      const ezr0 = zr0, ezi0 = zi0;
      const ezr1 = zr1, ezi1 = zi1;
      const ezr2 = zr2, ezi2 = zi2;
      const ezr3 = zr3, ezi3 = zi3;
      const ezr4 = zr4, ezi4 = zi4;
      zr0 = szr0; zi0 = szi0;
      zr1 = szr1; zi1 = szi1;
      zr2 = szr2; zi2 = szi2;
      zr3 = szr3; zi3 = szi3;
      zr4 = szr4; zi4 = szi4;
      for (let k = 0; k < 12 && pending > 0; k++) {
        if (v128.any_true(pend0)) {
          t = f64x2.mul(zr0, zi0);
          zr0 = f64x2.add(f64x2.sub(f64x2.mul(zr0, zr0), f64x2.mul(zi0, zi0)), cr0);
          zi0 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr0, zr0), f64x2.mul(zi0, zi0));
          let esc = v128.and(f64x2.gt(m2, high), pend0);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), pend0);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr0, 0), f64x2.extract_lane(zi0, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr0, 1), f64x2.extract_lane(zi0, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it0 - 12 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out0 + smoothDelta, smoothFraction(f64x2.extract_lane(zr0, 0), f64x2.extract_lane(zi0, 0), f64x2.extract_lane(cr0, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out0 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr0, 1), f64x2.extract_lane(zi0, 1), f64x2.extract_lane(cr0, 1), ci));
          }
          v128.store64_lane(out0, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out0), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act0 = v128.andnot(act0, esc);
          pend0 = v128.andnot(pend0, esc);
          pending -= n;
        }
        if (v128.any_true(pend1)) {
          t = f64x2.mul(zr1, zi1);
          zr1 = f64x2.add(f64x2.sub(f64x2.mul(zr1, zr1), f64x2.mul(zi1, zi1)), cr1);
          zi1 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr1, zr1), f64x2.mul(zi1, zi1));
          let esc = v128.and(f64x2.gt(m2, high), pend1);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), pend1);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr1, 0), f64x2.extract_lane(zi1, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr1, 1), f64x2.extract_lane(zi1, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it1 - 12 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out1 + smoothDelta, smoothFraction(f64x2.extract_lane(zr1, 0), f64x2.extract_lane(zi1, 0), f64x2.extract_lane(cr1, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out1 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr1, 1), f64x2.extract_lane(zi1, 1), f64x2.extract_lane(cr1, 1), ci));
          }
          v128.store64_lane(out1, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out1), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act1 = v128.andnot(act1, esc);
          pend1 = v128.andnot(pend1, esc);
          pending -= n;
        }
        if (v128.any_true(pend2)) {
          t = f64x2.mul(zr2, zi2);
          zr2 = f64x2.add(f64x2.sub(f64x2.mul(zr2, zr2), f64x2.mul(zi2, zi2)), cr2);
          zi2 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr2, zr2), f64x2.mul(zi2, zi2));
          let esc = v128.and(f64x2.gt(m2, high), pend2);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), pend2);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr2, 0), f64x2.extract_lane(zi2, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr2, 1), f64x2.extract_lane(zi2, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it2 - 12 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out2 + smoothDelta, smoothFraction(f64x2.extract_lane(zr2, 0), f64x2.extract_lane(zi2, 0), f64x2.extract_lane(cr2, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out2 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr2, 1), f64x2.extract_lane(zi2, 1), f64x2.extract_lane(cr2, 1), ci));
          }
          v128.store64_lane(out2, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out2), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act2 = v128.andnot(act2, esc);
          pend2 = v128.andnot(pend2, esc);
          pending -= n;
        }
        if (v128.any_true(pend3)) {
          t = f64x2.mul(zr3, zi3);
          zr3 = f64x2.add(f64x2.sub(f64x2.mul(zr3, zr3), f64x2.mul(zi3, zi3)), cr3);
          zi3 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr3, zr3), f64x2.mul(zi3, zi3));
          let esc = v128.and(f64x2.gt(m2, high), pend3);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), pend3);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr3, 0), f64x2.extract_lane(zi3, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr3, 1), f64x2.extract_lane(zi3, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it3 - 12 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out3 + smoothDelta, smoothFraction(f64x2.extract_lane(zr3, 0), f64x2.extract_lane(zi3, 0), f64x2.extract_lane(cr3, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out3 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr3, 1), f64x2.extract_lane(zi3, 1), f64x2.extract_lane(cr3, 1), ci));
          }
          v128.store64_lane(out3, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out3), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act3 = v128.andnot(act3, esc);
          pend3 = v128.andnot(pend3, esc);
          pending -= n;
        }
        if (v128.any_true(pend4)) {
          t = f64x2.mul(zr4, zi4);
          zr4 = f64x2.add(f64x2.sub(f64x2.mul(zr4, zr4), f64x2.mul(zi4, zi4)), cr4);
          zi4 = f64x2.add(f64x2.add(t, t), civ);
          m2 = f64x2.add(f64x2.mul(zr4, zr4), f64x2.mul(zi4, zi4));
          let esc = v128.and(f64x2.gt(m2, high), pend4);
          const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), pend4);
          if (v128.any_true(band)) {
            if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr4, 0), f64x2.extract_lane(zi4, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
            if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr4, 1), f64x2.extract_lane(zi4, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
          }
          const cnt = it4 - 12 + k;
          const n = <i32>popcnt(i64x2.bitmask(esc));
          if (smoothDelta != 0 && n > 0) {
            if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr4, 0), f64x2.extract_lane(zi4, 0), f64x2.extract_lane(cr4, 0), ci));
            if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out4 + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr4, 1), f64x2.extract_lane(zi4, 1), f64x2.extract_lane(cr4, 1), ci));
          }
          v128.store64_lane(out4, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out4), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
          total += <f64>((cnt + 1) * n);
          act4 = v128.andnot(act4, esc);
          pend4 = v128.andnot(pend4, esc);
          pending -= n;
        }
      }
      zr0 = ezr0; zi0 = ezi0;
      zr1 = ezr1; zi1 = ezi1;
      zr2 = ezr2; zi2 = ezi2;
      zr3 = ezr3; zi3 = ezi3;
      zr4 = ezr4; zi4 = ezi4;
      if (had0 && !v128.any_true(act0)) {
        if (col < cols) {
          const two = cols - col >= 2;
          cr0 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act0 = two ? on : first;
          out0 = line + (<usize>col << 2);
          col += 2;
          it0 = 0;
        } else {
          act0 = off;
          cr0 = zero;
          it0 = IDLE;
          live--;
        }
        zr0 = zero;
        zi0 = zero;
      }
      if (had1 && !v128.any_true(act1)) {
        if (col < cols) {
          const two = cols - col >= 2;
          cr1 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act1 = two ? on : first;
          out1 = line + (<usize>col << 2);
          col += 2;
          it1 = 0;
        } else {
          act1 = off;
          cr1 = zero;
          it1 = IDLE;
          live--;
        }
        zr1 = zero;
        zi1 = zero;
      }
      if (had2 && !v128.any_true(act2)) {
        if (col < cols) {
          const two = cols - col >= 2;
          cr2 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act2 = two ? on : first;
          out2 = line + (<usize>col << 2);
          col += 2;
          it2 = 0;
        } else {
          act2 = off;
          cr2 = zero;
          it2 = IDLE;
          live--;
        }
        zr2 = zero;
        zi2 = zero;
      }
      if (had3 && !v128.any_true(act3)) {
        if (col < cols) {
          const two = cols - col >= 2;
          cr3 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act3 = two ? on : first;
          out3 = line + (<usize>col << 2);
          col += 2;
          it3 = 0;
        } else {
          act3 = off;
          cr3 = zero;
          it3 = IDLE;
          live--;
        }
        zr3 = zero;
        zi3 = zero;
      }
      if (had4 && !v128.any_true(act4)) {
        if (col < cols) {
          const two = cols - col >= 2;
          cr4 = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
          act4 = two ? on : first;
          out4 = line + (<usize>col << 2);
          col += 2;
          it4 = 0;
        } else {
          act4 = off;
          cr4 = zero;
          it4 = IDLE;
          live--;
        }
        zr4 = zero;
        zi4 = zero;
      }
    }
  }
  return total;
}

/** With pruning (cycle detection): iterates the n ≤ 8 points whose real parts are at CR, on row ci; counts go to COUNTS. */
function groupPrune(n: i32, ci: f64, maxiter: i32): f64 {
  const civ = f64x2.splat(ci);
  const low = f64x2.splat(BAND_LOW);
  const zero = f64x2.splat(0.0);
  const off = i64x2.splat(0);
  for (let j = 0; j < 8; j++) {
    if (j >= n) store<f64>(CR + (<usize>j << 3), 0.0);
    store<i32>(COUNTS + (<usize>j << 2), maxiter);
    store<f32>(FRACTIONS + (<usize>j << 2), 0);
  }
  const cr0 = v128.load(CR + 0 * 16);
  const cr1 = v128.load(CR + 1 * 16);
  const cr2 = v128.load(CR + 2 * 16);
  const cr3 = v128.load(CR + 3 * 16);
  let act0 = i64x2.replace_lane(i64x2.replace_lane(off, 0, 2 * 0 < n ? -1 : 0), 1, 2 * 0 + 1 < n ? -1 : 0);
  let act1 = i64x2.replace_lane(i64x2.replace_lane(off, 0, 2 * 1 < n ? -1 : 0), 1, 2 * 1 + 1 < n ? -1 : 0);
  let act2 = i64x2.replace_lane(i64x2.replace_lane(off, 0, 2 * 2 < n ? -1 : 0), 1, 2 * 2 + 1 < n ? -1 : 0);
  let act3 = i64x2.replace_lane(i64x2.replace_lane(off, 0, 2 * 3 < n ? -1 : 0), 1, 2 * 3 + 1 < n ? -1 : 0);
  let zr0 = zero, zi0 = zero, zr2_0 = zero, zi2_0 = zero;
  let zr1 = zero, zi1 = zero, zr2_1 = zero, zi2_1 = zero;
  let zr2 = zero, zi2 = zero, zr2_2 = zero, zi2_2 = zero;
  let zr3 = zero, zi3 = zero, zr2_3 = zero, zi2_3 = zero;
  let sr0 = zero, si0 = zero;
  let sr1 = zero, si1 = zero;
  let sr2 = zero, si2 = zero;
  let sr3 = zero, si3 = zero;
  let t = zero, m2 = zero; let same = zero;
  let remaining = n;
  let total: f64 = 0;
  let it = 0;
  let block: i64 = 0;
  while (it < maxiter && remaining > 0) {
    const steps = maxiter - it < 8 ? maxiter - it : 8;
    const szr0 = zr0, szi0 = zi0;
    const szr1 = zr1, szi1 = zi1;
    const szr2 = zr2, szi2 = zi2;
    const szr3 = zr3, szi3 = zi3;
    let exact = steps < 8;
    if (!exact) {
      // Eight steps written out: a wasm loop back-edge carries a stack check in V8.
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      t = f64x2.mul(zr0, zi0);
      zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
      zi0 = f64x2.add(f64x2.add(t, t), civ);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      t = f64x2.mul(zr1, zi1);
      zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
      zi1 = f64x2.add(f64x2.add(t, t), civ);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      t = f64x2.mul(zr2, zi2);
      zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
      zi2 = f64x2.add(f64x2.add(t, t), civ);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      t = f64x2.mul(zr3, zi3);
      zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
      zi3 = f64x2.add(f64x2.add(t, t), civ);
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      t = f64x2.mul(zr0, zi0);
      zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
      zi0 = f64x2.add(f64x2.add(t, t), civ);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      t = f64x2.mul(zr1, zi1);
      zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
      zi1 = f64x2.add(f64x2.add(t, t), civ);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      t = f64x2.mul(zr2, zi2);
      zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
      zi2 = f64x2.add(f64x2.add(t, t), civ);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      t = f64x2.mul(zr3, zi3);
      zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
      zi3 = f64x2.add(f64x2.add(t, t), civ);
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      t = f64x2.mul(zr0, zi0);
      zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
      zi0 = f64x2.add(f64x2.add(t, t), civ);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      t = f64x2.mul(zr1, zi1);
      zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
      zi1 = f64x2.add(f64x2.add(t, t), civ);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      t = f64x2.mul(zr2, zi2);
      zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
      zi2 = f64x2.add(f64x2.add(t, t), civ);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      t = f64x2.mul(zr3, zi3);
      zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
      zi3 = f64x2.add(f64x2.add(t, t), civ);
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      t = f64x2.mul(zr0, zi0);
      zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
      zi0 = f64x2.add(f64x2.add(t, t), civ);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      t = f64x2.mul(zr1, zi1);
      zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
      zi1 = f64x2.add(f64x2.add(t, t), civ);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      t = f64x2.mul(zr2, zi2);
      zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
      zi2 = f64x2.add(f64x2.add(t, t), civ);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      t = f64x2.mul(zr3, zi3);
      zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
      zi3 = f64x2.add(f64x2.add(t, t), civ);
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      t = f64x2.mul(zr0, zi0);
      zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
      zi0 = f64x2.add(f64x2.add(t, t), civ);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      t = f64x2.mul(zr1, zi1);
      zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
      zi1 = f64x2.add(f64x2.add(t, t), civ);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      t = f64x2.mul(zr2, zi2);
      zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
      zi2 = f64x2.add(f64x2.add(t, t), civ);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      t = f64x2.mul(zr3, zi3);
      zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
      zi3 = f64x2.add(f64x2.add(t, t), civ);
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      t = f64x2.mul(zr0, zi0);
      zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
      zi0 = f64x2.add(f64x2.add(t, t), civ);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      t = f64x2.mul(zr1, zi1);
      zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
      zi1 = f64x2.add(f64x2.add(t, t), civ);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      t = f64x2.mul(zr2, zi2);
      zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
      zi2 = f64x2.add(f64x2.add(t, t), civ);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      t = f64x2.mul(zr3, zi3);
      zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
      zi3 = f64x2.add(f64x2.add(t, t), civ);
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      t = f64x2.mul(zr0, zi0);
      zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
      zi0 = f64x2.add(f64x2.add(t, t), civ);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      t = f64x2.mul(zr1, zi1);
      zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
      zi1 = f64x2.add(f64x2.add(t, t), civ);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      t = f64x2.mul(zr2, zi2);
      zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
      zi2 = f64x2.add(f64x2.add(t, t), civ);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      t = f64x2.mul(zr3, zi3);
      zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
      zi3 = f64x2.add(f64x2.add(t, t), civ);
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      t = f64x2.mul(zr0, zi0);
      zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
      zi0 = f64x2.add(f64x2.add(t, t), civ);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      t = f64x2.mul(zr1, zi1);
      zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
      zi1 = f64x2.add(f64x2.add(t, t), civ);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      t = f64x2.mul(zr2, zi2);
      zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
      zi2 = f64x2.add(f64x2.add(t, t), civ);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      t = f64x2.mul(zr3, zi3);
      zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
      zi3 = f64x2.add(f64x2.add(t, t), civ);
      let flag = off;
      zr2_0 = f64x2.mul(zr0, zr0);
      zi2_0 = f64x2.mul(zi0, zi0);
      zr2_1 = f64x2.mul(zr1, zr1);
      zi2_1 = f64x2.mul(zi1, zi1);
      zr2_2 = f64x2.mul(zr2, zr2);
      zi2_2 = f64x2.mul(zi2, zi2);
      zr2_3 = f64x2.mul(zr3, zr3);
      zi2_3 = f64x2.mul(zi3, zi3);
      flag = v128.or(flag, v128.and(v128.not(f64x2.le(f64x2.add(zr2_0, zi2_0), low)), act0));
      flag = v128.or(flag, v128.and(v128.not(f64x2.le(f64x2.add(zr2_1, zi2_1), low)), act1));
      flag = v128.or(flag, v128.and(v128.not(f64x2.le(f64x2.add(zr2_2, zi2_2), low)), act2));
      flag = v128.or(flag, v128.and(v128.not(f64x2.le(f64x2.add(zr2_3, zi2_3), low)), act3));
      exact = v128.any_true(flag);
    }
    if (exact) {
      zr0 = szr0; zi0 = szi0;
      zr1 = szr1; zi1 = szi1;
      zr2 = szr2; zi2 = szi2;
      zr3 = szr3; zi3 = szi3;
      for (let k = 0; k < steps; k++) {
        zr2_0 = f64x2.mul(zr0, zr0);
        zi2_0 = f64x2.mul(zi0, zi0);
        t = f64x2.mul(zr0, zi0);
        zr0 = f64x2.add(f64x2.sub(zr2_0, zi2_0), cr0);
        zi0 = f64x2.add(f64x2.add(t, t), civ);
        zr2_1 = f64x2.mul(zr1, zr1);
        zi2_1 = f64x2.mul(zi1, zi1);
        t = f64x2.mul(zr1, zi1);
        zr1 = f64x2.add(f64x2.sub(zr2_1, zi2_1), cr1);
        zi1 = f64x2.add(f64x2.add(t, t), civ);
        zr2_2 = f64x2.mul(zr2, zr2);
        zi2_2 = f64x2.mul(zi2, zi2);
        t = f64x2.mul(zr2, zi2);
        zr2 = f64x2.add(f64x2.sub(zr2_2, zi2_2), cr2);
        zi2 = f64x2.add(f64x2.add(t, t), civ);
        zr2_3 = f64x2.mul(zr3, zr3);
        zi2_3 = f64x2.mul(zi3, zi3);
        t = f64x2.mul(zr3, zi3);
        zr3 = f64x2.add(f64x2.sub(zr2_3, zi2_3), cr3);
        zi3 = f64x2.add(f64x2.add(t, t), civ);
        zr2_0 = f64x2.mul(zr0, zr0);
        zi2_0 = f64x2.mul(zi0, zi0);
        zr2_1 = f64x2.mul(zr1, zr1);
        zi2_1 = f64x2.mul(zi1, zi1);
        zr2_2 = f64x2.mul(zr2, zr2);
        zi2_2 = f64x2.mul(zi2, zi2);
        zr2_3 = f64x2.mul(zr3, zr3);
        zi2_3 = f64x2.mul(zi3, zi3);
          m2 = f64x2.add(zr2_0, zi2_0);
              if (v128.any_true(v128.and(f64x2.gt(m2, low), act0))) {
                if (i64x2.extract_lane(act0, 0) != 0 && escaped(f64x2.extract_lane(zr0, 0), f64x2.extract_lane(zi0, 0), f64x2.extract_lane(m2, 0))) {
              store<i32>(COUNTS + 0, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + 0, smoothFraction(f64x2.extract_lane(zr0, 0), f64x2.extract_lane(zi0, 0), f64x2.extract_lane(cr0, 0), ci));
              act0 = i64x2.replace_lane(act0, 0, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }
                if (i64x2.extract_lane(act0, 1) != 0 && escaped(f64x2.extract_lane(zr0, 1), f64x2.extract_lane(zi0, 1), f64x2.extract_lane(m2, 1))) {
              store<i32>(COUNTS + 4, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + 4, smoothFraction(f64x2.extract_lane(zr0, 1), f64x2.extract_lane(zi0, 1), f64x2.extract_lane(cr0, 1), ci));
              act0 = i64x2.replace_lane(act0, 1, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }
              }
          m2 = f64x2.add(zr2_1, zi2_1);
              if (v128.any_true(v128.and(f64x2.gt(m2, low), act1))) {
                if (i64x2.extract_lane(act1, 0) != 0 && escaped(f64x2.extract_lane(zr1, 0), f64x2.extract_lane(zi1, 0), f64x2.extract_lane(m2, 0))) {
              store<i32>(COUNTS + 8, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + 8, smoothFraction(f64x2.extract_lane(zr1, 0), f64x2.extract_lane(zi1, 0), f64x2.extract_lane(cr1, 0), ci));
              act1 = i64x2.replace_lane(act1, 0, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }
                if (i64x2.extract_lane(act1, 1) != 0 && escaped(f64x2.extract_lane(zr1, 1), f64x2.extract_lane(zi1, 1), f64x2.extract_lane(m2, 1))) {
              store<i32>(COUNTS + 12, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + 12, smoothFraction(f64x2.extract_lane(zr1, 1), f64x2.extract_lane(zi1, 1), f64x2.extract_lane(cr1, 1), ci));
              act1 = i64x2.replace_lane(act1, 1, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }
              }
          m2 = f64x2.add(zr2_2, zi2_2);
              if (v128.any_true(v128.and(f64x2.gt(m2, low), act2))) {
                if (i64x2.extract_lane(act2, 0) != 0 && escaped(f64x2.extract_lane(zr2, 0), f64x2.extract_lane(zi2, 0), f64x2.extract_lane(m2, 0))) {
              store<i32>(COUNTS + 16, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + 16, smoothFraction(f64x2.extract_lane(zr2, 0), f64x2.extract_lane(zi2, 0), f64x2.extract_lane(cr2, 0), ci));
              act2 = i64x2.replace_lane(act2, 0, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }
                if (i64x2.extract_lane(act2, 1) != 0 && escaped(f64x2.extract_lane(zr2, 1), f64x2.extract_lane(zi2, 1), f64x2.extract_lane(m2, 1))) {
              store<i32>(COUNTS + 20, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + 20, smoothFraction(f64x2.extract_lane(zr2, 1), f64x2.extract_lane(zi2, 1), f64x2.extract_lane(cr2, 1), ci));
              act2 = i64x2.replace_lane(act2, 1, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }
              }
          m2 = f64x2.add(zr2_3, zi2_3);
              if (v128.any_true(v128.and(f64x2.gt(m2, low), act3))) {
                if (i64x2.extract_lane(act3, 0) != 0 && escaped(f64x2.extract_lane(zr3, 0), f64x2.extract_lane(zi3, 0), f64x2.extract_lane(m2, 0))) {
              store<i32>(COUNTS + 24, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + 24, smoothFraction(f64x2.extract_lane(zr3, 0), f64x2.extract_lane(zi3, 0), f64x2.extract_lane(cr3, 0), ci));
              act3 = i64x2.replace_lane(act3, 0, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }
                if (i64x2.extract_lane(act3, 1) != 0 && escaped(f64x2.extract_lane(zr3, 1), f64x2.extract_lane(zi3, 1), f64x2.extract_lane(m2, 1))) {
              store<i32>(COUNTS + 28, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + 28, smoothFraction(f64x2.extract_lane(zr3, 1), f64x2.extract_lane(zi3, 1), f64x2.extract_lane(cr3, 1), ci));
              act3 = i64x2.replace_lane(act3, 1, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }
              }
      }
    }
    it += steps;
    if (remaining > 0 && it < maxiter) {
      same = v128.and(v128.and(f64x2.eq(zr0, sr0), f64x2.eq(zi0, si0)), act0);
          if (v128.any_true(same)) {
            if (i64x2.extract_lane(same, 0) != 0) {
          act0 = i64x2.replace_lane(act0, 0, 0);
          remaining--;
          total += <f64>it;
        }
            if (i64x2.extract_lane(same, 1) != 0) {
          act0 = i64x2.replace_lane(act0, 1, 0);
          remaining--;
          total += <f64>it;
        }
          }
      same = v128.and(v128.and(f64x2.eq(zr1, sr1), f64x2.eq(zi1, si1)), act1);
          if (v128.any_true(same)) {
            if (i64x2.extract_lane(same, 0) != 0) {
          act1 = i64x2.replace_lane(act1, 0, 0);
          remaining--;
          total += <f64>it;
        }
            if (i64x2.extract_lane(same, 1) != 0) {
          act1 = i64x2.replace_lane(act1, 1, 0);
          remaining--;
          total += <f64>it;
        }
          }
      same = v128.and(v128.and(f64x2.eq(zr2, sr2), f64x2.eq(zi2, si2)), act2);
          if (v128.any_true(same)) {
            if (i64x2.extract_lane(same, 0) != 0) {
          act2 = i64x2.replace_lane(act2, 0, 0);
          remaining--;
          total += <f64>it;
        }
            if (i64x2.extract_lane(same, 1) != 0) {
          act2 = i64x2.replace_lane(act2, 1, 0);
          remaining--;
          total += <f64>it;
        }
          }
      same = v128.and(v128.and(f64x2.eq(zr3, sr3), f64x2.eq(zi3, si3)), act3);
          if (v128.any_true(same)) {
            if (i64x2.extract_lane(same, 0) != 0) {
          act3 = i64x2.replace_lane(act3, 0, 0);
          remaining--;
          total += <f64>it;
        }
            if (i64x2.extract_lane(same, 1) != 0) {
          act3 = i64x2.replace_lane(act3, 1, 0);
          remaining--;
          total += <f64>it;
        }
          }
      block++;
      if ((block & (block - 1)) == 0) {
        sr0 = zr0; si0 = zi0;
        sr1 = zr1; si1 = zi1;
        sr2 = zr2; si2 = zi2;
        sr3 = zr3; si3 = zi3;
      }
    }
  }
  return total + <f64>remaining * <f64>maxiter;
}

/**
 * Counts of the rows × cols points (re at rePtr, im at imPtr), written contiguously at
 * outPtr; their smooth fractions at smoothPtr, unless it is 0; returns the z updates performed.
 */
export function compute(rePtr: usize, cols: i32, imPtr: usize, rows: i32, maxiter: i32, outPtr: usize, prune: bool, smoothPtr: usize): f64 {
  let total: f64 = 0;
  smoothDelta = smoothPtr == 0 ? 0 : smoothPtr - outPtr;
  // Fractions start at 0, the value of a point that never escapes: escapes overwrite theirs.
  if (smoothPtr != 0) memory.fill(smoothPtr, 0, (<usize>rows * <usize>cols) << 2);
  if (!prune) {
    // Counts start at maxiter: bruteRow writes only those of points that escape.
    const points = <usize>rows * <usize>cols;
    const all = i32x4.splat(maxiter);
    let p: usize = 0;
    for (; p + 4 <= points; p += 4) v128.store(outPtr + (p << 2), all);
    for (; p < points; p++) store<i32>(outPtr + (p << 2), maxiter);
    for (let row = 0; row < rows; row++) {
      total += bruteRow(rePtr, cols, load<f64>(imPtr + (<usize>row << 3)), maxiter, outPtr + ((<usize>row * <usize>cols) << 2));
    }
    return total;
  }
  for (let row = 0; row < rows; row++) {
    const ci = load<f64>(imPtr + (<usize>row << 3));
    const line = outPtr + (<usize>row * <usize>cols << 2);
    let n = 0;
    for (let col = 0; col < cols; col++) {
      const cr = load<f64>(rePtr + (<usize>col << 3));
      if (knownInside(cr, ci)) {
        store<i32>(line + (<usize>col << 2), maxiter);
        continue;
      }
      store<f64>(CR + (<usize>n << 3), cr);
      store<i32>(IDX + (<usize>n << 2), col);
      n++;
      if (n == GROUP) {
        total += groupPrune(n, ci, maxiter);
        storeGroup(line, n);
        n = 0;
      }
    }
    if (n > 0) {
      total += groupPrune(n, ci, maxiter);
      storeGroup(line, n);
    }
  }
  return total;
}

/** A pruning group's counts (and fractions) into their columns of the row at line. */
function storeGroup(line: usize, n: i32): void {
  for (let j = 0; j < n; j++) {
    const at = line + (<usize>load<i32>(IDX + (<usize>j << 2)) << 2);
    store<i32>(at, load<i32>(COUNTS + (<usize>j << 2)));
    if (smoothDelta != 0) store<f32>(at + smoothDelta, load<f32>(FRACTIONS + (<usize>j << 2)));
  }
}

/**
 * Returns the start of a scratch area of at least `bytes`, growing memory when needed. 8 bytes
 * more are kept: bruteRow reads and writes back the counts of a vector's 2 lanes as one 8-byte
 * word, also when a row ends on a single point and that word runs 4 bytes past the last count.
 */
export function reserve(bytes: usize): usize {
  const base = (__heap_base + 15) & ~(<usize>15);
  const need = base + bytes + 8;
  const have = <usize>memory.size() << 16;
  if (need > have) {
    if (memory.grow(<i32>((need - have + 0xffff) >> 16)) < 0) unreachable();
  }
  return base;
}
