"""Calls that write into an array or list in place (C17).

Generated code used to keep ``y.fill(2.0)``, ``np.put(y, i, v)``, ``np.add.at``, ``np.copyto``,
``out=`` and ``y.sort()`` as statements without derivative: a silent wrong gradient. The
compiler now refuses them (``TransformError``, or the tape with one warning); the tape follows
``.fill()``, ``.sort()`` and ``out=`` onto a tracked array, and refuses writes it cannot record.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.errors import TransformError, TransformWarning

C = np.arange(1.0, 4.0)


def fill(x):
    y = x * 1.0
    y.fill(2.0)
    return np.sum(y * x)


def sort(x):
    y = x * 1.0
    y.sort()
    return y[0] * 3.0 + y[2]


def sin_into_itself(x):
    y = x * 1.0
    np.sin(y, out=y)
    return np.sum(y * C)


def put(x):
    y = np.zeros(3)
    np.put(y, [0, 2], x[:2])
    return np.sum(y * C)


def copyto(x):
    y = np.zeros(3)
    np.copyto(y, x * 2.0)
    return np.sum(y * x)


def add_at(x):
    y = np.zeros(3)
    np.add.at(y, [0, 0, 1], x)
    return np.sum(y * C)


def out_into_plain_array(x):
    y = np.empty(3)
    np.multiply(x, 2.0, out=y)
    return np.sum(y * x)


def extend(x):
    xs = [x[0]]
    xs.extend([x[1] * 2.0])
    return xs[0] * xs[1]


ALL = [fill, sort, sin_into_itself, put, copyto, add_at, out_into_plain_array, extend]


@pytest.mark.parametrize("f", ALL)
def test_the_compiler_refuses_in_place_calls(f):
    with pytest.raises(TransformError, match="cannot transform .*(in place|out=|writes)"):
        tg.grad(f, fallback="error")(np.array([0.3, -0.6, 0.9]))


@pytest.mark.parametrize("f", [fill, sort, sin_into_itself, extend, add_at, out_into_plain_array])
def test_the_tape_follows_in_place_updates_of_tracked_values(f):
    x = np.array([0.3, -0.6, 0.9])
    with pytest.warns(TransformWarning, match="cannot transform"):
        g = tg.grad(f)(x)
    numeric = np.array([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


# (np.add.at and out= into an array made by np.zeros/np.empty are followed: under the fallback
# NumPy makes float arrays as Tensors, T2)
@pytest.mark.parametrize("f", [put, copyto])
def test_the_tape_refuses_writes_it_cannot_record(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TransformWarning)
        with pytest.raises(RuntimeError, match="writes into an array in place"):
            tg.grad(f)(np.array([0.3, -0.6, 0.9]))


def test_augmented_assignment_into_a_plain_array_still_rebinds():
    def f(x):
        y = np.ones(3)
        y += x * 2.0  # the array rebinds to the tracked sum, as before
        return np.sum(y * x)

    x = np.array([0.3, -0.6, 0.9])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = tg.grad(f)(x)
    np.testing.assert_allclose(g, 1.0 + 4.0 * x)
