"""A Python list holding values being differentiated, given to NumPy on the tape (T15).

NumPy reads such a list as an array through ``float()``/``__array__``, which cannot carry a
gradient; the tape stacks it instead (one recorded ``np.stack``), for every primitive with
rules, and under the compiler's fallback also where NumPy would not dispatch at all
(``np.mean([a, b])``, ``np.array([a, b])``). Checked against the compiled gradient, finite
differences, and torch where torch has the same operation.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from numpy import mean as imported_mean

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.errors import MissingRuleError
from tangentish.runtime.callsite import hvp_via_tape, jvp_via_tape
from tangentish.runtime.tape.fallback import grad_via_tape
from tangentish.runtime.tape.tensor import TapeWarning

MASK = np.array([True, True, False])
X = np.array([0.7, -1.3, 0.4])


def where_list(x):  # the 05:46 long run's falls_back program, reduced
    ps = x * 2.0
    return np.sum(np.where(MASK, [ps[0], ps[0], x[0]], x) ** 2)


def mean_list(x):
    ps = np.sin(x)
    return np.mean([ps[0], ps[0] * x[1]]) + x[2] ** 2


def max_list(x):
    return np.max([x[0] * x[1], x[2], 0.25])


def array_list(x):
    a = np.array([x[0], 2.0 * x[1], 1.5])
    return np.sum(a * a * x)


def asarray_nested(x):
    m = np.asarray([[x[0], 1.0], [x[1] * x[2], x[0]]])
    return np.sum(m @ m)


def operator_list(x):
    return np.sum(x[:2] * [x[2], 3.0] + [[x[0]], [1.0]])


def ufunc_list(x):
    return np.sum(np.hypot([x[0], x[1]], 0.5)) + np.add.reduce([x[2], x[0] * x[1]])


def dot_list(x):
    return np.dot(x[:2], [x[2] ** 2, x[0]])


def nested_in_stack(x):
    return np.sum(np.concatenate([x, [x[0] * x[2], 1.0]]) ** 2)


def imported_name(x):
    return imported_mean([x[0] ** 2, x[1], x[2] * x[0]])


def multi_dot(x):
    m = np.reshape(np.concatenate([x, x[:1]]), (2, 2))
    return np.sum(np.linalg.multi_dot([m, m.T, m]))


def norm_list(x):
    return np.linalg.norm([x[0], x[1] * x[2], 2.0])


FUNCTIONS = [where_list, mean_list, max_list, array_list, asarray_nested, operator_list,
             ufunc_list, dot_list, nested_in_stack, imported_name, multi_dot, norm_list]


#: The compiler gets these wrong or refuses them (BUGS.md, t15): finite differences only.
NOT_COMPILED = {asarray_nested, nested_in_stack, ufunc_list}


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_fallback_gradient_matches_finite_differences_and_the_compiler(f):
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)  # nothing left the tape
        got = grad_via_tape(f, (X.copy(),))
    (expect,), _ = numerical_grad(f, [X.copy()], 0)
    np.testing.assert_allclose(got, expect, rtol=1e-6, atol=1e-8)
    if f not in NOT_COMPILED:
        np.testing.assert_allclose(got, tg.grad(f, fallback="error")(X.copy()), rtol=1e-12,
                                   atol=1e-14)


@pytest.mark.parametrize("f", [where_list, operator_list, dot_list, nested_in_stack],
                         ids=lambda f: f.__name__)
def test_on_the_duck_array(f):
    """The numbers of a list are made in the Tensors' own library (the duck array refuses
    NumPy's implicit conversion, as CuPy does)."""
    from tests.duck import DuckArray, host

    got = grad_via_tape(f, (DuckArray(X.copy()),))
    assert isinstance(got, DuckArray)
    (expect,), _ = numerical_grad(f, [X.copy()], 0)
    np.testing.assert_allclose(host(got), expect, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [where_list, mean_list, array_list, norm_list, asarray_nested],
                         ids=lambda f: f.__name__)
