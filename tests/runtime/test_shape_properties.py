"""Shape and indexing rules over hypothesis-drawn shapes, axes and indices.

Every shape op is linear in its array argument, which allows an exact check with no finite
differences: the JVP of a linear map is the map itself, and the VJP is its adjoint, so
``<f(dx), dy> == <dx, vjp(dy)>`` for any ``dx`` and ``dy``. Shapes include size-0 axes and
0-d arrays; axes are drawn negative as often as positive.
"""

import ast
import inspect
import operator
import textwrap

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tangentish.runtime.rules import shape, table
from tangentish.runtime.support import index_set
from tests.runtime.rulecheck import _tree

# The backend fixture only converts arrays: sharing it across examples is safe.
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
nonempty = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4)


def _inner(a, b):
    a = a if isinstance(a, (list, tuple)) else [a]
    b = b if isinstance(b, (list, tuple)) else [b]
    return sum(float(np.sum(np.asarray(u, float) * np.asarray(v, float))) for u, v in zip(a, b))


def check_linear(backend, primitive, args, argnum=0, **kwargs):
    """JVP equals the map and VJP is its adjoint, for the linear argument ``argnum``."""
    rng = np.random.default_rng(0)
    draw = lambda t: (type(t)(draw(v) for v in t) if isinstance(t, (list, tuple))
                      else rng.standard_normal(np.shape(t)))
    dx = draw(args[argnum])
    y = primitive(*args, **kwargs)
    dy = draw(y)
    moved = list(args)
    moved[argnum] = dx
    expect = primitive(*moved, **kwargs)
    to = lambda v: _tree(backend.to, v)
    back = lambda v: _tree(backend.back, v)
    entry = table.lookup(primitive)
    tangent = back(entry.jvp[argnum](to(dx), to(y), *map(to, args), **kwargs))
    for t, e in zip(*(v if isinstance(v, (list, tuple)) else [v] for v in (tangent, expect))):
        np.testing.assert_allclose(np.broadcast_to(t, np.shape(e)), e, atol=1e-12)
    cotangent = back(entry.vjp[argnum](to(dy), to(y), *map(to, args), **kwargs))
    leaves = lambda v: v if isinstance(v, (list, tuple)) else [v]
    assert [np.shape(c) for c in leaves(cotangent)] == [np.shape(d) for d in leaves(dx)]
    np.testing.assert_allclose(_inner(cotangent, dx), _inner(expect, dy), rtol=1e-9, atol=1e-9)


def axis_of(ndim):
    return st.integers(-ndim, ndim - 1)


# ---------------------------------------------------------------- reshaping


@fixture_ok
@given(shape=shapes, data=st.data())
def test_reshape_and_ravel(backend, shape, data):
    x = np.zeros(shape)
    new = data.draw(st.permutations(shape)) if shape else ()
    order = data.draw(st.sampled_from("CF"))
    check_linear(backend, np.reshape, (x, tuple(new)), order=order)
    check_linear(backend, np.ravel, (x,), order=order)


@fixture_ok
@given(shape=shapes, data=st.data())
def test_transpose_moveaxis_swapaxes(backend, shape, data):
    x, nd = np.zeros(shape), len(shape)
    perm = [p - nd * data.draw(st.booleans()) for p in data.draw(st.permutations(range(nd)))]
    check_linear(backend, np.transpose, (x, tuple(perm)))
    check_linear(backend, np.transpose, (x,))
    if nd:
        a, b = data.draw(axis_of(nd)), data.draw(axis_of(nd))
        check_linear(backend, np.swapaxes, (x, a, b))
        check_linear(backend, np.moveaxis, (x, a, b))


@fixture_ok
@given(shape=shapes, data=st.data())
def test_expand_dims_squeeze(backend, shape, data):
    x = np.zeros(shape)
    axis = data.draw(axis_of(len(shape) + 1))
    check_linear(backend, np.expand_dims, (x, axis))
    check_linear(backend, np.squeeze, (np.expand_dims(x, axis),), axis=axis)
    check_linear(backend, np.squeeze, (x,))


