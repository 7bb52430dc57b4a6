#!/usr/bin/python3
"""
Escape counts of chosen pixels of a view, by brute force in MPFR (gmpy2), as
scripts/deep-fixtures.py computes them (it uses escape_count from here): the arbiter where mandel and another program disagree.

Reads one JSON object on stdin: {"re", "im", "width" (decimal strings), "cols", "rows",
"maxiter", "bits", "points": [[x, y], ...]}; pixel (x, y) is mandel's: centre
+ (x - (cols-1)/2) h + i ((rows-1)/2 - y) h with h = width / cols. Prints the counts as a
JSON array (the index of the update after which |z| > 2 first holds; maxiter if none).
Run with Debian's python3 (apt-get install python3-gmpy2).
"""
import json
import sys

import gmpy2
from gmpy2 import mpfr


def escape_count(cr, ci, maxiter):
    """The index of the update after which |z| > 2 first holds, from z = 0; maxiter if none."""
    four = mpfr(4)
    zr = mpfr(0)
    zi = mpfr(0)
    for n in range(maxiter):
        zr2 = zr * zr
        zi2 = zi * zi
        zi = 2 * zr * zi + ci
        zr = zr2 - zi2 + cr
        if zr * zr + zi * zi > four:
            return n
    return maxiter


def main():
    spec = json.load(sys.stdin)
    gmpy2.get_context().precision = int(spec['bits'])
    cre, cim, width = mpfr(spec['re']), mpfr(spec['im']), mpfr(spec['width'])
    cols, rows, maxiter = int(spec['cols']), int(spec['rows']), int(spec['maxiter'])
    h = width / cols
    out = [escape_count(cre + (x - mpfr(cols - 1) / 2) * h, cim + (mpfr(rows - 1) / 2 - y) * h, maxiter) for x, y in spec['points']]
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
