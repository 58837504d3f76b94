"""C11: a nested def or lambda called in an if/while test or a comparison was not inlined there:
NameError: name 'g' is not defined (its definition is not in the generated code)."""

import numpy as np


def f(x, y):
    def g(u):
        return np.tanh(u)
    sq = lambda u: u * u  # noqa: E731
    k = 0
    while k < 5 and g(x) < 0.9:
        k += 1
        x = x * 1.5
        if g(x) > 0.8:
            continue
        x = x + 0.01
    if sq(y) > 0.1:
        y = y * 3.0
    c = g(x) > 0.5
    return x * y + (1.0 if c else 0.0)

ARGS = (0.5, 0.4)
WRT = (0, 1)