@fixture_ok
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_side=3))
def test_broadcast_to(backend, shapes):
    x = np.zeros(shapes.input_shapes[0])
    check_linear(backend, np.broadcast_to, (x, shapes.result_shape))


# ---------------------------------------------------------------- joining and splitting


@fixture_ok
@given(shape=nonempty, data=st.data())
def test_concatenate_stack_split(backend, shape, data):
    nd = len(shape)
    axis = data.draw(axis_of(nd))
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
    parts = [np.zeros(shape[:axis % nd] + (n,) + shape[axis % nd + 1:]) for n in sizes]
    check_linear(backend, np.concatenate, (parts,), axis=axis)
    check_linear(backend, np.concatenate, (parts,), axis=None)
    same = [np.zeros(shape)] * len(sizes)
    check_linear(backend, np.stack, (same,), axis=data.draw(axis_of(nd + 1)))
    whole = np.concatenate(parts, axis=axis)
    cuts = np.cumsum(sizes)[:-1].tolist()
    check_linear(backend, np.split, (whole, cuts), axis=axis)
    check_linear(backend, np.array_split, (x := np.zeros(shape), data.draw(st.integers(1, 5))),
                 axis=axis)
    check_linear(backend, np.unstack, (x,), axis=axis)


@fixture_ok
@given(rank=st.integers(0, 3), sizes=st.lists(st.integers(0, 3), min_size=1, max_size=3))
def test_hstack_vstack_dstack(backend, rank, sizes):
    # Equal ranks, sides 2 except the joining axis (where the join has one at that rank).
    for join, axis in ((np.hstack, 0 if rank == 1 else 1), (np.vstack, 0), (np.dstack, 2)):
        parts = [np.zeros(tuple(n if d == axis and (rank > 1 or join is np.hstack) else 2
                                for d in range(rank))) for n in sizes]
        check_linear(backend, join, (parts,))


# ---------------------------------------------------------------- copying and reordering


@fixture_ok
@given(shape=shapes, data=st.data())
def test_tile_repeat_flip_roll(backend, shape, data):
    x, nd = np.zeros(shape), len(shape)
    reps = tuple(data.draw(st.lists(st.integers(0, 3), max_size=4)))
    check_linear(backend, np.tile, (x, reps))
    check_linear(backend, np.repeat, (x, data.draw(st.integers(0, 3))))
    check_linear(backend, np.flip, (x,))
    check_linear(backend, np.roll, (x, data.draw(st.integers(-5, 5))))
    if nd:
        axis = data.draw(axis_of(nd))
        counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[axis], max_size=shape[axis]))
        check_linear(backend, np.repeat, (x, np.array(counts, dtype=int)), axis=axis)
        check_linear(backend, np.flip, (x, axis))
        check_linear(backend, np.roll, (x, data.draw(st.integers(-5, 5)), axis))


@fixture_ok
@given(shape=nonempty, data=st.data())
def test_sort_is_a_permutation(backend, shape, data):
    # Linear for a fixed permutation: the data that fixes it is x, the direction is dx.
    x = np.random.default_rng(data.draw(st.integers(0, 99))).standard_normal(shape)
    axis = data.draw(st.one_of(st.none(), axis_of(len(shape))))
    entry = table.lookup(np.sort)
    dy = np.random.default_rng(1).standard_normal(np.sort(x, axis=axis).shape)
    got = backend.back(entry.vjp[0](backend.to(dy), None, backend.to(x), axis=axis))
    # Each input's gradient is the cotangent of the place sorting moved it to.
    order = np.argsort(x, axis=axis)
    if axis is None:
        np.testing.assert_array_equal(got.ravel()[order], dy)
    else:
        np.testing.assert_array_equal(np.take_along_axis(got, order, axis=axis), dy)


