"""NaN and inf propagate as NumPy propagates them; long and loop-heavy functions stay usable.

Documented limits (docs/reliability.md): a straight-line function of 2,000 lines compiles in
under LONG_COMPILE_S seconds, and a loop of 100,000 iterations differentiates in under
LOOP_RUN_S seconds, on the 2-core CI machine.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import tangentish as tg
from tests.reliability.modules import module_from

LONG_LINES = 2000
LONG_COMPILE_S = 60.0
LOOP_ITERATIONS = 100_000
LOOP_RUN_S = 30.0

SMOOTH = module_from("""
    import numpy as np


    def f(x):
        return np.sum(np.sin(x) * np.exp(x))


    def loop(x):
        s = 0.0
        for i in range(100000):
            s = s + np.sin(x) * 1e-5
        return np.sum(s)
""")


def d_smooth(x):
    return np.cos(x) * np.exp(x) + np.sin(x) * np.exp(x)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_propagate_like_numpy(backend, bad):
    x = np.array([0.3, bad, -0.2])
    with np.errstate(invalid="ignore"):
        want = d_smooth(x)
        got = backend.back(tg.grad(SMOOTH.f, fallback="error")(backend.to(x)))
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-12)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])


def test_non_finite_inputs_on_the_tape_match_the_compiled_gradient():
    from tangentish.runtime.tape.fallback import grad_via_tape

    x = np.array([0.3, np.nan, np.inf])
    with np.errstate(invalid="ignore"):
        compiled = tg.grad(SMOOTH.f, fallback="error")(x)
        taped = grad_via_tape(SMOOTH.f, (x,), 0)
    np.testing.assert_array_equal(compiled, taped)


def _long_source(lines: int) -> str:
    body = ["import numpy as np", "", "", "def long(x):", "    h = x"]
    for i in range(lines):
        op = ("np.sin(h) * 0.5 + h", "h * 0.999 + np.cos(x) * 1e-3", "np.tanh(h) + h * 0.5")[i % 3]
        body.append(f"    h = {op}")
    body.append("    return np.sum(h)")
    return "\n".join(body) + "\n"


def test_a_function_of_two_thousand_lines_compiles_and_is_right():
    module = module_from(_long_source(LONG_LINES))
    x = np.array([0.1, -0.2])
    start = time.perf_counter()
    got = tg.grad(module.long, fallback="error")(x)
    elapsed = time.perf_counter() - start
    assert elapsed < LONG_COMPILE_S, f"2,000 lines took {elapsed:.1f}s to compile and run"
    tg.gradcheck(module.long, (x,), grad=lambda x: got)


def test_a_loop_of_one_hundred_thousand_iterations():
    x = np.array([0.1, -0.2, 0.5])
    start = time.perf_counter()
    got = tg.grad(SMOOTH.loop, fallback="error")(x)
    elapsed = time.perf_counter() - start
    assert elapsed < LOOP_RUN_S, f"100,000 iterations took {elapsed:.1f}s"
    np.testing.assert_allclose(got, np.cos(x) * (LOOP_ITERATIONS * 1e-5), rtol=1e-9)
