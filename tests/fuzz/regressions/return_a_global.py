"""C12: a function whose last statement returns a module global compiled to SCALE = SCALE:
UnboundLocalError: cannot access local variable 'SCALE'."""

import numpy as np

SCALE = 0.7


def f(x):
    for i in range(2):
        if np.sum(x) > 5.0:
            break
    return SCALE

ARGS = (np.array([0.5, 0.25, -0.3]),)
WRT = (0,)
