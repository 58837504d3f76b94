"""Bugs found by the fuzzer (BUGS.md), each kept as a test."""

from __future__ import annotations

import linecache
import types

import numpy as np
import pytest

import tangentish as tg
from tangentish.errors import TransformError


def test_c1_negative_constant_base_of_power():
    def f(x):
        return x * (-0.3) ** 2

    assert np.isclose(tg.grad(f, fallback="error")(0.5), 0.09)
    assert np.allclose(tg.value_and_grad(f, fallback="error")(0.5), (0.045, 0.09))


def _identity(a):
    return a


def test_c2_inlined_parameter_bound_to_a_constant():
    def f(x):
        t = _identity(0.5)
        return t * x

    assert tg.grad(f, fallback="error")(0.3) == 0.5


def test_c3_missing_rule_says_how_to_register_one():
    def f(x):
        return np.sum(np.interp(x, [0.0, 1.0], [0.0, 3.0]))

    with pytest.raises(TransformError, match=r"tg\.defvjp\(np\.interp"):
        tg.grad(f, fallback="error")(np.array([0.2, 0.4]))


def _run(source, path, namespace):
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    exec(compile(source, path, "exec"), namespace)


def _module(name, constant):
    source = f"def h0(a0):\n    return {constant}\n\ndef f(x):\n    return h0(x) * x\n"
    module = types.ModuleType(name)
    _run(source, f"<regression-{name}>", module.__dict__)
    return module


def test_c4_equal_code_in_two_modules_is_not_confused():
    a, b = _module("mod_a", 0.7), _module("mod_b", 0.2)
    assert np.allclose(tg.value_and_grad(a.f)(1.0), (0.7, 0.7))
    assert np.allclose(tg.value_and_grad(b.f)(1.0), (0.2, 0.2))


def test_c4_redefined_helper_compiles_again():
    m = _module("mod_c", 0.7)
    assert np.isclose(tg.grad(m.f)(1.0), 0.7)
    _run("def h0(a0):\n    return 0.2\n", "<regression-mod_c-2>", m.__dict__)  # the helper only
    assert np.isclose(tg.grad(m.f)(1.0), 0.2)


def test_c5_vjp_when_a_name_is_bound_only_on_a_path_not_taken():
    def g(y):
        if y > 2.0:
            for _ in range(2):
                y = y * 2.0
        return y

    for y in (1.0, 3.0):
        value, pullback = tg.vjp(g, y, fallback="error")
        assert value == g(y) and pullback(1.0) == (tg.grad(g)(y),)

    def h(y):
        if y > 2.0:
            while y < 100.0:
                y = y * 2.0
            t = y * 3.0
        else:
            t = y
        for _ in range(2):
            if y > 50.0:
                t = t * y
        return t

    for y in (1.0, 3.0, 60.0):
        value, pullback = tg.vjp(h, y, fallback="error")
        assert np.isclose(pullback(1.0)[0], tg.grad(h)(y))


def test_c5_vjp_loop_variable_read_after_its_loop_on_one_path():
    def g(x, c):
        if c > 0:
            for i in range(2):  # noqa: B007  (i is read after the loop)
                x = x * 2.0
        if c > 0:
            x = x * i
        return x

    for c in (-1, 1):
        value, pullback = tg.vjp(g, 1.5, c, fallback="error")
        assert np.isclose(pullback(1.0)[0], tg.grad(g)(1.5, c))


def test_c6_no_hoisting_out_of_a_loop_that_may_not_run():
    def h(x, v):
        k = 0
        while k < 2 and v[0] > 0.5:
            k += 1
            for _ in range(2):
                x = v[1]
        return x

    value, (dx, dv) = tg.value_and_grad(h, wrt=(0, 1), fallback="error")(0.0,
                                                                       np.array([0.1, 0.3]))
    assert value == 0.0 and dx == 1.0 and np.array_equal(dv, [0.0, 0.0])
    value, (dx, dv) = tg.value_and_grad(h, wrt=(0, 1), fallback="error")(0.0,
                                                                       np.array([0.9, 0.3]))
    assert value == 0.3 and dx == 0.0 and np.array_equal(dv, [0.0, 1.0])


def test_c7_list_of_lists_gradient_has_zeros_not_none():
    def g(a, b):
        pair = [a, b]
        return pair[0][1] * 2.0

    da, db = tg.grad(g, wrt=(0, 1), fallback="error")([0.5, 0.25], [1.0, 2.0])
    assert da == [0.0, 2.0] and db == [0.0, 0.0]

    def g2(ps):
        qs = [ps][0]
        return qs[-1] * 3.0

    assert tg.grad(g2, fallback="error")([0.5, 0.25]) == [0.0, 3.0]


def test_c5b_vjp_name_assigned_twice_in_the_branch_not_taken():
    def f(x, y):
        if y > 0.0:
            x = x * 2.0
        else:
            t2 = y * 3.0
            t2 = t2 * x
            x = x + t2
        return x

    for y in (0.5, -0.5):
        value, pullback = tg.vjp(f, 1.0, y, fallback="error")
        assert value == f(1.0, y)
        assert np.allclose(pullback(1.0), tg.grad(f, wrt=(0, 1))(1.0, y))


def test_r6_returned_gradients_are_writable():
    def f(x):
        return np.sum(x)

    g = tg.grad(f)(np.ones((2, 3)))
    g -= 1.0
    assert np.array_equal(g, np.zeros((2, 3)))
    value, grads = tg.value_and_grad(lambda p: np.sum(p["w"]))({"w": np.ones(2)})
    grads["w"] *= 2.0
    assert np.array_equal(grads["w"], [2.0, 2.0])


