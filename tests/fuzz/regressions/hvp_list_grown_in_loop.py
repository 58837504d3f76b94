"""F1: tg.hvp crashed (cannot reshape) on a list grown in a loop."""

import numpy as np


def f(x):
    xs7 = [np.sum(x, axis=0) / 2.0]
    for i8 in range(2):
        xs7.append(x[1] - i8 * 0.25)
    return np.sum(xs7[-1] * xs7[-1]) + x[0, 2]


ARGS = (np.array([[0.5, 0.25, -1.0], [0.5, -0.5, 0.25]]),)
WRT = (0,)
