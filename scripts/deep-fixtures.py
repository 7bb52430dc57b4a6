#!/usr/bin/python3
"""
The truth for mandel's deep zoom: escape counts by brute force in arbitrary precision.

For each place and depth, a 48 x 48 grid of points around a centre given as decimal digits,
z <- z^2 + c from 0 until |z| > 2 (the count is the index of the first update after which
|z| > 2; maxiter if none), in MPFR (gmpy2, the backend mpmath uses) at enough bits for the
depth plus a margin of 128. The places are found with mpmath's root finding, to the digits the
depth needs:

- spiral:   the Misiurewicz point M(24,1) near -0.77568377 + 0.13646737i, a centre of spirals
- filament: c = i, the tip of a filament (its orbit 0, i, -1+i, -i, -1+i, ... is preperiodic)
- minibrot: the nucleus of a minibrot near the filament's tip, found at each depth by the
            box-period method and Newton's method; the view is 4 times its size wide, and
            maxiter at least 10 times its period (points near a minibrot escape slowly)
- spiral-off, minibrot-off: the same features away from the view's centre (0.37 widths left,
            0.29 up), so that the reference orbit at the centre does not pass through them and
            the points near them are right only if perturbation rebases

Pixel (x, y), x from the left and y from the top, is c = centre + (x - (cols-1)/2) h
+ i ((rows-1)/2 - y) h with h = width / cols: the grid mandel's deep workloads use.

Run with Debian's python3 (apt-get install python3-mpmath python3-gmpy2):
    /usr/bin/python3 scripts/deep-fixtures.py [name ...]
writes test/fixtures/deep/<place>-<depth>.json. Slow (minutes a fixture at maxiter 10,000):
the fixtures are kept in the repository and the tests only read them.
"""
import json
import math
import os
import sys
import time

import gmpy2
import mpmath as mp
from gmpy2 import mpfr

from deep_truth import escape_count

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'deep')
SIZE = 48
DEPTHS = {'1e-6': 2000, '1e-20': 2000, '1e-50': 5000, '1e-150': 10000, '1e-400': 10000}
# Off-centre fixtures: the view's centre is the feature plus this many widths (so the feature
# sits 0.37 widths left of and 0.29 above the centre), at these depths.
OFF_CENTRE = ('0.37', '-0.29')
OFF_CENTRE_DEPTHS = ('1e-20', '1e-50', '1e-150')


def digits_for(width_exp):
    return -width_exp + 30


def spiral(dps):
    mp.mp.dps = dps + 10

    def f(c):
        z = mp.mpc(0)
        zs = []
        for _ in range(26):
            zs.append(z)
            z = z * z + c
        return zs[25] - zs[24]

    return mp.findroot(f, mp.mpc('-0.775683768009053797469483503935', '0.136467368294690124733274409618'), tol=mp.mpf(10) ** (-dps))