def test_c8_non_numeric_argument_and_empty_wrt_say_so():
    def f(x, y):
        return np.sum(np.sin(x) * y)

    with pytest.raises(TypeError, match="argument 'x': it is str"):
        tg.grad(f)("abc", 1.0)
    with pytest.raises(TypeError, match="argument 'x': it is None"):
        tg.grad(f)(None, 1.0)
    with pytest.raises(ValueError, match="no gradient"):
        tg.grad(f, wrt=())(1.0, 2.0)


def test_f1_hvp_through_a_list_grown_in_a_loop():
    def k(x):
        xs7 = [np.sum(x, axis=0) / 2.0]
        for i8 in range(2):
            xs7.append(x[1] - i8 * 0.25)
        return np.sum(xs7[-1]) + x[0, 2]

    x = np.array([[0.5, 0.25, -1.0], [0.5, -0.5, 0.25]])
    assert np.allclose(tg.hvp(k, x, np.ones_like(x)), 0.0)  # k is linear


def test_c9_slice_with_an_expression_in_a_loop():
    def f(xs):
        s = 0.0
        for k in range(len(xs) - 2):
            s = s + np.sum(xs[k:k + 3] ** 2)
        return s

    tg.gradcheck(f, (np.linspace(0.1, 1.0, 6),), grad=tg.grad(f, fallback="error"))


def test_c10_float32_arguments_get_float32_gradients():
    def f(x, p):
        return np.sum(np.tanh(x @ p["w"])) + np.mean(x)

    x = np.ones((3, 2), np.float32)
    p = {"w": np.full(2, 0.1, np.float32)}
    dx, dp = tg.grad(f, wrt=(0, 1), fallback="error")(x, p)
    assert dx.dtype == np.float32 and dp["w"].dtype == np.float32
    _, g = tg.value_and_grad(f, fallback="error")(x, p)
    assert g.dtype == np.float32



def test_fz1_hvp_when_a_branch_pushes_after_an_inactive_push():
    # Found by the fuzzer: forward over reverse read ``stack = [*stack, x]`` back and wrote the
    # tangent after it, so ``tstack`` took the *new* stack's length and popped misaligned.
    def f(x, y, k):
        t0 = np.sum(x[0]) + np.sin(np.sin(y))
        t0 = y
        t0 *= (t0 + (k * 0.25)) + x[1][0]
        t1 = (np.array([0.5, 2.0, 0.7]) / (1.0 + x ** 2)) / (1.0 + (x * 0.3) ** 2)
        t2 = np.mean(x)
        if (x[1][0] + (y / (1.0 + t2 ** 2))) < 2.0:
            x = t1 / (1.0 + x ** 2)
            t1 += (x[1, k] - (k * 0.25)) * ((k * 0.25) + y)
        else:
            t1 -= t1[1]
            t0 *= np.cos(y / (1.0 + x[1, 0] ** 2))
        return t0 + np.sum(t1) + t2 + (((k * 0.25) + t1[1, k]) - np.exp(-t0 ** 2))

    x = np.array([[-0.708, 1.353, -1.5], [0.821, -1.21, 1.31]])
    v, args = np.ones_like(x), (-0.353, 1)
    g = tg.grad(f, fallback="error")
    eps = 1e-6
    expect = (g(x + eps * v, *args) - g(x - eps * v, *args)) / (2 * eps)
    np.testing.assert_allclose(tg.hvp(f, x, v, args=args), expect, rtol=1e-6, atol=1e-6)


def _bound_in_a_branch(x, w, n):
    if n > 0:
        m = w * 2
    for _ in range(n):
        x = np.tanh(x @ m)
    return np.sum(x)


@pytest.mark.parametrize("n", [0, 2])
def test_a_name_bound_only_in_a_branch_and_a_loop_of_no_steps(n):
    """``dm = zero_grad(m)`` before the reverse loop read an unbound ``m`` when n == 0
    (found by the defer helper): such names are preset to None."""
    x, w = np.full((2, 3), 0.3), np.eye(3) * 0.4 + 0.05
    dx, dw = tg.grad(_bound_in_a_branch, wrt=(0, 1), fallback="error")(x, w, n)
    f = _bound_in_a_branch
    for arg, g in ((0, dx), (1, dw)):
        numeric = np.zeros_like(g)
        for i in np.ndindex(g.shape):
            e = np.zeros_like(g)
            e[i] = 1e-6
            plus = [x, w][:arg] + [[x, w][arg] + e] + [x, w][arg + 1:]
            minus = [x, w][:arg] + [[x, w][arg] - e] + [x, w][arg + 1:]
            numeric[i] = (f(*plus, n) - f(*minus, n)) / 2e-6
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def _integer_powers_in_a_loop(x):
    tot = 0.0
    for i in range(3):
        tot = x[i] ** (i + 2) * tot + x[i]
    return tot


def test_hvp_through_integer_exponents_popped_off_the_stack():
    """The gradient pushes ``i + 2`` with values that are differentiated; forward mode over
    it then saw the exponent as active, and its zero tangent times log(x[1] < 0) was NaN."""
    x, v = np.array([0.3, -0.6, 0.9]), np.array([1.0, 0.5, -0.25])
    g = tg.grad(_integer_powers_in_a_loop)
    numeric = (g(x + 1e-5 * v) - g(x - 1e-5 * v)) / 2e-5
    np.testing.assert_allclose(tg.hvp(_integer_powers_in_a_loop, x, v), numeric, rtol=1e-6)
    np.testing.assert_allclose(tg.hessian(_integer_powers_in_a_loop)(x) @ v, numeric,
                               rtol=1e-6)
