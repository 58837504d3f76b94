"""tg.defvjp / tg.defjvp: user rules honoured by the compiler (inlined or called), the tape and
forward mode, each checked against finite differences (the examples of docs/custom-rules.md)."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from scipy.special import digamma, gammaln

import tangentish as tg
from tangentish.checking import numerical_grad as _numerical

# ---------------------------------------------------------------- the three examples


def logsumexp(x):
    # A with statement: the compiler could not transform this body. With a rule it never has to.
    with np.errstate(over="ignore"):
        m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


@tg.defvjp(logsumexp)
def logsumexp_vjp(dy, y, x):
    return dy * np.exp(x - y)


@tg.defjvp(logsumexp)
def logsumexp_jvp(dx, y, x):
    return np.sum(dx * np.exp(x - y))


def clip_gradient(x, bound):
    """The identity going forward; the gradient flowing back is clipped to norm ``bound``."""
    return x


def clip_gradient_vjp(dy, y, x, bound):
    norm = np.sqrt(np.sum(dy * dy))
    scale = np.minimum(1.0, bound / np.maximum(norm, 1e-300))
    return dy * scale


def clip_gradient_jvp(dx, y, x, bound):
    return dx


def clip_gradient_jvp_bound(dbound, y, x, bound):
    return np.zeros_like(y)  # the bound changes only the gradient, never the value


tg.defvjp(clip_gradient, clip_gradient_vjp)
tg.defjvp(clip_gradient, clip_gradient_jvp, clip_gradient_jvp_bound)


def gammaln_vjp(dy, y, x):
    return dy * digamma(x)


def gammaln_jvp(dx, y, x):
    return dx * digamma(x)


tg.defvjp(gammaln, gammaln_vjp)
tg.defjvp(gammaln, gammaln_jvp)


def uses_logsumexp(x, w):
    return logsumexp(x * w) * 2.0


def uses_gammaln(x):
    return np.sum(gammaln(x * x + 1.0))


def uses_clip(x, bound):
    return np.sum(np.sin(clip_gradient(x * 3.0, bound)))


def numerical_grad(f, args, argnum):
    """Central differences of scalar ``f`` w.r.t. array argument ``argnum``."""
    grads, build = _numerical(f, args, argnum)
    return build(grads)


def _tape_grad(f, *args):
    leaves = [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in args]
    f(*leaves).backward()
    return [t.grad.numpy() for t in leaves]


def _directional(f, args, pos, tangent, eps=1e-6):
    plus, minus = list(args), list(args)
    plus[pos], minus[pos] = args[pos] + eps * tangent, args[pos] - eps * tangent
    return (f(*plus) - f(*minus)) / (2 * eps)


RNG = np.random.default_rng(0)
X = RNG.normal(size=5)
W = RNG.normal(size=5)


def test_logsumexp_rule_inlined_and_exact_in_both_modes(backend):
    expected = numerical_grad(uses_logsumexp, [X, W], 0)
    df = tg.grad(uses_logsumexp, wrt=(0, 1), fallback="error")
    dx, dw = df(backend.to(X), backend.to(W))
    np.testing.assert_allclose(backend.back(dx), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(backend.back(dw), numerical_grad(uses_logsumexp, [X, W], 1),
                               rtol=1e-6, atol=1e-8)
    tape_dx, tape_dw = _tape_grad(uses_logsumexp, X, W)
    np.testing.assert_allclose(tape_dx, backend.back(dx), rtol=1e-12)
    np.testing.assert_allclose(tape_dw, backend.back(dw), rtol=1e-12)
    # one return expression: inlined, so the generated code reads like the rule
    assert "np.exp(x * w - " in tg.source(df) and "logsumexp_vjp" not in tg.source(df)


def test_logsumexp_is_stable_where_the_naive_gradient_overflows():
    big = np.array([1000.0, 1001.0, 999.0])
    dx = tg.grad(logsumexp, fallback="error")(big)
    softmax = np.exp(big - big.max()) / np.sum(np.exp(big - big.max()))
    np.testing.assert_allclose(dx, softmax, rtol=1e-12)
    np.testing.assert_allclose(_tape_grad(logsumexp, big)[0], softmax, rtol=1e-12)


def test_logsumexp_jvp_rule_in_forward_mode():
    t = RNG.normal(size=5)
    value, tangent = tg.jvp(uses_logsumexp, (X, W), (t, np.zeros(5)))
    assert value == pytest.approx(uses_logsumexp(X, W))
    assert tangent == pytest.approx(_directional(uses_logsumexp, [X, W], 0, t), rel=1e-6)
    assert "np.sum(t_t1 * np.exp(_t1 - " in tg.source(tg.jvp(uses_logsumexp))


def test_a_function_with_a_rule_is_never_transformed():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning: the with statement is never read
        tg.grad(logsumexp, fallback="error")(X)
    assert "with np.errstate" in inspect.getsource(logsumexp)  # its source is still the user's


def test_clip_gradient_rule_is_called_and_clips():
    df = tg.grad(uses_clip, fallback="error")
    source = tg.source(df)
    assert "clip_gradient_vjp(" in source  # several statements: called, not inlined
    x = RNG.normal(size=4)
    # a large bound: the identity's gradient, as finite differences see it
    np.testing.assert_allclose(df(x, 1e6), numerical_grad(uses_clip, [x, 1e6], 0), rtol=1e-6)
    # a small bound: the cotangent reaching clip_gradient is clipped to norm 0.1
    upstream = np.cos(3.0 * x)
    expected = 3.0 * upstream * 0.1 / np.linalg.norm(upstream)
    np.testing.assert_allclose(df(x, 0.1), expected, rtol=1e-12)
    np.testing.assert_allclose(_tape_grad(lambda t: uses_clip(t, 0.1), x)[0], expected,
                               rtol=1e-12)


def test_clip_gradient_jvp_is_the_identity():
    x, t = RNG.normal(size=4), RNG.normal(size=4)
    _, tangent = tg.jvp(uses_clip, (x, 0.1), (t, 0.0))
    assert tangent == pytest.approx(_directional(uses_clip, [x, 0.1], 0, t), rel=1e-6)


def test_opaque_library_ufunc_gets_its_rule_everywhere():
    x = np.abs(RNG.normal(size=4)) + 0.5
    expected = numerical_grad(uses_gammaln, [x], 0)
    df = tg.grad(uses_gammaln, fallback="error")
    np.testing.assert_allclose(df(x), expected, rtol=1e-6)
    assert "digamma(" in tg.source(df)
    np.testing.assert_allclose(_tape_grad(uses_gammaln, x)[0], expected, rtol=1e-6)
    t = RNG.normal(size=4)
    _, tangent = tg.jvp(uses_gammaln, (x,), (t,))
    assert tangent == pytest.approx(_directional(uses_gammaln, [x], 0, t), rel=1e-6)


# ---------------------------------------------------------------- the registration API


def test_decorator_returns_the_rule_and_call_form_returns_the_primal():
    def cube(x):
        return x * x * x

    def cube_vjp(dy, y, x):
        return dy * 3.0 * x * x

    assert tg.defvjp(cube, cube_vjp) is cube
    assert tg.defjvp(cube)(cube_vjp) is cube_vjp
    assert tg.grad(cube)(2.0) == pytest.approx(12.0)


def test_argnum_decorator_registers_a_later_argument_and_closures_keep_working():
    scale = 2.0

    def scaled_mul(a, b):
        return scale * a * b

    @tg.defvjp(scaled_mul, argnum=1)
    def scaled_mul_vjp_b(dy, y, a, b):
        return dy * scale * a

    assert scaled_mul(3.0, 4.0) == 24.0  # the closure cell is the function's own
    f = lambda a, b: scaled_mul(a, b) ** 2  # noqa: E731
    assert tg.grad(f, wrt=1, fallback="error")(3.0, 4.0) == pytest.approx(2 * 24.0 * 6.0)
    assert _tape_grad(lambda b: f(3.0, b), 4.0)[0] == pytest.approx(2 * 24.0 * 6.0)


def test_missing_argument_rule_is_reported():
    def two(a, b):
        return a * b

    tg.defvjp(two, lambda dy, y, a, b: dy * b)
    with pytest.raises(tg.TransformError, match="argument 1 of"):
        tg.grad(lambda a, b: two(a, b), wrt=1, fallback="error")(1.0, 2.0)


def test_first_argument_must_be_callable():
    with pytest.raises(TypeError, match="function the rule is for"):
        tg.defvjp(3.0, lambda dy, y, x: dy)


def test_second_order_through_an_inlined_rule():
    # the generated adjoint reads y = logsumexp(_t1) and np.exp(_t1 - y): transformed again,
    # the rule of logsumexp differentiates y, so the Hessian is softmax's Jacobian
    x = RNG.normal(size=4)
    hess = tg.hessian(logsumexp)(x)
    p = np.exp(x - logsumexp(x))
    np.testing.assert_allclose(hess, np.diag(p) - np.outer(p, p), rtol=1e-9, atol=1e-12)


def test_docstring_examples():
    import doctest

    from tangentish import custom

    result = doctest.testmod(custom)
    assert result.attempted and not result.failed


def polar(x, y):
    return np.hypot(x, y), np.arctan2(y, x)


def polar_vjp_x(dout, out, x, y):
    dr, dt = dout
    r, _ = out
    return dr * x / r - dt * y / (r * r)


def polar_vjp_y(dout, out, x, y):
    dr, dt = dout
    r, _ = out
    return dr * y / r + dt * x / (r * r)


tg.defvjp(polar, polar_vjp_x, polar_vjp_y)


def uses_polar(x, y):
    r, t = polar(x, y)
    return np.sum(r * np.sin(t) + r * r)


def test_a_rule_for_a_function_with_two_results():
    y = RNG.normal(size=5)
    expected = [numerical_grad(uses_polar, [X, y], i) for i in (0, 1)]
    got = tg.grad(uses_polar, wrt=(0, 1), fallback="error")(X, y)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)
    for g, e in zip(_tape_grad(uses_polar, X, y), expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


def test_registering_a_rule_later_is_seen_by_new_gradients():
    def halve(x):
        return x * 0.5

    def f(x):
        return np.sum(halve(x))

    np.testing.assert_allclose(tg.grad(f)(X), np.full(5, 0.5))
    tg.defvjp(halve, lambda dy, y, x: dy * 3.0)  # deliberately not halve's derivative
    np.testing.assert_allclose(tg.grad(f)(X), np.full(5, 3.0))
