"""Every transform of a ``*args`` function: compiled, or on the tape with a named reason.

``tg.vjp`` of ``def g(*xs)`` was an internal compiler error (``resolve_wrt`` gave a pullback
no entry for ``*xs``, ``compile_gradient`` indexed past its names). Now the pullback returns
one cotangent per argument, the ``*xs`` gradient spread. Forward mode never built the ``*xs``
tuple's tangent from its elements' tangents: ``tg.jvp``, ``tg.hvp``, ``tg.hessian`` and
``tg.jacobian(mode="forward")`` returned zeros; now the compiler refuses, naming ``*xs``, and
the tape computes them. Values are checked against central differences.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.errors import TransformError

X = np.array([1.0, 2.0, -0.5])
Y = np.array([3.0, -1.0, 0.75])
V = np.array([0.3, -0.2, 1.1])


def product(*xs):
    return np.sum(xs[0] * xs[1])


def scaled(a, *xs):
    return np.sum(a * xs[0] ** 2) * xs[1]


def cubes(*xs):
    return np.sum(np.stack(xs) ** 3)


def _numeric(f, args, k):
    grads, build = numerical_grad(f, args, k)
    return build(grads)


def test_vjp_of_a_vararg_function(backend):
    x, y = backend.to(X), backend.to(Y)
    value, pullback = tg.vjp(product, x, y, fallback="error")
    grads = pullback(1.0)
    assert len(grads) == 2
    for k, g in enumerate(grads):
        np.testing.assert_allclose(backend.back(g), _numeric(product, [X, Y], k), rtol=1e-6)


def test_vjp_of_named_and_vararg_parameters(backend):
    x, y = backend.to(X), backend.to(Y)
    for last in (2.5, 3):  # an integer argument in *xs gets zeros, as a named one does
        value, pullback = tg.vjp(scaled, x, y, last, fallback="error")
        grads = pullback(1.0)
        assert len(grads) == 3
        for k in (0, 1):
            np.testing.assert_allclose(backend.back(grads[k]),
                                       _numeric(scaled, [X, Y, float(last)], k), rtol=1e-6)
        want = _numeric(scaled, [X, Y, 2.5], 2) if last == 2.5 else 0.0
        np.testing.assert_allclose(backend.back(grads[2]), want, rtol=1e-6)


def _tangent_of_gradient(f, args, k, v, eps=1e-6):
    """Central differences of ``tg.grad(f)`` (checked itself against differences of f)."""
    g = tg.grad(f, wrt=k)
    np.testing.assert_allclose(g(*args), _numeric(f, list(args), k), rtol=1e-6)
    up, down = list(args), list(args)
    up[k], down[k] = args[k] + eps * v, args[k] - eps * v
    return (g(*up) - g(*down)) / (2 * eps)


def test_forward_transforms_of_a_vararg_function_on_the_tape(backend):
    x, y, v = backend.to(X), backend.to(Y), backend.to(V)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tg.errors.TransformWarning)
        _, t = tg.jvp(product, (x, y), (v, backend.to(np.zeros(3))))
        hv = tg.hvp(cubes, x, v, args=(y,))
        h = tg.hessian(cubes)(x, y)
        jac = tg.jacobian(product, wrt=1, mode="forward")(x, y)
    np.testing.assert_allclose(float(backend.back(t)), _numeric(product, [X, Y], 0) @ V,
                               rtol=1e-6)
    np.testing.assert_allclose(backend.back(hv), _tangent_of_gradient(cubes, (X, Y), 0, V),
                               rtol=1e-5)
    np.testing.assert_allclose(backend.back(h) @ V, _tangent_of_gradient(cubes, (X, Y), 0, V),
                               rtol=1e-5)
    np.testing.assert_allclose(backend.back(jac), _numeric(product, [X, Y], 1), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda: tg.jvp(product, (X, Y), (V, V), fallback="error"),
    lambda: tg.hvp(cubes, X, V, args=(Y,), fallback="error"),
    lambda: tg.hessian(cubes, fallback="error")(X, Y),
    lambda: tg.jacobian(product, mode="forward", fallback="error")(X, Y),
], ids=["jvp", "hvp", "hessian", "jacobian"])
def test_forward_mode_names_the_vararg(call):
    with pytest.raises(TransformError, match=r"elements of \*xs") as info:
        call()
    assert "internal compiler error" not in str(info.value)
