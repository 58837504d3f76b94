"""``for`` headers that nest ``enumerate``, ``zip``, ``reversed`` and ``.items()``.

``enumerate(zip(ws, x))`` used to be compiled as a loop over an opaque list, so ``x`` lost its
gradient (C15: a silent zero). Nested headers now become one indexed loop; ``zip`` and friends
anywhere else are opaque calls, so an active argument goes to the tape instead.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.errors import TransformWarning

WS = [0.5, 1.5, 2.5]


def enumerate_zip(x):
    tot = 0.0
    for i, (w, v) in enumerate(zip(WS, x)):
        tot = tot + w * v ** (i + 1)
    return tot


def zip_enumerate(x):
    tot = 0.0
    for (i, v), w in zip(enumerate(x), WS):
        tot = tot + w * v * (i + 1)
    return tot


def enumerate_enumerate(x):
    tot = 0.0
    for i, (j, v) in enumerate(enumerate(x)):
        tot = tot + v * (i + j + 1)
    return tot


def zip_reversed(x):
    tot = 0.0
    for w, v in zip(WS, reversed(x)):
        tot = tot + w * v ** 2
    return tot


def enumerate_items(x):
    d = {"a": x[0], "bb": x[1]}
    tot = 0.0
    for i, (k, v) in enumerate(d.items()):
        tot = tot + v * (i + 1) * len(k)
    return tot


def zip_as_a_value(x):
    pairs = list(zip(WS, x))
    tot = 0.0
    for p in pairs:
        tot = tot + p[0] * np.sin(p[1])
    return tot


def _numeric(f, x):
    return np.array([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(x.size) * 1e-6])


@pytest.mark.parametrize("f", [enumerate_zip, zip_enumerate, enumerate_enumerate, zip_reversed,
                               enumerate_items])
def test_nested_headers_compile_and_match_finite_differences(f):
    x = np.array([0.3, -0.6, 0.9])
    g = tg.grad(f, fallback="error")(x)
    np.testing.assert_allclose(g, _numeric(f, x), rtol=1e-6, atol=1e-8)
    v = np.array([1.0, 0.5, -0.25])
    np.testing.assert_allclose(tg.jvp(f, (x,), (v,))[1], g @ v, rtol=1e-10)


def test_zip_as_a_value_goes_to_the_tape_not_to_a_zero_gradient():
    x = np.array([0.3, -0.6, 0.9])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = tg.grad(zip_as_a_value)(x)
    assert any(issubclass(w.category, TransformWarning) and "zip" in str(w.message)
               for w in caught)
    np.testing.assert_allclose(g, _numeric(zip_as_a_value, x), rtol=1e-6, atol=1e-8)
