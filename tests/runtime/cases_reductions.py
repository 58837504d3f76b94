"""Rule cases for runtime/rules/reductions.py (drawn shapes: test_reductions_properties.py)."""

import numpy as np

from tangentish.runtime.rules import reductions as rd
from tangentish.runtime.support import unreduce
from tests.runtime.rulecheck import Case


def normal(*shape):
    return lambda rng: (rng.standard_normal(shape),)


def positive(*shape):
    return lambda rng: (rng.uniform(0.5, 1.5, shape),)


def with_zeros(rng):
    x = rng.standard_normal((3, 4))
    x[0, 1] = 0.0
    x[2, [0, 3]] = 0.0  # two zeros in one row: the row's gradient is zero everywhere
    return (x,)


def with_nans(rng):
    x = rng.standard_normal((3, 4))
    x[1, 2] = x[0, 0] = np.nan
    return (x,)


def weighted(shape_a, shape_w, axis):
    return lambda rng: (rng.standard_normal(shape_a), axis, rng.uniform(0.5, 1.5, shape_w))


MASK = np.array([[True, False, True, True], [False, True, True, True], [True, True, False, True]])
CASES = []
for _f in (np.sum, np.mean, np.prod, np.median, np.max, np.min, np.amax, np.amin, np.nanmax,
           np.nanmin, np.ptp, np.var, np.std):
    CASES += [
        Case(_f, normal(3, 4)),
        Case(_f, normal(2, 3, 4), kwargs={"axis": -1}),
        Case(_f, normal(2, 3, 4), kwargs={"axis": (0, 2), "keepdims": True}),
        Case(_f, normal(5), kwargs={"axis": 0, "keepdims": True}),
    ]
CASES += [
    Case(np.sum, normal()),
    Case(np.median, normal(4, 3), kwargs={"axis": 0}),
    Case(np.median, normal(5, 2), kwargs={"axis": 0, "keepdims": True}),
    Case(np.sum, normal(3, 4), kwargs={"axis": 1, "where": MASK}),
    Case(np.sum, normal(3, 4), kwargs={"where": MASK[0], "initial": 2.0}),
    Case(np.mean, normal(3, 4), kwargs={"axis": 1, "where": MASK}),
    Case(np.mean, normal(3, 4), kwargs={"where": MASK, "keepdims": True}),
    Case(np.prod, normal(3, 4), kwargs={"axis": 0, "where": MASK}),
    Case(np.prod, with_zeros, kwargs={"axis": 1, "initial": 3.0}),
    Case(np.prod, normal(3, 4), kwargs={"where": MASK[1], "initial": -2.0}),
    Case(np.max, normal(3, 4), kwargs={"axis": 1, "initial": 10.0}),
    Case(np.sum, normal(2, 0, 3), kwargs={"axis": 1}),
    Case(np.mean, normal(2, 3), kwargs={"axis": (-1, -2)}),
    Case(np.prod, with_zeros, kwargs={"axis": 1}),
    Case(np.prod, with_zeros),
    Case(np.prod, normal(2, 0, 3), kwargs={"axis": 1}),
    Case(np.var, normal(3, 4), kwargs={"axis": 0, "ddof": 1}),
    Case(np.var, normal(3, 4), kwargs={"axis": 1, "correction": 1}),
    Case(np.std, normal(3, 4), kwargs={"correction": 1.5}),
    Case(np.nanstd, with_nans, kwargs={"axis": 1, "correction": 1}),
    Case(np.std, normal(3, 4), kwargs={"axis": 1, "ddof": 1, "keepdims": True}),
    Case(np.nansum, with_nans),
    Case(np.nansum, with_nans, kwargs={"axis": 0, "keepdims": True}),
    Case(np.nanmean, with_nans, kwargs={"axis": 1}),
    Case(np.nanmean, with_nans),
    Case(np.nanmax, with_nans, kwargs={"axis": 1}),
    Case(np.nanmin, with_nans),
    Case(np.nanprod, with_nans),
    Case(np.nanprod, with_nans, kwargs={"axis": -1, "keepdims": True}),
    Case(np.nancumsum, with_nans),
    Case(np.nanvar, with_nans),
    Case(np.nanvar, with_nans, kwargs={"axis": 1, "ddof": 1, "keepdims": True}),
    Case(np.nanstd, with_nans, kwargs={"axis": 0}),
    Case(np.nanstd, with_nans, kwargs={"axis": -1, "ddof": 1}),
    Case(np.nancumsum, with_nans, kwargs={"axis": 0}),
    Case(np.cumsum, normal(3, 4)),
    Case(np.cumsum, normal(3, 4), kwargs={"axis": -1}),
    Case(np.cumsum, normal(), kwargs={}),
    Case(np.cumprod, positive(3, 4), kwargs={"axis": 0}),
    Case(np.cumprod, positive(2, 3)),
    Case(np.average, normal(3, 4)),
    Case(np.average, normal(3, 4), kwargs={"axis": 1, "keepdims": True}),
    Case(np.average, weighted((3, 4), (3, 4), None), wrt=(0, 2)),
    Case(np.average, weighted((3, 4), (4,), 1), wrt=(0, 2)),
    Case(np.average, weighted((2, 3, 4), (3,), -2), wrt=(0, 2)),
]
if hasattr(np, "cumulative_sum"):  # NumPy 2.1
    CASES += [
        Case(np.cumulative_sum, normal(5)),
        Case(np.cumulative_sum, normal(3, 4), kwargs={"axis": -1, "include_initial": True}),
        Case(np.cumulative_prod, positive(4), kwargs={"include_initial": True}),
        Case(np.cumulative_prod, positive(3, 4), kwargs={"axis": 0}),
    ]

# ---------------------------------------------------------------- helpers generated code calls
# (differentiated again for second derivatives; see the end of reductions.py)


def helper(*shapes, then=()):
    """Normal arrays of the given shapes, followed by the plain values ``then``."""
    return lambda rng: tuple(rng.standard_normal(s) for s in shapes) + tuple(then)


CASES += [
    Case(unreduce, helper((3,), (2, 3)), kwargs={"axis": 0}),
    Case(unreduce, helper((2, 1), (2, 3)), kwargs={"axis": -1, "keepdims": True}),
    Case(unreduce, helper((), (2, 3))),
    Case(rd.prod_others, positive(3, 4), kwargs={"axis": 1}),
    Case(rd.prod_others, positive(2, 3)),
    Case(rd.centered, normal(3, 4), kwargs={"axis": 0}),
    Case(rd.nancentered, with_nans, kwargs={"axis": 1}),
    Case(rd.nancentered, with_nans),
    Case(rd.safe_divisor, positive(3)),
    Case(rd.along, helper((2, 3), then=(None,))),
    Case(rd.along, helper((2, 3), then=(1,))),
    Case(rd.reverse_cumsum, helper((2, 3), then=(1,))),
    Case(rd.reverse_cumsum, helper((6,), then=(None,))),
    Case(rd.weights_like, helper((4,), (3, 4), then=(1,))),
]
