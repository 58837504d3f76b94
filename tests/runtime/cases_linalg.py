"""Rule cases for runtime/rules/linalg.py and runtime/rules/matrix.py."""

import operator

import numpy as np

from tangentish.runtime.rules import einsum as es
from tangentish.runtime.rules import linalg as la
from tangentish.runtime.rules import matrix as mx
from tests.runtime.rulecheck import Case

NUMPY2 = int(np.__version__.split(".")[0]) >= 2


def normal(*shapes):
    return lambda rng: tuple(rng.standard_normal(s) for s in shapes)


def pair(shape_a, shape_b):
    return normal(shape_a, shape_b)


def einsum(subscripts, *shapes):
    return lambda rng: (subscripts,) + tuple(rng.standard_normal(s) for s in shapes)


def einsum_case(subscripts, *shapes):
    return Case(np.einsum, einsum(subscripts, *shapes), wrt=tuple(range(1, len(shapes) + 1)),
                id=f"np.einsum({subscripts!r})")


MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)),
                 ((2, 3, 4), (4, 5)), ((4,), (2, 4, 3)), ((2, 1, 3, 4), (5, 4, 2)),
                 ((2, 3, 4), (4,))]
DOT_SHAPES = [((), (3, 2)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)),
              ((2, 3, 4), (4,)), ((2, 3), (4, 3, 5)), ((3,), (2, 3, 4))]
INNER_SHAPES = [((), (3, 2)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((2, 4, 3), (5, 3))]

CASES = []
for _a, _b in MATMUL_SHAPES:
    for _f in (np.matmul, operator.matmul):
        CASES.append(Case(_f, pair(_a, _b), wrt=(0, 1), id=f"{_f.__name__}{_a}{_b}"))
for _a, _b in DOT_SHAPES:
    CASES.append(Case(np.dot, pair(_a, _b), wrt=(0, 1), id=f"np.dot{_a}{_b}"))
for _a, _b in INNER_SHAPES:
    CASES.append(Case(np.inner, pair(_a, _b), wrt=(0, 1), id=f"np.inner{_a}{_b}"))
CASES += [
    Case(np.vdot, pair((2, 3), (3, 2)), wrt=(0, 1)),
    Case(np.outer, pair((3,), (4,)), wrt=(0, 1)),
    Case(np.outer, pair((2, 2), (3,)), wrt=(0, 1), id="np.outer(2-d)"),
    Case(np.tensordot, pair((2, 3, 4), (3, 4, 5)), wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3), (3, 4)), kwargs={"axes": 1}, wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3), (4, 5)), kwargs={"axes": 0}, wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3, 4), (4, 5, 2)), kwargs={"axes": ([0, 2], [2, 0])},
         wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3, 4), (5, 3)), kwargs={"axes": (-2, 1)}, wrt=(0, 1)),
    Case(np.trace, normal((3, 3))),
    Case(np.trace, normal((3, 4)), kwargs={"offset": 1}),
    Case(np.trace, normal((2, 3, 4)), kwargs={"offset": -1, "axis1": 2, "axis2": 1}),
    Case(np.kron, pair((2, 3), (3, 2)), wrt=(0, 1)),
    Case(np.kron, pair((2,), (2, 3)), wrt=(0, 1), id="np.kron(1-d, 2-d)"),
    Case(np.cross, pair((3,), (3,)), wrt=(0, 1)),
    Case(np.cross, pair((4, 3), (3,)), wrt=(0, 1), id="np.cross(broadcast)"),
    Case(np.cross, pair((3, 2), (3, 2)), kwargs={"axis": 0}, wrt=(0, 1)),
    Case(np.cross, pair((3, 2), (2, 3)), kwargs={"axisa": 0, "axisc": 0}, wrt=(0, 1)),
    einsum_case("ij,jk->ik", (2, 3), (3, 4)),
    einsum_case("ij,jk", (2, 3), (3, 4)),
    einsum_case("ba,ac", (2, 3), (3, 4)),
    einsum_case("ii->", (3, 3)),
    einsum_case("ii", (3, 3)),
    einsum_case("ii->i", (3, 3)),
    einsum_case("iij->j", (3, 3, 2)),
    einsum_case("ij->", (2, 3)),
    einsum_case("ij->j", (2, 3)),
    einsum_case("ij->ji", (2, 3)),
    einsum_case("i,i->", (3,), (3,)),
    einsum_case("i,j->ij", (3,), (2,)),
    einsum_case("ij,ij->ij", (1, 3), (2, 3)),
    einsum_case("ijk,jl,kl->il", (2, 3, 4), (3, 5), (4, 5)),
    einsum_case("...ij,...jk->...ik", (2, 3, 4), (4, 2)),
    einsum_case("...ij,...jk", (2, 1, 2, 3), (5, 3, 2)),
    einsum_case("i...->...", (3, 2, 2)),
    einsum_case("i...i", (3, 2, 3)),
]


