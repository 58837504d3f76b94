"""Values of a loop's counter computed again in the reverse loop, not pushed (``recompute``).

Each function runs on NumPy and on the duck array against central differences; the source
shows what is pushed.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiler.fd import grad_source as check


def neighbours(x, w):
    s = 0.0
    for i in range(x.shape[0] - 1):
        j = i + 1
        k = 2 * i % 3
        s = s + np.sin(x[j] * w[k]) * x[i]
    return s


def test_counter_arithmetic_and_items_are_computed_again(backend):
    rng = np.random.default_rng(1)
    source = check(neighbours, (rng.normal(size=6), rng.normal(size=3)), backend, wrt=(0, 1))
    forward, reverse = source.split("reversed(range(")
    for line in ("j = i + 1", "k = _t4 % 3", "_t5 = x[j]", "_t6 = w[k]", "_t9 = x[i]"):
        assert line in forward and line in reverse
    for name in ("j", "k", "_t4", "_t5", "_t6", "_t9"):
        assert f"stack.append({name})" not in source and f"{name} = stack.pop()" not in source


def rows_of_a_matrix(x, w):
    s = 0.0
    for t in range(x.shape[0]):
        r = x[t, 1:]
        p = t % 2
        s = s + np.sum(np.tanh(r * w[p]))
    return s


def test_rows_and_slices_of_an_argument(backend):
    rng = np.random.default_rng(2)
    source = check(rows_of_a_matrix, (rng.normal(size=(4, 3)), rng.normal(size=2)), backend,
                   wrt=(0, 1))
    assert "stack.append(r)" not in source and "r = x[t, 1:]" in source.split("reversed(")[1]


def written_in_the_loop(x, w):
    y = x * 1.0
    s = 0.0
    for i in range(3):
        r = y[i]
        y = y * w
        s = s + np.sum(r * r)
    return s


def counter_rebound(x):
    s = 0.0
    for i in range(3):
        j = i + 1
        i = j * 2
        s = s + x[j] * i
    return s


def broken(x, n):
    s = 0.0
    for i in range(n):
        if s > 2.0:
            break
        j = i + 1
        s = s + x[j] * x[i]
    return s


def test_a_loop_that_breaks(backend):
    x = np.linspace(0.2, 1.0, 6)
    for n in (3, 5):
        check(broken, (x, n), backend)


def nested(x):
    s = 0.0
    for i in range(2):
        for j in range(3):
            v = x[i, j]
            s = s + v * v * (i + 1)
    return s


@pytest.mark.parametrize("f, shape", [(written_in_the_loop, (4, 3)), (counter_rebound, (8,)),
                                      (nested, (2, 3))])
def test_values_that_change_are_still_saved(backend, f, shape):
    rng = np.random.default_rng(3)
    args = (rng.normal(size=shape),) + ((rng.normal(size=3),) if f is written_in_the_loop
                                        else ())
    source = check(f, args, backend, wrt=tuple(range(len(args))))
    if f is written_in_the_loop:
        assert "stack.append(r)" in source  # y is rebound in the loop: y[i] is not y's row i
    if f is counter_rebound:
        assert "j = stack.pop()" in source  # i is not the range's counter after i = j * 2
    if f is nested:  # the outer counter runs the same values in the reverse loops
        lines = [line.strip() for line in source.splitlines()]
        assert "stack = []" not in lines and lines.count("v = x[i, j]") == 2


def counter_read_after_its_loop(x):
    s = 0.5
    for _rep in range(2):
        for j in range(3):  # noqa: B007 - read after the loop: the point of the test
            s = s * 1.1
        s = s + x[j] * s
    return s


def recomputed_name_read_after_its_loop(x):
    s = 0.5
    for _rep in range(2):
        for i in range(3):
            j = (i + 1) % 3
            s = s + x[j] * s
        s = s + x[j] * s * s
    return s


def counter_rebinds_a_name(x):
    j = 1
    y = x[j] * 2.0
    for j in range(3):  # noqa: B007 - rebinds j, read after the loop
        y = y * 1.5
    return np.sum(y * x[j])


def enumerate_counter_read_after(x):
    s = 0.0
    for _rep in range(2):
        for j, w in enumerate(x):  # noqa: B007 - read after the loop
            s = s + w * 0.5
        s = s + x[j] * s
    return s


@pytest.mark.parametrize("f", [counter_read_after_its_loop, recomputed_name_read_after_its_loop,
                               counter_rebinds_a_name, enumerate_counter_read_after])
def test_a_value_the_reverse_loop_rebinds_is_restored_after_it(backend, f):
    """Found by the fuzzer (a silent wrong gradient): the reverse inner loop left its counter
    (or a value it computed again) at its first step's, and the outer loop's next reverse step
    read x[0] for x[j]."""
    check(f, (np.array([0.3, -0.7, 1.1]),), backend)
