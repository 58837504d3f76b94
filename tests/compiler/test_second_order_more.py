"""Second order where generated adjoints once stopped it: loops over dict keys and over
``reversed`` (their adjoints call ``keys_of``/``reversed_list``, which have rules), and the
generated gradient of a bound method differentiated again."""

from __future__ import annotations

import numpy as np

import tangentish as tg
from tests.compiler import corpus


def test_grad_of_grad_through_a_loop_over_dict_items():
    dfn = tg.grad(corpus.dict_params_items, fallback="error")

    def energy(params, x):
        return np.sum(dfn(params, x)["w"] ** 2)

    params = {"w": np.array([0.3, -1.2]), "b": np.array([0.5])}
    x = np.array([1.0, 2.0])
    assert tg.gradcheck(energy, [params, x], wrt=0, grad=tg.grad(energy, fallback="error"))


def test_grad_of_grad_through_a_reversed_loop():
    dfn = tg.grad(corpus.for_reversed, fallback="error")

    def g(x):
        return np.sum(np.sin(dfn(x) * x))

    x = np.random.default_rng(0).normal(size=(3, 2))
    assert tg.gradcheck(g, [x], wrt=0, grad=tg.grad(g, fallback="error"))


class Model:
    def __init__(self, a: float):
        self.a = a

    def f(self, x):
        return self.a * np.sin(x) * x


def test_grad_of_grad_of_a_bound_method():
    m = Model(1.5)
    dd = tg.grad(tg.grad(m.f), fallback="error")
    assert tg.gradcheck(tg.grad(m.f), [0.7], wrt=0, grad=dd)
