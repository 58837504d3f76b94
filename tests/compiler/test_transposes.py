"""A loop-fixed matrix transposed once before the reverse loop (``compiler.transposes``).

Fires where the reverse loop runs over a range and neither rebinds the matrix nor may write it
in place; every program is checked against finite differences (the runtime copies small matrices
for loops of two steps or more, so these run the copied path).
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import gradcheck
from tangentish.compiler import transposes
from tangentish.runtime import transposed as rt
from tests.compiler.test_defer import _args, _deferred


def _rnn(h, w, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(h @ w + xs[t])
    return np.sum(h * h)


def _decaying(h, w, xs):
    """The matrix is rebound every step: its transpose cannot be made once."""
    for t in range(xs.shape[0]):
        h = np.tanh(h @ w + xs[t])
        w = w * 0.9
    return np.sum(h * h)


def _until(h, w, xs):
    """A ``while`` loop: the reverse sweep counts its trips (``for _ in range(trips)``)."""
    t = 0
    while t < xs.shape[0]:
        h = np.tanh(h @ w + xs[t])
        t = t + 1
    return np.sum(h * h)


def _two_products(h, w, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(h @ w) @ w + xs[t]
    return np.sum(h * h)


def _vector_state(h, w, xs):
    for t in range(xs.shape[0]):
        h = np.sin(h @ w) + xs[t]
    return np.sum(h)


_CASES = [  # (function, fires, shapes of h, w, xs)
    (_rnn, True, ((2, 3), (3, 3), (4, 2, 3))),
    (_decaying, False, ((2, 3), (3, 3), (4, 2, 3))),
    (_until, True, ((2, 3), (3, 3), (4, 2, 3))),
    (_two_products, True, ((2, 3), (3, 3), (4, 2, 3))),
    (_vector_state, True, ((3,), (3, 3), (4, 3))),
]


@pytest.mark.parametrize("fn,fires,shapes", _CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_fires_where_the_matrix_is_fixed_and_gradients_match(fn, fires, shapes, backend):
    grad = tg.grad(fn, wrt=(0, 1), fallback="error")
    source = tg.source(grad)
    assert ("w_t = transposed(w, range(" in source) == fires
    assert ("matmul_grad_a_t(" in source) == fires
    assert gradcheck(fn, _args(backend, *shapes), wrt=(0, 1), grad=grad)


def _maybe_bound(x, n):
    if n > 0:
        m = np.eye(3) * 0.5  # bound only when the loop runs
    for _ in range(n):
        x = np.tanh(x @ m)
    return np.sum(x)


def test_a_matrix_not_bound_on_every_path_is_not_copied_before_the_loop():
    grad = tg.grad(_maybe_bound, fallback="error")
    assert "transposed(" not in tg.source(grad)
    x = np.full((2, 3), 0.3)
    np.testing.assert_array_equal(grad(x, 0), np.ones((2, 3)))  # no step: m never read
    assert gradcheck(_maybe_bound, (x, 3), wrt=0, grad=grad)


def test_one_copy_serves_every_product_with_the_matrix():
    source = tg.source(tg.grad(_two_products, wrt=(0, 1), fallback="error"))
    assert source.count("= transposed(w, ") == 1 and source.count("matmul_grad_a_t(") == 2


@pytest.mark.parametrize("extra,copied", [
    ("pass", True),
    ("W = add_into(W, dh)", False),  # written in place in the loop
    ("v = W\n            v[0] = 1.0", False),  # ... through a name that shares its buffer
])
def test_a_matrix_written_in_place_in_the_loop_is_not_copied(extra, copied):
    out = _deferred(f"""
        for t in reversed(range(n)):
            dh = matmul_grad_a(e, h, W)
            {extra}
        """, transposes.hoist_transposes)
    assert ("W_t = transposed(W, range(n))" in out) == copied
    assert ("dh = matmul_grad_a_t(e, h, W_t)" in out) == copied


def test_the_runtime_copies_only_where_the_loop_pays_for_it():
    small, big = np.ones((8, 8)), np.ones((512, 512))
    assert rt.transposed(small, range(2)).flags.c_contiguous
    assert not rt.transposed(small, range(1)).flags.c_contiguous  # one step: a view
    assert not rt.transposed(big, range(rt.LONG_LOOP - 1)).flags.c_contiguous
    assert rt.transposed(big, range(rt.LONG_LOOP)).flags.c_contiguous
    np.testing.assert_array_equal(rt.transposed(big, range(rt.LONG_LOOP)), big.T)


def test_module_examples_run():
    assert doctest.testmod(transposes).failed == 0
    assert doctest.testmod(rt).failed == 0