def square(*batch, n=3):
    """Well-conditioned square matrices (random plus 3 I), so inverses are stable under FD."""
    return lambda rng: (rng.standard_normal(batch + (n, n)) + 3 * np.eye(n),)


def spd(*batch, n=3):
    """Symmetric positive definite matrices with well separated eigenvalues."""
    def draw(rng):
        b = rng.standard_normal(batch + (n, n))
        return (b @ np.swapaxes(b, -1, -2) + np.diag(np.arange(1.0, n + 1)),)
    return draw


def symmetric(*batch, n=3):
    def draw(rng):
        b = rng.standard_normal(batch + (n, n))
        return (b + np.swapaxes(b, -1, -2),)
    return draw


def system(a_batch, b_shape, n=3):
    return lambda rng: (rng.standard_normal(a_batch + (n, n)) + 3 * np.eye(n),
                        rng.standard_normal(b_shape))


CASES += [
    Case(np.linalg.inv, square()),
    Case(np.linalg.inv, square(2)),
    Case(np.linalg.det, square()),
    Case(np.linalg.det, square(2, 2)),
    Case(np.linalg.slogdet, square()),
    Case(np.linalg.slogdet, lambda rng: (-np.eye(3) * 2 + 0.3 * rng.standard_normal((2, 3, 3)),)),
    Case(np.linalg.solve, system((), (3,)), wrt=(0, 1)),
    Case(np.linalg.solve, system((), (3, 2)), wrt=(0, 1)),
    Case(np.linalg.solve, system((2,), (3,)), wrt=(0, 1), id="np.linalg.solve(batch a, 1-d b)"),
    Case(np.linalg.solve, system((2,), (2, 3, 4)), wrt=(0, 1), id="np.linalg.solve(batch)"),
    Case(np.linalg.solve, system((2,), (3, 4)), wrt=(0, 1), id="np.linalg.solve(broadcast b)"),
    Case(np.linalg.cholesky, spd()),
    Case(np.linalg.cholesky, spd(2), kwargs={"upper": True}),
    Case(np.linalg.eigh, symmetric()),
    Case(np.linalg.eigh, symmetric(2), kwargs={"UPLO": "U"}),
    Case(np.linalg.eigvalsh, symmetric(n=4)),
    Case(np.linalg.eigvalsh, symmetric(2), kwargs={"UPLO": "U"}),
    Case(np.linalg.svd, normal((4, 3)), kwargs={"full_matrices": False}),
    Case(np.linalg.svd, normal((3, 5)), kwargs={"full_matrices": False}),
    Case(np.linalg.svd, normal((2, 3, 3))),
    Case(np.linalg.svd, normal((4, 3)), kwargs={"compute_uv": False}),
    Case(np.linalg.qr, normal((4, 3))),
    Case(np.linalg.qr, normal((2, 3, 3))),
    Case(np.linalg.qr, normal((3, 5))),
    Case(np.linalg.qr, normal((4, 3)), kwargs={"mode": "r"}),
    Case(np.linalg.pinv, normal((4, 3))),
    Case(np.linalg.pinv, normal((2, 3, 5))),
    Case(np.linalg.matrix_power, lambda rng: (rng.standard_normal((3, 3)), 3)),
    Case(np.linalg.matrix_power, lambda rng: (rng.standard_normal((2, 3, 3)), 1)),
    Case(np.linalg.matrix_power, lambda rng: (rng.standard_normal((3, 3)), 0)),
    Case(np.linalg.matrix_power, lambda rng: (rng.standard_normal((3, 3)) + 3 * np.eye(3), -2)),
]
NORMS = [
    ((5,), {}), ((3, 4), {}), ((2, 3, 4), {}), ((5,), {"ord": 1}), ((5,), {"ord": np.inf}),
    ((5,), {"ord": -np.inf}), ((5,), {"ord": 3}), ((5,), {"ord": 0.5}), ((5,), {"ord": 0}),
    ((3, 4), {"axis": 1}), ((3, 4), {"axis": -2, "keepdims": True}),
    ((3, 4), {"axis": 0, "ord": 1}), ((3, 4), {"axis": 1, "ord": np.inf}),
    ((3, 4), {"ord": "fro"}), ((3, 4), {"ord": "nuc"}), ((3, 4), {"ord": 2}),
    ((3, 4), {"ord": -2}), ((3, 4), {"ord": 1}), ((3, 4), {"ord": -1}),
    ((3, 4), {"ord": np.inf}), ((3, 4), {"ord": -np.inf}),
    ((2, 3, 4), {"axis": (2, 0), "ord": "fro", "keepdims": True}),
    ((2, 3, 4), {"axis": (-1, -2), "ord": "nuc"}), ((2, 3, 4), {"axis": (0, 1), "ord": 1}),
]
for _shape, _kwargs in NORMS:
    CASES.append(Case(np.linalg.norm, normal(_shape), kwargs=_kwargs))
