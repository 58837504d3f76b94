"""cumprod's rules at zero inputs (they divided by x: nan where torch gives the product of the
others): gradients and hessians of the compiler and of the tape, against torch."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg

torch = pytest.importorskip("torch")

X = np.array([[2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 5.0, 1.0], [1.0, 2.0, 3.0, 0.0],
              [0.5, 0.0, 2.0, 0.0]])
W = np.arange(1.0, 5.0)


def f(x):
    return np.sum(np.cumprod(x, axis=1) * W)


def g(x):
    return np.sum(np.cumprod(x) ** 2)


def torch_f(x):
    return (torch.cumprod(x, 1) * torch.tensor(W)).sum()


def torch_g(x):
    return (torch.cumprod(x.reshape(-1), 0) ** 2).sum()


@pytest.mark.parametrize("fn, tfn", [(f, torch_f), (g, torch_g)], ids=["axis", "flat"])
def test_gradient_and_hessian_match_torch(fn, tfn):
    t = torch.tensor(X, requires_grad=True)
    (expect,) = torch.autograd.grad(tfn(t), t)
    hess = torch.autograd.functional.hessian(tfn, torch.tensor(X)).numpy()
    np.testing.assert_allclose(tg.grad(fn)(X), expect.numpy(), atol=1e-12)
    np.testing.assert_allclose(tg.hessian(fn)(X), hess, atol=1e-12)
    x = tg.tensor(X, requires_grad=True)
    (got,) = tg.autograd.grad(fn(x), x)
    np.testing.assert_allclose(got.numpy(), expect.numpy(), atol=1e-12)
    np.testing.assert_allclose(tg.autograd.functional.hessian(fn, tg.tensor(X)).numpy(), hess,
                               atol=1e-12)


def test_tangent_matches_gradient():
    v = np.arange(16.0).reshape(4, 4)
    for fn in (f, g):
        assert tg.jvp(fn, (X,), (v,))[1] == pytest.approx(np.sum(tg.grad(fn)(X) * v))
