"""jvp on the tape (a construct the compiler refuses) ran NumPy code without NumPy's semantics:
t.sort() sorted nothing (value 1.4, tangent 7.6; expected 1.3, 9.6) and float(x) lost its
tangent silently (found by the idioms fuzzer, 2026-11-30)."""

import numpy as np


def f(x, ps):
    t1 = ps[0] + np.array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]])
    t1.sort()
    return np.sum(t1 * x) + t1[0, 0]


ARGS = (0.3, [np.array([0.0, 0.1, -0.1]), np.array([0.0, 0.0, 0.0])])
WRT = (0, 1)
FEATURES = ("falls_back", "inplace_call")
