"""Tangent's fork: wrong gradient for a softmax divided by a keepdims sum (seed from the issue)."""

import numpy as np


def f(x):
    e = np.exp(x)
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p * np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]))


ARGS = (np.array([[0.3, -1.2, 0.8], [1.1, 0.4, -0.6]]),)
WRT = (0,)
