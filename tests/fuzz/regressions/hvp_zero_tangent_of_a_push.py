"""F2/F3: forward over reverse reads back the generated push ``stack = [*stack, x]``. Its tangent
must read the stack from before the push, but a zero tangent is that of the stack after it;
either way round wrong, the tangent stack was misaligned (a wrong hvp entry, or IndexError)."""

import numpy as np


def f(x, y):
    y *= ((x - x) * (x / (1.0 + y ** 2)))
    if x > 1.25:
        t0 = (np.array([[-1.5, 1.25, 0.5], [-0.3, -1.5, -1.5]]) * x)
        if (np.sum(t0[1]) / (1.0 + (0.7 - y) ** 2)) > 2.0:
            t1 = np.sqrt(1.0 + t0 ** 2)
        else:
            t2 = (0.5 * t0[1])
    else:
        t3 = np.exp(-(np.sqrt(1.0 + y ** 2) ** 2) ** 2)
        if ((y * t3) + np.mean(np.array([[-0.3, 1.25, 2.0], [1.25, 2.0, 0.5]]) * y)) > 0.5:
            t4 = (np.array([-1.5, -1.5, 0.2]) * x)
            t5 = np.tanh(((np.array([[0.5, 0.5, -0.3], [0.2, 1.25, -0.3]]) * t4) ** 2) - (0.7 + 0.2))
            t3 -= x
        else:
            x -= (0.2 / (1.0 + (np.array([2.0, -0.3, -0.3]) * y) ** 2))[0]
    if np.sum(np.array([[-0.3, 0.7, -1.5], [-1.5, 0.2, -0.3]]) * x) < 0.5:
        if (np.sin(-1.5) + x) > (-0.3):
            t6 = ((((np.array([[0.5, -0.3, 0.2], [0.7, 0.7, 2.0]]) * x) + (np.array([[-0.3, 2.0, 2.0], [2.0, -0.3, -1.5]]) * x)) ** 2) - (np.array([[0.2, 0.5, 0.7], [0.2, 0.2, 1.25]]) * x))
        else:
            t7 = ((np.sum((np.array([[0.2, 2.0, 0.7], [0.5, -1.5, 0.5]]) * y) @ (np.array([-0.3, 0.5, 0.5]) * x)) / (1.0 + (y + y) ** 2)) - np.mean(((-1.5) + (np.array([[-1.5, -0.3, 0.5], [-0.3, 0.7, -0.3]]) * x)), axis=0))
            x = ((y + np.mean(t7)) - (x + (0.2 + x)))
            x *= ((x - y) * t7[0])
    else:
        x *= np.mean((np.array([0.5, -0.3, 1.25]) * x) - (np.array([-0.3, 2.0, -0.3]) * y))
        x -= x
    y *= (y - x)
    return x


ARGS = (0.915, 1.359)
WRT = (1,)
