"""Loops push less: arithmetic on numbers leaves the loop, and needs no ``unbroadcast``."""

from __future__ import annotations

import numpy as np

import tangentish as tg
from tangentish.checking import gradcheck


def _euler(y, a, n):
    dt = 0.1
    for _ in range(n):
        y = y + 0.5 * dt * np.tanh(a * y)
    return np.sum(y * y)


def test_number_arithmetic_leaves_the_loop(backend):
    grad = tg.grad(_euler, wrt=(0, 1), fallback="error")
    source = tg.source(grad)
    assert source.count("0.5 * dt") == 1  # computed once, before the loop: never pushed
    assert source.index("0.5 * dt") < source.index("for ")
    assert "unbroadcast(d_t4 * _t1" not in source  # _t1 is a number: no shape to undo
    rng = np.random.default_rng(1)
    y, a = (backend.to(rng.normal(size=3)) for _ in range(2))
    assert gradcheck(lambda y, a: _euler(y, a, 4), (y, a), wrt=(0, 1),
                     grad=lambda y, a: grad(y, a, 4))


def test_no_trip_loop_still_runs_and_divides_by_no_zero():
    def f(x, n):
        d = 0.0
        for _ in range(n):
            x = x * (1.0 / d)  # never runs with n = 0: hoisting must not raise here
        return np.sum(x)

    assert np.allclose(tg.grad(f, wrt=0, fallback="error")(np.ones(2), 0), 1.0)


def test_a_number_reassigned_in_the_loop_stays_inside():
    def f(x):
        c = 1.0
        for _ in range(3):
            x = x * (c * 2.0)
            c = c + 1.0
        return np.sum(x)

    x = np.array([0.3, -0.2])
    assert np.allclose(tg.grad(f, fallback="error")(x), 2.0 * 4.0 * 6.0)


def _mean_rows(x, w):
    h = np.tanh(x @ w)
    return np.sum(h) / x.shape[0]


def test_a_shape_read_is_a_number(backend):
    grad = tg.grad(_mean_rows, wrt=1, fallback="error")
    source = tg.source(grad)
    assert "unbroadcast(dy / " not in source  # x.shape[0] is an int: dy / n keeps dy's shape
    rng = np.random.default_rng(2)
    x, w = backend.to(rng.normal(size=(4, 3))), backend.to(rng.normal(size=(3, 2)))
    assert gradcheck(_mean_rows, (x, w), wrt=1, grad=grad)


def _subtracted(x, w):
    s = 0.0
    for _ in range(2):
        a = np.sin(x)
        b = (w - x) * a  # dx gets -unbroadcast(...) after a first contribution
        s = s + np.sum(b)
    return s


def test_negated_contribution_is_subtracted(backend):
    grad = tg.grad(_subtracted, wrt=(0, 1), fallback="error")
    assert "+ -" not in tg.source(grad) and "+= -" not in tg.source(grad)
    rng = np.random.default_rng(4)
    x, w = backend.to(rng.normal(size=(2, 3))), backend.to(rng.normal(size=(3,)))
    assert gradcheck(_subtracted, (x, w), wrt=(0, 1), grad=grad)


def test_huge_integer_arithmetic_is_left_alone():
    def f(x):
        a = 10000000000
        b = a * a * a * a * a * a * a * a * a * a * a * a * a * a * a * a * a * a * a * a * a
        c = b * b * b * b * b * b * b * b * b * b * b * b * b * b * b * b  # beyond a float
        for _ in range(2):
            x = x * 2.0 + (c - c)
        return np.sum(x)

    assert np.allclose(tg.grad(f, fallback="error")(np.ones(2)), 4.0)
