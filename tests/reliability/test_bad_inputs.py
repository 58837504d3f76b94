"""Every bad input is a clear error that says what is wrong and what to do instead."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tangentish as tg
from tests.reliability.modules import module_from

X = np.array([0.1, -0.4, 0.7])

FUNCTIONS = module_from("""
    import numpy as np


    def f(x, y):
        return np.sum(np.sin(x) * y)


    def vector(x):
        return np.sin(x)


    def interpolate(x):
        return np.sum(np.interp(x, [0.0, 1.0], [0.0, 3.0]))


    def unsupported(x):
        total = 0.0
        try:
            total = np.sum(x)
        except ValueError:
            pass
        return total
""")


@pytest.mark.parametrize("wrt, words", [
    (2, ["wrt=2", "out of range", "2 argument"]),
    ("z", ["'z'", "no parameter"]),
    (1.5, ["position or a parameter name"]),
])
def test_wrt_that_names_no_parameter(wrt, words):
    with pytest.raises(ValueError) as info:
        tg.grad(FUNCTIONS.f, wrt=wrt)(X, 1.0)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("value", [np.array([1, 2, 3]), np.array([True, False, True])])
def test_integer_or_boolean_array_is_refused(value):
    with pytest.raises(TypeError, match=r"argument 'x': it is an integer.*pass a float"):
        tg.grad(FUNCTIONS.f)(value, 1.0)


@pytest.mark.parametrize("value", ["abc", None, {"a": 1.0}])
def test_non_numeric_argument_is_a_type_error(value):
    # Today NumPy's own message from the primal (BUGS.md C8 asks for the argument's name).
    with pytest.raises(TypeError):
        tg.grad(FUNCTIONS.f)(value, 1.0)


def test_integer_scalar_is_refused_by_name():
    with pytest.raises(TypeError, match=r"argument 'y'.*integer"):
        tg.grad(FUNCTIONS.f, wrt=1)(X, 1)


@pytest.mark.parametrize("fallback", ["tape", "error"])
def test_non_scalar_output_points_to_vjp(fallback):
    with pytest.raises(TypeError, match=r"scalar.*shape \(3,\).*tg\.vjp"):
        tg.grad(FUNCTIONS.vector, fallback=fallback)(X)


def _made_by_exec():
    namespace = {"np": np}
    exec("def g(x):\n    return np.sum(np.sin(x))\n", namespace)
    return namespace["g"]


def test_function_without_source_is_an_error_with_fallback_error():
    with pytest.raises(tg.TransformError, match="no Python source"):
        tg.grad(_made_by_exec(), fallback="error")(X)


def test_function_without_source_runs_on_the_tape_with_a_warning():
    with pytest.warns(tg.TransformWarning, match="no Python source"):
        got = tg.grad(_made_by_exec())(X)
    np.testing.assert_allclose(got, np.cos(X), rtol=1e-12)


def line_of(text: str) -> int:
    """The 1-based line of the FUNCTIONS module that contains ``text``."""
    with open(FUNCTIONS.__file__) as module:
        return next(n for n, line in enumerate(module, 1) if text in line)


def test_unsupported_syntax_names_file_line_and_caret():
    with pytest.raises(tg.TransformError) as info:
        tg.grad(FUNCTIONS.unsupported, fallback="error")(X)
    err = info.value
    assert (err.filename, err.lineno) == (FUNCTIONS.__file__, line_of("try:"))
    text = str(err)
    assert f'File "{FUNCTIONS.__file__}", line {line_of("try:")}, in unsupported' in text
    assert "try:" in text and text.rstrip().endswith("^")


def test_unsupported_syntax_falls_back_to_the_tape_once_with_a_warning():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = tg.grad(FUNCTIONS.unsupported)(X)
    found = [str(w.message) for w in caught if issubclass(w.category, tg.TransformWarning)]
    assert len(found) == 1
    assert f"{FUNCTIONS.__file__}:{line_of('try:')}" in found[0] and "try" in found[0]
    np.testing.assert_allclose(got, np.ones(3))


def test_missing_rule_names_the_function_and_the_line():
    with pytest.raises(tg.TransformError) as info:
        tg.grad(FUNCTIONS.interpolate, fallback="error")(X)
    text = str(info.value)
    assert "np.interp" in text and "no derivative rule" in text
    assert "tg.defvjp(np.interp" in text  # how to register one (BUGS.md C3, fixed)
    assert f"line {line_of('np.interp')}" in text and "^" in text


def test_missing_rule_on_the_tape_says_how_to_register_one():
    with pytest.raises(tg.MissingRuleError, match=r"np\.interp.*tg\.defvjp\(np\.interp"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", tg.TransformWarning)
            tg.grad(FUNCTIONS.interpolate)(X)


def test_object_ufunc_without_a_rule_is_a_missing_rule_on_the_tape():
    """np.frompyfunc makes an object-dtype ufunc with no rule: an error, never a zero gradient
    (BUGS.md T5, fixed)."""
    from tangentish.runtime.tape.fallback import grad_via_tape

    doubled = np.frompyfunc(lambda a: a * 2.0, 1, 1)
    with pytest.raises(tg.MissingRuleError, match=r"tg\.defvjp"):
        grad_via_tape(lambda x: np.sum(doubled(x)), (X,), 0)
