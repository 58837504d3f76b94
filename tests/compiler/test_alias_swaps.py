"""C21: names swapped or rotated in a loop never share memory unless they did before.

``a, b = b, a`` rebinds each name to the other's array. C19's may-alias analysis used to join
the names' buffers over the loop (both names on both arrays) and refuse a later write into one
as shared. It now keeps the paths' states apart, so these compile (``fallback="error"``) and
agree with finite differences, while a swap of names that really share memory still refuses.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.errors import TransformError
from tangentish.runtime.shared_writes import SharedWriteError
from tests.compiler import test_aliasing as c19

W3 = np.array([1.0, 2.0, 3.0])


def swap_in_loop(x):  # the 05:46 long run's `everything` failure
    t0 = x * 1.0
    z = x * 2.0
    for _row in t0:
        t0, z = z, t0
    t0[[1, 0, 1]] = x[0] * 3.0
    return np.sum(t0 * z)


def swap_then_write_in_loop(x):
    a = x * 1.0
    b = x * x
    for i in range(3):
        a, b = b, a
        a[i] = b[i] * x[i]
    return np.sum(a * W3) + np.sum(b * b)


def rotation(x):
    a = x * 1.0
    b = x * 2.0
    c = x * x
    for _ in range(2):
        a, b, c = b, c, a
    a[0] = x[1] * 5.0
    b[1] += c[2]
    return np.sum(a * b * W3) + np.sum(c)


def fibonacci(x):
    a = x * 1.0
    b = x + 1.0
    for _ in range(3):
        a, b = b, a + b
    a[2] = b[0] * 2.0
    return np.sum(a * W3) + np.sum(b * b)


def swap_through_a_temporary(x):
    a = x * 1.0
    b = np.sin(x)
    for _ in range(2):
        tmp = a
        a = b
        b = tmp
    a[1] = x[0] ** 2
    return np.sum(a * b)


def swap_on_a_branch(x):
    a = x * 1.0
    b = x * 3.0
    if x[0] > 0:
        a, b = b, a
    a[0] = x[2] * 4.0
    return np.sum(a * W3) + np.sum(b * b)


def swap_with_a_break(x):
    a = x * 1.0
    b = x * 3.0
    for i in range(3):
        if x[i] > 1.2:
            break
        a, b = b, a
    a[1] = x[0] * 2.0
    return np.sum(a * W3) + np.sum(b * W3)


def double_buffer(x):  # a stencil: write the next state, then swap the buffers
    cur = x * 1.0
    nxt = x * 0.0
    t = 0
    while t < 3:
        nxt[0] = cur[2] * x[0]
        nxt[1:] = np.sin(cur[:-1]) * x[1:]
        cur, nxt = nxt, cur
        t += 1
    return np.sum(cur * W3) + np.sum(nxt)


def swaps_on_both_branches(x):
    a = x * 1.0
    b = x * 2.0
    c = x * 3.0
    for i in range(3):
        if x[i] > 0:
            a, b = b, a
        else:
            b, c = c, b
        a[i] = b[i] + c[i]
    return np.sum(a * b * c)


COMPILES = [swap_in_loop, swap_then_write_in_loop, rotation, fibonacci, swap_through_a_temporary,
            swap_on_a_branch, swap_with_a_break, double_buffer, swaps_on_both_branches]


@pytest.mark.parametrize("x", [[0.4, -0.9, 1.3], [-0.7, 0.6, 0.8]], ids=["pos", "neg"])
@pytest.mark.parametrize("f", COMPILES, ids=lambda f: f.__name__)
def test_swapped_names_compile(f, x, backend):
    x = np.array(x)
    got = tg.grad(f, fallback="error")(backend.to(x.copy()))
    np.testing.assert_allclose(backend.back(got), c19._fd(f, x), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- real sharing still refuses


def alias_then_swap(x):  # a = b: both names on one array, whatever the swaps
    b = x * 1.0
    a = b
    for _ in range(2):
        a, b = b, a
    a[0] = x[1] * 3.0
    return np.sum(b * W3)


def view_then_swap(x):  # v is a view of y: swapping the names keeps them on one array
    y = x * 1.0
    v = y[1:]
    for _ in range(3):
        v, y = y, v
    v[0] = x[0] * 10.0
    return np.sum(y * y)


def rotation_onto_an_alias(x):  # c = a: after one rotation b and c are that array
    a = x * 1.0
    b = x * 2.0
    c = a
    for _ in range(1):
        a, b, c = b, c, a
    b[2] = x[0] * 4.0
    return np.sum(c * W3) + np.sum(a)


def alias_on_one_branch_then_swap(x):
    a = x * 1.0
    b = a if x[0] > 0 else x * 2.0
    for _ in range(2):
        a, b = b, a
    a[1] = x[2] * 2.0
    return np.sum(b * W3)


REFUSES = [alias_then_swap, view_then_swap, rotation_onto_an_alias, alias_on_one_branch_then_swap]


@pytest.mark.parametrize("f", REFUSES, ids=lambda f: f.__name__)
def test_swapped_aliases_still_refuse_and_run_on_the_tape(f):
    c19.test_shared_write_is_not_compiled(f)
    c19.test_shared_write_runs_on_the_tape(f)


def test_the_message_shows_the_swap_and_a_copy_that_fixes_it():
    with pytest.raises(TransformError) as err:
        tg.grad(alias_on_one_branch_then_swap, fallback="error")(np.ones(3))
    reason = err.value.reason
    assert "a write into a, which shares memory with b ((a, b) = (b, a) on line" in reason
    assert "copy first: (a, b) = (b.copy(), a)" in reason


def _many_branches(alias: bool) -> str:
    """Five branches and a swap per loop step: 64 paths, more than are kept apart (16)."""
    lines = ["def f(x):", "    a = x * 1.0", "    b = x * 2.0", "    c = x * 0.5",
             "    for i in range(3):"]
    for k, name in enumerate("defgh"):
        lines += [f"        if x[{k % 3}] > {k / 4}:", f"            {name} = c * {k + 2.0}",
                  "        else:", f"            {name} = np.sin(c) + {k}.0", f"        c = {name}"]
    if alias:
        lines += ["        if x[2] > 1.2:", "            b = a"]
    lines += ["        a, b = b, a", "        a[i] = np.sum(c)", "    return np.sum(a * b)", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("alias", [False, True], ids=["apart", "alias"])
def test_more_paths_than_are_kept_apart(alias, tmp_path, monkeypatch):
    # past the limit, paths are joined only where no two names come to share a buffer
    (tmp_path / f"many_{alias}.py").write_text("import numpy as np\n\n\n" + _many_branches(alias))
    monkeypatch.syspath_prepend(str(tmp_path))
    f = importlib.import_module(f"many_{alias}").f
    x = np.array([0.4, -0.9, 1.3])
    if alias:
        with pytest.raises(TransformError, match="shares memory"):
            tg.grad(f, fallback="error")(x)
    else:
        np.testing.assert_allclose(tg.grad(f, fallback="error")(x), c19._fd(f, x),
                                   rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- swapping elements (C22)


def element_swap(x):  # Python evaluates both values first: numbers, swapped
    y = x * 1.0
    y[0], y[1] = y[1], y[0]
    return np.sum(y * W3)


def list_element_swap(x):
    xs = [x[0], x[1], x[2]]
    xs[0], xs[1] = xs[1], xs[0]
    return xs[0] * 1.0 + xs[1] * 2.0 + xs[2] * 3.0


def carried_element_swap(x):  # a number carried along an array, one swap per step
    y = x * 1.0
    t = x[2] * 2.0
    for i in range(2):
        t, y[i] = y[i], t
    return np.sum(y * W3) + t


@pytest.mark.parametrize("f", [element_swap, list_element_swap, carried_element_swap],
                         ids=lambda f: f.__name__)
def test_swapped_elements_compile(f, backend):
    x = np.array([0.4, -0.9, 1.3])
    got = tg.grad(f, fallback="error")(backend.to(x.copy()))
    np.testing.assert_allclose(backend.back(got), c19._fd(f, x), rtol=1e-6, atol=1e-7)


R4 = np.arange(4.0).reshape(2, 2)


def row_swap(X):  # rows are views: NumPy leaves both rows equal to the old X[1]
    X = X * 1.0
    X[0], X[1] = X[1], X[0]
    return np.sum(X * R4)


def named_row_swap(X):
    Y = X * 1.0
    r0 = Y[0]
    r1 = Y[1]
    Y[0], Y[1] = r1, r0
    return np.sum(Y * R4)


@pytest.mark.parametrize("f", [row_swap, named_row_swap], ids=lambda f: f.__name__)
def test_swapped_rows_go_to_the_tape(f):
    X = np.array([[0.4, -0.9], [1.3, 0.2]])
    with pytest.raises(SharedWriteError, match="writes into memory"):
        tg.grad(f, fallback="error")(X.copy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tg.TransformWarning)
        got = tg.grad(f)(X.copy())
    np.testing.assert_allclose(got, c19._fd(f, X), rtol=1e-6, atol=1e-7)


def two_shared_writes(X):  # the row r sees the write into Y; z's element s is a number
    Y = np.sin(X)
    r = Y[0]
    z = np.cos(X[0])
    s = z[0]
    Y[0], z[0] = X[1] * 2.0, X[0, 1] * 3.0
    return np.sum(r * s) + np.sum(Y * Y) + np.sum(z)


def test_each_write_of_a_tuple_assignment_is_checked():
    # only the last part's check was kept: z's passed, and the compiled r missed Y's write
    test_swapped_rows_go_to_the_tape(two_shared_writes)


# ------------------------------------------------- unpacking one value into elements (C22)


def rows_unpacked_reversed(X):  # the items are row views: both rows end up the old X[1]
    X = X * 1.0
    X[0], X[1] = X[::-1]
    return np.sum(X * R4)


def rows_unpacked_from_a_view(X):
    Y = X * 1.0
    Z = Y[::-1]
    Y[0], Y[1] = Z
    return np.sum(Y * R4)


def rows_unpacked_from_a_tuple(X):
    Y = X * 1.0
    pair = (Y[1], Y[0])
    Y[0], Y[1] = pair
    return np.sum(Y * R4)


def row_and_name_unpacked(X):  # a holds the row view X[0], which the store into X[0] changes
    Y = np.sin(X)
    a, Y[0] = Y
    return np.sum(a * R4[0]) + np.sum(Y * R4)


@pytest.mark.parametrize("f", [rows_unpacked_reversed, rows_unpacked_from_a_view,
                               rows_unpacked_from_a_tuple, row_and_name_unpacked],
                         ids=lambda f: f.__name__)
def test_rows_unpacked_from_one_value_go_to_the_tape(f):
    test_swapped_rows_go_to_the_tape(f)


def rows_unpacked_from_a_new_array(X):  # np.cos(X) shares nothing with Y: compiled
    Y = X * 1.0
    Y[0], Y[1] = np.cos(X)[::-1]
    return np.sum(Y * Y * R4)


def elements_unpacked_reversed(x):  # a vector's items are numbers: a plain swap
    y = x * 1.0
    y[0], y[1] = y[1::-1]
    return np.sum(y * W3)


def test_items_that_share_nothing_compile(backend):
    X = np.array([[0.4, -0.9], [1.3, 0.2]])
    x = np.array([0.4, -0.9, 1.3])
    for f, a in ((rows_unpacked_from_a_new_array, X), (elements_unpacked_reversed, x)):
        got = tg.grad(f, fallback="error")(backend.to(a.copy()))
        np.testing.assert_allclose(backend.back(got), c19._fd(f, a), rtol=1e-6, atol=1e-7)
