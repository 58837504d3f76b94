"""Rule cases for runtime/rules/elementwise.py."""

import operator

import numpy as np

from tests.runtime.rulecheck import Case


def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def two(shape_a, shape_b):
    return lambda rng: (rng.standard_normal(shape_a), rng.standard_normal(shape_b))


CASES = [
    Case(np.sin, lambda rng: (rng.standard_normal((3, 4)),)),
    Case(np.add, two((3, 4), (4,)), wrt=(0, 1)),
    Case(operator.add, two((2, 1, 3), (4, 1)), wrt=(0, 1)),
    Case(np.multiply, two((3, 4), (3, 1)), wrt=(0, 1)),
    Case(operator.mul, lambda rng: (rng.standard_normal((3,)), 2.5), wrt=(0, 1)),
]
