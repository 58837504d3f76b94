"""Compile work grows linearly with the length of the function compiled.

Counted, not timed: the Python function calls one compile makes (``sys.setprofile``), for a
straight-line function of N statements and one of 2N. A pass that walks the rest of the
function once per statement (``optimize.propagate_copies`` did) makes the ratio climb from 2
towards 4; at these sizes it was 2.7.
"""

from __future__ import annotations

import sys

import numpy as np

import tangentish as tg
from tests.reliability.modules import module_from

_OPS = ("np.sin(a{p})", "a{p} * a{q} + x", "np.tanh(a{p} @ w)", "np.exp(-a{p} * a{q})",
        "a{p} / (1.0 + a{q} * a{q})")


def _straight_line(n: int):
    """``a1 = np.sin(a0)``, ... : each line reads the one before it and one further back."""
    lines = ["import numpy as np", "", "", "def f(x, w):", "    a0 = x"]
    for i in range(1, n):
        lines.append(f"    a{i} = " + _OPS[i % len(_OPS)].format(p=i - 1, q=max(0, i - 3)))
    lines.append(f"    return np.sum(a{n - 1})")
    return module_from("\n".join(lines) + "\n").f


def _calls_to_compile(fn) -> int:
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += 1

    grad = tg.grad(fn, wrt=(0, 1), fallback="error")
    sys.setprofile(profile)
    try:
        grad.compiled()
    finally:
        sys.setprofile(None)
    return count


def test_compiling_twice_the_lines_costs_twice_the_work():
    warm = _straight_line(10)  # the rules' facts are cached on first use: not this test's cost
    tg.grad(warm, wrt=(0, 1), fallback="error")(np.ones((2, 2)), np.ones((2, 2)))
    short, long = _calls_to_compile(_straight_line(100)), _calls_to_compile(_straight_line(200))
    assert long / short < 2.3, f"100 lines: {short} calls, 200 lines: {long} calls"


def _scalar_fn(x, y):
    return np.sin(x * y) + x


def test_a_first_call_with_floats_compiles_once():
    from tangentish.compiler import cache

    grad = tg.grad(_scalar_fn, wrt=(0, 1), fallback="error")
    before = len(cache._CACHE)
    got = grad(0.3, 0.7)
    assert len(cache._CACHE) == before + 1  # the specialised code alone, not the general first
    assert "math.cos" in grad.variant((0.3, 0.7)).source
    want = (np.cos(0.21) * 0.7 + 1.0, np.cos(0.21) * 0.3)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(grad(np.array([0.3]), np.array([0.7])), [[want[0]], [want[1]]],
                               rtol=1e-12)  # arrays then get the general code
