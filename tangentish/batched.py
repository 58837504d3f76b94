"""A stack of tangents that runs through generated tangent code in one call.

``jacobian(f, mode="forward")`` needs one JVP per input element. Tangent code is linear in the
tangents, so instead of calling it n times, it can run once on ``Batched``: n tangents of one
value, stored as one array of shape ``(n, *shape)`` that answers ``.shape`` with the shape of
one tangent. NumPy dispatch (NEP 13/18) routes the operations of the tangent code here, and each
is applied to the whole stack at once: elementwise ufuncs (operators included), ``matmul``,
``sum``/``mean``, ``reshape``/``transpose``/``broadcast_to``, ``stack``/``concatenate``,
``where``, basic indexing and iteration over rows.

Anything else (a reduction with ``out=``, ``np.linalg``, fancy indexing, storing a tangent into
an array, ``.item()``) raises ``Unbatchable`` or a NumPy TypeError, and the caller falls back to
one call per seed: vectorised where the code allows, a loop otherwise, never a wrong answer.

>>> import numpy as np
>>> t = Batched(np.eye(3))            # three tangents of a length-3 vector
>>> w = np.array([1.0, 2.0, 3.0])
>>> (np.sum(t * w, axis=None)).data   # their directional derivatives of sum(x * w)
array([1., 2., 3.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Batched", "Unbatchable"]


class Unbatchable(TypeError):
    """An operation of the tangent code has no batched meaning here (the caller loops)."""


def _ndim(x: Any) -> int:
    return len(x.shape) if hasattr(x, "shape") else 0


def _lift(x: Any, ndim: int) -> Any:
    """A stack's data with singleton axes after the batch axis, up to ``ndim`` sample axes, so
    it broadcasts against unbatched operands the way one tangent would."""
    if not isinstance(x, Batched):
        return x
    pad = ndim - len(x.shape)
    if pad <= 0:
        return x.data
    return np.reshape(x.data, (x.data.shape[0],) + (1,) * pad + tuple(x.shape))


def _axis(axis: Any) -> Any:
    """A sample axis as an axis of the stack (the batch axis is 0)."""
    if axis is None:
        return None
    if isinstance(axis, tuple):
        return tuple(_axis(a) for a in axis)
    return axis + 1 if axis >= 0 else axis


class Batched(np.lib.mixins.NDArrayOperatorsMixin):
    """``n`` tangents of one value: ``data[k]`` is the k-th."""

    __slots__ = ("data",)

    def __init__(self, data: Any):
        self.data = data

    shape = property(lambda self: tuple(self.data.shape[1:]))
    ndim = property(lambda self: len(self.data.shape) - 1)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: int(np.prod(self.shape)))

    def __len__(self) -> int:
        if not self.shape:
            raise Unbatchable("len() of a batched scalar")
        return self.shape[0]

    def __iter__(self):
        return (Batched(self.data[:, i]) for i in range(len(self)))

    def __getitem__(self, index: Any) -> Batched:
        parts = index if isinstance(index, tuple) else (index,)
        if not all(p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer))
                   for p in parts):
            raise Unbatchable(f"indexing a batch of tangents with {index!r}")
        return Batched(self.data[(slice(None), *parts)])

    def __array__(self, *args: Any, **kwargs: Any):
        raise Unbatchable("a batch of tangents cannot become one array")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs:
            return NotImplemented
        if ufunc is np.matmul:
            return _matmul(*inputs)
        if ufunc.signature is not None:
            return NotImplemented
        ndim = max(_ndim(x) for x in inputs)
        return Batched(ufunc(*(_lift(x, ndim) for x in inputs)))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        impl = _FUNCTIONS.get(func)
        if impl is None:
            return NotImplemented
        return impl(*args, **kwargs)


def _matmul(a: Any, b: Any) -> Batched:
    """``a @ b`` for each tangent, where exactly one side is a batch."""
    if isinstance(a, Batched) and isinstance(b, Batched):
        raise Unbatchable("a product of two tangents")  # tangent code is linear in them
    if isinstance(a, Batched):
        n = a.data.shape[0]
        if len(a.shape) == 1 and _ndim(b) >= 2:  # one row per tangent, against matrices
            rows = np.reshape(a.data, (n,) + (1,) * (_ndim(b) - 1) + a.shape)
            return Batched(np.matmul(rows, b)[..., 0, :])
        if len(a.shape) == 1:
            return Batched(np.matmul(a.data, b))
        return Batched(np.matmul(_lift(a, max(_ndim(b), len(a.shape))), b))
    n = b.data.shape[0]
    if len(b.shape) == 1:  # one column per tangent
        cols = np.reshape(b.data, (n,) + (1,) * max(_ndim(a) - 2, 0) + b.shape + (1,))
        return Batched(np.matmul(a, cols)[..., 0])
    return Batched(np.matmul(a, _lift(b, max(_ndim(a), len(b.shape)))))


def _sum(a: Batched, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False, **rest: Any) -> Batched:
    if out is not None or rest:
        raise Unbatchable("np.sum with out= or where=")
    axes = tuple(range(1, a.data.ndim)) if axis is None else _axis(axis)
    return Batched(np.sum(a.data, axis=axes, dtype=dtype, keepdims=keepdims))


def _mean(a: Batched, axis: Any = None, dtype: Any = None, out: Any = None,
          keepdims: bool = False, **rest: Any) -> Batched:
    if out is not None or rest:
        raise Unbatchable("np.mean with out= or where=")
    axes = tuple(range(1, a.data.ndim)) if axis is None else _axis(axis)
    return Batched(np.mean(a.data, axis=axes, dtype=dtype, keepdims=keepdims))


def _reshape(a: Batched, shape: Any, *rest: Any, **kw: Any) -> Batched:
    if rest or kw:
        raise Unbatchable("np.reshape with an order")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return Batched(np.reshape(a.data, (a.data.shape[0], *shape)))


def _transpose(a: Batched, axes: Any = None) -> Batched:
    n = len(a.shape)
    order = tuple(reversed(range(n))) if axes is None else tuple(x % n for x in axes)
    return Batched(np.transpose(a.data, (0, *(k + 1 for k in order))))


def _broadcast_to(a: Batched, shape: Any, **kw: Any) -> Batched:
    if kw:
        raise Unbatchable("np.broadcast_to with subok")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    data = _lift(a, len(shape))
    return Batched(np.broadcast_to(data, (data.shape[0], *shape)))


def _where(cond: Any, x: Any, y: Any) -> Batched:
    ndim = max(_ndim(v) for v in (cond, x, y))
    if isinstance(cond, Batched):
        raise Unbatchable("a batch of conditions")
    return Batched(np.where(cond, _lift(x, ndim), _lift(y, ndim)))


def _join(join: Any) -> Any:
    def impl(arrays: Any, axis: int = 0, **kw: Any) -> Batched:
        if kw or not all(isinstance(a, Batched) for a in arrays):
            raise Unbatchable(f"np.{join.__name__} of tangents and other values")
        return Batched(join([a.data for a in arrays], axis=_axis(axis)))

    return impl


def _like(make: Any) -> Any:
    def impl(a: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(a, Batched):
            return Batched(make(a.data, *args, **kwargs))
        raise Unbatchable(f"{make.__name__} of a batch")

    return impl


_FUNCTIONS = {
    np.sum: _sum, np.mean: _mean, np.reshape: _reshape, np.transpose: _transpose,
    np.broadcast_to: _broadcast_to, np.where: _where,
    np.zeros_like: _like(np.zeros_like), np.copy: _like(np.copy),
    np.stack: _join(np.stack), np.concatenate: _join(np.concatenate),
}
