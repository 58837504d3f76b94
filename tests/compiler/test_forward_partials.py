"""Every transform compiles a functools.partial, a callable instance, a bound method and
partials of those (F5: forward mode and second order ran them on the tape), with the bound
arguments passed with each call: checked against central finite differences on NumPy and the
duck array, and against a wrongly shared cache entry between partials of one function."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import _flatten, _to_host, gradcheck, numerical_grad
from tangentish.errors import TransformWarning
from tests.compiler.directions import assert_close, directional

pytestmark = pytest.mark.filterwarnings("error::tangentish.errors.TransformWarning")

A = np.array([0.3, -0.2, 0.5])


def _f(a, x, p, scale=1.0, n=1):
    y = np.sin(x) * p["w"] + a
    for _ in range(n):
        y = np.tanh(y) * scale
    if n > 2:
        y = y * p["b"][1]
    return np.sum(y * p["b"][0])


class Model:
    def __init__(self, a, scale):
        self.a, self.scale = a, scale

    def __call__(self, x, p):
        return _f(self.a, x, p, self.scale, 2)

    def method(self, x, p, n=1):
        return _f(self.a, x, p, self.scale, n)


def _entries(a):
    """name -> (callable of (x, p), the same function written out)."""
    return {
        "partial_keywords": (functools.partial(_f, a, scale=0.7, n=3),
                             lambda x, p: _f(a, x, p, 0.7, 3)),
        "nested_partials": (functools.partial(functools.partial(_f, a, scale=0.1, n=1),
                                              scale=0.7, n=2),
                            lambda x, p: _f(a, x, p, 0.7, 2)),
        "callable_instance": (Model(a, 0.7), lambda x, p: _f(a, x, p, 0.7, 2)),
        "bound_method": (Model(a, 0.7).method, lambda x, p: _f(a, x, p, 0.7, 1)),
        "partial_of_bound_method": (functools.partial(Model(a, 0.7).method, n=3),
                                    lambda x, p: _f(a, x, p, 0.7, 3)),
    }


NAMES = list(_entries(A))


def _args(backend, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, 3)
    p = {"w": rng.uniform(-1, 1, 3), "b": [rng.uniform(-1, 1, 3), 0.8]}
    return backend.to(x), backend.to(p), backend.to(A)


def _direction(value, seed):
    rng = np.random.default_rng(seed)
    leaves, build = _flatten(value)
    return build([rng.uniform(-1, 1, np.shape(leaf)) if np.ndim(leaf) else
                  float(rng.uniform(-1, 1)) for leaf in leaves])


def _host_grad(f, args, pos):
    """Central differences of scalar ``f`` w.r.t. ``args[pos]``, as host leaves."""
    return numerical_grad(f, args, pos)[0]


@pytest.mark.parametrize("name", NAMES)
def test_jvp_compiles_and_matches_differences(name, backend):
    x, p, a = _args(backend)
    entry, plain = _entries(a)[name]
    tangents = backend.to((_direction(x, 1), _direction(p, 2)))
    value, tangent = tg.jvp(entry, (x, p), tangents, fallback="error")
    assert_close(value, plain(x, p), rtol=1e-12, atol=1e-12)
    assert_close(tangent, directional(plain, (x, p), (0, 1), tangents), rtol=1e-5, atol=1e-7)
    jf = tg.jvp(entry, wrt=1, fallback="error")
    assert "computed by the tape" not in tg.source(jf)
    _, along_p = jf((x, p), (tangents[1],))
    assert_close(along_p, directional(plain, (x, p), (1,), tangents[1:]), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_compiles_and_matches_differences(name, mode, backend):
    x, p, a = _args(backend)
    entry, plain = _entries(a)[name]
    got = tg.jacobian(entry, wrt=0, mode=mode, fallback="error")(x, p)
    assert_close(got, _host_grad(plain, (x, p), 0), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_hessian_and_hvp_compile_and_match_differences_of_the_gradient(name, backend):
    x, p, a = _args(backend)
    entry, plain = _entries(a)[name]
    grad_x = tg.grad(plain, wrt=0, fallback="error")  # the reference, tested on its own
    v = backend.to(_direction(x, 3))
    want = directional(grad_x, (x, p), (0,), (v,), eps=1e-5)
    assert_close(tg.hvp(entry, x, v, args=(p,), fallback="error"), want, rtol=1e-5, atol=1e-7)
    hess = _to_host(tg.hessian(entry, wrt=0, fallback="error")(x, p))
    np.testing.assert_allclose(hess @ _to_host(v), want[0], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_grad_and_vjp_match_differences(name, backend):
    x, p, a = _args(backend)
    entry, plain = _entries(a)[name]
    gradcheck(entry, (x, p), wrt=(0, 1), grad=tg.grad(entry, wrt=(0, 1), fallback="error"))
    value, pullback = tg.vjp(entry, x, p, fallback="error")
    assert_close(value, plain(x, p), rtol=1e-12, atol=1e-12)
    gx, gp = pullback(1.0)
    assert_close(gx, _host_grad(plain, (x, p), 0), rtol=1e-5, atol=1e-7)
    assert_close(gp, _host_grad(plain, (x, p), 1), rtol=1e-5, atol=1e-7)


def test_wrt_may_name_a_bound_keyword_as_in_grad(backend):
    """As ``tg.grad(partial, wrt="scale")``, a name may pick a parameter the partial binds:
    it is differentiated at its bound value."""
    x, p, a = _args(backend)
    entry = functools.partial(_f, a, scale=0.7, n=2)
    along, tx = 0.6, backend.to(_direction(x, 4))
    _, got = tg.jvp(entry, wrt=(0, "scale"), fallback="error")((x, p), (tx, along))

    def by_scale(x, s):
        return _f(a, x, p, s, 2)

    want = directional(by_scale, (x, 0.7), (0, 1), (tx, along))
    assert_close(got, want, rtol=1e-5, atol=1e-7)
    d_scale = tg.grad(entry, wrt="scale", fallback="error")(x, p)
    np.testing.assert_allclose(_to_host(d_scale), _host_grad(by_scale, (x, 0.7), 1)[0], rtol=1e-5,
                               atol=1e-7)


def _branchy(x, a, k=1):
    if k > 0:
        return np.sum(np.sin(x) * a) * k
    return np.sum(np.cos(x) * a) + k * np.sum(x * x)


def test_partials_of_one_function_never_share_specialised_code(backend):
    """Bound values that change the code (a Python number in control flow, arrays of other
    shapes) are arguments of one compiled code, never baked in: each partial, called in turn
    and again, agrees with its own finite differences."""
    x = backend.to(np.array([0.4, -0.3, 0.9]))
    v = backend.to(np.array([0.5, 1.0, -0.7]))
    partials = [functools.partial(_branchy, a=backend.to(np.array([1.0, 2.0, -1.0])), k=1),
                functools.partial(_branchy, a=backend.to(np.array(0.5)), k=-2),
                functools.partial(_branchy, a=backend.to(np.array([3.0, -2.0, 0.5])), k=3.0)]
    grad_branchy = tg.grad(_branchy, fallback="error")  # the reference, tested on its own
    for _ in range(2):
        for entry in partials:
            want_grad = _host_grad(entry, (x,), 0)[0]
            _, tangent = tg.jvp(entry, (x,), (v,), fallback="error")
            np.testing.assert_allclose(_to_host(tangent), want_grad @ _to_host(v), rtol=1e-5)
            for mode in ("forward", "reverse"):
                jac = tg.jacobian(entry, mode=mode, fallback="error")(x)
                np.testing.assert_allclose(_to_host(jac), want_grad, rtol=1e-5, atol=1e-7)
            np.testing.assert_allclose(_to_host(tg.grad(entry, fallback="error")(x)),
                                       want_grad, rtol=1e-5, atol=1e-7)
            bound = entry.keywords

            def grad_x(x, bound=bound):
                return grad_branchy(x, bound["a"], bound["k"])

            want_hvp = directional(grad_x, (x,), (0,), (v,), eps=1e-5)
            assert_close(tg.hvp(entry, x, v, fallback="error"), want_hvp, rtol=1e-5, atol=1e-7)


def test_a_function_without_source_still_falls_back_under_a_partial():
    """Unwrapping does not hide what the compiler cannot transform: the tape, warned, with
    the partial's keywords (a ``wrt`` name among them moves that keyword)."""
    namespace: dict = {}
    exec("def h(x, s=1.0):\n    return np.sum(np.sin(x)) * s\n", {"np": np}, namespace)
    entry = functools.partial(namespace["h"], s=2.0)
    x, tx = np.array([0.1, 0.5]), np.array([1.0, -0.5])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, tangent = tg.jvp(entry, wrt=(0, "s"))((x,), (tx, 0.5))
    assert any(issubclass(w.category, TransformWarning) for w in caught)
    want = directional(lambda x, s: namespace["h"](x, s), (x, 2.0), (0, 1), (tx, 0.5))
    assert_close(tangent, want, rtol=1e-5, atol=1e-7)


def test_jacobian_refuses_a_keyword_it_cannot_seed():
    """A partial's bound keyword has no position among the Jacobian's arguments: a clear
    error, not the column of whichever argument its index wrapped around to."""
    entry = functools.partial(_f, A, scale=0.7)
    with pytest.raises(ValueError, match="keyword-only"):
        tg.jacobian(entry, wrt="scale")
    x = np.array([0.1, 0.2, 0.3])
    p = {"w": x * 2.0, "b": [x + 1.0, 0.8]}
    want = numerical_grad(lambda x, p: _f(A, x, p, 0.7), (x, p), 0)[0]
    for mode in ("forward", "reverse"):
        got = tg.jacobian(entry, wrt="x", mode=mode, fallback="error")(x, p)
        assert_close(got, want, rtol=1e-5, atol=1e-7)
