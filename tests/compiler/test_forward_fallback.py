"""Forward mode, Jacobians and second order with ``fallback="tape"``: a helper the compiler
cannot inline runs on the tape at its call; a function it cannot transform (or whose gradient
it cannot transform again) runs on the tape as a whole. Same answers as the compiled path, one
warning naming file:line and the construct; ``fallback="error"`` raises."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.compiler import cache, callsite, diagnostics
from tests.duck import DuckArray


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)  # recursion: a per-call-site tape helper


RECURSION_LINE = inspect.getsourcelines(power)[1] + 3


def with_helper(x):
    return np.sum(np.sin(x) * power(x, 3))


def guarded(x):
    try:  # a try statement: the whole function runs on the tape
        return np.sum(np.sin(x) * x ** 3)
    except FloatingPointError:
        return 0.0


TRY_LINE = inspect.getsourcelines(guarded)[1] + 1


def plain(x):  # the same math, compiled: what the fallbacks must reproduce
    return np.sum(np.sin(x) * x ** 3)


def vector(x):
    try:
        return np.tanh(x) * x[::-1]
    except FloatingPointError:
        return x


def vector_plain(x):
    return np.tanh(x) * x[::-1]


X = np.array([0.3, -0.7, 1.1])
V = np.array([1.0, 0.5, -2.0])


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tg.TransformWarning)
        return fn(*args, **kwargs)


def fd_hessian(f, x):
    grad = tg.grad(plain, fallback="error")
    cols = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = 1e-5
        cols.append((grad(x + e) - grad(x - e)) / 2e-5)
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize("f", [with_helper, guarded], ids=["helper", "whole"])
def test_jvp_and_jacobians_agree_with_differences(f):
    value, tangent = quiet(tg.jvp, f, (X,), (V,))
    v0, t0 = tg.jvp(plain, (X,), (V,), fallback="error")
    assert value == pytest.approx(v0, rel=1e-12) and tangent == pytest.approx(t0, rel=1e-12)
    (fd,), _ = numerical_grad(plain, (X,), 0)
    forward = quiet(tg.jacobian(f, mode="forward"), X)
    reverse = quiet(tg.jacobian(f, mode="reverse"), X)
    np.testing.assert_allclose(forward, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-12)


def test_vector_jacobians_on_the_tape_agree_with_compiled():
    expected = tg.jacobian(vector_plain, mode="forward", fallback="error")(X)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(quiet(tg.jacobian(vector, mode=mode), X), expected,
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", [with_helper, guarded], ids=["helper", "whole"])
def test_hessian_and_hvp_agree_with_differences(f):
    expected = fd_hessian(plain, X)
    hess = quiet(tg.hessian(f), X)
    np.testing.assert_allclose(hess, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(quiet(tg.hvp, f, X, V), expected @ V, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(hess, tg.hessian(plain, fallback="error")(X), rtol=1e-10)


CALLS = {
    "jvp": lambda f: tg.jvp(f, (X,), (V,)),
    "jacfwd": lambda f: tg.jacobian(f, mode="forward")(X),
    "hessian": lambda f: tg.hessian(f)(X),
    "hvp": lambda f: tg.hvp(f, X, V),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("fn, line, words", [(guarded, TRY_LINE, "try statement"),
                                             (with_helper, RECURSION_LINE, "recursion")],
                         ids=["whole", "helper"])
def test_one_warning_names_the_construct_and_line(name, fn, line, words):
    cache.clear()  # a cached compile does not warn again
    diagnostics._warned.clear()
    callsite._warned.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CALLS[name](fn)
        CALLS[name](fn)  # called again: no second warning
    (text,) = [str(w.message) for w in caught if issubclass(w.category, tg.TransformWarning)]
    assert f"{__file__}:{line}" in text and words in text


@pytest.mark.parametrize("call", [
    lambda f: tg.jvp(f, (X,), (V,), fallback="error"),
    lambda f: tg.jacobian(f, mode="forward", fallback="error")(X),
    lambda f: tg.jacobian(f, mode="reverse", fallback="error")(X),
    lambda f: tg.hessian(f, fallback="error")(X),
    lambda f: tg.hvp(f, X, V, fallback="error"),
], ids=["jvp", "jacfwd", "jacrev", "hessian", "hvp"])
def test_fallback_error_raises(call):
    with pytest.raises(tg.TransformError, match="try statement"):
        call(guarded)


def test_same_structure_dtype_and_library(backend):
    x, v = backend.to(X), backend.to(V)
    value, tangent = quiet(tg.jvp, guarded, (x,), (v,))
    v0, t0 = tg.jvp(plain, (x,), (v,), fallback="error")
    assert type(value) is type(v0) and type(tangent) is type(t0)
    hv, hv0 = quiet(tg.hvp, guarded, x, v), tg.hvp(plain, x, v, fallback="error")
    assert type(hv) is type(hv0) and hv.dtype == hv0.dtype and hv.shape == hv0.shape
    np.testing.assert_allclose(backend.back(hv), backend.back(hv0), rtol=1e-10)
    if backend.name == "duck":
        assert isinstance(hv, DuckArray)


def test_float32_and_nests_on_the_tape():
    x32, v32 = X.astype(np.float32), V.astype(np.float32)
    assert quiet(tg.hvp, guarded, x32, v32).dtype == np.float32
    _, t = quiet(tg.jvp, guarded, (x32,), (v32,))
    assert t.dtype == np.float32

    def nested(p):
        try:
            return np.sum(p["w"] ** 2 * p["b"])
        except FloatingPointError:
            return 0.0

    p = {"w": np.array([1.0, 2.0]), "b": 3.0}
    hv = quiet(tg.hvp, nested, p, {"w": np.array([1.0, 0.0]), "b": 1.0})
    np.testing.assert_allclose(hv["w"], [2 * 3.0 + 2 * 1.0, 0.0 + 2 * 2.0])
    assert hv["b"] == pytest.approx(2 * 1.0 * 1.0) and isinstance(hv["b"], float)


def test_grad_of_grad_of_a_tape_function_is_not_zero():
    dd = quiet(tg.grad, lambda y: np.sum(tg.grad(guarded)(y)))
    np.testing.assert_allclose(quiet(dd, X), np.sum(fd_hessian(plain, X), axis=0), rtol=1e-6)
