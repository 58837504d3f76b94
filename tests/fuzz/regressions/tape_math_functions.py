"""T7: math.sin on a tape tensor called float() and lost the gradient."""

import math

import numpy as np


def f(x, s):
    return math.sin(s) * 2.0 + math.exp(-x[0] ** 2) + np.sum(x)


ARGS = (np.array([0.5, 0.1]), 0.5)
WRT = (0, 1)
