"""Tangent's fork: wrong gradient for repeated fancy indices (seed from the issue)."""

import numpy as np


def f(x):
    idx = np.array([0, 0, 2])
    return np.sum(x[idx] ** 2)


ARGS = (np.array([0.3, -1.2, 0.8]),)
WRT = (0,)
