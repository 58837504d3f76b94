"""Differentiable values passed by keyword: ``np.average(m, axis=1, weights=w)``'s weights
(the rule of a keyword operand must get the call's other keywords in their places) and a
helper the compiler runs on the tape, called with keywords only."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tests.compiler.fd import grad_source


def weighted_rows(m, w):
    return np.sum(np.average(m, axis=1, weights=w) ** 2)


def weighted_all(m, w):
    return np.average(np.sin(m), weights=w, axis=None) * 3.0


@pytest.mark.parametrize("f, shape_w", [(weighted_rows, (3,)), (weighted_all, (3, 3))])
def test_weights_by_keyword_beside_an_axis(backend, f, shape_w):
    rng = np.random.default_rng(1)
    m, w = rng.normal(size=(3, 3)), rng.uniform(0.5, 2.0, size=shape_w)
    grad_source(f, (m, w), backend, wrt=(0, 1))
    v = rng.normal(size=shape_w)
    _, tangent = tg.jvp(lambda w: f(m, w), (backend.to(w),), (backend.to(v),),
                        fallback="error")
    want = np.sum(numerical_grad(f, (m, w), 1)[0][0] * v)
    assert np.isclose(float(backend.back(tangent)), want, rtol=1e-6, atol=1e-8)


def _helper(a):
    t = a * np.ones(3)
    t.fill(1.0)  # the compiler refuses this: the call runs on the tape
    return a * 2.0


def _calls_by_keyword(x):
    return x + _helper(a=x)


def test_a_tape_site_called_with_keywords_only_keeps_its_tangent():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tape's warnings: not what is tested here
        _, tangent = tg.jvp(_calls_by_keyword, (0.3,), (1.0,))
        assert np.isclose(tangent, 3.0)  # was 1.0: the helper's tangent was dropped
        assert np.isclose(tg.grad(_calls_by_keyword)(0.3), 3.0)
