"""T13: a differentiable backward on the tape (``create_graph``: tg.jvp's double VJP, tg.hvp,
tg.hessian, ``autograd.grad(create_graph=True)`` then a second backward) of NumPy code that
updates a tracked array in place after an operation saved it.

Under the compiler's fallback the update gives the array fresh memory (T4), so a first-order
backward reads the arrays as recorded; a differentiable one read the Tensor objects, which hold
the new values since, wherever the fix of ``np.sin(t, out=t)`` did not reach (elements of a
sequence argument, ``autograd.Function``'s saved tensors): silent wrong jvp/hvp, found by the
fuzzer's falls_back family. Everything is checked against central finite differences; torch's
own semantics (raise, or compute) against torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.runtime.callsite import hvp_via_tape, jvp_via_tape
from tangentish.runtime.tape.grad_mode import _state

X = np.array([0.31, -0.62, 0.47])
V = np.array([0.3, -0.8, 0.55])


# NumPy code, as the fallback runs it: only Python numbers and arrays made from x, so that each
# program runs on the duck array too.

def augassign_add(x):  # the fuzzer's program (docs/reliability.md, T13)
    t2 = x * 0.5
    y = np.cos(t2)
    t2 += x
    return np.sum(t2) + np.sum(y)


def augassign_mul(x):
    t = np.sin(x)
    y = t * t
    t *= x
    return np.sum(t * y)


def augassign_sub_div(x):
    t = x * x + 1.0
    y = np.log(t)
    t -= x * 0.5
    t /= x + 3.0
    return np.sum(y * t) + np.sum(t ** 2)


def out_unary(x):
    t = x * 1.5
    y = t ** 3
    np.sin(t, out=t)
    return np.sum(t * y)


def out_binary(x):
    t = x * 0.75
    y = np.exp(t)
    np.multiply(t, x, out=t)
    return np.sum(t) + np.sum(y * x)


def fill(x):
    t = x * x
    y = np.sin(t)
    t.fill(0.3)
    return np.sum(y * t) + np.sum(t * x)


def sort(x):
    t = x[::-1] * x + x
    y = t ** 2
    t.sort()
    return np.sum(y * t * x)


def subscript(x):
    t = x * 0.5
    y = np.cos(t)
    t[1] += x[0] ** 2
    return np.sum(t * t) + np.sum(y * t)


def twice(x):
    t = x * 0.5
    y = t * t
    t += x
    z = t * t
    t *= x
    return np.sum(y) + np.sum(z) + np.sum(t * t)


def matmul(x):
    a = np.outer(x, x[::-1])
    y = a @ x
    a *= 2.0
    return np.sum(y * y) + np.sum(a * a)


def multi_dot(x):  # a saved element of a sequence argument
    a = np.outer(x, x[::-1])
    b = np.outer(x[::-1], x)
    y = np.linalg.multi_dot([a, b, x])
    a *= x
    return np.sum(y ** 2) + np.sum(a)


def in_a_list(x):
    t = x * 0.5
    ys = [t * t, np.sin(t)]
    t *= 3.0
    return np.sum(ys[0]) + np.sum(ys[1]) + np.sum(t * t)


def where(x):
    t = x * 0.5
    y = np.where(x > 0, t * t, t)
    t += x
    return np.sum(y * t)


def keyword(x):  # a saved keyword argument (its gradient is zero: w does not depend on x)
    w = x * 0.0 + np.arange(1.0, 4.0)
    y = np.average(x * x, weights=w)
    w *= x
    return y * np.sum(w)


def add_at(x):  # exp saves its output, t * x its argument: both as they were before the add
    t = np.exp(-x * x)
    y = t * x
    np.add.at(t, [0, 0, 1], x[2])
    return np.sum(t * t) + np.sum(y * t)


# Views: NumPy code writes into memory that views share. Under the fallback the whole group
# (base and live views) moves to fresh memory before the write, so what ops saved stays; torch
# raises there (T4b). Views made by np.ravel and the like are views of the whole array.

def view_written(x):  # through a view, into a base sin saved
    t = x * 0.5
    v = t[:2]
    y = np.sin(t)
    v += x[:2]
    return np.sum(t * y)


def reversed_view(x):
    t = x * 0.5
    v = t[::-1]
    y = v * v
    v *= x
    return np.sum(t * y)


def sorted_view(x):
    t = x * x + x
    y = t * t
    v = t[1:]
    v.sort()
    return np.sum(t * y)


def row_of_a_matrix(x):
    a = np.outer(x, x[::-1])
    r = a[0]
    y = np.sin(a)
    r *= x
    return np.sum(a * y)


def reshaped(x):  # the view saved, its base written
    t = x * 0.5
    v = t.reshape(3, 1)
    y = np.sin(v)
    t += x
    return np.sum(y * v)


def ravelled(x):  # np.ravel's view sees the update (it kept the old values)
    t = np.outer(x, x)
    r = np.ravel(t)
    y = r * r
    t *= 2.0
    return np.sum(r * y)


def atleast_2d(x):
    t = x * 1.0
    r = np.atleast_2d(t)
    t *= x
    return np.sum(r * r)


def diagonal(x):  # a strided view (np.diagonal's) sees the update
    t = np.outer(x, x)
    d = np.diagonal(t)
    y = d * d
    t *= 2.0
    return np.sum(d * y) + np.sum(t)


def flipped(x):
    t = np.outer(x, x)
    m = np.fliplr(t)
    y = np.sin(m)
    t[1] *= x
    return np.sum(m * y)


def split_parts(x):  # np.split's parts are views: each sees the update of the whole
    t = np.outer(x, x)
    p, q, r = np.split(t, 3)
    y = q * q
    t *= 2.0
    return np.sum(p * y) + np.sum(r)


def split_part_written(x):  # and the whole sees the update of a part
    t = np.outer(x, x[::-1])
    _, right = np.hsplit(t, [1])
    y = np.sin(t)
    right *= x[:, None]
    return np.sum(t * y)


def add_at_a_view(x):  # the base's history gets the sums too (its gradient missed them)
    t = x * 1.0
    v = t[:2]
    y = np.sin(t)
    np.add.at(v, [0, 0], x[2])
    return np.sum(t * t) + np.sum(t * y)


def scaled(x, *, scale):
    """A user's primitive with a keyword-only data argument (its rule reads it)."""
    return x * scale


