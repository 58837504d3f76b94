"""NumPy functions called on Tensors are recorded (NEP 13/18), on NumPy and the duck array."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tests.duck import DuckArray


def _leaf(backend, a):
    return tg.as_tensor(backend.to(np.asarray(a, dtype=np.float64))).requires_grad_()


def test_ufuncs_and_functions_record(backend):
    x = _leaf(backend, [0.5, -1.0, 2.0])
    y = np.sum(np.sin(x) * np.ones(3) + np.exp(x) * 2.0)
    assert isinstance(y, tg.Tensor) and y.grad_fn.name() == "SumBackward0"
    assert np.sin(x).grad_fn.name() == "SinBackward0"
    y.backward()
    expect = np.cos([0.5, -1.0, 2.0]) + 2 * np.exp([0.5, -1.0, 2.0])
    np.testing.assert_allclose(backend.back(x.grad._data), expect)


def test_ndarray_on_the_left_dispatches_to_tensor(backend):
    x = _leaf(backend, [1.0, 2.0])
    c = backend.to(np.array([3.0, 4.0]))
    y = (c * x + c) @ x
    assert isinstance(y, tg.Tensor)
    y.backward()
    np.testing.assert_allclose(backend.back(x.grad._data), [2 * 3.0 + 3.0, 2 * 8.0 + 4.0])


def test_ufunc_out_is_an_inplace_op():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    np.multiply(y, 3, out=y)
    assert y.grad_fn.name() == "MulBackward0" and y._version == 1
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_unmodified_numpy_code_gives_finite_difference_gradient(backend):
    def f(w, x):
        h = np.tanh(np.matmul(x, w))
        return np.mean(np.square(h - 0.5)) + np.sum(w ** 2) * 0.1

    rng = np.random.default_rng(0)
    w0, x0 = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    w = _leaf(backend, w0)
    f(w, backend.to(x0)).backward()
    expect, _ = numerical_grad(f, [w0, x0], 0)
    np.testing.assert_allclose(backend.back(w.grad._data), expect[0], rtol=1e-6, atol=1e-8)


def test_duck_array_stays_a_duck_array():
    x = tg.as_tensor(DuckArray(np.array([[1.0, 2.0], [3.0, 4.0]]))).requires_grad_()
    y = (x.sin() * x).sum(0)[1] + x.t().mm(x).trace() + x[[0, 0]].sum()
    y.backward()
    assert isinstance(x.grad._data, DuckArray)
    assert repr(y).startswith("tensor(")


def test_numpy_on_tensor_requiring_grad_refuses_silently_dropping_the_graph():
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        np.asarray(x)
    assert np.asarray(x.detach()).tolist() == [1.0, 1.0]
