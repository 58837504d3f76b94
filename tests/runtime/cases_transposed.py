"""Rule cases for runtime/transposed.py (a loop-fixed matrix transposed once)."""

from tangentish.runtime import transposed as tr
from tests.runtime.rulecheck import Case


def arrays(*shapes, steps=None):
    def draw(rng):
        out = tuple(rng.standard_normal(s) for s in shapes)
        return out if steps is None else (*out, steps)
    return draw


CASES = [
    Case(tr.transposed, arrays((3, 4), steps=range(5)), id="transposed(copied)"),
    Case(tr.transposed, arrays((2, 3, 4), steps=range(5)), id="transposed(a batch: a view)"),
    Case(tr.transposed, arrays((4,)), id="transposed(a vector)"),
    # slots: (dy, a, bt) with bt = transposed(b): a @ b has dy's shape
    Case(tr.matmul_grad_a_t, arrays((3, 2), (3, 4), (2, 4)), wrt=(0, 2)),
    Case(tr.matmul_grad_a_t, arrays((3,), (3, 4), (4,)), wrt=(0, 2),
         id="matmul_grad_a_t(matrix-vector)"),
    Case(tr.matmul_grad_a_t, arrays((2, 3, 2), (2, 3, 4), (2, 2, 4)), wrt=(0, 2),
         id="matmul_grad_a_t(batched)"),
]
