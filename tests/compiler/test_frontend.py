"""Expected-source tests for the front end: parse, resolve, normalize, activity."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

from tangentish.compiler.activity import analyze
from tangentish.compiler.nodes import unparse
from tangentish.compiler.normalize import normalize_function
from tangentish.compiler.parse import parse
from tangentish.compiler.resolve import Scope, kind_of
from tangentish.errors import TransformError

SCALE = 3.0


def _norm(fn) -> str:
    return unparse(normalize_function(fn).node)


def _body(text: str) -> str:
    return textwrap.dedent(text).strip()


def test_parse_keeps_file_line_numbers():
    def f(x):
        return x * 2

    p = parse(f)
    assert p.node.body[0].lineno == f.__code__.co_firstlineno + 1
    assert p.filename == __file__


def test_parse_lambda():
    g = lambda x, y: x * y  # noqa: E731
    p = parse(g)
    assert [a.id for a in p.node.args.args] == ["x", "y"]


ACTIVATIONS = {
    "square": lambda x: x * x,
    "cube": lambda x: x * x * x,
}
PAIR = (lambda x: x + 1.0, lambda x: x * 3.0)


def test_parse_lambda_in_a_dict_entry_or_beside_another_on_its_line():
    """A line that does not parse alone (``"square": lambda x: x * x,``) is found in the file;
    two lambdas alike on one line are told apart by the columns of their code."""
    square = parse(ACTIVATIONS["square"]).node
    assert unparse(square.body[0]).strip() == "return x * x"
    assert square.lineno == ACTIVATIONS["square"].__code__.co_firstlineno
    assert unparse(parse(PAIR[0]).node.body[0]).strip() == "return x + 1.0"
    assert unparse(parse(PAIR[1]).node.body[0]).strip() == "return x * 3.0"
    import tangentish as tg  # the second lambda's gradient, not the first's (was 1.0)

    assert tg.grad(PAIR[1], fallback="error")(2.0) == 3.0
    assert tg.grad(ACTIVATIONS["cube"], fallback="error")(2.0) == 12.0


def test_parse_builtin_says_no_source():
    with pytest.raises(TransformError, match="no Python source"):
        parse(np.sin)


def test_parse_exec_function_says_no_source():
    ns: dict = {}
    exec("def h(x):\n    return x\n", ns)
    with pytest.raises(TransformError, match="no Python source"):
        parse(ns["h"])


def test_resolve_globals_closures_builtins():
    k = 2.0

    def f(x):
        return np.tanh(x) * k * SCALE + len(x)

    scope = Scope(parse(f))
    assert scope.lookup("k") == 2.0 and scope.lookup("SCALE") == 3.0
    assert scope.lookup("len") is len and scope.lookup("np") is np
    assert kind_of(np.sin) == "rule" and kind_of(print) == "builtin" and kind_of(f) == "user"


def test_normalize_one_primitive_per_statement():
    def f(x, w):
        return np.sum(np.tanh(x @ w)) * SCALE

    assert _norm(f) == _body("""
        def f(x, w):
            _t1 = x @ w
            _t2 = np.tanh(_t1)
            _t3 = np.sum(_t2)
            y = _t3 * SCALE
            return y
    """)


def test_normalize_methods_become_numpy_functions():
    def f(x):
        s = x.T.reshape(2, 3).sum(axis=0)
        return s.mean()

    assert _norm(f) == _body("""
        def f(x):
            _t1 = np.transpose(x)
            _t2 = np.reshape(_t1, (2, 3))
            s = np.sum(_t2, axis=0)
            y = np.mean(s)
            return y
    """)


def helper(a, b=2.0):
    c = a * b
    return math.sin(c)


def test_normalize_inlines_user_functions_with_defaults():
    def f(x):
        return helper(x) + helper(x, b=x)

    assert _norm(f) == _body("""
        def f(x):
            c = x * 2.0
            _t1 = math.sin(c)
            c_1 = x * x
            _t2 = math.sin(c_1)
            y = _t1 + _t2
            return y
    """)


def test_normalize_break_moves_rest_into_else():
    def f(x, n):
        s = 0.0
        for _i in range(n):
            if s > 3.0:
                break
            s += x
        return s

    assert _norm(f) == _body("""
        def f(x, n):
            s = 0.0
            for _i in range(n):
                cond = s > 3.0
                if cond:
                    break
                else:
                    _t1 = s + x
                    s = _t1
            return s
    """)


def test_normalize_subscript_assignment_is_functional():
    def f(x):
        x[1:] += 2.0
        return x

    text = _norm(f)
    assert "x_1 = index_set(x, slice(1, None), _t2)" in text  # renamed: x is not overwritten


def test_normalize_straight_line_reassignment_gets_new_names():
    def f(x):
        x = x * 2.0
        x = np.sin(x)
        return x

    assert _norm(f) == _body("""
        def f(x):
            x_1 = x * 2.0
            x_2 = np.sin(x_1)
            return x_2
    """)


def test_normalize_swap_and_unpack():
    def f(a, b):
        a, b = b, a
        p, q = divmod(a, 1.0)
        return a - b

    text = _norm(f)
    assert "_t1 = b\n    _t2 = a\n    a_1 = _t1\n    b_1 = _t2" in text
    assert "p = _t3[0]" in text and "y = a_1 - b_1" in text and "q = _t3[1]" in text


def test_normalize_comprehension_and_enumerate():
    def f(xs):
        ys = [v * 2.0 for v in xs]
        s = 0.0
        for i, y in enumerate(ys):
            s = s + y * i
        return s

    text = _norm(f)
    assert "_t1 = [*_t1, _t2]" in text
    assert "for i in range(len(items_1)):" in text


def test_normalize_return_inside_loop_sets_flag():
    def f(x):
        for _i in range(3):
            if x > 1.0:
                return x
            x = x * 2.0
        return x + 1.0

    text = _norm(f)
    assert "done = True" in text and "if done:" in text


def test_normalize_rejects_try_with_location():
    def f(x):
        try:
            return x
        except ValueError:
            return x

    with pytest.raises(TransformError) as info:
        normalize_function(f)
    err = info.value
    assert "try statement" in str(err) and err.lineno == f.__code__.co_firstlineno + 1
    assert err.filename == __file__ and "^" in str(err)


def recurse(x, n):
    if n == 0:
        return x
    return recurse(x * 2.0, n - 1)


def test_normalize_rejects_recursion():
    def f(x):
        return recurse(x, 3)

    with pytest.raises(TransformError, match="recursion"):
        normalize_function(f)


def test_activity_ignores_integers_and_unused_values():
    def f(x, w, n):
        k = n * 2
        unused = np.exp(w)
        y = np.sin(x) * k
        print(unused)
        return y

    act = analyze(normalize_function(f), ["x", "w"])
    assert "k" not in act.active and "unused" not in act.active and "w" not in act.active
    assert {"x", "y"} <= act.active


def test_activity_through_loops_and_structures():
    def f(params, xs):
        h = xs[0]
        for x in xs:
            h = np.sin(h * params["W"] + x)
        return h * 2.0

    act = analyze(normalize_function(f), ["params"])
    assert {"params", "h"} <= act.active and "params" in act.structured
