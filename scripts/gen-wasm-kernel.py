#!/usr/bin/env python3
"""Writes assembly/mandel.ts, the WebAssembly SIMD kernel, with V vectors in flight.

AssemblyScript keeps v128 values in registers only as named locals (no arrays of v128), so
the V vectors are unrolled by this generator. The output is committed; run this only to
change V or the loop:  python3 scripts/gen-wasm-kernel.py [V_BRUTE] [V_PRUNE]  (default 5 4).
Brute force and pruning each get the count that measured fastest (bench/kernels.ts): 5 vectors
brute force (4 and 6 measured 3% and 11% slower with the refilling loop), 4 with pruning, whose
cycle checks keep two more vectors of state each.

Brute force (bruteRow) refills each vector with the next 2 points of its row as soon as both of
its own are done, where pruning (groupPrune) iterates a group of 2·V points until all are done:
with groups of 10 neighbouring points, 11% of the lane-iterations on the default workload were
spent on lanes whose point had escaped while the group ran on; refilled pairs idle 3%.
"""
import sys

V_BRUTE = int(sys.argv[1]) if len(sys.argv) > 1 else 5
V_PRUNE = int(sys.argv[2]) if len(sys.argv) > 2 else 4
# Iterations per block of bruteRow between escape tests: 12 and 16 measured 2–2.5% faster than
# 8 (four alternating runs); the groups of the pruning loop keep 8.
BLOCK = 12
HELPERS = r'''
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

'''
TAIL = r'''
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
'''


def each(fmt, vectors):
    return "\n".join(fmt.format(v=v) for v in range(vectors))


def step(ind, vectors):
    # z ← z² + c from z alone: zr², zi² are recomputed rather than carried, which keeps the
    # live state at zr, zi, cr per vector, within V8's 16 SIMD registers for V = 4.
    return "\n".join(
        f"{ind}zr2_{v} = f64x2.mul(zr{v}, zr{v});\n"
        f"{ind}zi2_{v} = f64x2.mul(zi{v}, zi{v});\n"
        f"{ind}t = f64x2.mul(zr{v}, zi{v});\n"
        f"{ind}zr{v} = f64x2.add(f64x2.sub(zr2_{v}, zi2_{v}), cr{v});\n"
        f"{ind}zi{v} = f64x2.add(f64x2.add(t, t), civ);"
        for v in range(vectors)
    )


def squares(ind, vectors):
    return "\n".join(f"{ind}zr2_{v} = f64x2.mul(zr{v}, zr{v});\n{ind}zi2_{v} = f64x2.mul(zi{v}, zi{v});" for v in range(vectors))


def lane_escape(v, lane):
    return f"""            if (i64x2.extract_lane(act{v}, {lane}) != 0 && escaped(f64x2.extract_lane(zr{v}, {lane}), f64x2.extract_lane(zi{v}, {lane}), f64x2.extract_lane(m2, {lane}))) {{
              store<i32>(COUNTS + {(2 * v + lane) * 4}, it + k);
              if (smoothDelta != 0) store<f32>(FRACTIONS + {(2 * v + lane) * 4}, smoothFraction(f64x2.extract_lane(zr{v}, {lane}), f64x2.extract_lane(zi{v}, {lane}), f64x2.extract_lane(cr{v}, {lane}), ci));
              act{v} = i64x2.replace_lane(act{v}, {lane}, 0);
              remaining--;
              total += <f64>(it + k + 1);
            }}"""


def lane_cycle(v, lane):
    return f"""        if (i64x2.extract_lane(same, {lane}) != 0) {{
          act{v} = i64x2.replace_lane(act{v}, {lane}, 0);
          remaining--;
          total += <f64>it;
        }}"""


