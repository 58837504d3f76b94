"""matmul_grad_*_defer / _flush: the products a loop kept, added after it, always exactly.

The flush stacks the factors into one product only where that is the same sum (matrices of
one type and dtype, consistent shapes) and adds them one by one otherwise; the deferred step
keeps a product only for a big NumPy adjoint and flushes as soon as enough rows wait.
"""

from __future__ import annotations

import numpy as np
import pytest

from tangentish.runtime import accumulate as ac
from tangentish.runtime.rules.linalg import matmul_grad_a, matmul_grad_b


def _one_by_one_b(acc, parts, b):
    for dy, a in parts:
        acc = acc + matmul_grad_b(dy, a, b)
    return acc


def _one_by_one_a(acc, parts, a):
    for dy, b in parts:
        acc = acc + matmul_grad_a(dy, a, b)
    return acc


_B_PARTS = {  # name: (acc / fixed shape, [(dy shape, a shape), ...])
    "matrices": ((6, 5), [((3, 5), (3, 6)), ((4, 5), (4, 6)), ((1, 5), (1, 6))]),
    "vectors": ((6, 5), [((5,), (6,)), ((5,), (6,))]),
    "batches": ((6, 5), [((2, 3, 5), (2, 3, 6)), ((2, 3, 5), (2, 3, 6))]),
    "mixed ranks": ((6, 5), [((3, 5), (3, 6)), ((5,), (6,))]),
    "one": ((6, 5), [((3, 5), (3, 6))]),
    "none": ((6, 5), []),
}


