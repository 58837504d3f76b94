"""Per-call-site tape fallback: a transformed function keeps its generated code and runs only
the helper it cannot transform on the tape, with the same result as the compiled path."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import gradcheck
from tests.duck import DuckArray

# ---------------------------------------------------------------- helpers the compiler refuses


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)  # recursion


RECURSION_LINE = inspect.getsourcelines(power)[1] + 3


def guarded(x):
    try:  # a try statement
        return np.sin(x) * x
    except FloatingPointError:
        return x


def plain(x):  # guarded's math, transformable: the compiled path to compare with
    return np.sin(x) * x


def squares(xs):
    return sum(v * v for v in xs)  # a generator expression


def mixed(x, w):
    h = np.tanh(x * w)
    y = guarded(h)
    for _ in range(3):
        y = guarded(y + h)
    return np.sum(y) + power(np.sum(h), 3)


def mixed_plain(x, w):
    h = np.tanh(x * w)
    y = plain(h)
    for _ in range(3):
        y = plain(y + h)
    s = np.sum(h)
    return np.sum(y) + s * (s * (s * 1.0))  # power(s, 3), unrolled


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tg.TransformWarning)
        return fn(*args, **kwargs)


RNG = np.random.default_rng(1)
X, W = RNG.normal(size=4), RNG.normal(size=4)


def test_recursive_helper_runs_on_the_tape_and_the_rest_stays_compiled():
    df = tg.grad(mixed, wrt=(0, 1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dx, dw = df(X, W)
    source = tg.source(df)
    assert "tape_vjp(power, " in source and "tape_vjp(guarded, " in source
    assert "# grad of: h = np.tanh(x * w)" in source  # the function itself is generated code
    assert "= power_pullback(" in source
    gradcheck(mixed, [X, W], wrt=(0, 1), grad=lambda x, w: (dx, dw))
    (warning,) = [w for w in caught if issubclass(w.category, tg.TransformWarning)]
    text = str(warning.message)
    assert "runs on the tape at its call in mixed" in text and "more call site" in text


def test_the_warning_names_the_recursive_line():
    def only_power(x):
        return np.sin(x) * power(x, 2)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = tg.grad(only_power)(0.7)
    (warning,) = [w for w in caught if issubclass(w.category, tg.TransformWarning)]
    assert f"{__file__}:{RECURSION_LINE}" in str(warning.message)
    assert "recursion" in str(warning.message)
    assert warning.filename == __file__ and warning.lineno == RECURSION_LINE
    assert g == pytest.approx(np.cos(0.7) * 0.49 + np.sin(0.7) * 1.4)


def test_same_result_as_the_compiled_path(backend):
    x, w = backend.to(X), backend.to(W)
    ours = quiet(tg.grad(mixed, wrt=(0, 1)), x, w)
    compiled = tg.grad(mixed_plain, wrt=(0, 1), fallback="error")(x, w)
    for a, b in zip(ours, compiled):
        assert type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(backend.back(a), backend.back(b), rtol=1e-12)
    if backend.name == "duck":
        assert isinstance(ours[0], DuckArray)


def test_float32_stays_float32():
    x32, w32 = X.astype(np.float32), W.astype(np.float32)
    dx, dw = quiet(tg.grad(mixed, wrt=(0, 1)), x32, w32)
    ex, ew = tg.grad(mixed_plain, wrt=(0, 1), fallback="error")(x32, w32)
    assert dx.dtype == dw.dtype == np.float32
    np.testing.assert_allclose(dx, ex, rtol=1e-4)
    np.testing.assert_allclose(dw, ew, rtol=1e-4)


def test_a_generator_helper_over_a_list():
    def f(x):
        ys = [np.sin(x), x * 2.0]
        return squares(ys) * 3.0

    df = tg.grad(f)
    g = quiet(df, 0.4)
    assert "tape_vjp(squares, " in tg.source(df)
    assert isinstance(g, float) and g == pytest.approx(
        3.0 * (2 * np.sin(0.4) * np.cos(0.4) + 8 * 0.4))


def test_value_and_grad_and_vjp_through_a_tape_site():
    value, grads = quiet(tg.value_and_grad(mixed, wrt=(0, 1)), X, W)
    assert value == pytest.approx(mixed(X, W))
    value, pullback = quiet(tg.vjp, mixed, X, W)
    dx, dw = pullback(2.0)
    np.testing.assert_allclose(dx, 2.0 * grads[0], rtol=1e-12)
    np.testing.assert_allclose(dw, 2.0 * grads[1], rtol=1e-12)


def test_forward_mode_asks_the_tape_for_the_helper_tangent():
    t = RNG.normal(size=4)
    value, tangent = quiet(tg.jvp, mixed, (X, W), (t, np.zeros(4)))
    eps = 1e-6
    expected = (mixed(X + eps * t, W) - mixed(X - eps * t, W)) / (2 * eps)
    assert value == pytest.approx(mixed(X, W))
    assert tangent == pytest.approx(expected, rel=1e-6)
    assert "tape_jvp(guarded, " in quiet(tg.source, tg.jvp(mixed))


def test_fallback_error_points_at_the_helper_line_with_a_caret():
    with pytest.raises(tg.TransformError) as info:
        tg.grad(mixed, fallback="error")(X, W)
    text = str(info.value)
    assert "try statement" in text and "try:  # a try statement" in text and "^" in text


def test_an_inactive_helper_call_is_just_a_call():
    def f(x):
        n = power(2.0, 3)  # depends on no input: no tape, no warning
        return np.sum(x) * n

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(tg.grad(f)(X), np.full(4, 8.0))


# ---------------------------------------------------------------- shapes of call sites


def pair(x):
    try:
        return np.sin(x), x * x
    finally:
        pass


def total_of(p):
    try:
        return np.sum(p["w"] * p["b"])
    finally:
        pass


def raised(x, n=1):
    try:
        return x ** n
    finally:
        pass


def tuple_result(x, y):
    a, b = pair(x * 2.0)
    return np.sum(a * b * y)


def dict_argument(x, y):
    return total_of({"w": x, "b": y}) * 2.0


def keyword_constant(x, y):
    return np.sum(raised(x, n=3) * y)


def in_a_while_loop(x, y):
    i = 0
    while i < 3:
        x = pair(x)[0] + x * y
        i += 1
    return np.sum(x)


@pytest.mark.parametrize("f", [tuple_result, dict_argument, keyword_constant, in_a_while_loop],
                         ids=lambda f: f.__name__)
def test_call_site_shapes_in_both_modes(f):
    df = tg.grad(f, wrt=(0, 1))
    grads = quiet(df, X, W)
    assert "tape_vjp(" in tg.source(df)
    gradcheck(f, [X, W], wrt=(0, 1), grad=lambda x, w: grads)
    tx, tw = RNG.normal(size=4), RNG.normal(size=4)
    _, tangent = quiet(tg.jvp, f, (X, W), (tx, tw))
    eps = 1e-6
    expected = (f(X + eps * tx, W + eps * tw) - f(X - eps * tx, W - eps * tw)) / (2 * eps)
    assert tangent == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_grad_of_grad_through_a_tape_site():
    # the outer gradient runs the generated code on the tape, where tape_vjp records the helper
    # and its pullback is differentiable
    def f(x):
        return np.sin(x) * power(x, 3)

    second = quiet(lambda: tg.grad(tg.grad(f))(0.7))
    first = tg.grad(lambda x: np.sin(x) * x * x * x)
    assert second == pytest.approx((first(0.7 + 1e-6) - first(0.7 - 1e-6)) / 2e-6, rel=1e-6)