def prune_group_source(V):
    """groupPrune, unrolled for V vectors: a group of 2·V points, cycle detection at block ends."""
    exact_checks = "\n".join(
        f"""          m2 = f64x2.add(zr2_{v}, zi2_{v});
              if (v128.any_true(v128.and(f64x2.gt(m2, low), act{v}))) {{
    {lane_escape(v, 0)}
    {lane_escape(v, 1)}
              }}"""
        for v in range(V)
    )
    cycle_checks = "\n".join(
        f"""      same = v128.and(v128.and(f64x2.eq(zr{v}, sr{v}), f64x2.eq(zi{v}, si{v})), act{v});
          if (v128.any_true(same)) {{
    {lane_cycle(v, 0)}
    {lane_cycle(v, 1)}
          }}"""
        for v in range(V)
    )
    body = f"""/** With pruning (cycle detection): iterates the n ≤ {2 * V} points whose real parts are at CR, on row ci; counts go to COUNTS. */
function groupPrune(n: i32, ci: f64, maxiter: i32): f64 {{
  const civ = f64x2.splat(ci);
  const low = f64x2.splat(BAND_LOW);
  const zero = f64x2.splat(0.0);
  const off = i64x2.splat(0);
  for (let j = 0; j < {2 * V}; j++) {{
    if (j >= n) store<f64>(CR + (<usize>j << 3), 0.0);
    store<i32>(COUNTS + (<usize>j << 2), maxiter);
    store<f32>(FRACTIONS + (<usize>j << 2), 0);
  }}
{each("  const cr{v} = v128.load(CR + {v} * 16);", V)}
{each("  let act{v} = i64x2.replace_lane(i64x2.replace_lane(off, 0, 2 * {v} < n ? -1 : 0), 1, 2 * {v} + 1 < n ? -1 : 0);", V)}
{each("  let zr{v} = zero, zi{v} = zero, zr2_{v} = zero, zi2_{v} = zero;", V)}
{each("  let sr{v} = zero, si{v} = zero;", V)}
  let t = zero, m2 = zero; let same = zero;
  let remaining = n;
  let total: f64 = 0;
  let it = 0;
  let block: i64 = 0;
  while (it < maxiter && remaining > 0) {{
    const steps = maxiter - it < 8 ? maxiter - it : 8;
{each("    const szr{v} = zr{v}, szi{v} = zi{v};", V)}
    let exact = steps < 8;
    if (!exact) {{
      // Eight steps written out: a wasm loop back-edge carries a stack check in V8.
{{UNROLLED}}
      let flag = off;
{squares("      ", V)}
{each("      flag = v128.or(flag, v128.and(v128.not(f64x2.le(f64x2.add(zr2_{v}, zi2_{v}), low)), act{v}));", V)}
      exact = v128.any_true(flag);
    }}
    if (exact) {{
{each("      zr{v} = szr{v}; zi{v} = szi{v};", V)}
      for (let k = 0; k < steps; k++) {{
{step("        ", V)}
{squares("        ", V)}
{exact_checks}
      }}
    }}
    it += steps;
    if (remaining > 0 && it < maxiter) {{
{cycle_checks}
      block++;
      if ((block & (block - 1)) == 0) {{
{each("        sr{v} = zr{v}; si{v} = zi{v};", V)}
      }}
    }}
  }}
  return total + <f64>remaining * <f64>maxiter;
}}

"""
    return body.replace("{UNROLLED}", "\n".join(step("      ", V) for _ in range(8)))


def indent(text, ind):
    return "\n".join(ind + line if line else line for line in text.split("\n"))


def pair_step(v, ind):
    """One exact step of vector v alone (the re-run and the last steps before maxiter)."""
    return (
        f"{ind}t = f64x2.mul(zr{v}, zi{v});\n"
        f"{ind}zr{v} = f64x2.add(f64x2.sub(f64x2.mul(zr{v}, zr{v}), f64x2.mul(zi{v}, zi{v})), cr{v});\n"
        f"{ind}zi{v} = f64x2.add(f64x2.add(t, t), civ);\n"
        f"{ind}m2 = f64x2.add(f64x2.mul(zr{v}, zr{v}), f64x2.mul(zi{v}, zi{v}));"
    )


def fill(v, ind):
    """Vector v takes the next 2 points of the row (1 when the row ends on one), or goes idle."""
    return indent(f"""if (col < cols) {{
  const two = cols - col >= 2;
  cr{v} = two ? v128.load(rePtr + (<usize>col << 3)) : f64x2.splat(load<f64>(rePtr + (<usize>col << 3)));
  act{v} = two ? on : first;
  out{v} = line + (<usize>col << 2);
  col += 2;
  it{v} = 0;
}} else {{
  act{v} = off;
  cr{v} = zero;
  it{v} = IDLE;
  live--;
}}
zr{v} = zero;
zi{v} = zero;""", ind)


