"""Random chains of operations, differentiated by torch and by tangentish (float64), must give
the same value, the same gradients, and the same second-order gradients."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tangentish
from tangentish.runtime.tape import dispatch

torch = pytest.importorskip("torch")

# Each op maps (T, x, y) -> a new x of the same shape (3, 4); y has shape (4,).
OPS = {
    "sin": lambda T, x, y: x.sin(),
    "tanh": lambda T, x, y: T.tanh(x),
    "exp_tanh": lambda T, x, y: x.tanh().exp(),
    "mul_y": lambda T, x, y: x * y,
    "add_y": lambda T, x, y: y + x,
    "square": lambda T, x, y: x * x,
    "sum_keepdim": lambda T, x, y: x.sum(1, keepdim=True) * x,
    "center": lambda T, x, y: x - x.mean(0),
    "softmax": lambda T, x, y: T.softmax(x, dim=1),
    "matvec": lambda T, x, y: T.tanh(x @ y).unsqueeze(1) * x,
    "div": lambda T, x, y: x / (1 + y * y),
    "pow": lambda T, x, y: (x * x + 1) ** 0.75,
    "repeat_index": lambda T, x, y: x[:, [1, 1, 3, 0]],
    "transpose": lambda T, x, y: (x.t() * 2).t(),
    "cat": lambda T, x, y: T.cat([x[:, :2], x[:, 2:] * 3], 1),
    "where": lambda T, x, y: T.where(x > 0, x, x * 0.5),
    "sigmoid": lambda T, x, y: T.sigmoid(x) - y,
    "norm": lambda T, x, y: x / (1 + x.norm()),
    "stack_mean": lambda T, x, y: T.stack([x, x.cos()]).mean(0),
    "setitem": lambda T, x, y: _setitem(T, x, y),
    "view_inplace": lambda T, x, y: _view_inplace(T, x, y),
}


def _view_inplace(T, x, y):
    z = x * 1
    z[0].mul_(y)
    z.view(-1)[5:9].add_(y * y)
    z.t()[1].mul_(2)
    return z


def _setitem(T, x, y):
    z = x * 1
    z[1] = y * 2
    return z


def _run(T, names, x0, y0, second_order):
    x = T.tensor(x0, requires_grad=True)
    y = T.tensor(y0, requires_grad=True)
    h = x
    for name in names:
        h = OPS[name](T, h, y)
    loss = (h * T.tensor(np.linspace(-1, 1, 12).reshape(3, 4))).sum()
    gx, gy = T.autograd.grad(loss, (x, y), create_graph=second_order, allow_unused=True)
    if gy is None:
        gy = T.zeros(4, dtype=T.float64)
    out = [loss.detach().numpy(), gx.detach().numpy(), gy.detach().numpy()]
    if second_order:
        s = (gx * gx).sum() + (gy * gy).sum()
        hx, hy = (T.autograd.grad(s, (x, y), allow_unused=True) if s.requires_grad
                  else (None, None))
        out += [np.zeros_like(x0) if hx is None else hx.numpy(),
                np.zeros_like(y0) if hy is None else hy.numpy()]
    return out


@given(names=st.lists(st.sampled_from(sorted(OPS)), min_size=1, max_size=5),
       seed=st.integers(0, 2**31 - 1), second_order=st.booleans(), stand_ins=st.booleans())
def test_random_chains_match_torch(names, seed, second_order, stand_ins):
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, 4)
    expect = _run(torch, names, x0, y0, second_order)
    # stand_ins: every array counts as big, so nodes keep only what their rules read
    with mock.patch.object(dispatch, "BIG_BYTES", 0 if stand_ins else dispatch.BIG_BYTES):
        got = _run(tangentish, names, x0, y0, second_order)
    for g, e in zip(got, expect):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-9, err_msg=" -> ".join(names))
