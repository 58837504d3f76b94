"""T3, T4: ndarray *= Tensor crashed on the tape; an in-place update of a saved tensor raised."""

import numpy as np


def f(x, y):
    t = np.cos(x)
    t *= y
    u = np.exp(x)
    u *= 2.0
    return np.sum(t) + np.sum(u)


ARGS = (np.array([0.1, 0.2]), 0.5)
WRT = (0, 1)
