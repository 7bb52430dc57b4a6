/*
 * The smooth fraction (escape.h's mandel_smooth_fraction) of LANES points at once, the same
 * double operations lane by lane, so the same bits: z carried on while |z|² ≤ 65536 (each lane
 * stops on its own: a blend keeps a lane's z once it is past), then k + 2 − log2(log2 |z|²)
 * by mandel_portable_log2's steps on whole vectors. One escaping point alone took ~17 ns for
 * its two logarithms (a division and a chain of products each): on a whole-set view, as long
 * as the rest of its work. Lanes not in `active` give 0.
 * Expects SMOOTH_NAME, SMOOTH_LOG2 (names), VD (double vector), VL (64-bit integer vector), LANES.
 */
static inline VD SMOOTH_LOG2(VD x) {
  VL bits = (VL)x;
  VL e = ((bits >> 52) & 0x7ff) - 1023;
  VD m = (VD)((bits & (VL){0} + (long long)0x800fffffffffffffull) | ((VL){0} + 0x3ff0000000000000ll));
  VL big = (VL)(m > 1.4142135623730951);
  m = (VD)(((VL)(m * 0.5) & big) | ((VL)m & ~big));
  e = e + (big & 1);
  VD s = (m - 1) / (m + 1);
  VD z = s * s;
  VD series = 1 + z * (1.0 / 3 + z * (1.0 / 5 + z * (1.0 / 7 + z / 9)));
  VD ed;
  for (int l = 0; l < LANES; l++) ed[l] = (double)e[l];
  return ed + 2 * s * series * 1.4426950408889634;
}

static inline VD SMOOTH_NAME(VD zr, VD zi, VD cr, VD ci, VL active) {
  VD m2 = zr * zr + zi * zi;
  VD k = (VD){0};
  for (int step = 0; step < 64; step++) {
    VL grow = (VL)(m2 <= 65536.0) & active;
    long long any = 0;
    for (int l = 0; l < LANES; l++) any |= grow[l];
    if (!any) break;
    VD t = zr * zi;
    VD nr = zr * zr - zi * zi + cr;
    VD ni = t + t + ci;
    VD n2 = nr * nr + ni * ni;
    zr = (VD)(((VL)nr & grow) | ((VL)zr & ~grow));
    zi = (VD)(((VL)ni & grow) | ((VL)zi & ~grow));
    m2 = (VD)(((VL)n2 & grow) | ((VL)m2 & ~grow));
    k = (VD)(((VL)(k + 1.0) & grow) | ((VL)k & ~grow));
  }
  /* Inactive lanes and overflowed orbits: |z|² of 4 gives a harmless log, then 0. */
  VL finite = (VL)(m2 < (VD){0} + __builtin_inf()) & active;
  VD safe = (VD)(((VL)m2 & finite) | ((VL)((VD){0} + 4.0) & ~finite));
  VD f = (k + 2) - SMOOTH_LOG2(SMOOTH_LOG2(safe));
  return (VD)((VL)f & finite);
}
