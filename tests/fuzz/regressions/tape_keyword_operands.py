"""T17 (fuzz4): the tape gave an active value passed by keyword a zero gradient (and float32)."""

import numpy as np

FEATURES = ("average", "clip")  # autograd has no VJP for these: skipped


def f(x, w, lo):
    a = np.average(np.array([0.5, -0.3, 1.25]), weights=1.0 + w ** 2)
    b = np.sum(np.average(x, axis=1, weights=np.exp(w)))
    c = np.sum(np.clip(np.array([0.5, -0.3, 1.25]), a_max=lo + 1.0, a_min=lo))
    d = np.clip(0.7, a_min=x[0, 0], a_max=None)
    return a + b + c + d


ARGS = (np.array([[0.9, 0.2, -0.4], [0.3, 0.8, 0.1]]), np.array([1.0, 2.0, 0.5]), 0.1)
WRT = (0, 1, 2)
