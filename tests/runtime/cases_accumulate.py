"""Rule cases for runtime/accumulate.py (small shapes: the pure ``acc + product`` path)."""

from tangentish.runtime import accumulate as ac
from tests.runtime.rulecheck import Case


def arrays(*shapes):
    return lambda rng: tuple(rng.standard_normal(s) for s in shapes)


CASES = [
    Case(ac.add_into, arrays((2, 3), (2, 3))),
    Case(ac.add_into, arrays((1, 3), (2, 3)), id="add_into(a sum the buffer cannot hold)"),
    Case(ac.subtract_into, arrays((2, 3), (2, 3))),
    Case(ac.subtract_into, arrays((3,), (2, 3)), id="subtract_into(broadcast)"),
]
# slots: (acc, dy, a, b); a @ b has dy's shape, acc the differentiated factor's
CASES += [
    Case(ac.matmul_grad_a_into, arrays((3, 4), (3, 2), (3, 4), (4, 2)), wrt=(0, 1, 3)),
    Case(ac.matmul_grad_a_into, arrays((4, 3), (4,), (4, 3), (3,)), wrt=(0, 1, 3),
         id="matmul_grad_a_into(matrix-vector)"),
    Case(ac.matmul_grad_b_into, arrays((4, 2), (3, 2), (3, 4), (4, 2)), wrt=(0, 1, 2)),
]


def deferred(acc, pairs, fixed):
    """Arguments of a flush: ``acc``, a list of ``(dy, factor)`` pairs, the fixed factor."""
    return lambda rng: (rng.standard_normal(acc),
                        [(rng.standard_normal(d), rng.standard_normal(f)) for d, f in pairs],
                        rng.standard_normal(fixed))


# deferred products (slots of *_defer: acc, dy, a, b, parts; of *_flush: acc, parts, fixed)
CASES += [
    Case(ac.matmul_grad_b_defer, lambda rng: (*arrays((4, 2), (3, 2), (3, 4), (4, 2))(rng), []),
         wrt=(0, 1, 2)),
    Case(ac.matmul_grad_a_defer, lambda rng: (*arrays((3, 4), (3, 2), (3, 4), (4, 2))(rng), []),
         wrt=(0, 1, 3)),
    Case(ac.matmul_grad_b_flush, deferred((4, 2), [((3, 2), (3, 4)), ((1, 2), (1, 4))], (4, 2)),
         wrt=(0, 1)),
    Case(ac.matmul_grad_b_flush, deferred((4, 2), [((2,), (4,)), ((3, 2), (3, 4))], (4, 2)),
         wrt=(0, 1), id="matmul_grad_b_flush(a vector part: one by one)"),
    Case(ac.matmul_grad_a_flush, deferred((3, 4), [((3, 2), (4, 2)), ((3, 5), (4, 5))], (3, 4)),
         wrt=(0, 1)),
]
# outer products (slots of outer_defer: acc, x, y, parts; of outer_flush: acc, parts)
CASES += [
    # (a batch of adjoints does not wait: the rule is checked on the sum made at once)
    Case(ac.outer_defer, lambda rng: (*arrays((2, 3, 4), (3,), (4,))(rng), []), wrt=(0, 1, 2)),
    Case(ac.outer_flush, lambda rng: (rng.standard_normal((3, 4)), [
        (rng.standard_normal(3), rng.standard_normal(4)) for _ in range(3)]), wrt=(0, 1)),
]
