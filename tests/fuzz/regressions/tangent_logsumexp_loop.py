"""Tangent returned a wrong gradient for a logsumexp written with a loop (seed from the issue)."""

import numpy as np


def f(x):
    m = x[0]
    s = 0.0
    for i in range(3):
        s += np.exp(x[i] - m)
    return m + np.log(s)


ARGS = (np.array([0.3, -1.2, 0.8]),)
WRT = (0,)
