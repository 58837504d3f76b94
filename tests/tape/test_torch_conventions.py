"""torch's gradient conventions where they differ from NumPy's function of the same name
(runtime/tape/torch_grads.py): ``atan2`` at the origin, and the Hermitian part of the gradient
of ``cholesky``/``eigh``/``eigvalsh``, to second order. NumPy code on the tape keeps NumPy's
derivative, as the compiled code does."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg

A = np.array([[4.0, 1.2, 0.3], [1.2, 3.0, 0.5], [0.3, 0.5, 2.0]])
W = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
E = np.array([[0.3, -0.1, 0.4], [-0.1, 0.2, 0.25], [0.4, 0.25, -0.5]])  # symmetric


def losses(T):
    """The same losses written against ``T`` (torch or tangentish)."""
    w = T.tensor(W, dtype=T.float64)
    return {
        "cholesky": lambda a: (T.linalg.cholesky(a) * w).sum() ** 2,
        "cholesky_upper": lambda a: (T.linalg.cholesky(a, upper=True) * w).sum() ** 2,
        "eigh_values": lambda a: (T.linalg.eigh(a)[0] ** 3 * w[0]).sum(),
        "eigh_vectors": lambda a: (T.linalg.eigh(a)[1].abs() * w).sum(),
        "eigvalsh": lambda a: (T.linalg.eigvalsh(a) ** 3 * w[0]).sum(),
    }


NAMES = list(losses(tg))


def _tape_grad(name, a=A):
    t = tg.tensor(a, dtype=tg.float64, requires_grad=True)
    losses(tg)[name](t).backward()
    return t.grad.numpy()


@pytest.mark.parametrize("name", NAMES)
def test_gradient_is_hermitian_and_right_along_symmetric_directions(name):
    g = _tape_grad(name)
    np.testing.assert_allclose(g, g.T, rtol=1e-12, atol=1e-14)
    f = losses(tg)[name]
    eps = 1e-6
    value = (f(tg.tensor(A + eps * E, dtype=tg.float64)).item()
             - f(tg.tensor(A - eps * E, dtype=tg.float64)).item()) / (2 * eps)
    assert abs(value - np.sum(g * E)) < 1e-6 * max(1.0, abs(value))


@pytest.mark.parametrize("name", NAMES)
def test_gradient_and_hessian_match_torch(name):
    torch = pytest.importorskip("torch")
    t = torch.tensor(A, dtype=torch.float64, requires_grad=True)
    losses(torch)[name](t).backward()
    np.testing.assert_allclose(_tape_grad(name), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    h = tg.autograd.functional.hessian(losses(tg)[name], tg.tensor(A, dtype=tg.float64))
    expect = torch.autograd.functional.hessian(losses(torch)[name],
                                               torch.tensor(A, dtype=torch.float64))
    np.testing.assert_allclose(h.numpy(), expect.numpy(), rtol=1e-8, atol=1e-10)


def test_numpy_code_keeps_numpys_derivative():
    """The fallback records ``np.linalg.cholesky``: the gradient of the triangle it reads, as
    the compiled code gives it."""
    from tangentish.runtime.tape.fallback import grad_via_tape

    def f(a):
        return np.sum(np.linalg.cholesky(a) * W) + np.sum(np.linalg.eigvalsh(a) ** 3)

    tape = grad_via_tape(f, (A.copy(),))
    np.testing.assert_allclose(tape, tg.grad(f, fallback="error")(A.copy()), rtol=1e-12)
    assert np.all(np.triu(tape, 1) == 0)  # the upper triangle is never read
    with np.errstate(invalid="ignore"):  # NumPy's 0/0, as the compiled code divides
        assert np.isnan(grad_via_tape(lambda y: np.arctan2(y, 0.0), (0.0,)))


def test_atan2_at_the_origin_is_zero_as_torch():
    y = tg.tensor([0.0, 0.0, 1.0], dtype=tg.float64, requires_grad=True)
    x = tg.tensor([0.0, -1.0, 0.0], dtype=tg.float64, requires_grad=True)
    out = tg.atan2(y, x)
    assert out.grad_fn.name() == "Atan2Backward0"
    out.sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, -1.0, 0.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, -1.0])
    (h,) = tg.autograd.grad(tg.atan2(y, x).sum(), y, create_graph=True)
    assert np.isfinite(h.detach().numpy()).all()


def test_atan2_matches_torch_to_second_order():
    """Away from the origin (there torch's second derivative is nan, through the reciprocal
    its backward takes; the tape's is 0, as its first derivative is)."""
    torch = pytest.importorskip("torch")
    pts = np.array([[0.2, 0.1], [0.3, -1.2], [-0.7, 0.4]])

    def f(T):
        return lambda p: (T.atan2(p[:, 0], p[:, 1] + 0.5 * p[:, 0]) ** 2).sum()

    h = tg.autograd.functional.hessian(f(tg), tg.tensor(pts, dtype=tg.float64)).numpy()
    expect = torch.autograd.functional.hessian(f(torch), torch.tensor(pts, dtype=torch.float64))
    np.testing.assert_allclose(h, expect.numpy(), rtol=1e-10, atol=1e-12)
