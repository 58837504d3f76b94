"""T8: ``t2 += x * t2`` with ``t2`` a plain ndarray: the tape wrote the result into ``t2``, which
the node of ``x * t2`` had saved as its operand, so the gradient of x read the new values."""

import numpy as np


def h0(a0):
    return a0


def f(x, y, ps):
    if np.sin(np.sum(x[0])) > 0.5:
        t0 = np.sin(np.array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]))
    else:
        x = (x + np.sum(x, axis=0))
        t1 = np.array([0.5, 0.5, 0.5])
    t2 = np.array([[0.5, 0.5, 0.5], [0.5, 1.25, 0.5]])
    y = np.array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]])
    if np.sin(ps[0] + y[0, 0]) < (-0.3):
        t2 += 0.5
        t3 = (((t2 + t2) + np.array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]])) + t2)
        if ps[0] > 0.5:
            t4 = 0.5
    else:
        t5 = (np.sum(t2, axis=0) + (0.5 + ps[0]))
        t2 += ((y * y) + (x * t2))
        t5 = (-(np.array([-1.5, 1.25, 0.5]) - np.tanh(y))[0])
    return np.sum(t2) + ps[0]

ARGS = (np.array([[1.5, -0.959, 1.332], [0.036, -0.054, 1.5]]), np.array([[-0.042, 0.155, 0.276], [0.187, -0.17, -0.193]]), [-0.327, 0.21])
WRT = (0, 1, 2)