def scaled_vjp(dy, y, x, *, scale):
    return dy * scale


tg.defvjp(scaled, scaled_vjp)


def keyword_only(x):  # a saved keyword argument that no position can take
    s = x * 0.0 + 2.0
    y = scaled(np.sin(x), scale=s)
    s *= x
    return np.sum(y * y) + np.sum(s * x)


PROGRAMS = [augassign_add, augassign_mul, augassign_sub_div, out_unary, out_binary, fill, sort,
            subscript, twice, matmul, multi_dot, in_a_list, where, add_at, keyword,
            keyword_only, view_written, reversed_view, sorted_view, row_of_a_matrix, reshaped,
            ravelled, atleast_2d, diagonal, flipped, split_parts, split_part_written,
            add_at_a_view]
#: The programs the compiler refuses (they reach the tape through the public API).
REFUSED = [out_unary, out_binary, fill, sort, add_at]


def _gradient(f, x):
    return numerical_grad(f, [x], 0)[0][0]


def _hvp(f, x, v, step=1e-3):
    """Central differences of the (difference) gradient along ``v``, extrapolated
    (Richardson: the step**2 term cancels)."""
    def diff(h):
        return (_gradient(f, x + h * v) - _gradient(f, x - h * v)) / (2 * h)

    return (4 * diff(step) - diff(2 * step)) / 3


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_jvp_on_the_tape(f, backend):
    _, tangent = jvp_via_tape(f, (backend.to(X.copy()),), (backend.to(V),))
    _close(backend.back(tangent), _gradient(f, X) @ V)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_hvp_on_the_tape(f, backend, saving):
    got = hvp_via_tape(f, (backend.to(X.copy()),), 0, backend.to(V))
    _close(backend.back(got), _hvp(f, X, V))


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_create_graph_then_a_second_backward(f, backend):
    p = tg.tensor(backend.to(X.copy()), requires_grad=True)
    previous, _state.fallback = _state.fallback, True
    try:
        out = f(p * 1.0)
    finally:
        _state.fallback = previous
    (g,) = tg.autograd.grad(out, p, create_graph=True)
    _close(backend.back(g.detach()._data), _gradient(f, X))
    (g * tg.tensor(backend.to(V))).sum().backward()
    _close(backend.back(p.grad._data), _hvp(f, X, V))