def escapes(v, mask, count, ind):
    """The lanes of `mask` whose z has escaped get `count`: outside the band by a vector
    compare, inside it by the exact hypot; their counts are written as one 8-byte word."""
    return indent(f"""let esc = v128.and(f64x2.gt(m2, high), {mask});
const band = v128.and(v128.and(f64x2.gt(m2, low), f64x2.le(m2, high)), {mask});
if (v128.any_true(band)) {{
  if (i64x2.extract_lane(band, 0) != 0 && libmHypot(f64x2.extract_lane(zr{v}, 0), f64x2.extract_lane(zi{v}, 0)) > 2.0) esc = i64x2.replace_lane(esc, 0, -1);
  if (i64x2.extract_lane(band, 1) != 0 && libmHypot(f64x2.extract_lane(zr{v}, 1), f64x2.extract_lane(zi{v}, 1)) > 2.0) esc = i64x2.replace_lane(esc, 1, -1);
}}
const cnt = {count};
const n = <i32>popcnt(i64x2.bitmask(esc));
if (smoothDelta != 0 && n > 0) {{
  if (i64x2.extract_lane(esc, 0) != 0) store<f32>(out{v} + smoothDelta, smoothFraction(f64x2.extract_lane(zr{v}, 0), f64x2.extract_lane(zi{v}, 0), f64x2.extract_lane(cr{v}, 0), ci));
  if (i64x2.extract_lane(esc, 1) != 0) store<f32>(out{v} + 4 + smoothDelta, smoothFraction(f64x2.extract_lane(zr{v}, 1), f64x2.extract_lane(zi{v}, 1), f64x2.extract_lane(cr{v}, 1), ci));
}}
v128.store64_lane(out{v}, v128.bitselect(i32x4.splat(cnt), v128.load64_zero(out{v}), v128.shuffle<i32>(esc, esc, 0, 2, 0, 2)), 0);
total += <f64>((cnt + 1) * n);
act{v} = v128.andnot(act{v}, esc);""", ind)


