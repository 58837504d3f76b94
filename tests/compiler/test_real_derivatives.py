"""Derivatives with respect to real arguments are real in every transform, as ``tg.grad``'s.

A real function may meet complex values on the way (``|x * c|``): its gradient is then the real
part of what the code computes (JAX's convention, ``api._cast_like``). The forward-mode and
second-order transforms built on generated code (``jvp`` of a gradient, ``hvp``, ``hessian``,
``jacobian`` in both modes) and ``vjp``'s pullback returned complex arrays instead, with nonzero
imaginary parts. Values are checked against central differences of the real function.
"""

from __future__ import annotations

import numpy as np

import tangentish as tg
from tangentish.checking import numerical_grad

C = np.array([1 + 2j, 0.5 - 1j, -0.3 + 0.8j])
X = np.array([0.7, -1.3, 0.45])
V = np.array([0.3, -0.7, 1.1])
EPS = 1e-5


def f(x):
    return np.sum(np.abs(x * C + 1j * x[::-1] ** 2))


def spread(x):
    return x * C + x[::-1] ** 2


def scalar(x):
    return np.abs(x * (1 + 2j) + 1j * x ** 2)


def _numeric_grad(x):
    grads, _ = numerical_grad(f, [x], 0)
    return grads[0]


def _numeric_hessian():
    """Central differences of the gradient (itself checked against differences of ``f``)."""
    g = tg.grad(f)
    np.testing.assert_allclose(g(X), _numeric_grad(X), rtol=1e-6, atol=1e-8)
    return np.stack([(g(X + e) - g(X - e)) / (2 * EPS) for e in np.eye(X.size) * EPS], axis=-1)


def _real(value, backend):
    host = backend.back(value)
    assert np.asarray(host).dtype.kind == "f", np.asarray(host).dtype
    return host


def test_hvp_is_real(backend):
    out = _real(tg.hvp(f, backend.to(X), backend.to(V), fallback="error"), backend)
    np.testing.assert_allclose(out, _numeric_hessian() @ V, rtol=1e-5, atol=1e-6)


def test_hessian_is_real(backend):
    out = _real(tg.hessian(f, fallback="error")(backend.to(X)), backend)
    np.testing.assert_allclose(out, _numeric_hessian(), rtol=1e-5, atol=1e-6)


def test_jvp_of_a_gradient_is_real(backend):
    value, tangent = tg.jvp(tg.grad(f, fallback="error"), (backend.to(X),), (backend.to(V),),
                            fallback="error")
    np.testing.assert_allclose(_real(value, backend), _numeric_grad(X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(_real(tangent, backend), _numeric_hessian() @ V, rtol=1e-5,
                               atol=1e-6)


def test_jacobians_of_a_gradient_are_real(backend):
    for mode in ("forward", "reverse"):
        jac = tg.jacobian(tg.grad(f, fallback="error"), mode=mode, fallback="error")
        out = _real(jac(backend.to(X)), backend)
        np.testing.assert_allclose(out, _numeric_hessian(), rtol=1e-5, atol=1e-6)


def test_vjp_pullback_is_real(backend):
    value, pullback = tg.vjp(f, backend.to(X), fallback="error")
    (g,) = pullback(1.0)
    np.testing.assert_allclose(_real(g, backend), _numeric_grad(X), rtol=1e-6, atol=1e-8)


def test_jacobian_of_a_complex_function_of_reals_stays_complex(backend):
    numeric = np.stack([(spread(X + e) - spread(X - e)) / (2 * EPS)
                        for e in np.eye(X.size) * EPS], axis=-1)
    for mode in ("forward", "reverse"):
        out = backend.back(tg.jacobian(spread, mode=mode, fallback="error")(backend.to(X)))
        np.testing.assert_allclose(out, numeric, rtol=1e-6, atol=1e-8)


def test_python_float_argument_gets_a_real_gradient():
    g = tg.grad(scalar, fallback="error")(0.3)
    numeric = (scalar(0.3 + EPS) - scalar(0.3 - EPS)) / (2 * EPS)
    assert not np.iscomplexobj(g)
    np.testing.assert_allclose(g, numeric, rtol=1e-6)
    second = tg.hvp(scalar, 0.3, 1.0, fallback="error")
    d2 = (tg.grad(scalar)(0.3 + EPS) - tg.grad(scalar)(0.3 - EPS)) / (2 * EPS)
    assert not np.iscomplexobj(second)
    np.testing.assert_allclose(second, d2, rtol=1e-5)
