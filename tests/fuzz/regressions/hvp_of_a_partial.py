"""tg.hvp of a functools.partial raised TypeError "d_f_jvp() missing 1 required positional
argument: 'scale'": the forward pass over its gradient dropped the partial's keywords (found by
the idioms fuzzer, 2026-11-30)."""

import functools

import numpy as np


def _f(x, y, scale):
    t0 = np.sin(x) * scale
    return np.sum(t0 * y) + np.sum(x ** 2) * scale


f = functools.partial(_f, scale=0.7)

ARGS = (np.array([0.3, -0.7, 1.1]), 0.4)
WRT = (0, 1)
