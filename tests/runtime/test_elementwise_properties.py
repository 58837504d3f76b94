"""Elementwise rules over drawn shapes: broadcasting, scalars, 0-d arrays and size-0 axes.

Values come from each primitive's smooth domain (``cases_elementwise.SPECS``); every draw is
checked against central finite differences, and the results must have the right shape: a VJP
the shape of its argument, a JVP the shape of the output, and Python floats in give scalars out.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import math
import operator
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from tangentish.checking import numerical_grad
from tangentish.runtime.rules import elementwise, table
from tests.conftest import Backend
from tests.runtime.cases_accumulate import CASES as ACCUMULATE_CASES
from tests.runtime.cases_elementwise import CASES, NONDIFF_DOMAINS, SPECS, Spec
from tests.runtime.rulecheck import assert_same_library

HOST = Backend("numpy", lambda x: x, lambda x: x)
ARRAY_SPECS = [s for s in SPECS if s.arrays]
FLOAT_SPECS = [s for s in SPECS if s.floats]

# The backend fixture is stateless, so sharing it across drawn examples is safe.
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

# ---------------------------------------------------------------- drawing arguments

#: How one argument is passed: an array of the drawn shape, a 0-d array, or a Python float.
FORMS = ("array", "array", "0-d", "float")


@st.composite
def array_args(draw, spec: Spec):
    n = len(spec.domains)
    shapes, out_shape = draw(mutually_broadcastable_shapes(
        num_shapes=n, min_dims=0, max_dims=3, min_side=0, max_side=3))
    forms = [draw(st.sampled_from(FORMS)) for _ in range(n)]
    shapes = list(shapes)
    if spec.inplace:  # the first argument receives the result: it has the output's shape
        forms[0], shapes[0] = "array", out_shape
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    args = []
    for domain, shape, form in zip(spec.domains, shapes, forms):
        if form == "array":
            args.append(domain(rng, shape))
        elif form == "0-d":
            args.append(np.asarray(domain(rng, ())))
        else:
            args.append(domain(rng, ()).item())
    if spec.primitive is np.clip and draw(st.booleans()):
        args[draw(st.sampled_from([1, 2]))] = None  # an open bound
    return tuple(args)


@st.composite
def float_args(draw, spec: Spec):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return tuple(domain(rng, ()).item() for domain in spec.domains)


# ---------------------------------------------------------------- the checks
# The primal runs on the backend, so a 0-d result stays in its library (as on CuPy) and the
# cotangent seeded from it does too; finite differences run on the host in float64.

EPS = 1e-6


def _copies(args):
    return [a.copy() if hasattr(a, "copy") else a for a in args]


def _host(x):
    return np.asarray(x, dtype=np.float64)


def _seed(template, host_values, backend):
    """Random values shaped like ``template``, in its form: a float for scalars, else an array."""
    if isinstance(template, (float, int, np.generic)):
        return float(host_values)
    return backend.to(np.asarray(host_values))


def _check(spec: Spec, args: tuple, backend) -> None:
    f = lambda *a: spec.primitive(*_copies(a))  # in-place primitives must not touch args
    on = [backend.to(a) for a in args]
    y = f(*on)
    y_host = _host(backend.back(y))
    floats_only = all(isinstance(a, (float, int)) for a in args) and spec.floats
    rng = np.random.default_rng(0)
    dy_host = rng.standard_normal(y_host.shape)
    dy = _seed(y, dy_host, backend)
    for i in (i for i in spec.wrt if args[i] is not None):
        where = f"{spec.name} argument {i}"
        vjp = table.vjp_rule(spec.primitive, i)(dy, y, *on)
        assert np.shape(vjp) == np.shape(args[i]), f"{where}: vjp shape {np.shape(vjp)}"
        assert_same_library(vjp, on[i])
        (numeric,), _ = numerical_grad(lambda *a: np.sum(_host(f(*a)) * dy_host), args, i, EPS)
        np.testing.assert_allclose(_host(backend.back(vjp)), numeric, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{where}: vjp")

        dx_host = rng.standard_normal(np.shape(args[i]))
        jvp = table.jvp_rule(spec.primitive, i)(_seed(args[i], dx_host, backend), y, *on)
        assert np.shape(jvp) == y_host.shape, f"{where}: jvp shape {np.shape(jvp)} is not y's"
        assert_same_library(jvp, y)
        shifted = [list(args), list(args)]
        shifted[0][i] = args[i] + EPS * dx_host
        shifted[1][i] = args[i] - EPS * dx_host
        if isinstance(args[i], float):
            shifted[0][i], shifted[1][i] = float(shifted[0][i]), float(shifted[1][i])
        numeric = (_host(f(*shifted[0])) - _host(f(*shifted[1]))) / (2 * EPS)
        np.testing.assert_allclose(_host(backend.back(jvp)), numeric, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{where}: jvp")
        if floats_only:  # Python floats in, scalars out (a float or a NumPy scalar)
            assert isinstance(vjp, (float, np.generic)), f"{where}: vjp is {type(vjp)}"
            assert isinstance(jvp, (float, np.generic)), f"{where}: jvp is {type(jvp)}"


@pytest.mark.parametrize("spec", ARRAY_SPECS, ids=[s.name for s in ARRAY_SPECS])
@fixture_ok
@given(data=st.data())
def test_array_rules_match_finite_differences(spec, backend, data):
    _check(spec, data.draw(array_args(spec)), backend)


@pytest.mark.parametrize("spec", FLOAT_SPECS, ids=[s.name for s in FLOAT_SPECS])
@given(data=st.data())
def test_float_rules_match_finite_differences(spec, data):
    _check(spec, data.draw(float_args(spec)), HOST)


# ---------------------------------------------------------------- conventions at the edges


@pytest.mark.parametrize("prim", [np.maximum, np.minimum, np.fmax, np.fmin])
def test_ties_split_the_gradient(prim, backend):
    a = backend.to(np.array([[-1.0, 0.0, 2.5]]))
    dy = backend.to(np.array([[1.0, 2.0, 4.0]]))
    y = prim(a, a)
    for i in (0, 1):
        got = backend.back(table.vjp_rule(prim, i)(dy, y, a, a))
        np.testing.assert_array_equal(got, [[0.5, 1.0, 2.0]])
    # Both halves of a tangent moving a and b together add up to the whole.
    total = sum(backend.back(table.jvp_rule(prim, i)(dy, y, a, a)) for i in (0, 1))
    np.testing.assert_array_equal(total, [[1.0, 2.0, 4.0]])


@pytest.mark.parametrize("prim", [np.power, np.float_power, operator.pow, math.pow])
@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.0, 2.0])
def test_power_at_zero_has_no_nan(prim, p):
    x = 0.0 if prim is math.pow else np.zeros(2)
    y = prim(x, p)
    da = table.vjp_rule(prim, 0)(1.0, y, x, p)
    db = table.vjp_rule(prim, 1)(1.0, y, x, float(p))
    # d/dx x**p at 0 is p * 0**(p-1): 1 for p = 1, else 0 (x**0 is constant); d/dp is 0.
    np.testing.assert_array_equal(da, np.full(np.shape(x), 1.0 if p == 1 else 0.0))
    np.testing.assert_array_equal(db, np.zeros(np.shape(x)))
    ta = table.jvp_rule(prim, 0)(1.0, y, x, p)
    np.testing.assert_array_equal(ta, np.full(np.shape(x), 1.0 if p == 1 else 0.0))


@pytest.mark.parametrize("prim, x, grad", [
    (np.absolute, 0.0, 0.0), (builtins.abs, 0.0, 0.0), (np.sinc, 0.0, 0.0),
    (np.sqrt, 4.0, 0.25), (math.sqrt, 0.0, math.inf), (np.cbrt, 0.0, math.inf),
])
def test_kinks_and_poles(prim, x, grad):
    with np.errstate(divide="ignore"):
        assert table.vjp_rule(prim, 0)(1.0, prim(x), x) == grad


@pytest.mark.parametrize("prim", [np.hypot, math.hypot])
def test_hypot_at_the_origin_is_zero(prim):
    assert table.vjp_rule(prim, 0)(1.0, prim(0.0, 0.0), 0.0, 0.0) == 0.0


def test_sinc_at_zero_matches_finite_differences():
    x = np.array([0.0, 1e-3, -0.5])
    got = table.vjp_rule(np.sinc, 0)(np.ones(3), np.sinc(x), x)
    numeric = (np.sinc(x + 1e-6) - np.sinc(x - 1e-6)) / 2e-6
    np.testing.assert_allclose(got, numeric, atol=1e-6)


def test_where_condition_and_clip_keywords():
    assert table.lookup(np.where).vjp.keys() == {1, 2}
    assert table.lookup(np.clip).argnames == ("a", "a_min", "a_max")
    x = np.array([-2.0, 0.0, 2.0])
    got = table.vjp_rule(np.clip, 0)(np.ones(3), np.clip(x, None, 1.0), x, a_min=None, a_max=1.0)
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.0])


# Under NEP 50 a NumPy float64 scalar constant would turn float32 gradients into float64.
@pytest.mark.parametrize("spec", [s for s in ARRAY_SPECS if s.primitive is not np.float_power],
                         ids=[s.name for s in ARRAY_SPECS if s.primitive is not np.float_power])
def test_float32_stays_float32(spec):
    rng = np.random.default_rng(0)
    shapes = [(2, 3)] * len(spec.domains)
    args = [d(rng, s).astype(np.float32) if d not in NONDIFF_DOMAINS else d(rng, s)
            for d, s in zip(spec.domains, shapes)]
    y = spec.primitive(*_copies(args))
    for i in spec.wrt:
        vjp = table.vjp_rule(spec.primitive, i)(np.ones_like(y), y, *args)
        jvp = table.jvp_rule(spec.primitive, i)(np.ones_like(args[i]), y, *args)
        assert vjp.dtype == np.float32, f"{spec.name}: vjp[{i}] is {vjp.dtype}"
        assert jvp.dtype == np.float32, f"{spec.name}: jvp[{i}] is {jvp.dtype}"


# JAX's convention for a real-valued L of complex z = u + iv: the gradient is dL/du - i dL/dv.
@pytest.mark.parametrize("prim", [np.real, np.imag])
def test_complex_parts_follow_jax(prim):
    z = np.array([1.0 + 2.0j, -0.5 + 0.25j])
    dy = np.array([0.3, -1.2])
    got = table.vjp_rule(prim, 0)(dy, prim(z), z)
    du = dy if prim is np.real else 0 * dy
    dv = 0 * dy if prim is np.real else dy
    np.testing.assert_allclose(got, du - 1j * dv)


def test_conj_of_a_complex_cotangent():
    dy = np.array([1.0 + 1.0j])
    assert table.vjp_rule(np.conjugate, 0)(dy, dy, dy)[0] == 1.0 - 1.0j


# ---------------------------------------------------------------- the table itself

ELEMENTWISE = [e for e in table.registered()
               if any(r.__module__ == elementwise.__name__ for r in e.vjp.values())]


def test_at_least_100_elementwise_primitives_have_both_rules():
    both = [e for e in ELEMENTWISE if e.vjp and e.vjp.keys() == e.jvp.keys()]
    assert len(both) == len(ELEMENTWISE)
    assert len(both) >= 100, len(both)


def test_every_elementwise_primitive_has_a_case():
    # add_into/subtract_into reuse + and -'s rules; their cases are the accumulation module's
    covered = {id(c.primitive) for c in CASES + ACCUMULATE_CASES}
    missing = [e.name for e in ELEMENTWISE if id(e.primitive) not in covered]
    assert not missing


NONDIFF = [
    np.sign, np.heaviside, np.floor, np.ceil, np.trunc, np.rint, np.round, np.around,
    np.isnan, np.isfinite, np.isinf, np.less, np.less_equal, np.greater, np.greater_equal,
    np.equal, np.not_equal, np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
    np.floor_divide, operator.lt, operator.le, operator.gt, operator.ge, operator.eq,
    operator.ne, operator.floordiv, math.floor, math.ceil, math.trunc, math.isnan, builtins.round,
]


@pytest.mark.parametrize("prim", NONDIFF, ids=[table._qualname(p) for p in NONDIFF])
def test_nondiff_are_registered(prim):
    entry = table.lookup(prim)
    assert entry is not None and entry.nondiff and not entry.vjp and not entry.jvp


# ---------------------------------------------------------------- the inlining contract
# The compiler inlines a rule's body and imports its free names from the rule's module; the tape
# differentiates a rule again for create_graph, so every NumPy call in it must be in the table.

#: NumPy calls in elementwise rules whose rules live in other families (or that only read dtype).
OTHER_FAMILIES = {np.zeros_like, np.full_like, np.broadcast_to, np.iscomplexobj}


def _rules():
    return {rule for e in ELEMENTWISE for rule in (*e.vjp.values(), *e.jvp.values())}


@pytest.mark.parametrize("rule", sorted(_rules(), key=lambda r: r.__name__),
                         ids=lambda r: r.__name__)
def test_rule_is_one_inlinable_expression(rule):
    (fn,) = ast.parse(textwrap.dedent(inspect.getsource(rule))).body
    assert len(fn.body) == 1 and isinstance(fn.body[0], ast.Return), "one return expression"
    params = {a.arg for a in (*fn.args.args, *fn.args.kwonlyargs)}
    for node in ast.walk(fn.body[0]):
        if isinstance(node, ast.Name):
            assert node.id in params or hasattr(elementwise, node.id), node.id
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert isinstance(node.func.value, ast.Name) and node.func.value.id == "np"
            called = getattr(np, node.func.attr)
            assert table.lookup(called) is not None or called in OTHER_FAMILIES, node.func.attr
