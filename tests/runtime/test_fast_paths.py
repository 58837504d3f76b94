"""The runtime helpers' fast paths give what their general paths give.

matmul_grad_a/b, tie_weights, getitem_grad and only_shape each short-cut the common case
(plain ranks, no ties, newaxis-only indices, NumPy arrays); these tests pin the short cuts to
the definitions: adjoint identities for the products, exact values for the rest.
"""

import numpy as np
import pytest

from tangentish.runtime import adjoint_helpers as ah
from tangentish.runtime import support
from tangentish.runtime.rules import linalg as la
from tangentish.runtime.rules import reductions as rd

# Every rank pair matmul accepts: the fast ranks and the general ones beside them.
RANKS = [((3, 4), (4, 5)), ((3, 4), (4,)), ((4,), (4, 5)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
         ((4,), (2, 4, 5)), ((3, 4), (2, 4, 5)), ((2, 3, 4), (4,)), ((2, 1, 3, 4), (5, 4, 2))]


@pytest.mark.parametrize("sa,sb", RANKS, ids=str)
def test_matmul_grads_are_the_adjoints_of_the_product(sa, sb, backend):
    rng = np.random.default_rng(0)
    a, b, da, db = (rng.standard_normal(s) for s in (sa, sb, sa, sb))
    dy = rng.standard_normal(np.shape(a @ b))
    to, back = backend.to, backend.back
    ga = back(la.matmul_grad_a(to(dy), to(a), to(b)))
    gb = back(la.matmul_grad_b(to(dy), to(a), to(b)))
    assert np.shape(ga) == sa and np.shape(gb) == sb
    # <dy, da @ b> = <ga, da> and <dy, a @ db> = <gb, db>: the definition of the adjoint.
    np.testing.assert_allclose(np.sum(dy * (da @ b)), np.sum(ga * da), rtol=1e-10)
    np.testing.assert_allclose(np.sum(dy * (a @ db)), np.sum(gb * db), rtol=1e-10)


def test_tie_weights_share_ties_and_keep_the_dtype(backend):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]], dtype=np.float32)
    w = backend.back(rd.tie_weights(backend.to(x), backend.to(np.max(x, axis=1)), 1))
    np.testing.assert_array_equal(w, [[0, 0.5, 0.5], [1, 0, 0]])
    assert w.dtype == np.float32
    # No element attains y (np.max's initial= above them all): no gradient, not NaN.
    w = backend.back(rd.tie_weights(backend.to(x), backend.to(np.float32(9.0))))
    np.testing.assert_array_equal(w, np.zeros_like(x))


@pytest.mark.parametrize("shape,idx", [((5, 3), (slice(None), None)),
                                       ((5, 3), (slice(None), None, slice(None))),
                                       ((1, 3), (None, Ellipsis)), ((4,), None),
                                       ((4, 3), (slice(1, 3),)), ((4, 3), (Ellipsis, 0))],
                         ids=str)
def test_getitem_grad_scatters_what_the_index_read(shape, idx, backend):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    dy = np.random.default_rng(1).standard_normal(np.shape(x[idx]))
    g = backend.back(support.getitem_grad(backend.to(dy), backend.to(x), idx))
    expect = np.zeros_like(x)
    expect[idx] = dy
    np.testing.assert_array_equal(g, expect)


def test_newaxis_getitem_grad_is_a_fresh_writable_array():
    dy = np.ones((5, 1, 3))
    g = support.getitem_grad(dy, np.zeros((5, 3)), (slice(None), None))
    assert g.flags.writeable and not np.shares_memory(g, dy)


def test_only_shape_keeps_shape_and_dtype_in_the_arrays_library(backend):
    x = backend.to(np.ones((3, 2), dtype=np.float32))
    kept = ah.only_shape(x)
    assert type(kept) is type(x) and kept.shape == (3, 2) and kept.dtype == np.float32
    assert ah.only_shape(2.5) == 2.5


def test_unbroadcast_sums_only_what_broadcasting_added():
    g = np.ones((2, 3))
    assert support.unbroadcast(g, np.zeros((2, 3))) is g
    assert support.unbroadcast(1.5, 2.0) == 1.5
    np.testing.assert_array_equal(support.unbroadcast(g, np.zeros((1, 3))), [[2.0, 2.0, 2.0]])
    assert support.unbroadcast(g, 0.0) == 6.0
    np.testing.assert_array_equal(support.unbroadcast(2.0, np.zeros(3)), [2.0, 2.0, 2.0])