@pytest.mark.filterwarnings("ignore::tangentish.errors.TransformWarning")  # (the fallback)
@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_public_api_on_the_tape(f, backend):
    with pytest.raises(tg.TransformError):  # so what follows is the tape's
        tg.jvp(f, (X.copy(),), (V,), fallback="error")
    _, tangent = tg.jvp(f, (backend.to(X.copy()),), (backend.to(V),))
    _close(backend.back(tangent), _gradient(f, X) @ V)
    _close(backend.back(tg.hvp(f, backend.to(X.copy()), backend.to(V))), _hvp(f, X, V))
    hessian = np.stack([_hvp(f, X, e) for e in np.eye(3)], axis=1)
    _close(backend.back(tg.hessian(f)(backend.to(X.copy()))), hessian)


def test_a_write_through_a_view_that_cannot_be_put_back_is_refused(backend):
    def f(x):
        t = x * 1.0
        np.flip(t)[0] = x[1] ** 2  # NumPy writes t[2]; the tape could not follow it
        return np.sum(t * t)

    with pytest.raises(RuntimeError, match="the result of flip, a view of its argument"):
        jvp_via_tape(f, (backend.to(X.copy()),), (backend.to(V),))


# ---------------------------------------------------------------- autograd.Function


class Product(tg.autograd.Function):
    """``a * b``, saving both (torch's example, with two saved tensors)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


def with_a_function(x):
    """The saved tensors of an autograd.Function updated in place after it (the first-order
    gradient read the new values too)."""
    t = x * 0.5
    u = np.sin(x)
    y = Product.apply(t, u) if isinstance(t, tg.Tensor) else t * u
    t += x
    u *= t
    return np.sum(y * y) + np.sum(t * u)


def test_function_saved_tensors_read_as_saved(backend):
    x = backend.to(X.copy())
    tg_grad = tg.runtime.tape.fallback.grad_via_tape(with_a_function, (x,), wrt=0)
    _close(backend.back(tg_grad), _gradient(with_a_function, X))
    _, tangent = jvp_via_tape(with_a_function, (x,), (backend.to(V),))
    _close(backend.back(tangent), _gradient(with_a_function, X) @ V)
    got = hvp_via_tape(with_a_function, (x,), 0, backend.to(V))
    _close(backend.back(got), _hvp(with_a_function, X, V))


# ---------------------------------------------------------------- torch's semantics

torch = pytest.importorskip("torch")


def _saved_then_written(T, x, name):
    """Tape programs (torch's API): an in-place op after another op read the value."""
    t = x * 0.5 if name != "mul_after_sin" else x.sin()
    if name == "add_after_cos":  # cos saves its input: torch refuses
        y = t.cos()
        t.add_(x)
    elif name == "mul_after_sin":  # t * t saves t: torch refuses
        y = t * t
        t.mul_(x)
    elif name == "fill_after_pow":
        y = t ** 2
        t.fill_(0.3)
    elif name == "mul_after_add":  # add saves nothing: torch computes
        y = t + x
        t.mul_(x)
    else:  # setitem_after_exp: exp saves its output, not t: torch computes
        y = t.exp()
        t[0] = x[1] ** 2
    return (t * y).sum()


def _second_order(T, name):
    """The gradient and the Hessian times V, or torch's message when it refuses."""
    x = T.tensor(X, requires_grad=True)
    try:
        (g,) = T.autograd.grad(_saved_then_written(T, x, name), x, create_graph=True)
        (h,) = T.autograd.grad((g * T.tensor(V)).sum(), x)
    except RuntimeError as e:
        return str(e).split(":")[0]
    return g.detach().numpy(), h.numpy()


@pytest.mark.parametrize("name", ["add_after_cos", "mul_after_sin", "fill_after_pow",
                                  "mul_after_add", "setitem_after_exp"])
def test_torch_raises_or_agrees(name, saving):
    expect, got = _second_order(torch, name), _second_order(tg, name)
    if isinstance(expect, str):
        assert got == expect  # "one of the variables needed ... modified by an inplace op"
        return
    for g, e in zip(got, expect):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_add_at_a_view_as_torch_index_put():
    """torch's API on the tape (no fallback): ``np.add.at`` into a view, as torch's
    ``index_put_(accumulate=True)``, reaches the base's gradient."""
    def run(T, add):
        x = T.tensor(X, requires_grad=True)
        t = x * 1.0
        add(t[:2], x[2])
        (g,) = T.autograd.grad((t * t.sin()).sum(), x, create_graph=True)
        (h,) = T.autograd.grad((g * T.tensor(V)).sum(), x)
        return g.detach().numpy(), h.numpy()

    got = run(tg, lambda v, a: np.add.at(v, [0, 0], a))
    expect = run(torch, lambda v, a: v.index_put_((torch.tensor([0, 0]),), a.expand(2),
                                                  accumulate=True))
    for g, e in zip(got, expect):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
