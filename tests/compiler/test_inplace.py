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


def _modulus(z):
    return np.abs(z)


def _real_and_complex_paths(x):
    a = np.sum(np.sin(x) ** 2)
    b = np.sum(np.abs(x * np.array([1.0 + 2.0j, 0.5 - 1.0j, 2.0j])) ** 2)
    return a + b


def test_complex_values_on_the_way_to_a_real_argument():
    """|x * c|^2 with complex c: ``abs``'s rule now conjugates as JAX's convention needs (it
    gave [3.6, -2.4, 8.2] as [-1.2, -0.0, -6.2]), and a ``+=`` shape variant meeting a complex
    contribution reruns as the code with add_into."""
    x = np.array([0.3, -0.6, 0.9])
    df = tg.grad(_real_and_complex_paths, fallback="error")
    numeric = [(_real_and_complex_paths(x + e) - _real_and_complex_paths(x - e)) / 2e-6
               for e in np.eye(3) * 1e-6]
    for _ in range(2):
        np.testing.assert_allclose(df(x), numeric, rtol=1e-6)
    assert tg.grad(_modulus)(1.0 + 2.0j) == pytest.approx((1.0 - 2.0j) / np.sqrt(5.0))  # JAX's


def _accumulates(y, a, b):
    for _ in range(3):
        k = np.tanh(a @ y + b) - y
        y = y + 0.1 * k
    return np.sum(y * y)


def test_shape_variants_accumulate_with_augmented_assignment():
    rng = np.random.default_rng(5)
    args = rng.standard_normal(3), rng.standard_normal((3, 3)) * 0.3, rng.standard_normal(3)
    df = tg.grad(_accumulates, wrt=(0, 1, 2), fallback="error")
    got = df(*args)
    assert " += " in tg.source(df) and "add_into(" not in tg.source(df)
    plain = tg.grad(_accumulates, wrt=(0, 1, 2), optimize=False)(*args)
    for g, p in zip(got, plain):
        np.testing.assert_allclose(g, p, rtol=1e-12)


_C = np.array([1.0 + 1.0j, 2.0 - 0.5j, 0.5j])


def _loop_through_complex(y, a, b):
    s = 0.0
    for _ in range(3):
        k = np.tanh(a @ y + b) - y
        y = y + 0.1 * k
        s = s + np.sum(np.abs(y * _C))  # dy meets complex contributions in the loop
    return s + np.sum(y * y)


def test_an_augmented_variant_that_raises_runs_the_add_into_code():
    rng = np.random.default_rng(6)
    y, a, b = rng.standard_normal(3), rng.standard_normal((3, 3)) * 0.3, rng.standard_normal(3)
    df = tg.grad(_loop_through_complex, wrt=0, fallback="error")
    f = _loop_through_complex
    numeric = [(f(y + e, a, b) - f(y - e, a, b)) / 2e-6 for e in np.eye(3) * 1e-6]
    np.testing.assert_allclose(df(y, a, b), numeric, rtol=1e-6)  # ``dy += complex`` raised
    assert not df._last.augmented and "dy = add_into(dy, " in tg.source(df)
    np.testing.assert_allclose(df(y, a, b), numeric, rtol=1e-6)  # and the safe code stays
