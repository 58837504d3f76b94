"""C28 (fuzz4): a reverse loop left its counter, and a value it computes again, as its last
iteration had them: read after the loop in an enclosing loop (wrong gradient)."""

import numpy as np


def f(x):
    s = 0.5
    for t in range(2):
        for i in range(3):
            j = (i + 1) % 3
            s = s * 1.1 + x[j] * 0.1
        s = s + x[j] * s * s + x[i] * s
    return s


ARGS = (np.array([0.3, -0.7, 1.1]),)
WRT = (0,)
