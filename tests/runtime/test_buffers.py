"""The large-buffer pool: a buffer is reused only when nothing outside the pool refers to it."""

import threading

import numpy as np
import pytest

import tangentish as tg
from tangentish.runtime import buffers
from tangentish.runtime.rules.linalg import matmul_grad_a, matmul_grad_b

BIG = (512, 512)  # 2 MiB of float64: above MIN_BYTES


@pytest.fixture(autouse=True)
def _empty_pool():
    buffers.release()
    yield
    buffers.release()


def test_a_dropped_buffer_is_reused():
    first = buffers.empty(BIG, np.float64)
    address = first.ctypes.data
    del first
    again = buffers.empty(BIG, np.float64)
    assert again.ctypes.data == address


@pytest.mark.parametrize("keep", [
    lambda a: a,
    lambda a: a[1:, :3],  # a view holds its base
    lambda a: a.T[::2],  # a view of a view still holds the owner
    memoryview,
    lambda a: np.frombuffer(a, dtype=np.uint8),
    lambda a: [a],
])
def test_a_held_buffer_is_never_handed_out(keep):
    first = buffers.empty(BIG, np.float64)
    first.fill(7.0)
    holder = keep(first)
    address = first.ctypes.data
    del first
    other = buffers.empty(BIG, np.float64)
    assert other.ctypes.data != address
    other.fill(-1.0)
    assert holder is not None
    view = np.asarray(holder[0] if isinstance(holder, list) else holder)
    assert view.dtype == np.uint8 or np.all(view == 7.0)


def test_small_and_integer_arrays_bypass_the_pool():
    small = buffers.empty((8, 8), np.float64)
    ints = buffers.empty(BIG, np.int64)
    assert buffers.held_bytes() == 0
    assert small.shape == (8, 8) and ints.dtype == np.int64


def test_the_pool_keeps_under_its_byte_limit(monkeypatch):
    monkeypatch.setattr(buffers, "MAX_BYTES", 3 * 512 * 512 * 8)
    held = [buffers.empty(BIG, np.float64) for _ in range(5)]
    assert buffers.held_bytes() <= buffers.MAX_BYTES
    assert len({a.ctypes.data for a in held}) == 5


def test_release_forgets_every_buffer():
    buffers.empty(BIG, np.float64)
    assert buffers.held_bytes() == BIG[0] * BIG[1] * 8
    buffers.release()
    assert buffers.held_bytes() == 0


def test_zeros_are_zero_even_in_a_reused_buffer():
    dirty = buffers.empty(BIG, np.float64)
    dirty.fill(3.0)
    del dirty
    assert not np.any(buffers.zeros(BIG, np.float64))


def test_matmul_gradients_use_the_pool_and_stay_right():
    rng = np.random.default_rng(0)
    a, b, dy = rng.standard_normal((16, 512)), rng.standard_normal((512, 512)), \
        rng.standard_normal((16, 512))
    first = matmul_grad_b(dy, a, b)
    np.testing.assert_allclose(first, a.T @ dy)
    second = matmul_grad_b(2 * dy, a, b)  # first is held: a different buffer
    np.testing.assert_allclose(first, a.T @ dy)
    np.testing.assert_allclose(second, 2 * (a.T @ dy))
    np.testing.assert_allclose(matmul_grad_a(dy, a, b), dy @ b.T)


def test_gradients_the_caller_keeps_are_not_overwritten():
    def loss(w, x):
        return np.sum(np.tanh(x @ w) ** 2)

    df = tg.grad(loss, wrt=0)
    rng = np.random.default_rng(1)
    w, x = rng.standard_normal((512, 512)) * 0.05, rng.standard_normal((8, 512))
    kept = [df(w, x * k) for k in (1.0, 2.0, 3.0)]
    for k, g in zip((1.0, 2.0, 3.0), kept):
        np.testing.assert_allclose(g, df(w, x * k))
    assert len({g.ctypes.data for g in kept}) == 3


def test_threads_never_share_a_buffer():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((8, 512)), rng.standard_normal((512, 512))
    scales = np.arange(1.0, 9.0)
    results, errors = {}, []

    def work(k):
        try:
            for _ in range(20):
                g = matmul_grad_b(k * np.ones((8, 512)), a, b)
                if not np.allclose(g, k * (a.T @ np.ones((8, 512)))):
                    errors.append(k)
            results[k] = g
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(k,)) for k in scales]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({g.ctypes.data for g in results.values()}) == len(scales)


def test_release_buffers_is_public():
    buffers.empty(BIG, np.float64)
    tg.release_buffers()
    assert buffers.held_bytes() == 0