# NumPy 2's array-API functions.
if NUMPY2:
    CASES += [
        Case(np.linalg.matmul, pair((2, 3, 4), (4, 2)), wrt=(0, 1)),
        Case(np.linalg.outer, pair((3,), (2,)), wrt=(0, 1)),
        Case(np.linalg.tensordot, pair((2, 3, 4), (3, 4)), wrt=(0, 1)),
        Case(np.linalg.vecdot, pair((2, 3), (3,)), wrt=(0, 1)),
        Case(np.linalg.vecdot, pair((3, 2), (3, 2)), kwargs={"axis": 0}, wrt=(0, 1)),
        Case(np.vecdot, pair((4, 3), (2, 1, 3)), wrt=(0, 1)),
        Case(np.vecdot, pair((3, 4), (3, 1)), kwargs={"axis": 0}, wrt=(0, 1)),
        Case(np.linalg.trace, normal((2, 3, 3)), kwargs={"offset": 1}),
        Case(np.linalg.cross, pair((2, 3), (2, 3)), wrt=(0, 1)),
        Case(np.linalg.svdvals, normal((2, 3, 4))),
        Case(np.linalg.diagonal, normal((2, 3, 4))),
        Case(np.linalg.diagonal, normal((3, 4)), kwargs={"offset": -1}),
        Case(np.linalg.matrix_transpose, normal((2, 3, 4))),
        Case(np.linalg.vector_norm, normal((3, 4))),
        Case(np.linalg.vector_norm, normal((2, 3, 4)), kwargs={"axis": (0, 2), "ord": 3}),
        Case(np.linalg.vector_norm, normal((3, 4)), kwargs={"axis": -1, "ord": np.inf,
                                                             "keepdims": True}),
        Case(np.linalg.matrix_norm, normal((2, 3, 4))),
        Case(np.linalg.matrix_norm, normal((2, 3, 4)), kwargs={"ord": "nuc", "keepdims": True}),
        Case(np.linalg.matrix_norm, normal((3, 4)), kwargs={"ord": np.inf}),
    ]


# ---------------------------------------------------------------- helpers generated code calls
# (differentiated again for second derivatives; see the end of linalg.py)


def helper(*shapes, then=()):
    """Normal arrays of the given shapes, followed by the plain values ``then``."""
    return lambda rng: tuple(rng.standard_normal(s) for s in shapes) + tuple(then)


