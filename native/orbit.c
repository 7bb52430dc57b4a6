/*
 * The reference orbit in fixed point, the same arithmetic as src/deep/reference.ts's BigInt
 * loop, operation for operation: Z = x + iy with `bits` bits after the binary point, stored
 * as a sign and a magnitude of 64-bit limbs (least significant first); products exact, then
 * shifted down with floor rounding, as BigInt's >> does. So every double it stores is the
 * one the BigInt loop stores, bit for bit (the tests compare them), and a machine without the
 * addon computes the same orbit. Schoolbook products on unsigned __int128: at 1,100 bits
 * (18 limbs) an update costs ~0.2 µs here against ~3 µs for V8's BigInts.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "orbit.h"

typedef unsigned __int128 u128;

/* 2 * MANDEL_ORBIT_MAX_LIMBS limbs: the largest product. */
#define WIDE (2 * MANDEL_ORBIT_MAX_LIMBS + 2)

/* Index of the highest set bit of mag[0..n), or -1 when it is zero. */
static int top_bit(const uint64_t *mag, int n) {
  for (int i = n - 1; i >= 0; i--)
    if (mag[i]) return i * 64 + 63 - __builtin_clzll(mag[i]);
  return -1;
}

static int bit_at(const uint64_t *mag, int n, int k) {
  if (k < 0 || k / 64 >= n) return 0;
  return (int)((mag[k / 64] >> (k % 64)) & 1);
}

/* Whether any bit below k is set. */
static int any_below(const uint64_t *mag, int n, int k) {
  if (k <= 0) return 0;
  int whole = k / 64;
  for (int i = 0; i < whole && i < n; i++)
    if (mag[i]) return 1;
  if (whole < n && (k % 64) && (mag[whole] & ((UINT64_C(1) << (k % 64)) - 1))) return 1;
  return 0;
}

/* out = mag >> k (n limbs in, n limbs out). */
static void shift_right(uint64_t *out, const uint64_t *mag, int n, int k) {
  int limbs = k / 64, rest = k % 64;
  for (int i = 0; i < n; i++) {
    int from = i + limbs;
    uint64_t low = from < n ? mag[from] : 0;
    uint64_t high = from + 1 < n ? mag[from + 1] : 0;
    out[i] = rest ? (low >> rest) | (high << (64 - rest)) : low;
  }
}

/* mag + 1, in place (carry out ignored: the values never reach it). */
static void increment(uint64_t *mag, int n) {
  for (int i = 0; i < n; i++)
    if (++mag[i] != 0) return;
}

/*
 * floor(v / 2^k) of a signed v = (negative ? −mag : mag), as BigInt's v >> k: out holds the
 * magnitude, and the sign is the input's (a negative value rounds away from zero).
 */
static void floor_shift(uint64_t *out, const uint64_t *mag, int n, int k, int negative) {
  int inexact = negative && any_below(mag, n, k);
  shift_right(out, mag, n, k);
  if (inexact) increment(out, n);
}

/* The integer (negative ? −mag : mag) as the nearest double, ties to even (BigInt → Number). */
static double to_double(const uint64_t *mag, int n, int negative) {
  int top = top_bit(mag, n);
  if (top < 0) return 0.0;
  double value;
  if (top < 64) {
    uint64_t m = mag[0];
    if (top < 53) {
      value = (double)m;
    } else {
      int drop = top - 52;
      uint64_t kept = m >> drop;
      int round = (int)((m >> (drop - 1)) & 1);
      int sticky = drop > 1 && (m & ((UINT64_C(1) << (drop - 1)) - 1)) != 0;
      if (round && (sticky || (kept & 1))) kept++;
      value = ldexp((double)kept, drop);
    }
  } else {
    /* The 64 bits from `top` down, then the same rounding as for one limb, with the limbs
       below them as part of the sticky bit. */
    int low = top - 63, limb = low / 64, rest = low % 64;
    uint64_t m = rest ? (mag[limb] >> rest) | (mag[limb + 1] << (64 - rest)) : mag[limb];
    uint64_t kept = m >> 11;
    int round = (int)((m >> 10) & 1);
    int sticky = (m & 0x3ff) != 0 || any_below(mag, n, low);
    if (round && (sticky || (kept & 1))) kept++;
    value = ldexp((double)kept, low + 11);
  }
  return negative ? -value : value;
}

