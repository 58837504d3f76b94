"""C9: a list parameter summed twice; its adjoint (a list) was accumulated with ``+``, which
concatenates lists, so one contribution was lost."""

import numpy as np


def f(ps, x):
    a = sum(ps)
    b = sum(ps)
    return np.sum(a * b * x)


ARGS = ([np.array([1.0, 2.0]), np.array([0.5, -1.0])], np.array([0.3, 0.7]))
WRT = (0, 1)
