"""Tangent returned a wrong gradient for ``+=`` on an array (seed from the issue)."""

import numpy as np


def f(x, y):
    z = x * y
    z += x
    return np.sum(z * z)


ARGS = (np.array([0.3, -1.2, 0.8]), np.array([1.1, 0.4, -0.6]))
WRT = (0, 1)