# ---------------------------------------------------------------- gathering and indexing


@fixture_ok
@given(shape=nonempty, data=st.data())
def test_take(backend, shape, data):
    x, nd = np.zeros(shape), len(shape)
    axis = data.draw(st.one_of(st.none(), axis_of(nd)))
    n = x.size if axis is None else shape[axis]
    idx = data.draw(hnp.arrays(int, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0),
                               elements=st.integers(-n, n - 1)))
    check_linear(backend, np.take, (x, idx), axis=axis)
    if axis is not None:
        along = data.draw(hnp.arrays(int, shape[:axis % nd] + (data.draw(st.integers(0, 4)),)
                                     + shape[axis % nd + 1:], elements=st.integers(0, n - 1)))
        check_linear(backend, np.take_along_axis, (x, along, axis))


@fixture_ok
@given(shape=shapes, data=st.data())
def test_getitem_basic(backend, shape, data):
    idx = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    check_linear(backend, operator.getitem, (np.zeros(shape), idx))


@fixture_ok
@given(shape=nonempty, data=st.data())
def test_getitem_fancy_and_mask(backend, shape, data):
    # Integer arrays repeat positions freely: the adjoint holds only if repeats accumulate.
    x = np.zeros(shape)
    fancy = data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(
        min_dims=0, max_dims=2, max_side=4)))
    check_linear(backend, operator.getitem, (x, fancy))
    mask = data.draw(hnp.arrays(bool, shape[:data.draw(st.integers(1, len(shape)))]))
    check_linear(backend, operator.getitem, (x, mask))


@fixture_ok
@given(shape=shapes, data=st.data())
def test_index_set(backend, shape, data):
    idx = data.draw(hnp.basic_indices(shape, allow_ellipsis=True))
    x = np.zeros(shape)
    target = x[idx].shape
    tail = target[data.draw(st.integers(0, len(target))):]
    v = np.zeros(tuple(1 if data.draw(st.booleans()) else n for n in tail))
    check_linear(backend, index_set, (x, idx, v), argnum=0)
    check_linear(backend, index_set, (x, idx, v), argnum=2)


@fixture_ok
@given(shape=nonempty, data=st.data())
def test_pad(backend, shape, data):
    x = np.zeros(shape)
    widths = data.draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)),
                                min_size=len(shape), max_size=len(shape)))
    mode = data.draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    check_linear(backend, np.pad, (x, widths), mode=mode)


@fixture_ok
@given(shape=hnp.array_shapes(min_dims=2, max_dims=4, min_side=0, max_side=4), data=st.data())
def test_diagonal_tril_triu(backend, shape, data):
    x, nd = np.zeros(shape), len(shape)
    a1 = data.draw(axis_of(nd))
    a2 = data.draw(axis_of(nd).filter(lambda a: a % nd != a1 % nd))
    k = data.draw(st.integers(-4, 4))
    check_linear(backend, np.diagonal, (x, k, a1, a2))
    check_linear(backend, np.tril, (x, k))
    check_linear(backend, np.triu, (x, k))


@fixture_ok
@given(shp=nonempty, data=st.data())
def test_sliding_windows_and_delete(backend, shp, data):
    x, nd = np.zeros(shp), len(shp)
    axis = data.draw(axis_of(nd))
    window = data.draw(st.integers(0, shp[axis]))
    check_linear(backend, shape.sliding_window_view, (x, window), axis=axis)
    gone = data.draw(st.lists(st.integers(0, shp[axis] - 1), unique=True))
    check_linear(backend, np.delete, (x, gone), axis=axis)


def test_astype_keeps_the_input_dtype(backend):
    """float32 in, float32 cotangent out, whatever dtype the cast produced."""
    from tangentish.runtime.rules.shape import astype

    x = np.ones(3, dtype=np.float32)
    dy = backend.to(np.ones(3))
    got = table.lookup(astype).vjp[0](dy, None, backend.to(x), np.float64)
    assert backend.back(got).dtype == np.float32


