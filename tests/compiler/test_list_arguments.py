"""NumPy functions given Python lists of differentiated values (C16).

``np.max([a, b])`` takes the list as an array; its adjoint is an array of the list's shape,
which used to be read as "no gradient" (``item_grad``) or summed to a scalar (``unbroadcast``
and ``shape_of`` saw a list as shape ``()``): a silent zero.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg


def max_of_list(x):
    return np.max([x[0], x[1]]) * 2.0


def sum_of_list(x):
    return np.sum([x[0], x[1] * 3.0]) * 2.0


def exp_of_list(x):
    return np.sum(np.exp([x[0], x[1]]))


def mean_of_arrays(x):
    return np.sum(np.mean([x, x * 2.0, np.sin(x)], axis=0) ** 2)


def product_of_lists(x):
    return np.sum(np.multiply([x[0], x[1]], [x[2], 2.0]))


def where_of_list(x):
    return np.sum(np.where([True, False], [x[0], x[1]], 0.5) * 3.0)


def max_of_tuple(x):
    return np.max((x[0], x[1])) * 2.0


def dot_of_list(x):
    return np.dot([x[0], x[1]], [1.0, 3.0])


CASES = [max_of_list, sum_of_list, exp_of_list, mean_of_arrays, product_of_lists,
         where_of_list, max_of_tuple, dot_of_list]


@pytest.mark.parametrize("f", CASES)
def test_lists_given_to_numpy_keep_their_gradient(f):
    x = np.array([0.3, -0.6, 0.9])
    numeric = np.array([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    np.testing.assert_allclose(tg.grad(f, fallback="error")(x), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", CASES)
def test_forward_mode_over_lists_given_to_numpy(f):
    """``np.multiply([a, b], c)`` in forward mode: the tangents of the list are stacked as NumPy
    stacks the list (``[da, db] * c`` was Python's list repetition: a TypeError)."""
    x = np.array([0.3, -0.6, 0.9])
    v = np.array([0.5, 1.5, -2.0])
    numeric = np.array([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    assert np.isclose(tg.jvp(f, (x,), (v,))[1], numeric @ v, rtol=1e-6)


def assign_repeated_index(x):
    y = np.zeros_like(x, shape=(4,))
    y[[0, 0, 2]] = x
    return np.sum(y * np.arange(1.0, 5.0))


def add_at_repeated_index(x):
    y = np.zeros_like(x, shape=(4,))
    y[[0, 0, 2]] += x * x
    return np.sum(y * np.arange(1.0, 5.0))


def assign_repeated_pairs(x):
    m = np.zeros_like(x, shape=(2, 2))
    m[[0, 0, 1], [1, 1, 0]] = x
    return np.sum(m * np.array([[1.0, 2.0], [3.0, 4.0]]))


@pytest.mark.parametrize("f", [assign_repeated_index, add_at_repeated_index,
                               assign_repeated_pairs])
def test_a_repeated_fancy_index_keeps_numpys_last_write(f, backend):
    """``y[[0, 0, 2]] = v``: NumPy keeps v[1] in cell 0, so v[0] gets no gradient."""
    x = np.array([0.3, -0.6, 0.9])
    numeric = np.array([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    assert numeric[0] == 0.0
    g = tg.grad(f, fallback="error")(backend.to(x))
    np.testing.assert_allclose(backend.back(g), numeric, rtol=1e-6, atol=1e-8)
    v = np.array([1.0, 0.5, -0.25])
    assert np.isclose(tg.jvp(f, (x,), (v,))[1], numeric @ v)