def test_second_order_through_the_stacked_list(f):
    """create_graph: the stack's rule is itself recorded (the tape's hvp and jvp, as tg.hvp
    and tg.jvp run them for code the compiler refuses)."""
    grad = (lambda x: grad_via_tape(f, (x,))) if f in NOT_COMPILED else tg.grad(
        f, fallback="error")
    v = np.array([0.3, -0.2, 0.5])
    (expect,), _ = numerical_grad(lambda x: np.dot(grad(x), v), [X.copy()], 0)
    np.testing.assert_allclose(hvp_via_tape(f, (X.copy(),), 0, v), expect, rtol=1e-5,
                               atol=1e-7)
    _, tangent = jvp_via_tape(f, (X.copy(),), (v,))
    assert abs(tangent - np.dot(grad(X.copy()), v)) < 1e-12


def test_tape_mode_where_and_stack_match_torch():
    torch = pytest.importorskip("torch")
    x = tg.tensor(X, dtype=tg.float64, requires_grad=True)
    y = np.where(MASK, [x[0] * 2.0, x[1] ** 2, 0.5], x)
    (y * y).sum().backward()
    tx = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    ty = torch.where(torch.tensor(MASK), torch.stack(
        [tx[0] * 2.0, tx[1] ** 2, torch.tensor(0.5, dtype=torch.float64)]), tx)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    assert y.grad_fn.next_functions[0][0].name() == "StackBackward0"


def test_tape_mode_float32_keeps_torchs_weak_numbers():
    """Outside the fallback a Python number in the list is weak, as in torch (float32 stays
    float32); under the fallback the list is read as ``np.array`` reads it (float64)."""
    from tangentish.runtime.tape.grad_mode import _state
    from tangentish.runtime.tape.lists import stack_list

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert stack_list([x[0], 1.0]).dtype == tg.float32
    assert stack_list([[x[0], x[1]], [1, 2]]).dtype == tg.float32
    previous, _state.fallback = _state.fallback, True
    try:
        assert stack_list([x[0], 1.0]).numpy(force=True).dtype == np.float64
        assert stack_list([x[0], x[1]]).numpy(force=True).dtype == np.float32
    finally:
        _state.fallback = previous


def test_untracked_and_no_grad_lists_are_numpys():
    x = tg.tensor(X, dtype=tg.float64)
    assert isinstance(np.array([x[0], x[1]]), np.ndarray)
    t = tg.tensor(X, dtype=tg.float64, requires_grad=True)
    with tg.no_grad():
        y = np.where(MASK, [t[0], 1.0, 2.0], t)
    assert not y.requires_grad


def test_a_list_given_to_a_function_without_rules_says_so():
    """Its backward could not reach the list's elements: refused at the call, not zeros."""
    t = tg.tensor(X, dtype=tg.float64, requires_grad=True)
    with pytest.raises(MissingRuleError, match="argument 1 of np.choose"):
        np.choose(np.array([0, 1, 0]), [t, t * 2.0])


def test_a_list_with_a_plain_array_t12():
    """T12: NumPy looked inside no list, so the plain array and the tracked one met in
    ``np.asarray``; now they are stacked on the tape."""
    def f(x):
        return np.sum(np.max([np.array([2.0, -1.5, 0.5]), -x], axis=0) * x)

    np.testing.assert_allclose(grad_via_tape(f, (X.copy(),)),
                               tg.grad(f, fallback="error")(X.copy()), rtol=1e-12)


class _Model:
    scale = 3.0

    def loss(self, x, offset=0.0):
        return np.mean([x[0] * self.scale, x[1] + offset])

    __call__ = loss


@pytest.mark.parametrize("entry", ["method", "partial", "instance"])
def test_methods_partials_and_instances_see_the_shim(entry):
    model = _Model()
    fn = {"method": model.loss, "partial": functools.partial(_Model.loss, model, offset=1.0),
          "instance": model}[entry]
    np.testing.assert_allclose(grad_via_tape(fn, (X.copy(),)), [1.5, 0.5, 0.0])
    _, tangent = jvp_via_tape(fn, (X.copy(),), (np.array([1.0, 2.0, 3.0]),))
    assert abs(tangent - 2.5) < 1e-12
