"""On the duck array (as on CuPy) x[k] is a 0-d view, so the helper's a0 += a0 writes into memory
t1 shares: the compiler refuses it (SharedWriteError, C19), which the fuzzer must not count as a
mismatch (found by the 2026-11-30 05:09 run, after C19 reached main)."""

import numpy as np


def h0(a0):
    a0 += a0
    t0 = 0.5
    return a0


def f(x, k):
    t1 = x[k]
    return t1 + h0(t1)


ARGS = (np.array([0.0, 0.0, 0.0]), 1)
WRT = (0,)
