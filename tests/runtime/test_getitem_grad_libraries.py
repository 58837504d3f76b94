"""``getitem_grad`` puts its zeros in the cotangent's array library (R1): a NumPy constant
indexed inside a CuPy or duck-array program gets a cotangent of that program's library, while
NumPy's own case keeps its fast paths (the buffer pool for big arrays). ``index_set`` likewise
writes the program's values into a copy of the constant in their library."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.runtime import buffers
from tangentish.runtime.support import getitem_grad, index_set

X = np.arange(12.0).reshape(3, 4) / 7.0

INDICES = {
    "reversed": np.s_[::-1],
    "row": np.s_[1],
    "element": np.s_[2, 3],
    "repeated_rows": np.array([0, 2, 0]),
    "mask": X > 0.8,
    "new_axis": np.s_[None, :],
    "columns": np.s_[:, 1:3],
}


@pytest.mark.parametrize("idx", INDICES.values(), ids=INDICES.keys())
def test_a_numpy_constant_gets_a_cotangent_in_the_cotangents_library(backend, idx):
    dy = np.linspace(-1.0, 2.0, X[idx].size).reshape(np.shape(X[idx]))
    got = getitem_grad(backend.to(dy), X, idx)
    assert type(got) is type(backend.to(X))
    np.testing.assert_array_equal(backend.back(got), getitem_grad(dy, X, idx))
    expect = np.zeros_like(X)
    np.add.at(expect, idx, dy)
    np.testing.assert_array_equal(backend.back(got), expect)


@pytest.mark.parametrize("idx", INDICES.values(), ids=INDICES.keys())
def test_a_numpy_constant_written_with_the_programs_values(backend, idx):
    v = np.linspace(-1.0, 2.0, X[idx].size).reshape(np.shape(X[idx]))
    got = index_set(X, idx, backend.to(v))
    assert type(got) is type(backend.to(X))
    expect = X.copy()
    expect[idx] = v
    np.testing.assert_array_equal(backend.back(got), expect)
    assert X[0, 0] == 0.0 and X[2, 3] == 11.0 / 7.0  # the constant itself is left alone


def test_numpys_big_arrays_still_take_a_pooled_buffer():
    buffers.release()
    x = np.ones((512, 512))  # 2 MiB: above buffers.MIN_BYTES
    pooled = buffers.empty(x.shape, x.dtype)
    address = pooled.ctypes.data
    del pooled
    got = getitem_grad(np.full((512,), 2.0), x, 3)
    assert type(got) is np.ndarray and got.ctypes.data == address
    assert got[3].tolist() == [2.0] * 512 and np.count_nonzero(got) == 512
    buffers.release()


def reversed_twice(y):
    x = np.array([2.0, 1.25, -0.3])  # a NumPy constant, then rebound to the program's values
    for _ in range(2):
        x = x[::-1] * y
    return np.sum(x * x)


def picked(y):
    x = np.array([[2.0, 1.25, -0.3], [0.5, -1.0, 0.75]])
    for _ in range(2):
        x = np.sin(x[[1, 0, 1]][1:] * y)
    return np.sum(x)


def added_at_repeated_indices(x):
    t0 = np.array([0.5, 0.5, 0.5])
    t0[[0, 0, 2]] += x[0] * x[1]  # (the constant updated with the program's values)
    return np.sum(t0 * t0)


@pytest.mark.parametrize("f", [reversed_twice, picked, added_at_repeated_indices])
def test_grad_of_a_program_indexing_a_numpy_constant(backend, f):
    y = np.array([0.7, -1.1, 0.4]) if f is not added_at_repeated_indices else X[:2, :3]
    got = tg.grad(f)(backend.to(y))
    assert type(got) is type(backend.to(y))
    expect = numerical_grad(f, [y], 0)[0][0]
    np.testing.assert_allclose(backend.back(got), expect, rtol=1e-6, atol=1e-8)
