"""matmul_grad_*_into: BLAS adds the product into the buffer; every other case adds plainly."""

from __future__ import annotations

import numpy as np
import pytest

from tangentish.runtime import accumulate as ac
from tangentish.runtime.rules.linalg import matmul_grad_a, matmul_grad_b

BIG = (256, 128)  # over GEMM_MIN_SIZE elements


def _operands(rng, m, k, n, dtype):
    a, b = rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)
    return a, b, rng.standard_normal((m, n)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("which", ["a", "b"])
def test_big_buffers_are_updated_in_place(which, dtype):
    rng = np.random.default_rng(0)
    m, k, n = (16, *BIG) if which == "b" else (BIG[0], BIG[1], 16)
    a, b, dy = _operands(rng, m, k, n, dtype)
    fn, plain = (ac.matmul_grad_a_into, matmul_grad_a) if which == "a" else (
        ac.matmul_grad_b_into, matmul_grad_b)
    acc = rng.standard_normal(a.shape if which == "a" else b.shape).astype(dtype)
    assert acc.size >= ac.GEMM_MIN_SIZE
    want = acc + plain(dy, a, b)
    out = fn(acc, dy, a, b)
    assert out is acc and out.dtype == dtype
    assert np.allclose(out, want, rtol=1e-4 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("layout", ["fortran", "small", "mixed"])
def test_other_buffers_get_a_new_sum_and_stay_untouched(layout):
    rng = np.random.default_rng(1)
    a, b, dy = _operands(rng, 16, *BIG, np.float64)
    acc = rng.standard_normal(b.shape)
    if layout == "fortran":
        acc = np.asfortranarray(acc)
    elif layout == "small":
        a, b, dy = a[:, :4], b[:4, :3], dy[:, :3]
        acc = acc[:4, :3].copy()
    else:
        acc = acc.astype(np.float32)
    before = acc.copy()
    out = ac.matmul_grad_b_into(acc, dy, a, b)
    assert np.allclose(out, before + matmul_grad_b(dy, a, b), rtol=1e-5)
    assert np.array_equal(acc, before)


def test_every_backend_gets_the_sum(backend):
    rng = np.random.default_rng(2)
    a, b, dy = _operands(rng, 16, *BIG, np.float64)
    acc = rng.standard_normal(b.shape)
    want = acc + a.T @ dy  # before the call: on NumPy the call updates acc itself
    out = ac.matmul_grad_b_into(backend.to(acc), backend.to(dy), backend.to(a), backend.to(b))
    assert np.allclose(backend.back(out), want)


def test_without_scipy_the_sum_is_plain(monkeypatch):
    monkeypatch.setattr(ac, "_GEMMS", {})  # as when SciPy is not installed
    rng = np.random.default_rng(3)
    a, b, dy = _operands(rng, 16, *BIG, np.float64)
    acc = rng.standard_normal(b.shape)
    before = acc.copy()
    out = ac.matmul_grad_b_into(acc, dy, a, b)
    assert np.allclose(out, before + a.T @ dy) and np.array_equal(acc, before)


def test_add_into_updates_in_place_or_makes_what_plus_makes():
    acc = np.zeros(3)
    assert ac.add_into(acc, np.ones(3)) is acc and acc.tolist() == [1.0, 1.0, 1.0]
    out = ac.add_into(acc, np.full(3, 1j))  # a real buffer cannot hold a complex sum
    assert out.dtype == np.complex128 and acc.tolist() == [1.0, 1.0, 1.0]
    assert ac.subtract_into(2.0, 0.5) == 1.5  # numbers: a new value, as -= gives
