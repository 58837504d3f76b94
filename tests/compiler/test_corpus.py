"""Every corpus function's gradient, three ways: finite differences, HIPS autograd, duck arrays."""

from __future__ import annotations

import types

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import _flatten, gradcheck
from tests.compiler import corpus
from tests.duck import DuckArray

CASES = corpus.CASES
IDS = [c.id for c in CASES]


def _args(case, seed=0):
    return case.make(np.random.default_rng(seed))


def test_corpus_has_at_least_100_functions():
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_against_finite_differences(case):
    args = _args(case)
    gradcheck(case.fn, args, wrt=_positions(case), grad=tg.grad(case.fn, wrt=case.wrt,
                                                                fallback="error"))


def _positions(case):
    import inspect

    params = list(inspect.signature(case.fn).parameters)
    wrt = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    pos = tuple(params.index(w) if isinstance(w, str) else w for w in wrt)
    return pos if isinstance(case.wrt, tuple) else pos[0]


def _autograd_version(fn):
    """``fn`` rebuilt over autograd.numpy, and every corpus function it calls with it."""
    import autograd.numpy as anp

    scope = dict(vars(corpus))
    scope["np"] = anp
    for name, value in list(scope.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == corpus.__name__:
            scope[name] = types.FunctionType(value.__code__, scope, value.__name__,
                                             value.__defaults__, value.__closure__)
            scope[name].__kwdefaults__ = value.__kwdefaults__
    return scope[fn.__name__]


AUTOGRAD = [c for c in CASES if c.autograd and c.fn.__name__ in vars(corpus)]


@pytest.mark.parametrize("case", AUTOGRAD, ids=[c.id for c in AUTOGRAD])
def test_against_autograd(case):
    import autograd

    args = _args(case, seed=1)
    wrt = _positions(case)
    ours = tg.grad(case.fn, wrt=case.wrt, fallback="error")(*args)
    theirs = autograd.grad(_autograd_version(case.fn), wrt)(*args)
    if not isinstance(wrt, tuple):
        ours, theirs = (ours,), (theirs,)
    for a, b in zip(ours, theirs):
        la, _ = _flatten(a)
        lb, _ = _flatten(b)
        for x, y in zip(la, lb):
            np.testing.assert_allclose(np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                                       rtol=1e-9, atol=1e-12)


ARRAY = [c for c in CASES if c.duck]


@pytest.mark.parametrize("case", ARRAY, ids=[c.id for c in ARRAY])
def test_on_backend(case, backend):
    args = _args(case, seed=2)
    expected = tg.grad(case.fn, wrt=case.wrt, fallback="error")(*args)
    got = tg.grad(case.fn, wrt=case.wrt, fallback="error")(*backend.to(args))
    leaves_e, _ = _flatten(expected)
    leaves_g, _ = _flatten(got)
    assert len(leaves_e) == len(leaves_g)
    for e, g in zip(leaves_e, leaves_g):
        if backend.name == "duck" and isinstance(e, np.ndarray):
            assert isinstance(g, DuckArray), f"gradient left the duck array: {type(g)}"
        np.testing.assert_allclose(np.asarray(backend.back(g), dtype=float), e, rtol=1e-10,
                                   atol=1e-12)


UNOPTIMIZED = [c for c in CASES if c.id in (
    "for_break", "while_in_for", "rnn_collect_states", "assign_subscript_in_loop",
    "if_value_defined_on_one_path", "dict_params_loop", "for_nested_break")]


@pytest.mark.parametrize("case", UNOPTIMIZED, ids=[c.id for c in UNOPTIMIZED])
def test_unoptimized_sweeps_are_right_too(case):
    args = _args(case, seed=3)
    gradcheck(case.fn, args, wrt=_positions(case),
              grad=tg.grad(case.fn, wrt=case.wrt, fallback="error", optimize=False))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_vjp_and_value_and_grad_agree_with_grad(case):
    args = _args(case, seed=4)
    wrt = _positions(case)
    grads = tg.grad(case.fn, wrt=case.wrt, fallback="error")(*args)
    value, again = tg.value_and_grad(case.fn, wrt=case.wrt, fallback="error")(*args)
    out, pullback = tg.vjp(case.fn, *args, fallback="error")
    assert np.allclose(value, case.fn(*args)) and np.allclose(out, value)
    every = pullback(1.0)
    picked = tuple(every[p] for p in wrt) if isinstance(wrt, tuple) else every[wrt]
    for expected in (again, picked):
        for a, b in zip(_flatten(grads)[0], _flatten(expected)[0]):
            np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                                       rtol=1e-12, atol=1e-14)
