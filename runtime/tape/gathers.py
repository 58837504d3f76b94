"""torch's index-along-a-dimension functions: ``gather``, ``scatter``, ``scatter_add``,
``index_select``, ``index_add``, ``index_put``, ``take_along_dim``, ``nonzero``.

NumPy has no such primitives; each is one fancy ``getitem`` (whose rule scatter-adds, so
repeated indices accumulate), the table's functional ``index_set``, or ``np.add.at`` on a copy,
with the index arrays built from ``index`` along ``dim`` and ``arange`` grids elsewhere (torch
lets ``index`` be smaller than the input on the other dimensions).
"""

from __future__ import annotations

import operator

import numpy as np

from ..support import index_set, unbroadcast
from .dispatch import apply, raw
from .engine import edge
from .function import Node
from .grad_mode import is_grad_enabled
from .structural import index_add as _add_at
from .tensor import Tensor

__all__ = ["gather", "scatter", "scatter_add", "index_select", "index_add", "take_along_dim",
           "index_put", "nonzero", "masked_select", "index_fill", "movedim", "frac",
           "count_nonzero", "repeat_interleave", "diff", "logcumsumexp"]


def _grid(index, dim):
    """The fancy index that visits ``index``'s positions, with ``index`` itself on ``dim``."""
    index = raw(index)
    nd = index.ndim
    dim %= max(nd, 1)
    parts = []
    for d, n in enumerate(index.shape):
        if d == dim:
            parts.append(index)
        else:
            shape = [1] * nd
            shape[d] = n
            parts.append(np.arange(n).reshape(shape))
    return tuple(parts) if nd else index


def _along(dim, ndim, index):
    """``x[:, :, index]`` with ``index`` on ``dim``."""
    return (slice(None),) * (dim % ndim) + (raw(index),)


def gather(input, dim, index, *, sparse_grad=False):  # noqa: A002
    return apply(operator.getitem, input, _grid(index, dim), name="GatherBackward0")


def take_along_dim(input, indices, dim=None):  # noqa: A002
    if dim is None:
        return gather(input.reshape(-1), 0, raw(indices).reshape(-1))
    return apply(np.take_along_axis, input, raw(indices), dim, name="GatherBackward0")


def index_select(input, dim, index):  # noqa: A002
    return apply(operator.getitem, input, _along(dim, input.ndim, index),
                 name="IndexSelectBackward0")


def _source(src, index, dim):
    """The part of ``src`` that ``index`` reaches (torch lets ``src`` be larger)."""
    if hasattr(src, "shape") and tuple(src.shape) != tuple(raw(index).shape):
        return src[_grid(index, dim)]
    return src


class _Scatter(Node):
    """``scatter``'s node: the input's gradient is zero where ``src`` was written, ``src``'s
    is the gradient at every index, repeats included (torch's ``grad.gather(dim, index)``;
    ``index_set``'s rule would give a repeated index's gradient to its last write only)."""

    def __init__(self, input, src, grid):  # noqa: A002
        super().__init__([_edge(input), _edge(src)])
        self.grid = grid
        self.src_like = np.zeros(src.shape, dtype=src._data.dtype) if _tracked(src) else None

    def apply(self, grads, create_graph):
        g = grads[0]
        return [index_set(g, self.grid, 0) if self.next_functions[0][0] is not None else None,
                unbroadcast(g[self.grid], self.src_like) if self.src_like is not None else None]


def _tracked(t) -> bool:
    return isinstance(t, Tensor) and t.requires_grad


def _edge(t):
    return edge(t) if _tracked(t) else (None, 0)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002
    """A copy of ``input`` with ``src`` (or ``value``) written at ``index`` along ``dim``."""
    if reduce is not None:
        raise NotImplementedError("scatter(reduce=...) is not supported by tangentish's tape")
    src = value if src is None else src
    grid = _grid(index, dim)
    src = _source(src, index, dim)
    out = Tensor._wrap(index_set(raw(input), grid, raw(src)))
    if is_grad_enabled() and (_tracked(input) or _tracked(src)):
        out._grad_fn = node = _Scatter(input, src, grid)
        node._torch_name = "ScatterBackward0" if isinstance(src, Tensor) else "ScatterBackward1"
    return out


