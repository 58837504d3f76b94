"""Tangent's fork: wrong gradient for an array element overwritten by a constant (issue seed)."""

import numpy as np


def f(x):
    y = x * 2.0
    y[1] = 3.0
    return np.sum(y * y)


ARGS = (np.array([0.3, -1.2, 0.8]),)
WRT = (0,)
