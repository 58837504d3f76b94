"""Rule cases for runtime/rules/linalg.py and runtime/rules/matrix.py."""

import operator

import numpy as np

from tests.runtime.rulecheck import Case


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
    Case(np.linalg.matmul, pair((2, 3, 4), (4, 2)), wrt=(0, 1)),
    Case(np.vdot, pair((2, 3), (3, 2)), wrt=(0, 1)),
    Case(np.outer, pair((3,), (4,)), wrt=(0, 1)),
    Case(np.outer, pair((2, 2), (3,)), wrt=(0, 1), id="np.outer(2-d)"),
    Case(np.linalg.outer, pair((3,), (2,)), wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3, 4), (3, 4, 5)), wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3), (3, 4)), kwargs={"axes": 1}, wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3), (4, 5)), kwargs={"axes": 0}, wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3, 4), (4, 5, 2)), kwargs={"axes": ([0, 2], [2, 0])},
         wrt=(0, 1)),
    Case(np.tensordot, pair((2, 3, 4), (5, 3)), kwargs={"axes": (-2, 1)}, wrt=(0, 1)),
    Case(np.linalg.tensordot, pair((2, 3, 4), (3, 4)), wrt=(0, 1)),
    Case(np.linalg.vecdot, pair((2, 3), (3,)), wrt=(0, 1)),
    Case(np.linalg.vecdot, pair((3, 2), (3, 2)), kwargs={"axis": 0}, wrt=(0, 1)),
    Case(np.trace, normal((3, 3))),
    Case(np.trace, normal((3, 4)), kwargs={"offset": 1}),
    Case(np.trace, normal((2, 3, 4)), kwargs={"offset": -1, "axis1": 2, "axis2": 1}),
    Case(np.linalg.trace, normal((2, 3, 3)), kwargs={"offset": 1}),
    Case(np.kron, pair((2, 3), (3, 2)), wrt=(0, 1)),
    Case(np.kron, pair((2,), (2, 3)), wrt=(0, 1), id="np.kron(1-d, 2-d)"),
    Case(np.cross, pair((3,), (3,)), wrt=(0, 1)),
    Case(np.cross, pair((4, 3), (3,)), wrt=(0, 1), id="np.cross(broadcast)"),
    Case(np.cross, pair((3, 2), (3, 2)), kwargs={"axis": 0}, wrt=(0, 1)),
    Case(np.cross, pair((3, 2), (2, 3)), kwargs={"axisa": 0, "axisc": 0}, wrt=(0, 1)),
    Case(np.linalg.cross, pair((2, 3), (2, 3)), wrt=(0, 1)),
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
