"""What the torch probes added (views cut again, gathers, median, max(dim) ties, cumprod with
zeros, zero-gradient rounding, in-place spellings) on every array library: the gradient on the
backend equals the gradient on NumPy, and stays on the backend."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, 2.0]])
IDX = np.array([[0, 0, 2], [1, 1, 1]])


def _recut(x):
    y = x * 1
    v = y.view(6)
    y.mul_(2)
    return (v * v).sum()


def _inplace(x):
    y = x * 1
    y.masked_fill_(x > 1.0, 0.0)
    y.addcmul_(x, x, value=0.5)
    return y.sum()


PROGRAMS = {
    "view recut": _recut,
    "in-place spellings": _inplace,
    "gather": lambda x: (tg.gather(x, 1, tg.tensor(IDX)) ** 2).sum(),
    "scatter": lambda x: (x.scatter(1, tg.tensor(IDX), x * 2) ** 2).sum(),
    "scatter_add": lambda x: (x.scatter_add(1, tg.tensor(IDX), x * 2) ** 2).sum(),
    "index_select": lambda x: (x.index_select(1, tg.tensor([0, 2, 0])) ** 2).sum(),
    "median": lambda x: x.median() + x.median(1)[0].sum(),
    "max(dim) ties": lambda x: x.max(1)[0].sum(),
    "cumprod zeros": lambda x: (x * tg.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 2.0]])).cumprod(1).sum(),
    "rounding": lambda x: (x.floor() * x).sum() + tg.div(x, 0.7, rounding_mode="trunc").sum(),
    "logsumexp": lambda x: x.logsumexp(1).sum(),
}


def _grad(fn, data):
    x = tg.as_tensor(data).requires_grad_()
    fn(x).backward()
    return x.grad._data


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_gradient_on_every_backend(backend, name):
    fn = PROGRAMS[name]
    expect = _grad(fn, A.copy())
    got = _grad(fn, backend.to(A.copy()))
    assert type(got) is type(backend.to(A))  # the gradient stays on the backend
    np.testing.assert_allclose(backend.back(got), expect, rtol=1e-12)