@pytest.mark.parametrize("x", [[[1.0, 2.0], [3.0, 4.0]], (0.5, np.ones(2) * 3)],
                         ids=["nested", "tuple"])
def test_array_of_a_list_returns_the_list_structure(x):
    if isinstance(x, tuple):
        x = [np.full(2, x[0]), x[1]]
    dy = np.arange(4.0).reshape(np.array(x).shape)
    got = table.lookup(np.array).vjp[0](dy, None, x)
    assert isinstance(got, list) and len(got) == 2
    np.testing.assert_array_equal(np.array(got, dtype=float), dy)


def test_unique_with_ties_shares_the_cotangent(backend):
    """Tied elements split their value's cotangent; VJP and JVP stay adjoint."""
    x = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 1.0])
    entry = table.lookup(np.unique)
    dy, dx = np.array([1.0, 10.0, 100.0]), np.arange(6.0)
    got = backend.back(entry.vjp[0](backend.to(dy), None, backend.to(x)))
    np.testing.assert_allclose(got, [100 / 3, 1 / 2, 100 / 3, 10, 100 / 3, 1 / 2])
    tangent = backend.back(entry.jvp[0](backend.to(dx), None, backend.to(x)))
    np.testing.assert_allclose(tangent, [(1 + 5) / 2, 3, (0 + 2 + 4) / 3])
    assert np.isclose(np.dot(got, dx), np.dot(tangent, dy))


def test_dict_subscripts_have_sparse_gradients():
    """Dict cotangents hold only the keys that received a gradient."""
    d = {"a": np.ones(2), "b": 2.0}
    assert table.vjp_rule(operator.getitem, 0)(5.0, 2.0, d, "b") == {"b": 5.0}
    new = index_set(d, "b", 3.0)
    assert new["b"] == 3.0 and d["b"] == 2.0
    dy = {"a": np.ones(2), "b": 7.0}
    assert list(table.vjp_rule(index_set, 0)(dy, new, d, "b", 3.0)) == ["a"]
    assert table.vjp_rule(index_set, 2)(dy, new, d, "b", 3.0) == 7.0


# ---------------------------------------------------------------- the inlining contract
# The compiler inlines a rule's body and imports its free names from the rule's module, and
# differentiates generated adjoints again: so a rule is one return expression, and every
# function it calls is in the table (with rules, or marked non-differentiable).

SHAPE_RULES = sorted({rule for entry in table.registered()
                      for rule in (*entry.vjp.values(), *entry.jvp.values())
                      if rule.__module__ == shape.__name__}, key=lambda r: r.__name__)

def _called(node):
    if isinstance(node.func, ast.Attribute):
        assert isinstance(node.func.value, ast.Name) and node.func.value.id == "np", (
            ast.unparse(node))
        return getattr(np, node.func.attr)
    return getattr(shape, node.func.id)


@pytest.mark.parametrize("rule", SHAPE_RULES, ids=lambda r: r.__name__)
def test_rule_is_one_inlinable_expression(rule):
    (fn,) = ast.parse(textwrap.dedent(inspect.getsource(rule))).body
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value,
                                                                             ast.Constant))]
    assert len(body) == 1 and isinstance(body[0], ast.Return), "one return expression"
    params = {a.arg for a in (*fn.args.args, *fn.args.kwonlyargs)}
    for node in ast.walk(body[0]):
        if isinstance(node, ast.Name):
            assert node.id in params or hasattr(shape, node.id), node.id
        if isinstance(node, ast.Call):
            called = _called(node)
            assert table.lookup(called) is not None, ast.unparse(node.func)


def test_at_least_forty_differentiable_primitives():
    ours = {entry.name for entry in table.registered()
            if any(r.__module__ == shape.__name__ for r in entry.vjp.values())}
    assert len(ours) >= 40, sorted(ours)
