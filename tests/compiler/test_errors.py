"""What tg.grad says about code it cannot transform: the user's line, a caret, the construct."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.errors import TransformError

COUNTER = 0


def _gen(x):
    yield x


def _rec(x, n):
    if n == 0:
        return x
    return _rec(np.sin(x), n - 1)


class _Opaque:
    def __call__(self, x):
        return x * 2.0


_opaque = _Opaque()


def f_try(x):
    try:
        return x * 2.0
    except ValueError:
        return x


def f_with(x):
    with np.errstate(all="ignore"):
        y = x * 2.0
    return y


def f_global(x):
    global COUNTER
    COUNTER = 1
    return x * 2.0


def f_generator(x):
    y = yield x
    return y


def f_calls_generator(x):
    return sum(_gen(x)) * 1.0


def f_recursion(x):
    return _rec(x, 3) * 2.0


def f_attribute_store(x):
    _opaque.value = x
    return x * 2.0


def f_opaque_call(x):
    return _opaque(x) * 2.0


def f_class(x):
    class Local:
        pass

    return x * 2.0


def f_set_comprehension(x):
    s = {v for v in x}
    return len(s) * x[0]


CASES = [
    (f_try, "a try statement", 1),
    (f_with, "a with statement", 1),
    (f_global, "a global statement", 1),
    (f_generator, "a generator (yield)", 1),
    (f_recursion, "recursion", None),
    (f_attribute_store, "assignment to an attribute", 1),
    (f_opaque_call, "no derivative rule and no Python source", 1),
    (f_class, "a class definition", 1),
    (f_set_comprehension, "a set comprehension", 1),
]


@pytest.mark.parametrize("fn, words, offset", CASES, ids=[c[0].__name__ for c in CASES])
def test_error_names_construct_line_and_function(fn, words, offset):
    with pytest.raises(TransformError) as info:
        tg.grad(fn, fallback="error")(np.array([0.5, 1.0]))
    err = info.value
    message = str(err)
    assert words in message
    assert err.filename is not None and err.lineno is not None and "^" in message
    if offset is not None:
        assert err.lineno == fn.__code__.co_firstlineno + offset
        assert err.filename == __file__ and f"in {fn.__name__}" in message


def test_recursion_points_at_the_recursive_call():
    with pytest.raises(TransformError) as info:
        tg.grad(f_recursion, fallback="error")(0.5)
    assert info.value.lineno == _rec.__code__.co_firstlineno + 3
    assert "_rec calls itself" in str(info.value)


def test_missing_rule_names_the_function():
    def g(x):
        return np.sum(np.fft.fft(x).real)

    with pytest.raises(TransformError, match="fft"):
        tg.grad(g, fallback="error")(np.ones(4))


def test_default_fallback_warns_instead_of_raising():
    with pytest.warns(tg.TransformWarning, match="try statement"):
        try:
            tg.grad(f_try)(0.5)
        except TransformError as err:
            assert "tape fallback not available yet" in str(err)


def test_undefined_name():
    def g(x):
        return x * not_defined_anywhere  # noqa: F821

    with pytest.raises(TransformError, match="not_defined_anywhere"):
        tg.grad(g, fallback="error")(1.0)


def test_call_site_fallback_keeps_the_rest_compiled():
    from tangentish.compiler.pipeline import Options, compile_gradient

    with pytest.warns(tg.TransformWarning, match="_rec calls itself"):
        compiled = compile_gradient(f_recursion, 0, "grad", Options(call_site_fallback=True))
    assert "tape_vjp(_rec, " in compiled.source  # only the recursive call runs on the tape


async def _coroutine(x):
    return x * 2.0


def test_async_def_is_named_as_the_construct():
    with pytest.raises(TransformError, match=r"cannot transform an async function") as info:
        tg.grad(_coroutine, fallback="error")(1.0)
    assert "async def _coroutine" in str(info.value)