@pytest.mark.parametrize("name", sorted(_B_PARTS))
def test_flush_b_is_the_sum_of_the_products(name, backend):
    rng = np.random.default_rng(0)
    shape, pairs = _B_PARTS[name]
    acc, b = rng.standard_normal(shape), rng.standard_normal(shape)
    parts = [(rng.standard_normal(d), rng.standard_normal(a)) for d, a in pairs]
    want = _one_by_one_b(acc, parts, b)
    on = [(backend.to(d), backend.to(a)) for d, a in parts]
    got = ac.matmul_grad_b_flush(backend.to(acc.copy()), on, backend.to(b))
    assert type(got) is type(backend.to(acc))  # never converted to NumPy
    np.testing.assert_allclose(backend.back(got), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sizes", [(2, 3, 1), (4,)], ids=["several", "one"])
def test_flush_a_is_the_sum_of_the_products(sizes, backend):
    rng = np.random.default_rng(1)
    acc, a = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
    parts = [(rng.standard_normal((5, m)), rng.standard_normal((6, m))) for m in sizes]
    want = _one_by_one_a(acc, parts, a)
    got = ac.matmul_grad_a_flush(backend.to(acc.copy()),
                                 [(backend.to(d), backend.to(b)) for d, b in parts],
                                 backend.to(a))
    np.testing.assert_allclose(backend.back(got), want, rtol=1e-12, atol=1e-12)


def test_flush_does_not_promote_mixed_dtypes_together():
    rng = np.random.default_rng(2)
    acc, b = np.zeros((6, 5)), rng.standard_normal((6, 5))
    parts = [(rng.standard_normal((3, 5)).astype(np.float32), rng.standard_normal((3, 6))
              .astype(np.float32)), (rng.standard_normal((2, 5)), rng.standard_normal((2, 6)))]
    want = _one_by_one_b(acc, parts, b)
    np.testing.assert_allclose(ac.matmul_grad_b_flush(acc.copy(), parts, b), want, rtol=1e-6)


def test_big_flush_writes_into_the_buffer_and_reuses_scratch():
    rng = np.random.default_rng(3)
    acc, b = rng.standard_normal((256, 128)), rng.standard_normal((256, 128))
    parts = [(rng.standard_normal((16, 128)), rng.standard_normal((16, 256))) for _ in range(8)]
    want = _one_by_one_b(acc, parts, b)
    out = ac.matmul_grad_b_flush(acc, parts, b)
    assert out is acc  # BLAS added the stacked product into the buffer
    np.testing.assert_allclose(out, want, rtol=1e-10)
    again = ac.matmul_grad_b_flush(np.zeros_like(b), parts, b)  # the scratch reused
    np.testing.assert_allclose(again, _one_by_one_b(np.zeros_like(b), parts, b), rtol=1e-10)


@pytest.mark.parametrize("which", ["a", "b"])
def test_defer_keeps_products_of_a_big_adjoint_and_flushes_when_enough_rows_wait(which):
    rng = np.random.default_rng(4)
    n = 512  # 512 x 512 doubles: 2 MB, over DEFER_MIN_BYTES
    fixed = rng.standard_normal((n, n))
    acc = np.zeros((n, n))
    steps = ac.FLUSH_ROWS // 16 + 2
    factors = [(rng.standard_normal((16, n)) if which == "b" else rng.standard_normal((n, 16)),
                rng.standard_normal((16, n)) if which == "b" else rng.standard_normal((n, 16)))
               for _ in range(steps)]
    defer, flush = ((ac.matmul_grad_b_defer, ac.matmul_grad_b_flush) if which == "b" else
                    (ac.matmul_grad_a_defer, ac.matmul_grad_a_flush))
    parts: list = []
    for k, (dy, x) in enumerate(factors):
        args = (dy, x, fixed) if which == "b" else (dy, fixed, x)
        acc = defer(acc, *args, parts)
        waiting = (k + 1) % (ac.FLUSH_ROWS // 16)
        assert len(parts) == waiting  # kept, until FLUSH_ROWS rows wait
    acc = flush(acc, parts, fixed)
    one = _one_by_one_b if which == "b" else _one_by_one_a
    np.testing.assert_allclose(acc, one(np.zeros((n, n)), factors, fixed), rtol=1e-10,
                               atol=1e-12)


def test_defer_adds_at_once_for_small_adjoints_and_other_arrays(backend):
    rng = np.random.default_rng(5)
    acc, dy, a, b = (rng.standard_normal(s) for s in [(6, 5), (3, 5), (3, 6), (6, 5)])
    parts: list = []
    out = ac.matmul_grad_b_defer(backend.to(acc.copy()), backend.to(dy), backend.to(a),
                                 backend.to(b), parts)
    assert parts == []
    np.testing.assert_allclose(backend.back(out), acc + matmul_grad_b(dy, a, b), rtol=1e-12)


def _outer_sum(acc, parts):
    for x, y in parts:
        acc = acc + x[:, None] * y
    return acc


@pytest.mark.parametrize("lengths", [[(3, 4)] * 5, [(1, 4), (5, 4)], [(3, 4)]],
                         ids=["stackable", "lengths that add up but differ", "one"])
def test_outer_flush_is_the_sum_of_the_outer_products(lengths, backend):
    rng = np.random.default_rng(6)
    acc = rng.standard_normal((3, 4))
    parts = [(rng.standard_normal(n), rng.standard_normal(m)) for n, m in lengths]
    if lengths[0][0] == 1:  # x of length 1 broadcasts over acc's rows, one by one
        acc = rng.standard_normal((5, 4))
    want = _outer_sum(acc, parts)
    got = ac.outer_flush(backend.to(acc.copy()),
                         [(backend.to(x), backend.to(y)) for x, y in parts])
    np.testing.assert_allclose(backend.back(got), want, rtol=1e-12, atol=1e-12)


def test_outer_defer_keeps_vectors_and_flushes_when_enough_wait():
    rng = np.random.default_rng(7)
    acc, parts = np.zeros((3, 4)), []
    pairs = [(rng.standard_normal(3), rng.standard_normal(4)) for _ in range(ac.FLUSH_ROWS + 3)]
    for x, y in pairs:
        acc = ac.outer_defer(acc, x, y, parts)
    assert len(parts) == 3  # FLUSH_ROWS were added on the way
    np.testing.assert_allclose(ac.outer_flush(acc, parts), _outer_sum(np.zeros((3, 4)), pairs),
                               rtol=1e-10, atol=1e-12)
    x, y = pairs[0]
    other = ac.outer_defer(np.zeros((3, 4), np.float32), x, y, parts)
    assert len(parts) == 3  # another dtype: added at once
    np.testing.assert_allclose(other, x[:, None] * y, rtol=1e-6)
