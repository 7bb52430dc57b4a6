#!/usr/bin/env python3
"""Writes assembly/mandel.ts, the WebAssembly SIMD kernel, with V vectors in flight.

AssemblyScript keeps v128 values in registers only as named locals (no arrays of v128), so
the V vectors are unrolled by this generator. The output is committed; run this only to
change V or the loop:  python3 scripts/gen-wasm-kernel.py [V_BRUTE] [V_PRUNE]  (default 5 4).
Brute force and pruning each get the count that measured fastest (bench/kernels.ts): 5 vectors
brute force (3–14% faster than 4, three runs alternating), 4 with pruning, whose cycle checks
keep two more vectors of state each.
"""
import sys

V_BRUTE = int(sys.argv[1]) if len(sys.argv) > 1 else 5
V_PRUNE = int(sys.argv[2]) if len(sys.argv) > 2 else 4
HELPERS = r'''
const BAND_LOW: f64 = 4.0 - 2.8421709430404007434844970703125e-14; // 4 − 2^-45
const BAND_HIGH: f64 = 4.0 + 2.8421709430404007434844970703125e-14; // 4 + 2^-45
const GROUP: i32 = 8;
const GROUP_BRUTE: i32 = 8;
const GROUP_PRUNE: i32 = 8;

// Per-group scratch (GROUP: the larger group): the points' real parts, their columns, their counts.
const CR: usize = memory.data(GROUP * 8, 16);
const IDX: usize = memory.data(GROUP * 4, 16);
const COUNTS: usize = memory.data(GROUP * 4, 16);

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
 * outPtr; returns the z updates performed.
 */
export function compute(rePtr: usize, cols: i32, imPtr: usize, rows: i32, maxiter: i32, outPtr: usize, prune: bool): f64 {
  let total: f64 = 0;
  const size = prune ? GROUP_PRUNE : GROUP_BRUTE;
  for (let row = 0; row < rows; row++) {
    const ci = load<f64>(imPtr + (<usize>row << 3));
    const line = outPtr + (<usize>row * <usize>cols << 2);
    let n = 0;
    for (let col = 0; col < cols; col++) {
      const cr = load<f64>(rePtr + (<usize>col << 3));
      if (prune && knownInside(cr, ci)) {
        store<i32>(line + (<usize>col << 2), maxiter);
        continue;
      }
      store<f64>(CR + (<usize>n << 3), cr);
      store<i32>(IDX + (<usize>n << 2), col);
      n++;
      if (n == size) {
        total += prune ? groupPrune(n, ci, maxiter) : groupBrute(n, ci, maxiter);
        for (let j = 0; j < n; j++) store<i32>(line + (<usize>load<i32>(IDX + (<usize>j << 2)) << 2), load<i32>(COUNTS + (<usize>j << 2)));
        n = 0;
      }
    }
    if (n > 0) {
      total += prune ? groupPrune(n, ci, maxiter) : groupBrute(n, ci, maxiter);
      for (let j = 0; j < n; j++) store<i32>(line + (<usize>load<i32>(IDX + (<usize>j << 2)) << 2), load<i32>(COUNTS + (<usize>j << 2)));
    }
  }
  return total;
}

/** Returns the start of a scratch area of at least `bytes`, growing memory when needed. */
export function reserve(bytes: usize): usize {
  const base = (__heap_base + 15) & ~(<usize>15);
  const need = base + bytes;
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


def group_source(name, vectors, pruning):
    """One group function, unrolled for `vectors` vectors; with `pruning`, cycle detection."""
    V = vectors
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
    what = "With pruning (cycle detection)" if pruning else "Brute force"
    prune_block = f"""    if (remaining > 0 && it < maxiter) {{
{cycle_checks}
      block++;
      if ((block & (block - 1)) == 0) {{
{each("        sr{v} = zr{v}; si{v} = zi{v};", V)}
      }}
    }}
"""
    body = f"""/** {what}: iterates the n ≤ {2 * V} points whose real parts are at CR, on row ci; counts go to COUNTS. */
function {name}(n: i32, ci: f64, maxiter: i32): f64 {{
  const civ = f64x2.splat(ci);
  const low = f64x2.splat(BAND_LOW);
  const zero = f64x2.splat(0.0);
  const off = i64x2.splat(0);
  for (let j = 0; j < {2 * V}; j++) {{
    if (j >= n) store<f64>(CR + (<usize>j << 3), 0.0);
    store<i32>(COUNTS + (<usize>j << 2), maxiter);
  }}
{each("  const cr{v} = v128.load(CR + {v} * 16);", V)}
{each("  let act{v} = i64x2.replace_lane(i64x2.replace_lane(off, 0, 2 * {v} < n ? -1 : 0), 1, 2 * {v} + 1 < n ? -1 : 0);", V)}
{each("  let zr{v} = zero, zi{v} = zero, zr2_{v} = zero, zi2_{v} = zero;", V)}
{each("  let sr{v} = zero, si{v} = zero;", V) if pruning else ""}
  let t = zero, m2 = zero;{" let same = zero;" if pruning else ""}
  let remaining = n;
  let total: f64 = 0;
  let it = 0;
{"  let block: i64 = 0;" + chr(10) if pruning else ""}  while (it < maxiter && remaining > 0) {{
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
{prune_block if pruning else ""}  }}
  return total + <f64>remaining * <f64>maxiter;
}}

"""
    return body.replace("{UNROLLED}", "\n".join(step("      ", V) for _ in range(8)))


HEADER = f"""/**
 * The WebAssembly SIMD kernel (AssemblyScript → wasm, f64x2), the same algorithm as
 * native/kernel-body.h: {V_BRUTE} vectors of 2 points in flight brute force, {V_PRUNE} with pruning; the escape test once per block of
 * 8 iterations, and a block in which an active lane was flagged re-run one iteration at a
 * time with the exact test; exact cycle detection at block boundaries when pruning.
 * WebAssembly has no fused multiply-add outside relaxed-simd, so the arithmetic is Python's.
 *
 * Written by scripts/gen-wasm-kernel.py ({V_BRUTE} and {V_PRUNE} vectors): AssemblyScript keeps v128 values in
 * registers only as named locals, so the vectors are unrolled there. Edit the generator.
 */
"""

GROUPS = group_source("groupBrute", V_BRUTE, False) + group_source("groupPrune", V_PRUNE, True)
helpers = (
    HELPERS.strip("\n")
    .replace("const GROUP: i32 = 8;", f"const GROUP: i32 = {2 * max(V_BRUTE, V_PRUNE)};")
    .replace("const GROUP_BRUTE: i32 = 8;", f"const GROUP_BRUTE: i32 = {2 * V_BRUTE};")
    .replace("const GROUP_PRUNE: i32 = 8;", f"const GROUP_PRUNE: i32 = {2 * V_PRUNE};")
)
text = HEADER + "\n" + helpers + "\n\n" + GROUPS + TAIL.strip("\n") + "\n"
open("assembly/mandel.ts", "w").write(text)
print(f"wrote assembly/mandel.ts with {V_BRUTE} vectors brute force, {V_PRUNE} with pruning")
