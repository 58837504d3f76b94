"""In-place accumulation (``dW += g``): only where no alias can observe it.

Tangent's in-place accumulation gave silently wrong gradients where an adjoint buffer was
shared; each program here shares one on purpose (two parameters bound to one array, an adjoint
assigned from another adjoint, copies inside loops) and is checked against finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import gradcheck


def _rnn(h, w, xs):
    for t in range(xs.shape[0]):
        h = np.tanh(h @ w + xs[t])
    return np.sum(h * h)


def _copied_in_loop(x, w):
    h = x
    for _ in range(3):
        g = h  # dg and dh are one adjoint
        h = np.tanh(g * w) + g
    return np.sum(h * h)


def _adjoint_from_adjoint(x, w):
    t = np.sin(x)
    u = t  # dt is assigned from du, then accumulated into
    s = 0.0
    for _ in range(3):
        s = s + np.sum(u * w) + np.sum(t * t)
    return s


def _two_uses_each_step(x, w):
    s = 0.0
    for i in range(4):
        a = x * w
        b = a * a
        s = s + np.sum(b + a * i)
    return s


def _matrix_twice(x, w):
    y = x
    for _ in range(2):
        y = np.tanh(y @ w) + y @ w
    return np.sum(y)


def _alias_through_unbroadcast(x, w):
    a = x * w
    b = a + x  # da and dx are both db itself (unbroadcast returns its argument)
    return np.sum(b * b)  # then dx is accumulated into while da is still to be read


def _loop_alias_through_unbroadcast(x, w):
    s = 0.0
    for _ in range(2):
        a = x * w
        b = a + x
        s = s + np.sum(b * b)
    return s


def _complex_contribution(x):
    s = 0.0
    for _ in range(2):
        z = x * (1.0 + 2.0j)  # dx gets complex contributions; the API keeps the real part
        s = s + np.sum(np.real(z * np.conj(z)))
    return s


def _complex_weights(x, w):
    s = 0.0
    for _ in range(3):
        z = np.exp(1j * x) @ w
        s = s + np.real(np.sum(z * np.conj(z)))
    return s


def _rng_args(backend, *shapes):
    rng = np.random.default_rng(3)
    return [backend.to(rng.normal(size=s) * 0.5) for s in shapes]


def test_rnn_accumulates_the_weight_in_place(backend):
    h, w, xs = _rng_args(backend, (2, 3), (3, 3), (4, 2, 3))
    grad = tg.grad(_rnn, wrt=(0, 1), fallback="error")
    assert "dw = matmul_grad_b_defer(dw, " in tg.source(grad)  # _into, deferred (defer.py)
    assert gradcheck(_rnn, (h, w, xs), wrt=(0, 1), grad=grad)


@pytest.mark.parametrize("fn", [_copied_in_loop, _adjoint_from_adjoint, _two_uses_each_step,
                                _matrix_twice, _alias_through_unbroadcast,
                                _loop_alias_through_unbroadcast])
def test_shared_adjoints_match_finite_differences(fn, backend):
    x, w = _rng_args(backend, (3, 3), (3, 3))
    assert gradcheck(fn, (x, w), wrt=(0, 1), grad=tg.grad(fn, wrt=(0, 1), fallback="error"))


def test_two_parameters_bound_to_one_array(backend):
    (w,) = _rng_args(backend, (3, 3))
    h = backend.to(np.ones((2, 3)))
    xs = backend.to(np.zeros((3, 2, 3)))

    def f(a, b):
        return _rnn(h @ a, b, xs)

    grad = tg.grad(f, wrt=(0, 1), fallback="error")
    before = backend.back(w).copy()
    ga, gb = grad(w, w)
    assert ga is not gb
    assert np.array_equal(backend.back(w), before)  # the caller's array is untouched
    assert gradcheck(f, (w, w), wrt=(0, 1), grad=grad)
    ga2, gb2 = grad(w, w)  # a second call starts from fresh buffers
    assert np.allclose(backend.back(ga2), backend.back(ga))
    assert np.allclose(backend.back(gb2), backend.back(gb))


def _first_contribution_is_a_copy(x, w):
    t = np.sin(x)
    a = t * w
    u = t  # the reverse sweep's first contribution to dt is du itself: ``dt = du``
    return np.sum(a * a) + np.sum(u * u)


def test_no_in_place_update_where_the_buffer_is_shared(backend):
    f = _first_contribution_is_a_copy
    grad = tg.grad(f, wrt=(0, 1), fallback="error")
    source = tg.source(grad)
    assert "dt = du" in source and "dt += " not in source and "du += " not in source
    x, w = _rng_args(backend, (3,), (3,))
    assert gradcheck(f, (x, w), wrt=(0, 1), grad=grad)


def _big_rnn_args(hidden):
    rng = np.random.default_rng(5)
    return (rng.normal(size=(2, hidden)) * 0.3, rng.normal(size=(hidden, hidden)) * 0.05,
            rng.normal(size=(3, 2, hidden)))


def test_blas_accumulation_matches_the_plain_sum(monkeypatch):
    from tangentish.runtime import accumulate

    h, w, xs = _big_rnn_args(128)  # w has GEMM_MIN_SIZE elements: BLAS adds into dw
    assert w.size >= accumulate.GEMM_MIN_SIZE
    fast = tg.grad(_rnn, wrt=(0, 1), fallback="error")(h, w, xs)
    monkeypatch.setattr(accumulate, "GEMM_MIN_SIZE", 10**9)
    plain = tg.grad(_rnn, wrt=(0, 1), fallback="error")(h, w, xs)
    for a, b in zip(fast, plain):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("hidden", [3, 128])
def test_hessian_vector_product_through_in_place_updates(hidden):
    h, w, xs = _big_rnn_args(hidden)
    v = np.random.default_rng(6).normal(size=w.shape)
    got = tg.hvp(_rnn, w, v, args=(h, xs), wrt=1, fallback="error")
    grad = tg.grad(_rnn, wrt=1, fallback="error")
    eps = 1e-5
    want = (grad(h, w + eps * v, xs) - grad(h, w - eps * v, xs)) / (2 * eps)
    assert np.allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("fn, shapes", [(_complex_contribution, [(3,)]),
                                        (_complex_weights, [(3,), (3, 3)])])
def test_complex_contributions_to_a_real_buffer(fn, shapes):
    args = [np.random.default_rng(7).normal(size=s) * 0.5 for s in shapes]
    grad = tg.grad(fn, wrt=0, fallback="error")
    assert "dx = add_into(dx, " in tg.source(grad)  # a real buffer, complex contributions
    assert gradcheck(fn, args, wrt=0, grad=grad)
