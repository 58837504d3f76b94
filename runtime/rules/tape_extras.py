"""Primitives torch has and NumPy lacks, with their rules (the tape's ``sigmoid``).

``sigmoid`` is a primitive rather than ``1 / (1 + exp(-x))`` so that its gradient stays finite
where ``exp(-x)`` overflows, and so that, as in torch, the node saves its output.
"""

import numpy as np

from .table import defjvp, defvjp

__all__ = ["sigmoid"]


def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, computed without overflow."""
    return np.exp(-np.logaddexp(0.0, -x))


def sigmoid_vjp(dy, y, x):
    return dy * y * (1 - y)


def sigmoid_jvp(dx, y, x):
    return dx * y * (1 - y)


defvjp(sigmoid, sigmoid_vjp)
defjvp(sigmoid, sigmoid_jvp)
