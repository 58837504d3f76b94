"""T10: the tape read a plain ndarray operand after NumPy code had updated it in place (t += 1.0
after y = x * t): a silently wrong gradient (x's was [2, 3, 4], expected [1, 2, 3])."""

import numpy as np


def f(x, w):
    t = np.array([1.0, 2.0, 3.0])
    y = np.sum(x * t)
    t += 1.0
    acc = np.zeros(3)
    for i in range(2):
        y = y + np.sum(w @ acc) * x[i]
        acc += np.cos(w[i])
    return y + np.sum(t)

ARGS = (np.array([0.7, 0.9, 0.2]), np.array([[0.3, -0.5, 0.8], [1.1, 0.4, -0.2]]))
WRT = (0, 1)
