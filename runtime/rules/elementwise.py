"""Elementwise rules: NumPy ufuncs, Python operators and ``math`` functions.

Each rule is a named one-expression function so the compiler can inline its body. Binary rules
undo broadcasting with ``unbroadcast``; unary rules need not.
"""

import operator

import numpy as np

from ..support import unbroadcast
from .table import defjvp, defvjp

# ---------------------------------------------------------------- unary


def sin_vjp(dy, y, x):
    return dy * np.cos(x)


def sin_jvp(dx, y, x):
    return dx * np.cos(x)


defvjp(np.sin, sin_vjp)
defjvp(np.sin, sin_jvp)

# ---------------------------------------------------------------- binary (broadcasting)


def add_vjp_a(dy, y, a, b):
    return unbroadcast(dy, a)


def add_vjp_b(dy, y, a, b):
    return unbroadcast(dy, b)


def add_jvp_a(da, y, a, b):
    return da


def add_jvp_b(db, y, a, b):
    return db


def mul_vjp_a(dy, y, a, b):
    return unbroadcast(dy * b, a)


def mul_vjp_b(dy, y, a, b):
    return unbroadcast(dy * a, b)


def mul_jvp_a(da, y, a, b):
    return da * b


def mul_jvp_b(db, y, a, b):
    return a * db


for _add in (np.add, operator.add):
    defvjp(_add, add_vjp_a, add_vjp_b)
    defjvp(_add, add_jvp_a, add_jvp_b)

for _mul in (np.multiply, operator.mul):
    defvjp(_mul, mul_vjp_a, mul_vjp_b)
    defjvp(_mul, mul_jvp_a, mul_jvp_b)
