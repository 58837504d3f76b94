"""C1: (-0.3) ** 2 was emitted as -0.3 ** 2 (wrong value and gradient); fuzzer, 2026-11-29."""

import numpy as np


def h0(a0, a1):
    return a0 ** 2


def f(x):
    return x * (-0.3) ** 2 + np.sum(h0(-0.3, x) * x)


ARGS = (0.5,)
WRT = (0,)
