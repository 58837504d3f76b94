"""C19: a write through memory another live name shares is never compiled into a wrong gradient.

The compiler turns ``v[0] = a`` into a new array and ``v += g`` into ``v = v + g``; NumPy
writes into ``v``'s memory, which a view's base (or an alias) sees. Such writes raise
TransformError (``fallback="error"``) or run on the tape, which follows views; ``a += g`` on a
name, a rebinding when ``a`` holds a number, is checked at run time instead.
"""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.compiler import aliasing
from tangentish.errors import TransformError
from tangentish.runtime import shared_writes
from tangentish.runtime.tape.tensor import TapeWarning

W3 = np.array([1.0, 2.0, 3.0])


def view_alias(x):  # NumPy: writing v[0] changes y[1]
    y = x * 1.0
    v = y[1:]
    v[0] = 10.0 * x[0]
    return np.sum(y * W3)


def reshape_alias(x):  # a view of a tracked array
    y = x * 1.0
    y2 = y.reshape(3, 1)
    y2[0, 0] = x[1] * 3.0
    return np.sum(y * W3) + x[1]


def param_alias(x):  # a plain alias of a parameter, the parameter read after the write
    y = x
    y[0] = 0.0
    return np.sum(x * W3)


def row_alias(X):  # a row of a matrix updated in place, the matrix read after
    X = X * 1.0
    row = X[1]
    row += X[0] * 2.0
    return np.sum(X * X)


def transpose_alias(X):
    Y = X * 1.0
    v = Y.T
    v[0, 1] = Y[0, 0] * 5.0
    return np.sum(Y * np.arange(4.0).reshape(2, 2))


def aug_view(x):  # v += g where v is a view of a live array
    y = x * 2.0
    v = y[:2]
    v += x[1:] * 3.0
    return np.sum(y * y)


def np_view_alias(x):  # a NumPy function's view, written in a loop
    y = x * 1.0
    v = np.reshape(y, (3, 1))
    for i in range(2):
        v[i, 0] = v[i, 0] * x[2]
    return np.sum(y * W3)


def row_write(X):  # a row (an index: a view here, a number for a vector) written, X read after
    X = X * 1.0
    row = X[1]
    row[0] = X[0, 1] * 3.0
    return np.sum(X * X)


def branch_alias(x):  # an alias made on one branch only
    y = x * 1.0
    v = y[::-1] if x[0] > 0 else y.copy()
    v[0] = x[1] ** 2
    return np.sum(y * W3)


def list_item_write(x):  # a list holds the array itself: writing its item writes the array
    a = x * 1.0
    xs = [a, x * 2.0]
    xs[0][1] = x[2] * 3.0
    return np.sum(a * W3)


def appended_then_written(x):
    hs = []
    h = x * 1.0
    hs.append(h)
    last = hs[-1]
    last[0] = x[1] * 4.0
    return np.sum(h * W3)


ALIASED = [view_alias, reshape_alias, param_alias, row_alias, transpose_alias, aug_view,
           np_view_alias, branch_alias, row_write, list_item_write, appended_then_written]
SHAPES = {row_alias: (2, 2), transpose_alias: (2, 2), row_write: (2, 2)}


