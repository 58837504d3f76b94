"""Reduction rules over hypothesis-drawn shapes, axes (negative, tuples, None) and keepdims."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tangentish.runtime.rules import table
from tests.runtime.rulecheck import Case, check_jvp, check_vjp

# Reductions defined on empty groups (sum of nothing is 0, prod 1, cumsum empty).
EMPTY_OK = (np.sum, np.prod, np.nansum, np.nanprod, np.mean)
# Extrema and moments need at least one element per group (NumPy raises or returns NaN).
NONEMPTY = (np.median, np.max, np.min, np.amax, np.amin, np.ptp, np.var, np.std, np.nanmax,
            np.nanmin, np.nanvar, np.nanstd, np.average)
# The backend fixture holds no state, so reusing it across drawn examples is safe.
backend_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


@st.composite
def reduction(draw, allow_empty):
    shape = tuple(draw(st.lists(st.integers(0 if allow_empty else 1, 4), max_size=3)))
    ndim = len(shape)
    choices = [st.none()]
    if ndim:
        choices.append(st.integers(-ndim, ndim - 1))
        choices.append(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1).map(
            lambda axes: tuple(a - ndim if a % 2 else a for a in axes)))
    axis = draw(st.one_of(*choices))
    keepdims = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    return shape, axis, keepdims, seed


def run(primitive, shape, axis, keepdims, seed, backend, values="normal"):
    def args(rng):
        if values == "small ints":  # many exact zeros and ties; prod is multilinear so FD is exact
            return (rng.integers(-2, 3, shape).astype(np.float64),)
        return (rng.standard_normal(shape),)

    kwargs = {"axis": axis, "keepdims": keepdims}
    case = Case(primitive, args, kwargs=kwargs)
    check_vjp(case, np.random.default_rng(seed), backend.to, backend.back)
    check_jvp(case, np.random.default_rng(seed), backend.to, backend.back)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # mean of an empty group is NaN
@pytest.mark.parametrize("primitive", EMPTY_OK, ids=lambda f: table.lookup(f).name)
@backend_ok
@given(drawn=reduction(allow_empty=True))
def test_reduction_any_shape(primitive, drawn, backend):
    run(primitive, *drawn, backend)


@pytest.mark.parametrize("primitive", NONEMPTY, ids=lambda f: table.lookup(f).name)
@backend_ok
@given(drawn=reduction(allow_empty=False))
def test_reduction_nonempty(primitive, drawn, backend):
    run(primitive, *drawn, backend)


@backend_ok
@given(drawn=reduction(allow_empty=True))
def test_prod_with_zeros(drawn, backend):
    run(np.prod, *drawn, backend, values="small ints")


@backend_ok
@given(shape=st.lists(st.integers(0, 4), max_size=3), seed=st.integers(0, 2**16),
       data=st.data())
def test_cumsum_any_axis(shape, seed, data, backend):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))
                     if shape else st.none())
    case = Case(np.cumsum, lambda rng: (rng.standard_normal(shape),), kwargs={"axis": axis})
    check_vjp(case, np.random.default_rng(seed), backend.to, backend.back)
    check_jvp(case, np.random.default_rng(seed), backend.to, backend.back)


@pytest.mark.parametrize("primitive", [np.max, np.amax, np.nanmax])
def test_max_ties_share_equally(primitive, backend):
    x = np.array([[1.0, 3.0, 3.0, 2.0], [5.0, 5.0, 5.0, 0.0]])
    rule = table.vjp_rule(primitive, 0)
    y = primitive(x, axis=1)
    got = backend.back(rule(backend.to(np.ones(2)), backend.to(y), backend.to(x), axis=1))
    np.testing.assert_allclose(got, [[0, 0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3, 0]])
    tangent = table.jvp_rule(primitive, 0)(backend.to(np.ones_like(x)), backend.to(y),
                                           backend.to(x), axis=1)
    np.testing.assert_allclose(backend.back(tangent), [1.0, 1.0])


def test_min_ties_share_equally_over_all_axes(backend):
    x = np.array([[0.0, 1.0], [0.0, 0.0]])
    got = table.vjp_rule(np.min, 0)(2.0, backend.to(np.min(x)), backend.to(x))
    np.testing.assert_allclose(backend.back(got), [[2 / 3, 0], [2 / 3, 2 / 3]])


def test_median_ties_share_equally(backend):
    x = np.array([[1.0, 2.0, 2.0, 5.0], [3.0, 1.0, 3.0, 3.0], [4.0, 1.0, 3.0, 2.0]])
    y = np.median(x, axis=1)
    got = table.vjp_rule(np.median, 0)(backend.to(np.ones(3)), backend.to(y), backend.to(x),
                                       axis=1)
    np.testing.assert_allclose(backend.back(got), [[0, 0.5, 0.5, 0], [1 / 3, 0, 1 / 3, 1 / 3],
                                                   [0, 0, 0.5, 0.5]])


def test_prod_gradient_at_zero_is_product_of_others(backend):
    x = np.array([2.0, 0.0, 3.0])
    got = table.vjp_rule(np.prod, 0)(backend.to(np.float64(1.0)), backend.to(np.prod(x)),
                                     backend.to(x))
    np.testing.assert_array_equal(backend.back(got), [0.0, 6.0, 0.0])


def test_float32_stays_float32(backend):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for primitive in (np.sum, np.mean, np.max, np.prod, np.var):
        y = primitive(x, axis=0)
        got = table.vjp_rule(primitive, 0)(backend.to(np.ones(3, np.float32)), backend.to(y),
                                           backend.to(x), axis=0)
        assert backend.back(got).dtype == np.float32, table.lookup(primitive).name