/* out[0..2n) = a[0..n) × b[0..n). */
static void multiply(uint64_t *out, const uint64_t *a, const uint64_t *b, int n) {
  memset(out, 0, sizeof(uint64_t) * 2 * n);
  for (int i = 0; i < n; i++) {
    if (!a[i]) continue;
    u128 carry = 0;
    for (int j = 0; j < n; j++) {
      u128 t = (u128)a[i] * b[j] + out[i + j] + carry;
      out[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    out[i + n] = (uint64_t)carry;
  }
}

/* out[0..2n) = a², from the n(n−1)/2 cross products doubled and the n squares: 189 products
   instead of 324 at 18 limbs. */
static void square(uint64_t *out, const uint64_t *a, int n) {
  memset(out, 0, sizeof(uint64_t) * 2 * n);
  for (int i = 0; i < n; i++) {
    if (!a[i]) continue;
    u128 carry = 0;
    for (int j = i + 1; j < n; j++) {
      u128 t = (u128)a[i] * a[j] + out[i + j] + carry;
      out[i + j] = (uint64_t)t;
      carry = t >> 64;
    }
    out[i + n] = (uint64_t)carry;
  }
  uint64_t top = 0;
  for (int i = 0; i < 2 * n; i++) {
    uint64_t next = out[i] >> 63;
    out[i] = (out[i] << 1) | top;
    top = next;
  }
  u128 carry = 0;
  for (int i = 0; i < n; i++) {
    u128 sq = (u128)a[i] * a[i];
    u128 t = (u128)out[2 * i] + (uint64_t)sq + carry;
    out[2 * i] = (uint64_t)t;
    t = (u128)out[2 * i + 1] + (uint64_t)(sq >> 64) + (t >> 64);
    out[2 * i + 1] = (uint64_t)t;
    carry = t >> 64;
  }
}

static int compare(const uint64_t *a, const uint64_t *b, int n) {
  for (int i = n - 1; i >= 0; i--)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/* out = a − b, a ≥ b. */
static void subtract(uint64_t *out, const uint64_t *a, const uint64_t *b, int n) {
  uint64_t borrow = 0;
  for (int i = 0; i < n; i++) {
    uint64_t d = a[i] - b[i] - borrow;
    borrow = (a[i] < b[i]) || (a[i] - b[i] < borrow);
    out[i] = d;
  }
}

/* out = a + b (carry into nothing: values stay far below 2^(64n)). */
static void add(uint64_t *out, const uint64_t *a, const uint64_t *b, int n) {
  u128 carry = 0;
  for (int i = 0; i < n; i++) {
    u128 t = (u128)a[i] + b[i] + carry;
    out[i] = (uint64_t)t;
    carry = t >> 64;
  }
}

/* Signed add: (sa, a) + (sb, b) into (*s, out); out may alias a. */
static void signed_add(int *s, uint64_t *out, int sa, const uint64_t *a, int sb, const uint64_t *b, int n) {
  if (sa == sb) {
    add(out, a, b, n);
    *s = sa;
  } else if (compare(a, b, n) >= 0) {
    subtract(out, a, b, n);
    *s = sa;
  } else {
    subtract(out, b, a, n);
    *s = sb;
  }
  if (top_bit(out, n) < 0) *s = 0; /* no −0 */
}

/* The bit length of |v| as BigInt's toString(2).length gives it: 1 for 0. */
static int bit_length(const uint64_t *mag, int n) {
  int top = top_bit(mag, n);
  return top < 0 ? 1 : top + 1;
}

int mandel_orbit_advance(mandel_orbit_state *s, int count, double *zr, double *zi, double *mr, double *mi, int32_t *ex) {
  const int n = s->limbs, w = 2 * n;
  uint64_t xy[WIDE], d[WIDE], shifted[WIDE], part[WIDE];
  int done = 0;
  while (done < count && !s->escaped) {
    /* xy = x·y; x = ((xx − yy) >> bits) + cr; y = ((xy + xy) >> bits) + ci */
    multiply(xy, s->x, s->y, n);
    int sxy = s->sx != s->sy && top_bit(xy, w) >= 0;
    int sd;
    if (compare(s->xx, s->yy, w) >= 0) {
      subtract(d, s->xx, s->yy, w);
      sd = 0;
    } else {
      subtract(d, s->yy, s->xx, w);
      sd = 1;
    }
    if (top_bit(d, w) < 0) sd = 0;
    floor_shift(shifted, d, w, s->bits, sd);
    signed_add(&s->sx, s->x, sd, shifted, s->scr, s->cr, n);
    add(d, xy, xy, w);
    floor_shift(shifted, d, w, s->bits, sxy);
    signed_add(&s->sy, s->y, sxy, shifted, s->sci, s->ci, n);
    square(s->xx, s->x, n);
    square(s->yy, s->y, n);
    int length = s->length;
    /* zr = Number(x >> narrow) × 2^−min(bits, 1000) */
    floor_shift(part, s->x, n, s->narrow, s->sx);
    zr[length] = ldexp(to_double(part, n, s->sx), -s->scale_bits);
    floor_shift(part, s->y, n, s->narrow, s->sy);
    zi[length] = ldexp(to_double(part, n, s->sy), -s->scale_bits);
    if (mr) {
      /* 62 significant bits of the larger part: Z = (mr + i·mi) × 2^exponent */
      int bx = bit_length(s->x, n), by = bit_length(s->y, n);
      int magnitude = bx > by ? bx : by;
      int drop = magnitude > 62 ? magnitude - 62 : 0;
      floor_shift(part, s->x, n, drop, s->sx);
      mr[length] = ldexp(to_double(part, n, s->sx), -(magnitude - drop));
      floor_shift(part, s->y, n, drop, s->sy);
      mi[length] = ldexp(to_double(part, n, s->sy), -(magnitude - drop));
      ex[length] = magnitude - s->bits;
    }
    s->length = length + 1;
    s->updates++;
    /* |Z|² > 4: xx + yy > 2^(2·bits + 2) */
    add(d, s->xx, s->yy, w);
    int top = top_bit(d, w);
    int limit = 2 * s->bits + 2;
    if (top > limit || (top == limit && any_below(d, w, limit))) s->escaped = 1;
    done++;
  }
  return done;
}
