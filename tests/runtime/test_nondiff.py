"""Non-differentiable primitives: marked as such, and truly flat under small perturbations.

Marking a primitive non-differentiable makes its gradient exactly zero, so the mark is only
right where finite differences through it are exactly zero too; these tests check that on each
backend, and that float() (the odd one out among the builtins) keeps a gradient.
"""

import builtins
import math

import numpy as np
import pytest

from tangentish.checking import numerical_grad
from tangentish.runtime.rules import table
from tests.duck import host

SORTED = np.array([-1.0, -0.2, 0.3, 1.1])

# primitive, a function of the float input x calling it (None: the primitive itself)
FLAT = [
    (np.shape, None), (np.ndim, None), (np.size, None), (builtins.len, None),
    (np.zeros_like, None), (np.ones_like, None), (np.argmax, None), (np.argmin, None),
    (np.argsort, None), (np.argwhere, lambda x: np.argwhere(x > 0)),
    (np.nonzero, lambda x: np.nonzero(x > 0)[0]),
    (np.flatnonzero, lambda x: np.flatnonzero(x > 0)),
    (np.searchsorted, lambda x: np.searchsorted(SORTED, np.ravel(x))),
    (np.digitize, lambda x: np.digitize(x, SORTED)),
    (np.count_nonzero, lambda x: np.count_nonzero(x > 0)),
    (np.isclose, lambda x: np.isclose(x, 0.5)), (np.allclose, lambda x: np.allclose(x, x + 1)),
    (np.array_equal, lambda x: np.array_equal(x, x)), (np.all, lambda x: np.all(x > -5)),
    (np.any, lambda x: np.any(x > 5)), (np.histogram, lambda x: np.histogram(x, bins=SORTED)[0]),
    (np.isin, lambda x: np.isin(x, SORTED)),
]

SCALAR_FLAT = [builtins.int, builtins.bool, builtins.round, math.floor, math.ceil, math.trunc,
               math.isnan, math.isfinite]

MARKED = [p for p, _ in FLAT] + SCALAR_FLAT + [
    np.empty_like, np.zeros, np.ones, np.empty, np.eye, np.identity, np.arange,
    builtins.isinstance, builtins.range, np.random.seed, np.random.rand, np.random.randn,
    np.random.normal, np.random.uniform,
]


@pytest.mark.parametrize("primitive", MARKED, ids=lambda p: table.lookup(p).name)
def test_marked_without_rules(primitive):
    entry = table.lookup(primitive)
    assert entry.nondiff and not entry.vjp and not entry.jvp


def _as_float(y):
    y = host(y)
    if isinstance(y, tuple):
        return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in y])
    return np.asarray(y, dtype=float)


@pytest.mark.parametrize("primitive, call", FLAT, ids=lambda p: getattr(p, "__name__", ""))
def test_finite_differences_are_exactly_zero(primitive, call, backend):
    call = call or primitive
    x = np.random.default_rng(0).standard_normal((3, 4))
    weights = np.random.default_rng(1).standard_normal(_as_float(call(backend.to(x))).shape)
    grads, _ = numerical_grad(
        lambda x: float(np.sum(_as_float(backend.back(call(backend.to(x)))) * weights)), [x], 0)
    assert np.all(grads[0] == 0.0)


@pytest.mark.parametrize("primitive", SCALAR_FLAT, ids=lambda p: p.__name__)
def test_scalar_builtins_are_flat(primitive):
    grads, _ = numerical_grad(lambda v: float(primitive(v)), [1.37], 0)
    assert grads[0] == 0.0


def test_float_is_differentiable():
    assert not table.is_nondiff(float)
    assert table.vjp_rule(float, 0)(2.0, 0.5, 0.5) == 2.0
