"""Second order from generated code: hvp and hessian (forward over reverse: the forward pass
applied to the generated adjoint) and grad of grad (reverse over reverse), over the corpus,
against finite differences of the gradient and against each other."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tests.compiler import corpus
from tests.compiler.directions import assert_close, directional, positions, random_like
from tests.duck import DuckArray

# Every corpus function, the loops over dict keys and over ``reversed`` included (their adjoints
# read keys with ``keys_of`` and reverse with ``reversed_list``, both with rules).
CASES = list(corpus.CASES)


def _hvp(case, args, p, v):
    return tg.hvp(case.fn, args[p], v, args=args[:p] + args[p + 1:], wrt=p)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hvp_matches_differences_of_the_gradient(case):
    args = case.make(np.random.default_rng(0))
    p = positions(case)[0]
    v = random_like(args[p], np.random.default_rng(7))
    grad = tg.grad(case.fn, wrt=p, fallback="error")
    hv = _hvp(case, args, p, v)
    assert_close(hv, directional(grad, args, (p,), (v,), eps=1e-5), rtol=1e-4, atol=1e-5)


def test_second_order_covers_at_least_40_corpus_functions():
    assert len(CASES) >= 40


def _plain(case) -> bool:
    args = case.make(np.random.default_rng(0))
    return isinstance(args[positions(case)[0]], (float, np.ndarray))


PLAIN = [c for c in CASES if _plain(c)]


def _fd_jacobian_of_gradient(case, args, p):
    grad = tg.grad(case.fn, wrt=p, fallback="error")
    x = args[p]
    cols = []
    for k in range(np.size(x)):
        e = np.zeros(np.shape(x))
        e.reshape(-1)[k] = 1.0
        (col,) = directional(grad, args, (p,), (e if np.ndim(x) else 1.0,), eps=1e-5)
        cols.append(col)
    return np.reshape(np.stack(cols, axis=-1), np.shape(x) + np.shape(x))


@pytest.mark.parametrize("case", PLAIN, ids=[c.id for c in PLAIN])
def test_hessian_matches_differences_and_contracts_to_hvp(case):
    args = case.make(np.random.default_rng(1))
    p = positions(case)[0]
    x = args[p]
    hess = tg.hessian(case.fn, wrt=p)(*args)
    assert np.shape(hess) == np.shape(x) + np.shape(x)
    np.testing.assert_allclose(hess, _fd_jacobian_of_gradient(case, args, p), rtol=1e-4,
                               atol=1e-5)
    square = np.reshape(hess, (np.size(x), np.size(x)))
    np.testing.assert_allclose(square, square.T, rtol=1e-8, atol=1e-9)
    v = random_like(x, np.random.default_rng(2))
    hv = _hvp(case, args, p, v)
    np.testing.assert_allclose(np.reshape(hv, -1), square @ np.reshape(v, -1), rtol=1e-9,
                               atol=1e-10)


# tg.grad does not take the gradient of a method's gradient.
NOT_REVERSE_TWICE = {"loss"}
TWICE = [c for c in PLAIN if c.id not in NOT_REVERSE_TWICE]


@pytest.mark.parametrize("case", TWICE, ids=[c.id for c in TWICE])
def test_hessian_equals_reverse_jacobian_of_gradient(case):
    args = case.make(np.random.default_rng(1))
    p = positions(case)[0]
    grad = tg.grad(case.fn, wrt=p, fallback="error")
    np.testing.assert_allclose(tg.hessian(case.fn, wrt=p)(*args),
                               tg.jacobian(grad, wrt=p, mode="reverse")(*args),
                               rtol=1e-9, atol=1e-10)


SCALAR = [c for c in corpus.CASES
          if c.wrt == 0 and isinstance(c.make(np.random.default_rng(0))[0], float)
          and len(c.make(np.random.default_rng(0))) == 1]


@pytest.mark.parametrize("case", SCALAR, ids=[c.id for c in SCALAR])
def test_grad_of_grad_matches_differences_and_hessian(case):
    (x,) = case.make(np.random.default_rng(3))
    dfn = tg.grad(case.fn, fallback="error")
    ddfn = tg.grad(dfn, fallback="error")
    (expected,), _ = numerical_grad(dfn, (x,), 0)
    np.testing.assert_allclose(ddfn(x), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ddfn(x), tg.hessian(case.fn)(x), rtol=1e-10, atol=1e-12)


def test_grad_of_grad_source_is_readable():
    ddfn = tg.grad(tg.grad(corpus.if_elif_else, fallback="error"), fallback="error")
    text = tg.source(ddfn)
    assert text.startswith("def ddif_elif_else(x, ")
    assert "# grad of: dx = " in text and "# primal" in text
    assert "tg-comment" not in text and "\\x00" not in text


DUCK = [c for c in PLAIN if c.duck][:25]


@pytest.mark.parametrize("case", DUCK, ids=[c.id for c in DUCK])
def test_hvp_and_hessian_on_backend(case, backend):
    args = case.make(np.random.default_rng(4))
    p = positions(case)[0]
    v = random_like(args[p], np.random.default_rng(5))
    expected_hv = _hvp(case, args, p, v)
    moved = backend.to(args)
    hv = _hvp(case, moved, p, backend.to(v))
    if backend.name == "duck" and isinstance(expected_hv, np.ndarray):
        assert isinstance(hv, DuckArray), f"the product left the duck array: {type(hv)}"
    assert_close(backend.back(hv), expected_hv, rtol=1e-10, atol=1e-12)
    hess = tg.hessian(case.fn, wrt=p)(*moved)
    np.testing.assert_allclose(backend.back(hess), tg.hessian(case.fn, wrt=p)(*args),
                               rtol=1e-10, atol=1e-12)


def test_hessian_source_is_the_forward_pass_over_the_adjoint():
    from tangentish.transforms import JVP

    text = tg.source(JVP(tg.grad(corpus.arr_tanh_layer, wrt=1), 1))
    assert text.startswith("def darr_tanh_layer_jvp(x, w, dy=1.0, *, tw):")
    assert "# tangent of: dw = " in text


def windows_of_a_counter(y):
    t = np.sin(y) * np.array([[1.0], [2.0]])
    s = 0.5
    c = 0
    while c < t.shape[0]:
        s = s + np.dot(t[:, c], y[:2]) * np.dot(y[c:c + 2], y[1:])
        c += 1
    return s


def test_hvp_through_a_popped_counter_used_in_a_slice():
    """The gradient pops the counter and builds ``slice(c, c + 2)``: a slice carries no
    tangent (found by the fuzzer: forward mode had no rule for ``slice`` and left for the
    tape)."""
    import warnings

    y, v = np.array([0.3, -0.4, 0.8]), np.array([1.0, 0.5, -0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # compiled, not the tape
        got = tg.hvp(windows_of_a_counter, y, v)
    g, eps = tg.grad(windows_of_a_counter), 1e-5
    np.testing.assert_allclose(got, (g(y + eps * v) - g(y - eps * v)) / (2 * eps), rtol=1e-6)