def _fd(f, x, eps=1e-6):
    """Central differences, on a copy per evaluation (the functions write into their input)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


def _x(f):
    return np.random.default_rng(3).uniform(0.5, 1.5, SHAPES.get(f, 3))


@pytest.mark.parametrize("f", ALIASED, ids=lambda f: f.__name__)
def test_shared_write_is_not_compiled(f):
    x = _x(f)
    with pytest.raises(TransformError, match="shares memory|another name shares"):
        tg.grad(f, fallback="error")(x.copy())


@pytest.mark.parametrize("f", ALIASED, ids=lambda f: f.__name__)
def test_shared_write_runs_on_the_tape(f):
    x = _x(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tg.TransformWarning)
        got = tg.grad(f)(x.copy())
    np.testing.assert_allclose(got, _fd(f, x), rtol=1e-6, atol=1e-7)


def test_message_names_the_view_and_the_fix():
    with pytest.raises(TransformError) as err:
        tg.grad(view_alias, fallback="error")(np.ones(3))
    reason = err.value.reason
    assert "a write into v, which shares memory with y (v = y[1:] on line" in reason
    assert "copy first: v = y[1:].copy()" in reason
    assert err.value.lineno == view_alias.__code__.co_firstlineno + 3


def test_writing_into_an_untracked_array_through_a_view_is_followed_on_the_tape():
    # Under the fallback np.zeros makes a Tensor (T2): the write through the view is recorded.
    def f(x):
        y = np.zeros(4)
        y2 = y.reshape(2, 2)
        y2[0, 1] = x[0] * 3.0
        return np.sum(y * np.arange(1.0, 5.0)) + x[1]

    with pytest.raises(TransformError, match="y2 = y.reshape"):
        tg.grad(f, fallback="error")(np.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tg.TransformWarning)
        warnings.simplefilter("error", TapeWarning)
        np.testing.assert_allclose(tg.grad(f)(np.ones(3)), [6.0, 1.0, 0.0])


def _local_shared_write(a):  # a view of the helper's own array: only this call goes to the tape
    b = a * 1.0
    c = b[1:]
    c[0] = a[0] * 4.0
    return np.sum(b * W3)


def helper_with_a_shared_write(x):
    return _local_shared_write(x) + np.sum(x)


def _write_view_of(a, v):  # writes into the caller's array through a view of it
    b = a[1:]
    b[0] = v
    return np.sum(b)


def helper_writes_view_of_argument(x):
    y = x * 1.0
    s = _write_view_of(y, x[0] * 5.0)
    return s + np.sum(y * W3)


HELPERS = [helper_with_a_shared_write, helper_writes_view_of_argument]


@pytest.mark.parametrize("f", HELPERS, ids=lambda f: f.__name__)
def test_shared_write_in_a_helper(f):
    test_shared_write_is_not_compiled(f)
    test_shared_write_runs_on_the_tape(f)


# ---------------------------------------------------------------- must still compile


def fresh_local(x):
    y = np.zeros(3)
    y[1] = x[0] * 2.0
    y[2] += x[1]
    return np.sum(y * x)


def parameter_write(x):  # the caller's array is never modified; nothing else aliases x
    x[0] = 0.0
    return np.sum(x * x)


def chained_write(x):
    m = np.zeros((2, 3))
    m[1][2] = x[0] * x[1]
    return np.sum(m) + np.sum(x)


def dict_and_list_writes(x):
    params = {"w": x * 2.0}
    params["w"] = params["w"] * x
    xs = [x, x * 2.0]
    xs[1] = xs[0] * 3.0
    return np.sum(params["w"]) + np.sum(xs[1])


def list_slot_write(x):  # writing a list's slot leaves the array it held alone
    a = x * 1.0
    xs = [a, a * 2.0]
    xs[0] = x * 3.0
    hs = []
    for i in range(2):
        h = x * float(i + 1)
        h[0] = x[1] * 2.0
        hs.append(h)
    return np.sum(xs[0] * a) + np.sum(hs[0] * hs[1])


def rebinding_alias(x):  # h = x then h = h + 1: a rebinding, no write
    h = x
    h = h + 1.0
    return np.sum(h * x)


def scalar_alias_update(x):  # s += on an alias of a number: checked at run time, passes
    s = x[0]
    s += x[1]
    t = np.sum(x)
    u = t
    u *= 2.0
    return s * u + t


def element_then_write(x):  # t = y[0] is a number here: the write into y cannot change it
    y = np.sin(x)
    t = y[0]
    u = t
    y[0] = t * 2.0
    return t + u + np.sum(y)


def copy_then_write(x):
    y = x * 1.0
    v = y[1:].copy()
    v[0] = 10.0 * x[0]
    return np.sum(y) + np.sum(v)


def view_dead_after_write(x):  # the base is not read after the write
    y = x * 1.0
    v = y[1:]
    v[0] = 10.0 * x[0]
    return np.sum(v * v)


def loop_accumulation(x):
    total = x[0]
    for i in range(1, 3):
        total += x[i] * x[i]
    return total


def loop_fresh_rows(X):  # a fresh array each step; the previous one kept (recency)
    prev = X[0] * 0.0
    acc = 0.0
    for i in range(2):
        cur = X[i] * 2.0
        cur[0] = prev[1] + X[i, 1]
        acc = acc + np.sum(cur * prev)
        prev = cur
    return acc + np.sum(prev)


MUST_COMPILE = [fresh_local, parameter_write, chained_write, dict_and_list_writes, list_slot_write,
                rebinding_alias, scalar_alias_update, element_then_write, copy_then_write,
                view_dead_after_write, loop_accumulation]


@pytest.mark.parametrize("f", MUST_COMPILE, ids=lambda f: f.__name__)
def test_unshared_writes_still_compile(f):
    x = np.array([0.4, -0.9, 1.3])
    got = tg.grad(f, fallback="error")(x.copy())
    np.testing.assert_allclose(got, _fd(f, x), rtol=1e-6, atol=1e-7)


def test_fresh_array_per_loop_step_still_compiles():
    X = np.array([[0.4, -0.9, 1.3], [0.2, 0.5, -0.7]])
    got = tg.grad(loop_fresh_rows, fallback="error")(X.copy())
    np.testing.assert_allclose(got, _fd(loop_fresh_rows, X), rtol=1e-6, atol=1e-7)


def test_parameter_write_leaves_the_callers_array():
    x = np.array([0.4, -0.9, 1.3])
    tg.grad(parameter_write, fallback="error")(x)
    np.testing.assert_array_equal(x, [0.4, -0.9, 1.3])


def test_second_order_of_a_checked_update():
    def f(x):
        s = x[0]
        s *= x[1]
        return s * np.sum(x * x)

    x = np.array([0.4, -0.9, 1.3])
    g = tg.grad(f, fallback="error")
    v = np.array([1.0, 0.5, -0.25])
    expect = (g(x + 1e-6 * v) - g(x - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(tg.hvp(f, x, v), expect, rtol=1e-5, atol=1e-6)
    gg = tg.grad(lambda x: np.sum(g(x) * v), fallback="error")
    np.testing.assert_allclose(gg(x), expect, rtol=1e-5, atol=1e-6)


def test_doctests():
    assert doctest.testmod(aliasing).failed == 0
    assert doctest.testmod(shared_writes).failed == 0