def rows_source(V):
    """bruteRow, unrolled for V vectors of 2 points, each refilled as soon as its points are done."""
    block = "\n".join(
        f"    a = f64x2.mul(zr{v}, zr{v});\n"
        f"    b = f64x2.mul(zi{v}, zi{v});\n"
        f"    t = f64x2.mul(zr{v}, zi{v});\n"
        f"    zr{v} = f64x2.add(f64x2.sub(a, b), cr{v});\n"
        f"    zi{v} = f64x2.add(f64x2.add(t, t), civ);"
        for v in range(V)
    )
    last_steps = "\n".join(
        f"""      if (it{v} > lim) {{
        for (let k = 0; k < maxiter - it{v}; k++) {{
{pair_step(v, "          ")}
{escapes(v, f"act{v}", f"it{v} + k", "          ")}
        }}
        total += <f64>maxiter * <f64>popcnt(i64x2.bitmask(act{v}));
{fill(v, "        ")}
      }}"""
        for v in range(V)
    )
    rerun = "\n".join(
        f"""        if (v128.any_true(pend{v})) {{
{pair_step(v, "          ")}
{escapes(v, f"pend{v}", f"it{v} - {BLOCK} + k", "          ")}
          pend{v} = v128.andnot(pend{v}, esc);
          pending -= n;
        }}"""
        for v in range(V)
    )
    refills = "\n".join(
        f"""      if (had{v} && !v128.any_true(act{v})) {{
{fill(v, "        ")}
      }}"""
        for v in range(V)
    )
    any_pend = "pend0"
    for v in range(1, V):
        any_pend = f"v128.or({any_pend}, pend{v})"
    return f"""// The iteration count of an idle vector (one the row has no more points for): it grows by a
// block at a time with the others, but from -2^30 it stays far below maxiter − BLOCK for as long
// as a row can last (maxiter < 2^31), so an idle vector never takes the last-steps path.
const IDLE: i32 = -0x40000000;

/**
 * Brute force, one row: counts of the cols points on row ci, written at line (prefilled with
 * maxiter); returns the z updates performed. {V} vectors of 2 points in flight, each with its
 * own iteration count; a vector takes the next 2 points as soon as both of its own are done.
 * All step in blocks of {BLOCK} iterations with one escape test at the block's end; when a lane
 * was flagged, only the flagged vectors re-run the block from its saved state, one step at a
 * time with the exact test, and only until every flagged lane is resolved (the other lanes
 * keep the block's end state, which the re-run would reproduce exactly).
 * One call a row, not a chunk: V8 runs a new function as baseline (Liftoff) code and swaps in
 * the optimized code between calls, never inside one, so a whole chunk in one call ran its
 * first render 2–3× slower.
 */
function bruteRow(rePtr: usize, cols: i32, ci: f64, maxiter: i32, line: usize): f64 {{
  const low = f64x2.splat(BAND_LOW);
  const high = f64x2.splat(BAND_HIGH);
  const zero = f64x2.splat(0.0);
  const off = i64x2.splat(0);
  const on = i64x2.splat(-1);
  const first = i64x2.replace_lane(off, 0, -1);
  const lim = maxiter - {BLOCK}; // a vector past this has fewer than {BLOCK} iterations left
  const civ = f64x2.splat(ci);
  let total: f64 = 0;
  let t = zero, a = zero, b = zero, m2 = zero;
{each("  let zr{v} = zero, zi{v} = zero, cr{v} = zero, act{v} = off, it{v} = 0, out{v}: usize = 0;", V)}
  let col = 0;
  let live = {V};
{{FILL_ALL}}
  while (live > 0) {{
    if ({" | ".join(f"<i32>(it{v} > lim)" for v in range(V))}) {{
      // The last iterations before maxiter one at a time; the lanes still running then end at maxiter.
{last_steps}
      continue;
    }}
{each("    const szr{v} = zr{v}, szi{v} = zi{v};", V)}
    // {BLOCK} steps written out: a wasm loop back-edge carries a stack check in V8.
{{BLOCK}}
{each("    it{v} += " + str(BLOCK) + ";", V)}
{each("    let pend{v} = v128.andnot(act{v}, f64x2.le(f64x2.add(f64x2.mul(zr{v}, zr{v}), f64x2.mul(zi{v}, zi{v})), low));", V)}
    if (v128.any_true({any_pend})) {{
      let pending = {" + ".join(f"<i32>popcnt(i64x2.bitmask(pend{v}))" for v in range(V))};
      // The vectors that may run out of points here: an idle one has no lane to flag.
{each("      const had{v} = v128.any_true(pend{v});", V)}
{each("      const ezr{v} = zr{v}, ezi{v} = zi{v};", V)}
{each("      zr{v} = szr{v}; zi{v} = szi{v};", V)}
      for (let k = 0; k < {BLOCK} && pending > 0; k++) {{
{rerun}
      }}
{each("      zr{v} = ezr{v}; zi{v} = ezi{v};", V)}
{refills}
    }}
  }}
  return total;
}}

""".replace("{FILL_ALL}", "\n".join(fill(v, "  ") for v in range(V))).replace(
        "{BLOCK}", "\n".join(block for _ in range(BLOCK))
    )


HEADER = f"""/**
 * The WebAssembly SIMD kernel (AssemblyScript → wasm, f64x2). The arithmetic and the escape
 * test are those of native/kernel-body.h: z updated as Python does (WebAssembly has no fused
 * multiply-add outside relaxed-simd), the escape test once per block of iterations (12 brute
 * force, 8 pruning), and a flagged block re-run one iteration at a time with the exact test.
 * Brute force keeps
 * {V_BRUTE} vectors of 2 points in flight, each refilled from its row as soon as its points are
 * done (bruteRow); pruning iterates groups of {2 * V_PRUNE} points with exact cycle detection at
 * block boundaries (groupPrune).
 *
 * Written by scripts/gen-wasm-kernel.py ({V_BRUTE} and {V_PRUNE} vectors): AssemblyScript keeps v128 values in
 * registers only as named locals, so the vectors are unrolled there. Edit the generator.
 */
"""

helpers = HELPERS.strip("\n").replace("const GROUP: i32 = 8;", f"const GROUP: i32 = {2 * V_PRUNE};")
text = HEADER + "\n" + helpers + "\n\n" + rows_source(V_BRUTE) + prune_group_source(V_PRUNE) + TAIL.strip("\n") + "\n"
open("assembly/mandel.ts", "w").write(text)
print(f"wrote assembly/mandel.ts with {V_BRUTE} vectors brute force, {V_PRUNE} with pruning")