CASES += [
    Case(la.mT, normal((2, 3, 4))),
    Case(la.expand_matrix, normal((2, 3))),
    Case(la.matmul_grad_a, helper((3, 2), (3, 4), (4, 2)), wrt=(0, 2)),
    Case(la.matmul_grad_a, helper((2, 3), (4,), (2, 4, 3)), wrt=(0, 2), id="matmul_grad_a(1-d)"),
    Case(la.matmul_grad_b, helper((3, 2), (3, 4), (4, 2)), wrt=(0, 1)),
    Case(la.matmul_grad_b, helper((2, 1), (2, 1, 4), (4,)), wrt=(0, 1), id="matmul_grad_b(1-d)"),
    Case(la.tensordot_grad_a, helper((2, 5), (2, 3, 4), (4, 3, 5), then=[([1, 2], [1, 0])]),
         wrt=(0, 2)),
    Case(la.tensordot_grad_b, helper((2, 5), (2, 3, 4), (4, 3, 5), then=[([1, 2], [1, 0])]),
         wrt=(0, 1)),
    Case(la.diagonal_of, helper((2,), (2, 3, 4), then=(-1, 2, 1))),
    Case(la.diagonal_of, helper((), (3, 3))),
    Case(la.kron_grad_a, helper((6, 6), (2, 3), (3, 2)), wrt=(0, 2)),
    Case(la.kron_grad_b, helper((6, 6), (2, 3), (3, 2)), wrt=(0, 1)),
    Case(la.cross_grad_a, helper((4, 3), (4, 3), (3,), then=[(-1, -1, -1)]), wrt=(0, 2)),
    Case(la.cross_grad_b, helper((4, 3), (3,), (4, 3), then=[(-1, -1, -1)]), wrt=(0, 1)),
    Case(la.cross_grad_a, helper((3, 2), (3, 2), (2, 3), then=[(0, 1, 0)]), wrt=(0, 2),
         id="cross_grad_a(axes)"),
    Case(la.vecdot_grad, helper((2,), (2, 3), (3,), then=(-1,)), wrt=(0, 2)),
    Case(es.einsum_grad, lambda rng: (rng.standard_normal((2, 4)), "ij,jk", (
        rng.standard_normal((2, 3)), rng.standard_normal((3, 4))), 1)),
]


def weights_args(x_shape, y_shape, *rest):
    """A norm's weights W(x, y) take y = norm(x) as an input of its own: draw it positive."""
    return lambda rng: (rng.standard_normal(x_shape), rng.uniform(1, 2, y_shape)) + rest


for _ord in (None, 2, 3):
    CASES.append(Case(mx.norm_weights, weights_args((3, 4), (3,), _ord, 1, False),
                      wrt=(0, 1), id=f"norm_weights(ord={_ord})"))
CASES += [
    Case(mx.norm_weights, weights_args((3, 4), (1, 4), 1, 0, True), wrt=(0, 1)),
    Case(mx.norm_weights, weights_args((2, 3, 4), (2,), "fro", (1, 2), False), wrt=(0, 1)),
    Case(mx.norm_weights, weights_args((3, 4), ()), wrt=(0, 1)),
    Case(mx.norm_weights, weights_args((3, 4), (3, 1), 4, -1, True), wrt=(0, 1)),
    Case(mx.norm_weights, weights_args((2, 3, 4), (2, 4), 3, 1, False, "vector"), wrt=(0, 1)),
    Case(mx.norm_weights, weights_args((2, 3, 4), (2, 1, 1), "fro", (-2, -1), True, "matrix"),
         wrt=(0, 1)),
]
CASES += [
    Case(mx.phi, normal((2, 3, 3))),
    Case(mx.lower_factor, normal((3, 3)), kwargs={"upper": True}),
    Case(mx.triangle_read, normal((2, 3, 3))),
    Case(mx.triangle_read, normal((3, 3)), kwargs={"uplo": "U"}),
    Case(mx.triangle_seen, normal((3, 3))),
    Case(mx.triangle_seen, normal((2, 3, 3)), kwargs={"uplo": "U"}),
]
