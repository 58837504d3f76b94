"""Rule cases for runtime/rules/shape.py: shapes, joins, splits, gathers, indexing, casts."""

import operator

import numpy as np

from tangentish.runtime.rules import shape
from tangentish.runtime.rules.shape import astype
from tangentish.runtime.support import index_set, unbroadcast
from tests.runtime.rulecheck import Case


def normal(*shape):
    return lambda rng: (rng.standard_normal(shape),)


def with_args(shape, *rest):
    """One random array followed by fixed non-differentiable arguments."""
    return lambda rng: (rng.standard_normal(shape), *rest)


def arrays(*shapes):
    """A list of random arrays: the sequence argument of concatenate, stack and friends."""
    return lambda rng: ([rng.standard_normal(s) for s in shapes],)


def indexed(shape, index):
    return lambda rng: (rng.standard_normal(shape), index)


def masked(shape):
    # A boolean index drawn from the data itself, as ``x[x > 0]`` would be.
    def draw(rng):
        x = rng.standard_normal(shape)
        return x, x > 0

    return draw


FANCY = np.array([[0, 2], [2, 2]])

CASES = [
    # ---- reshaping
    Case(np.reshape, with_args((2, 3, 4), (4, 6))),
    Case(np.reshape, with_args((2, 3, 4), (4, -1)), kwargs={"order": "F"}),
    Case(np.reshape, with_args((), (1, 1))),
    Case(np.ravel, normal(3, 4)),
    Case(np.ravel, normal(3, 4), kwargs={"order": "F"}),
    Case(np.transpose, normal(2, 3, 4)),
    Case(np.transpose, with_args((2, 3, 4), (1, -1, 0))),
    Case(np.swapaxes, with_args((2, 3, 4), 0, -1)),
    Case(np.moveaxis, with_args((2, 3, 4), 0, -1)),
    Case(np.moveaxis, with_args((2, 3, 4), (0, 1), (2, 0))),
    Case(np.matrix_transpose, normal(2, 3, 4)),
    Case(np.expand_dims, with_args((2, 3), (0, -1))),
    Case(np.squeeze, normal(1, 3, 1)),
    Case(np.squeeze, with_args((1, 3, 1), -1)),
    Case(np.broadcast_to, with_args((3, 1), (2, 3, 4))),
    Case(np.broadcast_to, lambda rng: (1.5, (2, 3))),
    Case(np.atleast_1d, lambda rng: (2.0,)),
    Case(np.atleast_2d, normal(3)),
    Case(np.atleast_3d, normal(2, 3)),
    # ---- joining and splitting
    Case(np.concatenate, arrays((2, 3), (4, 3))),
    Case(np.concatenate, arrays((2, 3), (2, 1), (2, 0)), kwargs={"axis": -1}),
    Case(np.concatenate, arrays((2, 3), (4,)), kwargs={"axis": None}),
    Case(np.concatenate, arrays((2, 3), (1, 3)), id="np.concatenate(None tangent)",
         dx_none=(1,)),
    Case(np.stack, arrays((2, 3), (2, 3), (2, 3)), kwargs={"axis": 1}),
    Case(np.stack, arrays((), ())),
    Case(np.hstack, arrays((2,), (3,))),
    Case(np.hstack, arrays((2, 3), (2, 1))),
    Case(np.vstack, arrays((3,), (2, 3))),
    Case(np.dstack, arrays((3,), (1, 3), (1, 3, 2))),
    Case(np.split, with_args((6, 2), 3)),
    Case(np.split, with_args((2, 7), [1, 4]), kwargs={"axis": 1}, dy_none=(1,)),
    Case(np.array_split, with_args((7,), 3), dy_none=(0, 2)),
    Case(np.hsplit, with_args((2, 4), 2)),
    Case(np.vsplit, with_args((4, 2), [1])),
    Case(np.dsplit, with_args((1, 2, 4), 2)),
    Case(np.unstack, normal(3, 2), kwargs={"axis": 1}, dy_none=(0,)),
    # ---- copying and reordering
    Case(np.tile, with_args((2, 3), (2, 1, 2))),
    Case(np.tile, with_args((3,), 2)),
    Case(np.repeat, with_args((2, 3), 2)),
    Case(np.repeat, with_args((2, 3), 3), kwargs={"axis": -1}),
    Case(np.repeat, with_args((2, 3), np.array([2, 0, 1])), kwargs={"axis": 1}),
    Case(np.repeat, with_args((2, 3), [1, 3]), kwargs={"axis": 0}),
    Case(np.repeat, with_args((2, 2), [1, 0, 2, 1])),
    Case(np.flip, normal(2, 3)),
    Case(np.flip, with_args((2, 3, 4), (0, 2))),
    Case(np.fliplr, normal(2, 3)),
    Case(np.flipud, normal(2, 3)),
    Case(np.roll, with_args((3, 4), 2)),
    Case(np.roll, with_args((3, 4), (1, -1), (0, 1))),
    Case(np.rot90, normal(2, 3)),
    Case(np.rot90, with_args((2, 3, 4), 3, (2, 0))),
    Case(np.sort, normal(3, 5)),
    Case(np.sort, with_args((3, 5), 0)),
    Case(np.sort, with_args((3, 5), None)),
    # ---- gathering and padding
    Case(np.take, with_args((5,), np.array([0, 4, 4, 1]))),
    Case(np.take, with_args((3, 4), FANCY), kwargs={"axis": 1}),
    Case(np.take, with_args((3, 4), 5)),
    Case(np.take, with_args((3, 4), np.array([-1, 4, 9])), kwargs={"axis": 1, "mode": "wrap"}),
    Case(np.take, with_args((5,), np.array([-2, 7, 7])), kwargs={"mode": "clip"}),
    Case(np.take_along_axis, lambda rng: (rng.standard_normal((3, 4)),
                                          np.array([[0, 0], [3, 1], [2, 2]]), 1)),
    Case(np.take_along_axis, lambda rng: (rng.standard_normal((3, 2)),
                                          np.array([[0, 1], [0, 0]]), 0)),
    Case(np.take_along_axis, lambda rng: (rng.standard_normal((2, 3)),
                                          np.array([5, 5, 0]), None)),
    Case(np.pad, with_args((2, 3), ((1, 0), (2, 1)))),
    Case(np.pad, with_args((2, 3), 1), kwargs={"constant_values": 3.0}),
    Case(np.pad, with_args((3, 4), ((2, 2), (1, 3))), kwargs={"mode": "reflect"}),
    Case(np.pad, with_args((3,), 4), kwargs={"mode": "wrap"}),
    Case(np.pad, with_args((2, 3), (1, 2)), kwargs={"mode": "edge"}),
    Case(np.pad, with_args((3, 2), 2), kwargs={"mode": "symmetric"}),
    Case(np.diag, normal(3)),
    Case(np.diag, with_args((3,), -1)),
    Case(np.diag, normal(3, 4)),
    Case(np.diag, with_args((3, 4), 2)),
    Case(np.diagonal, normal(3, 4)),
    Case(np.diagonal, lambda rng: (rng.standard_normal((2, 3, 4)), -1, 2, 0)),
    Case(np.diagonal, lambda rng: (rng.standard_normal((4, 2, 3)), 1, -2, -1)),
    Case(np.tril, normal(3, 4)),
    Case(np.tril, with_args((2, 3, 3), -1)),
    Case(np.triu, with_args((3, 4), 1)),
    # ---- indexing
    Case(operator.getitem, indexed((3, 4), 1)),
    Case(operator.getitem, indexed((3, 4), (1, -1))),
    Case(operator.getitem, indexed((5, 4), slice(1, None, 2))),
    Case(operator.getitem, indexed((2, 3, 4), (Ellipsis, None, slice(None, 2)))),
    Case(operator.getitem, indexed((3, 4), (None, 1, slice(2, 0, -1)))),
    Case(operator.getitem, indexed((3, 4), [0, 0, 1]), id="getitem(repeated)"),
    Case(operator.getitem, indexed((3, 4), (slice(None), FANCY))),
    Case(operator.getitem, indexed((3, 4), (np.array([2, 2]), np.array([1, 1])))),
    Case(operator.getitem, masked((3, 4)), id="getitem(mask)"),
    Case(operator.getitem, lambda rng: (rng.standard_normal((3, 4)),
                                        np.array([True, False, True]))),
    Case(operator.getitem, lambda rng: ([rng.standard_normal(2), rng.standard_normal(3)], 1),
         id="getitem(list)"),
    Case(operator.getitem, lambda rng: ([rng.standard_normal(2), 1.5, rng.standard_normal(3)],
                                        slice(1, None)), id="getitem(list, slice)"),
    Case(index_set, lambda rng: (rng.standard_normal((3, 4)), (1, slice(1, 3)),
                                 rng.standard_normal(2)), wrt=(0, 2)),
    Case(index_set, lambda rng: (rng.standard_normal((3, 4)), np.array([0, 2]),
                                 rng.standard_normal(4)), wrt=(0, 2), id="index_set(broadcast)"),
    Case(index_set, lambda rng: (rng.standard_normal((3, 4)), Ellipsis, 2.5), wrt=(0, 2)),
    Case(index_set, lambda rng: ([rng.standard_normal(2), 0.5], 1, 2.0), wrt=(0, 2),
         id="index_set(list)"),
    # ---- copies and conversions
    Case(np.copy, normal(2, 3)),
    Case(np.array, normal(2, 3)),
    Case(np.array, lambda rng: ([float(v) for v in rng.standard_normal(3)],), id="array(list)"),
    Case(np.array, lambda rng: ([rng.standard_normal(2), rng.standard_normal(2)],),
         kwargs={"ndmin": 3}, dx_none=(0,)),
    Case(np.asarray, normal(2, 3)),
    Case(np.asarray, lambda rng: ([rng.standard_normal(2), rng.standard_normal(2)],),
         id="asarray(list)"),
    Case(np.asanyarray, normal(3)),
    Case(np.ascontiguousarray, lambda rng: (rng.standard_normal((3, 4)).T,)),
    Case(astype, with_args((2, 3), np.float64)),
    Case(astype, lambda rng: (1.5, np.float64), id="astype(float)"),
    Case(float, lambda rng: (rng.standard_normal(()),)),
    Case(float, lambda rng: (0.5,), id="float(float)"),
]
CASES += [
    # ---- filled constructors: only the fill value is differentiable
    Case(np.full, lambda rng: ((2, 3), 0.7), wrt=(1,)),
    Case(np.full, lambda rng: ((2, 3), rng.standard_normal(3)), wrt=(1,)),
    Case(np.full_like, lambda rng: (rng.standard_normal((2, 3)), rng.standard_normal((2, 1))),
         wrt=(1,)),
]
CASES += [
    Case(np.bincount, lambda rng: (np.array([0, 3, 3, 1]), rng.standard_normal(4)), wrt=(1,)),
    Case(np.bincount, lambda rng: (np.array([2, 0, 2]), rng.standard_normal(3), 6), wrt=(1,)),
]
CASES += [
    Case(np.unique, normal(3, 4)),
    Case(np.unique, normal(5), kwargs={"return_counts": True, "return_index": True},
         dy_none=(1, 2)),
]

