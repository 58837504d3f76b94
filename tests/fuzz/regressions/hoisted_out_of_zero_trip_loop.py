"""C6: an assignment to a parameter was hoisted out of a while loop that runs zero times."""

import numpy as np


def f(x, v):
    k = 0
    while k < 2 and v[0] > 0.5:
        k += 1
        for i in range(2):
            x = v[1]
    return x + np.sum(v)


ARGS = (0.25, np.array([0.1, 0.3]))
WRT = (0, 1)
