"""T1: on the tape, += mutated a 0-d tensor standing for an (immutable) NumPy scalar."""

import numpy as np


def f(x, y):
    t0 = np.dot(y, y)
    t1 = t0
    t1 += x
    x += 1.0
    return t0 + t1 + x * x


ARGS = (0.5, np.array([1.0, 2.0]))
WRT = (0, 1)