# ---- the helpers generated adjoints call are primitives too (for second derivatives)
Z = np.zeros
CASES += [
    Case(shape.getitem_grad, lambda rng: (rng.standard_normal(3), Z(4), [0, 0, 2])),
    Case(shape.getitem_grad, lambda rng: (rng.standard_normal((2, 3)), Z((3, 3)), slice(1, None))),
    Case(shape.getitem_grad, lambda rng: (rng.standard_normal(2), [Z(2), 0.5], 0), dy_none=(1,),
         id="getitem_grad(list)"),
    Case(shape.zero_at, lambda rng: (rng.standard_normal((3, 4)), (1, slice(None)))),
    Case(shape.fill_none, lambda rng: ([rng.standard_normal(2), rng.standard_normal(3)],
                                       [Z(2), Z(3)])),
    Case(shape.split_like, lambda rng: (rng.standard_normal((5, 3)), [Z((2, 3)), Z((3, 3))], 0)),
    Case(shape.split_like, lambda rng: (rng.standard_normal(8), [Z((2, 3)), Z(2)], None)),
    Case(shape.split_like, lambda rng: (rng.standard_normal((2, 2)), [Z(2), Z((1, 2))], 0, 2),
         dy_none=(0,)),
    Case(shape.join_like, lambda rng: ([rng.standard_normal((1, 2)), rng.standard_normal(2)],
                                       [Z((1, 2)), Z(2)], 0, 2, Z((2, 2))), dx_none=(1,)),
    Case(shape.join_like, lambda rng: ([rng.standard_normal(2), rng.standard_normal((2, 1))],
                                       [Z(2), Z((2, 1))], None, 0, Z(4))),
    Case(shape.split_axis, lambda rng: (rng.standard_normal((3, 2)), -1)),
    Case(shape.untile, lambda rng: (rng.standard_normal((4, 6)), Z((2, 3)), (2, 2))),
    Case(shape.unrepeat, lambda rng: (rng.standard_normal((2, 6)), Z((2, 3)), 2, 1)),
    Case(shape.unrepeat, lambda rng: (rng.standard_normal(5), Z((2, 2)), [2, 0, 1, 2], None)),
    Case(shape.untake, lambda rng: (rng.standard_normal((3, 2, 2)), Z((3, 4)), FANCY, 1)),
    Case(shape.untake_along_axis, lambda rng: (rng.standard_normal((2, 2)), Z((3, 2)),
                                               np.array([[0, 1], [0, 0]]), 0)),
    Case(shape.unpad, lambda rng: (rng.standard_normal((4, 4)), Z((2, 3)), ((1, 1), (0, 1)),
                                   "constant")),
    Case(shape.unpad, lambda rng: (rng.standard_normal(9), Z(4), (2, 3), "reflect")),
    Case(shape.undiagonal, lambda rng: (rng.standard_normal((3, 2)), Z((2, 3, 4)), -1, 2, 0)),
    Case(shape.unarray, lambda rng: (rng.standard_normal((2, 2)), [Z(2), Z(2)])),
    Case(shape.array_tangent, lambda rng: ([rng.standard_normal(2), rng.standard_normal(2)],
                                           [Z(2), Z(2)], Z((1, 2, 2))), dx_none=(0,)),
    Case(shape.ununique, lambda rng: (rng.standard_normal(3), np.array([2.0, 1, 2, 3]), None)),
    Case(shape.unique_tangent, lambda rng: (rng.standard_normal(4), Z(3),
                                            np.array([2.0, 1, 2, 3]), None)),
]
CASES += [
    Case(index_set, lambda rng: ((rng.standard_normal(2), rng.standard_normal(3)), 0,
                                 rng.standard_normal(2)), wrt=(0, 2), id="index_set(tuple)"),
    Case(shape.value_grad, lambda rng: (rng.standard_normal((3, 4)), (1, slice(1, 3)), Z(1))),
    Case(shape.value_grad, lambda rng: ([rng.standard_normal(2), rng.standard_normal(3)], 1, Z(3)),
         id="value_grad(list)"),
]
SWV = shape.sliding_window_view
CASES += [
    Case(np.append, lambda rng: (rng.standard_normal((2, 3)), rng.standard_normal(2)),
         wrt=(0, 1)),
    Case(np.append, lambda rng: (rng.standard_normal((2, 3)), rng.standard_normal((2, 1))),
         kwargs={"axis": 1}, wrt=(0, 1)),
    Case(np.delete, with_args((3, 4), [0, 2]), kwargs={"axis": 1}),
    Case(np.delete, with_args((3, 4), slice(1, 10, 3))),
    Case(np.compress, lambda rng: ([True, False, True], rng.standard_normal((3, 2))),
         kwargs={"axis": 0}, wrt=(1,)),
    Case(np.compress, lambda rng: ([False, True], rng.standard_normal((3, 2))), wrt=(1,)),
    Case(np.extract, lambda rng: (np.array([[1, 0], [1, 1]]), rng.standard_normal((2, 2))),
         wrt=(1,)),
    Case(np.rollaxis, with_args((2, 3, 4), 2)),
    Case(np.rollaxis, with_args((2, 3, 4), 0, 3)),
    Case(np.rollaxis, with_args((2, 3, 4), -1, 1)),
    Case(np.partition, with_args((3, 6), 2)),
    Case(np.partition, with_args((4, 3), [0, 2]), kwargs={"axis": 0}),
    Case(np.partition, with_args((2, 3), 4), kwargs={"axis": None}),
    Case(SWV, with_args((6,), 3)),
    Case(SWV, with_args((4, 5), (2, 3))),
    Case(SWV, with_args((3, 5), 2), kwargs={"axis": -1}),
    Case(shape.unwindow, lambda rng: (rng.standard_normal((2, 5, 2)), Z((3, 5)), 2, 0)),
]
CASES += [
    Case(np.linspace, lambda rng: (0.3, 2.5, 5), wrt=(0, 1)),
    Case(np.linspace, lambda rng: (rng.standard_normal(2), 1.5, 4), kwargs={"endpoint": False},
         wrt=(0, 1)),
    Case(np.linspace, lambda rng: (rng.standard_normal((2, 1)), rng.standard_normal(3), 3),
         kwargs={"axis": -1}, wrt=(0, 1)),
    Case(np.linspace, lambda rng: (0.5, rng.standard_normal((2, 3)), 1), kwargs={"axis": 1},
         wrt=(0, 1)),
    Case(shape.along_samples, lambda rng: (rng.standard_normal(3), Z((2, 4, 3)), 1)),
]
CASES += [
    Case(unbroadcast, lambda rng: (rng.standard_normal((2, 3, 4)), Z((3, 1)))),
    Case(unbroadcast, lambda rng: (rng.standard_normal(()), Z((2, 2))), id="unbroadcast(seed)"),
]