def box_period(centre, r, limit):
    """The first n at which the orbit of a box of half-side r around centre surrounds 0."""
    corners = [centre + complex_(r * a, r * b) for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    zs = [mp.mpc(0)] * 4
    for n in range(1, limit):
        zs = [z * z + c for z, c in zip(zs, corners)]
        if surrounds_origin(zs):
            return n
        if any(abs(z) > 1e10 for z in zs):
            return None
    return None


def complex_(a, b):
    return mp.mpc(a, b)


def surrounds_origin(poly):
    crossings = 0
    for i in range(len(poly)):
        a, b = poly[i], poly[(i + 1) % len(poly)]
        if (a.imag > 0) != (b.imag > 0):
            x = a.real + (b.real - a.real) * (0 - a.imag) / (b.imag - a.imag)
            if x > 0:
                crossings += 1
    return crossings % 2 == 1


def nucleus(guess, period, dps):
    mp.mp.dps = dps + 10
    c = mp.mpc(guess)
    for _ in range(200):
        z = mp.mpc(0)
        dz = mp.mpc(0)
        for _ in range(period):
            dz = 2 * z * dz + 1
            z = z * z + c
        step = z / dz
        c -= step
        if abs(step) < mp.mpf(10) ** (-dps):
            return c
    raise RuntimeError('Newton did not converge')


def minibrot_size(c, period):
    z = mp.mpc(0)
    l = mp.mpc(1)
    b = mp.mpc(1)
    for _ in range(1, period):
        z = z * z + c
        l = 2 * z * l
        b = b + 1 / l
    return abs(1 / (b * l * l))


def minibrot(width_exp, dps):
    """
    A minibrot near the filament's tip c = i about 10^width_exp wide: at distance r from the
    tip the box-period method finds minibrots about r^2 / 50 in size, so r starts at the
    square root of 50 widths and moves until one is found.
    """
    mp.mp.dps = 2 * dps + 10
    tip = mp.mpc(0, 1)
    r = mp.sqrt(mp.mpf(10) ** width_exp * 12)
    for attempt in range(40):
        guess = tip + mp.mpc(r * 3.7, r * 2.3)
        period = box_period(guess, r, 100000)
        if period:
            n = nucleus(guess, period, dps)
            return n, period, minibrot_size(n, period)
        r *= 1.3 if attempt % 2 else 0.6
    raise RuntimeError('no minibrot found')


def counts(centre_re, centre_im, width, maxiter, bits):
    gmpy2.get_context().precision = bits
    cre, cim, w = mpfr(centre_re), mpfr(centre_im), mpfr(width)
    h = w / SIZE
    half = mpfr(SIZE - 1) / 2
    return [escape_count(cre + (x - half) * h, cim + (half - y) * h, maxiter) for y in range(SIZE) for x in range(SIZE)]


def main():
    wanted = set(sys.argv[1:])
    os.makedirs(OUT, exist_ok=True)
    for depth, maxiter in DEPTHS.items():
        width_exp = int(depth.split('e')[1])
        dps = digits_for(width_exp)
        for place in ('spiral', 'filament', 'minibrot', 'spiral-off', 'minibrot-off'):
            if place.endswith('-off') and depth not in OFF_CENTRE_DEPTHS:
                continue
            name = f'{place}-{depth}'
            maxiter = DEPTHS[depth]
            if wanted and name not in wanted:
                continue
            started = time.time()
            note = ''
            if place.startswith('spiral'):
                c = spiral(dps)
                width = depth
            elif place == 'filament':
                mp.mp.dps = dps
                c = mp.mpc(0, 1)
                width = depth
            else:
                c, period, size = minibrot(width_exp, dps)
                width = mp.nstr(size * 4, 3, min_fixed=1, max_fixed=0)
                maxiter = max(maxiter, min(10000, 10 * period))
                note = f'nucleus of period {period}, size {mp.nstr(size, 4)}; the view is 4 sizes wide'
            if place.endswith('-off'):
                # The feature away from the centre, where the reference orbit does not pass
                # through it: points near it need rebasing (a loop without it gets them wrong).
                mp.mp.dps = 2 * dps + 10
                c = c + mp.mpc(OFF_CENTRE[0], OFF_CENTRE[1]) * mp.mpf(str(width))
                note = (note + '; ' if note else '') + f'the feature is {OFF_CENTRE[0]}, {OFF_CENTRE[1]} widths from the centre'
            mp.mp.dps = dps
            re = mp.nstr(c.real, dps, min_fixed=-math.inf, max_fixed=math.inf, strip_zeros=True)
            im = mp.nstr(c.imag, dps, min_fixed=-math.inf, max_fixed=math.inf, strip_zeros=True)
            bits = int(dps * 3.33) + 128
            result = counts(re, im, width, maxiter, bits)
            fixture = {
                'place': place,
                'note': note,
                'center': {'re': re, 'im': im},
                'width': str(width),
                'cols': SIZE,
                'rows': SIZE,
                'maxiter': maxiter,
                'bits': bits,
                'counts': result,
            }
            with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
                json.dump(fixture, f)
            print(f'{name}: {time.time() - started:.0f} s, {len(set(result))} distinct counts, {result.count(maxiter)} at maxiter {note}', flush=True)


if __name__ == '__main__':
    main()