def scatter_add(input, dim, index, src):  # noqa: A002
    """``input`` plus ``src`` added at ``index`` along ``dim``, repeated indices adding up."""
    out = input.clone()
    _add_at(out, _grid(index, dim), _source(src, index, dim))
    if out.grad_fn is not None and out.grad_fn is not input.grad_fn:
        out.grad_fn._torch_name = "ScatterAddBackward0"
    return out


def index_add(input, dim, index, source, *, alpha=1):  # noqa: A002
    out = input.clone()
    _add_at(out, _along(dim, input.ndim, index), source if alpha == 1 else source * alpha)
    if out.grad_fn is not None and out.grad_fn is not input.grad_fn:
        out.grad_fn._torch_name = "IndexAddBackward0"
    return out


def index_put(input, indices, values, accumulate=False):  # noqa: A002
    """``input`` with ``values`` written (or, with ``accumulate``, added) at the index arrays
    ``indices``."""
    index = tuple(raw(i) for i in indices)
    if not accumulate:
        return apply(index_set, input, index, values, name="IndexPutBackward0")
    out = input.clone()
    _add_at(out, index, values)
    if out.grad_fn is not None and out.grad_fn is not input.grad_fn:
        out.grad_fn._torch_name = "IndexPutBackward0"
    return out


def nonzero(input, *, as_tuple=False):  # noqa: A002
    data = raw(input)
    if as_tuple:
        return tuple(Tensor._wrap(i) for i in np.nonzero(data))
    return Tensor._wrap(np.argwhere(data))


def masked_select(input, mask):  # noqa: A002
    """The elements where ``mask`` (broadcast against ``input``) is true, flattened."""
    mask = raw(mask)
    if tuple(mask.shape) != tuple(input.shape):
        shape = np.broadcast_shapes(tuple(mask.shape), tuple(input.shape))
        input, mask = input.expand(shape), np.broadcast_to(mask, shape)
    return apply(operator.getitem, input, mask, name="MaskedSelectBackward0")


def index_fill(input, dim, index, value):  # noqa: A002
    """``input`` with the slices at ``index`` along ``dim`` set to ``value``."""
    return apply(index_set, input, _along(dim, input.ndim, index), value,
                 name="IndexFillBackward0" if not isinstance(value, Tensor)
                 else "IndexFillBackward1")


def movedim(input, source, destination):  # noqa: A002
    return apply(np.moveaxis, input, source, destination, name="PermuteBackward0")


def frac(input):  # noqa: A002
    """``x - trunc(x)``: the gradient passes unchanged."""
    return apply(np.subtract, input, np.trunc(raw(input)), name="FracBackward0")


def count_nonzero(input, dim=None):  # noqa: A002
    out = np.count_nonzero(raw(input), axis=dim)
    return Tensor._wrap(out if hasattr(out, "shape") else np.asarray(out, dtype=np.int64))


def repeat_interleave(input, repeats, dim=None, *, output_size=None):  # noqa: A002
    """Each element repeated ``repeats`` times along ``dim`` (flattened when None)."""
    x = input.reshape(-1) if dim is None else input
    return apply(np.repeat, x, raw(repeats), 0 if dim is None else dim,
                 name="IndexSelectBackward0" if isinstance(repeats, Tensor) else "ViewBackward0")


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    """Forward differences along ``dim``, as slices (``x[1:] - x[:-1]``), ``n`` times."""
    from .ops import cat

    parts = [p for p in (prepend, input, append) if p is not None]
    x = cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        count = x.shape[dim]
        x = x.narrow(dim, 1, count - 1) - x.narrow(dim, 0, count - 1)
    return x


def logcumsumexp(input, dim):  # noqa: A002
    """``log(cumsum(exp(x)))`` along ``dim``, shifted by the largest element for range."""
    m = np.max(raw(input), axis=dim, keepdims=True)
    m = np.where(np.isinf(m), 0, m)
    return apply(np.add, np.log(np.cumsum(np.exp(input - m), axis=dim)), m,
                 name="LogcumsumexpBackward0")
