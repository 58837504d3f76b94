"""A list, tuple or dict argument gets a gradient of its own structure, in every transform.

NumPy may take a list argument whole (``np.max(xs, axis=0)``, ``np.multiply(xs, w)``): its
adjoint is then one array of the list's shape. The generated code returned that array as the
gradient, where DESIGN.md promises the argument's structure (a list of arrays for a list of
arrays): ``reverse.run`` completed (split) only parameters the code subscripts or iterates.
Values are checked against central differences.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad

A = np.array([1.0, 5.0, -0.5])
B = np.array([3.0, 2.0, 0.25])
W = np.array([0.7, -1.2, 0.4])


def max_of_list(xs):
    return np.sum(np.max(xs, axis=0) ** 2)


def weighted(xs, w):
    return np.sum(np.multiply(xs, w) ** 2)


def rows(xs):
    return np.max(xs, axis=0) ** 2


def _same_structure(g, x):
    if isinstance(x, (list, tuple)):
        assert type(g) is type(x), (type(g), type(x))
        assert len(g) == len(x)
        for a, b in zip(g, x):
            _same_structure(a, b)


def _check(g, f, args, k=0):
    grads, build = numerical_grad(f, args, k)
    expected = build(grads)
    _same_structure(g, args[k])
    for got, want in zip(_leaves(g), _leaves(expected)):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _leaves(v)]
    return [np.asarray(x)]


@pytest.mark.parametrize("make", [list, tuple], ids=["list", "tuple"])
def test_numpy_taking_a_list_whole_gives_a_list_gradient(make):
    xs = make([A, B])
    _check(tg.grad(max_of_list, fallback="error")(xs), max_of_list, [xs])
    value, g = tg.value_and_grad(max_of_list, fallback="error")(xs)
    _check(g, max_of_list, [xs])
    (g,) = tg.vjp(max_of_list, xs, fallback="error")[1](1.0)
    _check(g, max_of_list, [xs])
    with warnings.catch_warnings():  # the tape's gradient has it too
        warnings.simplefilter("ignore", tg.errors.TransformWarning)
        _check(tg.grad(on_tape)(xs), max_of_list, [xs])


def on_tape(xs):
    try:  # a construct the compiler leaves to the tape
        pass
    finally:
        pass
    return np.sum(np.max(xs, axis=0) ** 2)


def test_nested_lists_of_numbers_keep_their_nesting():
    xs = [[1.0, 5.0, -0.5], [3.0, 2.0, 0.25]]
    _check(tg.grad(max_of_list, fallback="error")(xs), max_of_list, [xs])


def test_a_list_of_arrays_on_every_backend(backend):
    xs, w = [backend.to(A), backend.to(B)], backend.to(W)
    g = tg.grad(weighted, fallback="error")(xs, w)
    assert type(g) is list and len(g) == 2
    grads, _ = numerical_grad(weighted, [[A, B], W], 0)
    for got, want in zip(g, grads):
        np.testing.assert_allclose(backend.back(got), want, rtol=1e-6, atol=1e-8)


def test_the_general_code_completes_too():
    """Past the shape-specialised variants (``tg.source`` before a call shows the code for
    any argument), and in a gradient transformed again (``tg.jvp`` of ``tg.grad``)."""
    df = tg.grad(max_of_list, fallback="error")
    assert "complete_grad(dxs, xs)" in tg.source(df)
    tangent = [np.ones(3), np.zeros(3)]
    value, t = tg.jvp(df, ([A, B],), (tangent,), fallback="error")
    _check(value, max_of_list, [[A, B]])
    assert type(t) is list and len(t) == 2
    hv = tg.hvp(max_of_list, [A, B], tangent, fallback="error")
    assert type(hv) is list
    for got, want in zip(t, hv):
        np.testing.assert_allclose(got, want)
    np.testing.assert_allclose(np.stack(hv), [2.0 * (A >= B), 0.0 * B])


def test_jacobian_of_a_list_argument_is_of_the_array_numpy_makes():
    """Jacobians are of arrays: a list argument's is of ``np.stack(xs)``, in both modes (the
    forward mode's reshape failed)."""
    eps = 1e-6
    x = np.stack([A, B])
    numeric = np.zeros((3, 2, 3))
    for i in range(2):
        for j in range(3):
            e = np.zeros_like(x)
            e[i, j] = eps
            numeric[:, i, j] = (rows(list(x + e)) - rows(list(x - e))) / (2 * eps)
    for mode in ("forward", "reverse"):
        jac = tg.jacobian(rows, mode=mode, fallback="error")([A, B])
        np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-8)
