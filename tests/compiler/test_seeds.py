"""A full sum's adjoint read as the number it broadcasts (``seeds``), and sliced shapes.

Each function runs on NumPy and on the duck array, at sizes that share a shape pattern and at
ones that must not (a slice of length 1 broadcasts), against central differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tests.compiler.fd import grad_source as check


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@pytest.mark.parametrize("n", [2, 3, 7])
def test_the_seed_stays_a_number_in_elementwise_adjoints(backend, n):
    x = np.random.default_rng(n).normal(size=n)
    source = check(rosenbrock, (x,), backend)
    assert "dy * -2 * (1.0 - _t2)" in source and "dy * 200.0 * _t4" in source
    assert "unreduce(" not in source and "unbroadcast(" not in source


def stencil(x, w):
    inner = x[:, 1:-1] * w[1:-1]
    edges = x[:, 2:] - x[:, :-2]
    return np.sum(inner * edges) + np.sum(x[1:, :] * x[:-1, :])


@pytest.mark.parametrize("shape", [(3, 5), (2, 4), (4, 3)])
def test_two_dimensional_slices_keep_a_known_shape(backend, shape):
    rng = np.random.default_rng(sum(shape))
    x, w = rng.normal(size=shape), rng.normal(size=shape[1])
    source = check(stencil, (x, w), backend, wrt=(0, 1))
    assert "unreduce(" not in source and "unbroadcast(d_" not in source
    assert "d_t2 = (dinner * _t1).sum(axis=0)" in source  # w[1:-1] against x[:, 1:-1]


def sliced_times_other(x, y):
    return np.sum(x[1:] * y)


@pytest.mark.parametrize("nx, ny", [(2, 3), (4, 3), (2, 1), (5, 1)])
def test_a_slice_of_length_one_still_broadcasts(backend, nx, ny):
    rng = np.random.default_rng(nx * 10 + ny)
    check(sliced_times_other, (rng.normal(size=nx), rng.normal(size=ny)), backend, wrt=(0, 1))


def through_a_product(a, b):
    return np.sum(np.dot(a, b)) + np.sum(a @ b * 2.0)


def test_a_seed_read_by_a_matrix_product_stays_broadcast(backend):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    source = check(through_a_product, (a, b), backend, wrt=(0, 1))
    assert "unreduce(" in source  # np.dot(dy, b) would multiply, not take the product


def reassigned(x):
    h = np.tanh(x)
    s = np.sum(h)
    t = h
    for _ in range(3):
        t = t * h + s
    return np.sum(t)


def test_an_adjoint_assigned_again_keeps_its_broadcast(backend):
    x = np.random.default_rng(4).normal(size=5)
    check(reassigned, (x,), backend)


def scaled_mean(x, y):
    return -np.sum(y * np.log(x)) / x.shape[0] + np.sum(np.where(x > 0.5, x, 0.0) ** 2)


def test_a_derived_number_and_where(backend):
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0.1, 1.0, size=(4, 3)), rng.uniform(size=(4, 3))
    check(scaled_mean, (x, y), backend, wrt=(0, 1))


def negative_axes(x):
    return np.sum(np.sum(x * x, axis=-1) * np.max(x, axis=-1, keepdims=True)[:, 0])


@pytest.mark.parametrize("shape", [(3, 4), (1, 4), (3, 1)])
def test_negative_axes(backend, shape):
    x = np.random.default_rng(6).normal(size=shape)
    check(negative_axes, (x,), backend)


def mean_nll(w, x, y):
    z = x @ w
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp) / x.shape[0]


def test_a_gradient_does_not_compute_the_result_it_does_not_return(backend):
    rng = np.random.default_rng(7)
    w, x = rng.normal(size=(3, 4)), rng.normal(size=(5, 3))
    y = np.eye(4)[rng.integers(0, 4, size=5)]
    source = check(mean_nll, (w, x, y), backend)
    assert "y * logp   (not computed)" in source and "check_scalar" not in source
    assert "np.log(" not in source.split("# grad of:")[0]  # logp itself is not needed
    value, (grad,) = tg.value_and_grad(mean_nll, wrt=(0,), fallback="error")(
        *(backend.to(a) for a in (w, x, y)))
    assert np.isclose(float(backend.back(value)), mean_nll(w, x, y))
    np.testing.assert_allclose(np.asarray(backend.back(grad)),
                               numerical_grad(mean_nll, (w, x, y), 0)[0][0], rtol=1e-6,
                               atol=1e-7)
    source = check(rosenbrock, (rng.normal(size=6),), backend)
    assert "np.sum(" not in source.split("# grad of:")[0]


def log_softmax_rows(x, y):
    z = x - np.max(x, axis=1, keepdims=True)
    return np.sum(y * (z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))))


def column_scales(x):
    n = np.sqrt(np.sum(np.exp(x), axis=0, keepdims=True))
    return np.sum(np.sin(x) / n) + np.sum(np.sum(x ** 3, axis=(0, 1), keepdims=True) * 2.0)


@pytest.mark.parametrize("shape", [(3, 4), (1, 4), (3, 1), (4, 4)])
def test_a_kept_dimension_seed_broadcasts_without_unreduce(backend, shape):
    rng = np.random.default_rng(shape[0] * 10 + shape[1])
    x, y = rng.normal(size=shape), rng.uniform(size=shape)
    source = check(log_softmax_rows, (x, y), backend, wrt=(0, 1))
    assert ", 1, True)" not in source  # the row sums' adjoint is read at (n, 1)
    source = check(column_scales, (x,), backend)
    assert ", 0, True)" not in source


def kept_sum_returned_as_gradient(x, b):
    return np.sum(np.sum(x, axis=1, keepdims=True) * b) + np.sum(b * b)


def kept_sum_read_by_a_helper(x, w):
    s = np.sum(x, axis=0, keepdims=True)
    return np.sum((s * 2.0) @ w)


def test_a_kept_dimension_seed_stays_broadcast_where_its_shape_shows(backend):
    rng = np.random.default_rng(8)
    x, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 1))
    source = check(kept_sum_returned_as_gradient, (x, b), backend, wrt=(0, 1))
    assert "unreduce(" in source  # dx is the gradient: it must have x's shape
    w = rng.normal(size=(4, 2))
    source = check(kept_sum_read_by_a_helper, (x, w), backend, wrt=(0, 1))
    assert "unreduce(" in source  # a matrix product's adjoint: not elementwise


def two_sums(x):
    return np.sum(np.sin(x)) + np.sum(x * x)


def data_and_penalty(x, w):
    return np.sum(np.tanh(x @ w)) * 0.5 + 0.1 * np.sum(w * w)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_sum_of_sums_needs_none_of_its_terms(backend, dtype):
    rng = np.random.default_rng(9)
    x, w = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    source = check(two_sums, (x,), backend)
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    assert "unbroadcast(" not in code and "np.sum(" not in code  # d_t2 is dy itself
    assert "# primal" not in source  # nothing of the primal is computed
    source = check(data_and_penalty, (x, w), backend, wrt=(0, 1))
    assert "unbroadcast(dy" not in source and "np.sum(w * w)   (not computed)" in source
    grads = tg.grad(data_and_penalty, wrt=(0, 1), fallback="error")(
        *(backend.to(a.astype(dtype)) for a in (x, w)))
    assert all(backend.back(g).dtype == dtype for g in grads)
    value, _ = tg.value_and_grad(two_sums, fallback="error")(backend.to(x))
    assert np.isclose(float(backend.back(value)), two_sums(x))


def square_terms(x, w):
    h = np.tanh(x * w)
    return np.sum(h * h) + np.sum(np.sin(x) * np.sin(x) * w)


def elementwise_square(x):
    return x * x + np.cos(x)


def test_a_product_of_a_value_with_itself_is_one_doubled_contribution(backend):
    rng = np.random.default_rng(10)
    x, w = rng.normal(size=(3, 4)), rng.normal(size=4)
    source = check(square_terms, (x, w), backend, wrt=(0, 1))
    assert "dh = 2 * " in source and "dh += " not in source and "add_into(dh" not in source
    x1 = rng.normal(size=5)
    value, pullback = tg.vjp(elementwise_square, backend.to(x1), fallback="error")
    cotangent = rng.normal(size=5)
    (got,) = pullback(backend.to(cotangent))
    np.testing.assert_allclose(np.asarray(backend.back(got)),
                               cotangent * (2 * x1 - np.sin(x1)), rtol=1e-12)


def mean_squared_error(w, x, y):
    err = x @ w - y
    return np.mean(err * err)


def test_a_mean_seeds_with_a_number(backend):
    rng = np.random.default_rng(11)
    w, x, y = rng.normal(size=3), rng.normal(size=(5, 3)), rng.normal(size=5)
    source = check(mean_squared_error, (w, x, y), backend)
    assert "np.divide(dy_1, reduced_size(err, None))" in source and "unreduce(" not in source
    empty = tg.grad(lambda a: np.mean(a * 2.0), fallback="error")
    with np.errstate(divide="ignore"):  # n = 0: the seed is inf, and nothing reads it
        assert backend.back(empty(backend.to(np.zeros(0)))).shape == (0,)
