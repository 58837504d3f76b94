"""The compiler's tape fallback returns what ``tg.grad`` returns: same structure, dtype and
array library, zeros for unused arguments, arguments never mutated."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

from tangentish.checking import numerical_grad
from tangentish.runtime.tape.fallback import grad_via_tape, value_and_grad_via_tape, vjp_via_tape
from tests.duck import DuckArray

Params = namedtuple("Params", "w b")


def _recursive_sum(x, n):
    """Recursion: a construct a source transformer typically rejects."""
    return np.sum(x) if n == 0 else _recursive_sum(np.sin(x) * x, n - 1)


def f_nest(x, scale, p, unused):
    total = _recursive_sum(p["a"] * x, 2) * scale
    for key in sorted(p):
        total = total + np.sum(p[key] ** 2)
    return total


def test_gradient_of_nests_matches_finite_differences(backend):
    rng = np.random.default_rng(0)
    x = backend.to(rng.standard_normal(3))
    p = {"a": backend.to(rng.standard_normal(3)), "b": backend.to(rng.standard_normal((2, 2)))}
    args = (x, 1.5, p, backend.to(np.ones(2)))
    gx, gs, gp, gu = grad_via_tape(f_nest, args, wrt=(0, 1, 2, 3))
    host = tuple(backend.back(a) if not isinstance(a, dict) else
                 {k: backend.back(v) for k, v in a.items()} for a in args)
    for i, got in enumerate((gx, gs, gp, gu)):
        expect, _ = numerical_grad(f_nest, list(host), i)
        flat = [got[k] for k in sorted(got)] if isinstance(got, dict) else [got]
        for g, e in zip(flat, expect):
            assert type(g) is type(args[i] if not isinstance(args[i], dict) else args[i]["a"])
            np.testing.assert_allclose(np.asarray(backend.back(g)), e, rtol=1e-6, atol=1e-8)
    assert isinstance(gs, float)
    assert set(gp) == {"a", "b"}


def test_wrt_forms_and_value():
    def f(x, y):
        return x * y ** 2

    assert grad_via_tape(f, (3.0, 2.0)) == 4.0
    assert grad_via_tape(f, (3.0, 2.0), wrt="y") == 12.0
    assert grad_via_tape(f, (3.0, 2.0), wrt=(1,)) == (12.0,)
    value, g = value_and_grad_via_tape(f, (3.0, 2.0), wrt=("x", "y"))
    assert value == 12.0 and g == (4.0, 12.0)


def test_unused_arguments_get_zeros_of_their_structure():
    def f(x, p):
        return np.sum(x * 2.0)

    p = Params(np.ones((2, 2), dtype=np.float32), 3.0)
    gx, gp = grad_via_tape(f, (np.ones(3), p), wrt=(0, 1))
    assert isinstance(gp, Params) and gp.b == 0.0
    assert gp.w.dtype == np.float32 and not gp.w.any()
    np.testing.assert_array_equal(gx, [2.0, 2.0, 2.0])


def test_constant_function_gives_zeros():
    assert grad_via_tape(lambda x: 3.0, (np.ones(2),)).tolist() == [0.0, 0.0]


def test_dtype_is_kept():
    g = grad_via_tape(lambda x: np.sum(np.sin(x)), (np.ones(3, dtype=np.float32),))
    assert g.dtype == np.float32


def test_arguments_are_not_mutated():
    def f(x, d):
        x *= 2
        d["k"][0] = 5.0
        return np.sum(x * d["k"])

    x, d = np.ones(2), {"k": np.ones(2)}
    g = grad_via_tape(f, (x, d), wrt=(0, 1))
    np.testing.assert_array_equal(x, [1.0, 1.0])
    np.testing.assert_array_equal(d["k"], [1.0, 1.0])
    np.testing.assert_array_equal(g[0], [10.0, 2.0])


def test_vector_output_is_refused_with_vjp_hint():
    with pytest.raises(TypeError, match="tg.vjp"):
        grad_via_tape(lambda x: x * 2, (np.ones(3),))


def test_vjp_pullback_can_run_twice(backend):
    a, b = backend.to(np.array([1.0, 2.0, 3.0])), 2.0
    value, pullback = vjp_via_tape(lambda a, b: np.sin(a) * b, a, b)
    ct = backend.to(np.array([1.0, 0.5, -1.0]))
    for _ in range(2):
        ga, gb = pullback(ct)
        np.testing.assert_allclose(backend.back(ga), np.cos([1, 2, 3]) * 2 * [1, 0.5, -1])
        assert gb == pytest.approx(float(np.sum(np.sin([1, 2, 3]) * [1, 0.5, -1])))
    np.testing.assert_allclose(backend.back(value), np.sin([1.0, 2.0, 3.0]) * 2)


def test_duck_gradient_stays_duck():
    g = grad_via_tape(lambda x: np.sum(np.exp(x)), (DuckArray(np.zeros(2)),))
    assert isinstance(g, DuckArray)


def test_tg_grad_falls_back_to_the_tape_with_one_warning():
    import warnings

    import tangentish as tg

    def f(x, d):
        try:  # a construct the compiler does not transform
            s = _recursive_sum(x * d["a"], 2)
        except ValueError:
            s = 0.0
        return s * d["b"]

    x, d = np.array([0.5, 1.0, 2.0]), {"a": np.array([1.0, -0.5, 2.0]), "b": 2.0}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gx, gd = tg.grad(f, wrt=(0, 1))(x, d)
    assert len(caught) == 1 and "try" in str(caught[0].message)
    for i, got in enumerate((gx, gd)):
        expect, _ = numerical_grad(f, [x, d], i)
        flat = [got["a"], got["b"]] if isinstance(got, dict) else [got]
        for g, e in zip(flat, expect):
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


def test_vjp_keeps_python_ints_usable_as_counts():
    def helper(x, n):
        for i in range(n):
            x = np.sin(x) * x[i]
        return x

    value, pullback = vjp_via_tape(helper, np.array([0.5, 1.0]), 2)
    gx, gn = pullback(np.ones(2))
    assert gn == 0.0 and gx.shape == (2,)
    numeric, _ = numerical_grad(lambda x: float(np.sum(helper(x, 2))), [np.array([0.5, 1.0])], 0)
    np.testing.assert_allclose(gx, numeric[0], rtol=1e-6, atol=1e-8)


def test_python_numbers_made_from_tensors_are_reported_at_the_users_line():
    import math
    import warnings

    from tangentish.runtime.tape.tensor import TapeWarning

    def f(x):
        return math.sin(x) * 2.0  # math.sin calls float(x): the tape cannot follow it

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grad_via_tape(f, (0.5,))
    tape_warnings = [w for w in caught if issubclass(w.category, TapeWarning)]
    assert tape_warnings and tape_warnings[0].filename == __file__
    assert "math.sin" in str(tape_warnings[0].message)
