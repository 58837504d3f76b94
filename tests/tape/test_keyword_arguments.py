"""NumPy code giving a value being differentiated by keyword (``np.average(x, weights=w)``,
``np.linalg.solve(a, b=v)``): the tape records the call as if written positionally. Gradient
slots are positional, so such a value had none: a silent zero gradient (or the rule read the
wrong parameter, or an IndexError)."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.errors import MissingRuleError
from tangentish.runtime.tape.fallback import grad_via_tape

X = np.array([0.3, 0.5, -0.2])


def average(x):
    return np.average(x, weights=x * x + 1.0)


def dot(x):
    return np.dot(x, b=np.sin(x))


def solve(x):
    a = np.outer(x, x) + 2.0 * np.eye(3)
    return np.sum(np.linalg.solve(a, b=x * 2.0))


def tensordot(x):
    return np.tensordot(x, b=np.cos(x), axes=1)


def average_of_rows(x):  # a keyword before the moved one (axis) and one after it (keepdims)
    m = np.outer(x, x) + 1.0
    return np.sum(np.average(m, axis=1, weights=np.exp(x), keepdims=True) ** 2)


def clip_below(x):  # the bound's gradient (where it clips) was lost
    return np.sum(np.clip(x, a_min=None, a_max=x * x + 0.1) ** 2)


def clip_keyword_only(x):  # NumPy 2.1's spelling: the rule was called with min=, a TypeError
    return np.sum(np.clip(x, min=x * 0.5 + 0.1) ** 2) + np.sum(np.clip(x * 2.0, max=0.8) ** 2)


@pytest.mark.parametrize("f", [average, dot, solve, tensordot, average_of_rows, clip_below,
                               clip_keyword_only],
                         ids=lambda f: f.__name__)
def test_gradient_of_a_keyword_argument(f, backend):
    got = grad_via_tape(f, (backend.to(X.copy()),), wrt=0)
    want = numerical_grad(f, [X], 0)[0][0]
    np.testing.assert_allclose(np.asarray(backend.back(got)), want, rtol=1e-6, atol=1e-9)


def test_recorded_as_written_positionally():
    x = tg.tensor(X, requires_grad=True)
    by_keyword, by_position = np.average(x, weights=x * x), np.average(x, None, x * x)
    assert by_keyword.grad_fn.name() == by_position.grad_fn.name()
    assert np.allclose(tg.autograd.grad(by_keyword, x)[0].numpy(),
                       tg.autograd.grad(by_position, x)[0].numpy())


def test_a_keyword_without_a_rule_is_refused_not_zero():
    def interp(x):  # np.interp has no rule for fp: refused, as given by position
        return np.sum(np.interp(0.1, xp=np.array([-1.0, 0.0, 1.0]), fp=x ** 2))

    with pytest.raises(MissingRuleError, match="argument 2 of np.interp"):
        grad_via_tape(interp, (X.copy(),), wrt=0)
