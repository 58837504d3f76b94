"""Generated code is ordinary Python: tg.grad of a generated gradient works (reverse over
reverse), through loops and the stack, which issue 5's hessians build on."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg


def poly_trig(x):
    return np.sin(x) * x * x


def looped(x):
    s = x
    for _ in range(3):
        s = np.sin(s) * x
    return s


def branchy(x):
    if x > 0.5:
        y = x * x * x
    else:
        y = np.sin(x)
    return y * x


def listy(x):
    hs = []
    for k in range(3):
        hs.append(np.sin(x * k) + x)
    s = 0.0
    for h in hs:
        s = s + h * h
    return s + hs[-1] * x


def indexed(x):
    v = np.array([x, 2.0 * x, x * x])
    s = 0.0
    for i in range(3):
        s = s + np.sin(v[i]) * v[(i + 1) % 3]
    return s


@pytest.mark.parametrize("fn", [poly_trig, looped, branchy, listy, indexed],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("x", [0.3, 0.9])
def test_grad_of_grad_matches_differences_of_grad(fn, x):
    dfn = tg.grad(fn, fallback="error")
    ddfn = tg.grad(dfn, fallback="error")
    eps = 1e-6
    expected = (dfn(x + eps) - dfn(x - eps)) / (2 * eps)
    assert np.isclose(ddfn(x), expected, rtol=1e-6, atol=1e-8)
    assert "def ddf(" in tg.source(ddfn) or tg.source(ddfn).startswith("def d")


def test_r2_second_derivative_through_einsum_and_a_called_gradient():
    def f(a, b):
        return np.einsum("ij,jk->", a * a, b)

    df = tg.grad(f, fallback="error")

    def g(a, b):
        return np.sum(df(a, b) ** 2)  # a gradient called inside a differentiated function

    a, b = np.arange(4.0).reshape(2, 2) / 3, np.ones((2, 2))
    tg.gradcheck(g, (a, b), grad=tg.grad(g, fallback="error"))
    assert "einsum_grad(" in tg.source(df)  # the rule is inlined, its *operands a tuple


def test_r3_grad_of_grad_through_a_subscripted_value():
    m = np.array([[1.0, 2.0], [3.0, -1.0]])

    def f(s):
        return np.sum(np.outer((s * m)[0], m[1]) ** 2)

    d1 = tg.grad(f, fallback="error")
    d2 = tg.grad(d1, fallback="error")
    eps = 1e-6
    assert np.isclose(d2(0.7), (d1(0.7 + eps) - d1(0.7 - eps)) / (2 * eps), rtol=1e-6)
