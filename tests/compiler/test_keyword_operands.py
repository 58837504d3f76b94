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


def mean_of_a(x, m):
    return np.sum(np.mean(a=m, axis=0) * x)


def sum_of_a(x, m):
    return np.sum(np.sum(a=x * m, axis=1))


def norm_of_x(x, m):
    return np.sum(np.linalg.norm(x=m, axis=1)) + np.sum(x)


def stack_of_arrays(x, m):
    return np.sum(np.stack(arrays=[x, x * 2], axis=0)) + np.sum(m)


def tensordot_by_keywords(x, m):
    return np.sum(np.tensordot(a=m, b=x, axes=1)) + np.sum(np.tensordot(m, b=x, axes=1))


def dot_of_b(x, m):
    return np.sum(np.dot(x, b=m[0])) + np.sum(m)


@pytest.mark.parametrize("f", [mean_of_a, sum_of_a, norm_of_x, stack_of_arrays,
                               tensordot_by_keywords, dot_of_b])
def test_main_operands_by_keyword(backend, f):
    """Found by fuzz4: a NumPy function's operand given by its keyword name (``a=``, ``x=``,
    ``b=``) was refused as having no rule; the signature names the position."""
    import functools

    x, m = np.array([0.3, 0.4, 0.5]), np.array([[0.2, 0.5, -0.4], [0.9, -0.1, 0.3]])
    grad_source(f, (x, m), backend, wrt=(0, 1))
    _, tangent = tg.jvp(functools.partial(f, m=backend.to(m)), (backend.to(x),),
                        (backend.to(np.ones(3)),), fallback="error")
    want = np.sum(numerical_grad(f, (x, m), 0)[0][0])
    assert np.isclose(float(backend.back(tangent)), want, rtol=1e-6)
