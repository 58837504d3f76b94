"""``parse.source_lines`` reads a function's lines as ``inspect.getsourcelines`` does, without
the tokenizer; where its quick cut would be wrong, ``parse`` still gets the whole function."""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest

import tangentish as tg
from tangentish.compiler.parse import parse, source_lines
from tests.reliability.modules import module_from

MODULE = module_from('''
import functools

import numpy as np


def plain(x):
    return np.sin(x) * 2.0


def ends_in_pass(x):
    y = x * 3.0
    if y.sum() > 0:
        y = y * 2.0
    else:
        pass
    return y.sum()
    pass


@functools.lru_cache
def decorated(x):
    return x


def trailing_comment(x):
    y = np.cos(x)
    return np.sum(y)
    # a comment under the body


def nested_last(x):
    def inner(u):
        return u * u
    return np.sum(inner(x))


def string_at_column_zero(x):
    """A docstring whose lines
start at column zero."""
    return np.sum(np.tanh(x))
    """A string after the last statement,
ending at column zero."""


def multiline_expression(x):
    return np.sum(
        np.exp(x)
    )


class Model:
    def method(self, x):
        return np.sum(x * x)
after_class = 1
''')

NAMES = ["plain", "ends_in_pass", "trailing_comment", "nested_last", "multiline_expression"]


@pytest.mark.parametrize("name", NAMES)
def test_lines_are_inspects_lines(name):
    fn = getattr(MODULE, name)
    lines, first = source_lines(fn)
    want, want_first = inspect.getsourcelines(fn)
    assert first == want_first
    assert "".join(lines).rstrip() == "".join(want).rstrip()


def test_a_method_in_a_class_body():
    lines, first = source_lines(MODULE.Model.method)
    assert (lines, first) == tuple(inspect.getsourcelines(MODULE.Model.method))


def test_a_cut_that_does_not_parse_falls_back_to_the_tokenizer():
    if hasattr(MODULE.string_at_column_zero.__code__, "co_positions"):  # Python 3.11+
        with pytest.raises(SyntaxError):  # the quick cut ends inside the last string
            compile("".join(source_lines(MODULE.string_at_column_zero)[0]), "f", "exec")
    node = parse(MODULE.string_at_column_zero).node
    assert [type(s).__name__ for s in node.body] == ["Expr", "Return", "Expr"]
    x = np.array([0.2, -0.4])
    np.testing.assert_allclose(tg.grad(MODULE.string_at_column_zero)(x),
                               1.0 - np.tanh(x) ** 2)


def test_a_wrapped_function_reads_what_inspect_reads():
    @functools.wraps(MODULE.plain)
    def wrapper(x):
        return MODULE.plain(x)

    assert source_lines(wrapper) == inspect.getsourcelines(wrapper)


def test_gradients_through_the_quick_read():
    x = np.array([0.3, 0.5])
    np.testing.assert_allclose(tg.grad(MODULE.ends_in_pass)(x), np.full(2, 6.0))
    np.testing.assert_allclose(tg.grad(MODULE.nested_last)(x), 2 * x)  # sum of squares
    np.testing.assert_allclose(tg.grad(MODULE.multiline_expression)(x), np.exp(x))
