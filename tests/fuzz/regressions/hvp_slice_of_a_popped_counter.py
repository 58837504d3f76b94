"""fuzz4: tg.hvp refused slice(c, c + 2) of a popped while counter; the tape then raised."""

import numpy as np


def f(y):
    t = np.sin(y) * np.array([[1.0], [2.0]])
    s = y[0]
    c = 0
    while c < 2:
        s = s + np.dot(t[:, c], y[:2]) * np.sum(y[c:c + 2])
        c += 1
    m = max(np.sum(y[:2]), t[-1, 2])
    t[-2] *= np.tanh(np.sum(t[:, 2]))
    return s + m


ARGS = (np.array([0.3, -0.4, 0.8]),)
WRT = (0,)
