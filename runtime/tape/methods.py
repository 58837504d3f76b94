"""Tensor methods for shapes and reductions (``reshape``, ``view``, ``t``, ``sum(dim)``...).

A mixin of ``Tensor``, kept apart so that tensor.py holds what autograd needs (attributes,
conversions, in-place machinery, operators) and this file the long tail of torch's methods.
Each method is one ``apply`` of a NumPy primitive, named as torch names its node.
"""

from __future__ import annotations

import builtins
import operator
from collections import namedtuple

import numpy as np

from ..backend import asarray_like
from ..rules.table import lookup
from . import dtypes as _dt
from .dispatch import apply, raw
from .grad_mode import _state as _grad_state
from .ndarray_members import host_of, reshape_in_order

__all__ = ["ShapeAndReductionMethods"]

_ValuesIndices = namedtuple("_ValuesIndices", ["values", "indices"])
_SortResult = namedtuple("_SortResult", ["values", "indices"])
_TopkResult = namedtuple("_TopkResult", ["values", "indices"])


def _dims(args):
    """``f(2, 3)`` and ``f((2, 3))`` both mean the tuple (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _axis(dim, axis):
    d = axis if dim is None else dim
    return tuple(d) if isinstance(d, list) else d


def _numpy_dtype(keepdim, dtype):
    """NumPy's ``a.sum(axis, dtype)`` where torch's second argument is ``keepdim``: in the
    fallback's NumPy code a non-bool there is the dtype."""
    if _grad_state.fallback and not isinstance(keepdim, (bool, np.bool_)):
        return False, keepdim
    return keepdim, dtype


_UNSET = object()


def _masked(x, where, prim):
    """NumPy's ``where=`` of a reduction: the elements left out replaced by its identity (the
    far end of the dtype for ``max``/``min``, which NumPy completes with ``initial=``)."""
    if where is None:
        return x
    fill = {np.sum: 0, np.prod: 1}.get(prim)
    if fill is None:
        dtype = x._data.dtype
        big = np.inf if dtype.kind in "fc" else np.iinfo(dtype).max
        fill = -big if prim is np.max else big
    return apply(np.where, asarray_like(raw(where), x._data), x, fill)


def _with_initial(out, prim, initial):
    """NumPy's ``initial=``: one more operand of the reduction."""
    if initial is None or not hasattr(out, "_data"):
        return out
    combine = {np.sum: np.add, np.prod: np.multiply, np.max: np.maximum, np.min: np.minimum}
    return apply(combine[prim], out, initial)


def _reinterpret(x, dtype):
    """``x.view(dtype)``: its own dtype is a view (differentiable); another one reads the bytes
    as that type, outside the graph (a new array where the library has no such view)."""
    want = _dt.to_dtype(dtype).dtype
    if want == x._data.dtype:
        return x.reshape(x.shape)
    x._warn_leaving_graph("view(dtype)")
    data = x._data
    viewed = data.view(want) if hasattr(data, "view") else asarray_like(
        host_of(data).view(want), data)
    return type(x)._wrap(viewed)


def registered(*candidates):
    """The first of several NumPy spellings (``np.max``/``np.amax``) the rule table knows."""
    for prim in candidates:
        entry = lookup(prim)
        if entry is not None and entry.vjp:
            return prim
    return candidates[0]


def _reduce(prim, x, axis, keepdim, dtype=None, name=None, **kwargs):
    if axis is not None:
        kwargs["axis"] = axis
    if keepdim:
        kwargs["keepdims"] = True
    if dtype is not None:  # computed in ``dtype``, as NumPy and torch both do
        x = x.to(dtype)
    return apply(prim, x, name=name, **kwargs)


def _floats_only(x, message) -> None:
    """torch's refusal of integer tensors (NumPy code run for the fallback keeps NumPy's
    meaning, which converts them)."""
    if x._data.dtype.kind not in "fc" and not _grad_state.fallback:
        raise RuntimeError(message.format(x.dtype.legacy[:-6]))


def _ddof(unbiased, correction, ddof) -> int:
    """torch's Bessel correction by default; NumPy's none in the fallback's NumPy code."""
    if correction is not None:
        return correction
    if ddof is not None:
        return ddof
    return 0 if _grad_state.fallback else int(unbiased)


def _extreme(prim, argprim, x, dim, keepdim, axis, keepdims):
    """torch's ``max()`` (a value), ``max(dim)`` (values and indices); NumPy's ``max(axis=)``,
    and ``max(0)`` in the fallback's NumPy code."""
    kind = "Max" if prim is np.max else "Min"
    prim = registered(prim, np.amax if prim is np.max else np.amin)
    if dim is not None and _grad_state.fallback:
        dim, axis, keepdims = None, dim, keepdims or keepdim
    if dim is None:
        return _reduce(prim, x, axis, bool(keepdims), name=kind + "Backward1")
    # the values are gathered at the indices, so the gradient goes to that one element, as
    # torch's does (NumPy's max rule shares it between ties)
    at = apply(argprim, x, axis=dim, keepdims=True)
    values = _pick(x, at._data, dim, keepdim, kind + "Backward0")
    return _ValuesIndices(values, at if keepdim else at.squeeze(dim))


def _pick(x, at, dim, keepdim, name):
    """``x``'s elements at the (kept-dims) indices ``at`` along ``dim``."""
    if x.ndim == 0:
        return apply(np.reshape, x, (), name=name)
    values = apply(np.take_along_axis, x, at, dim, name=None if not keepdim else name)
    return values if keepdim else apply(np.squeeze, values, dim, name=name)


def _median(x, dim, keepdim):
    """torch's median: the lower of the two middle values (NumPy averages them), its gradient
    to that element only; with ``dim``, ``(values, indices)``."""
    if dim is None:  # the gradient shared by the elements equal to the median, as torch's
        flat = x._data.reshape(-1)
        value = flat[np.argsort(flat, kind="stable")[(flat.size - 1) // 2]]
        ties = apply(np.where, x._data == value, x, -np.inf)
        return apply(registered(np.max, np.amax), ties, name="MedianBackward0")
    order = np.argsort(x._data, axis=dim, kind="stable")
    n = x.shape[dim]
    at = np.take(order, [(n - 1) // 2], axis=dim)
    indices = type(x)._wrap(at if keepdim else np.squeeze(at, dim))
    return _ValuesIndices(_pick(x, at, dim, keepdim, "MedianBackward1"), indices)



class ShapeAndReductionMethods:
    """Methods shared by every Tensor; ``self`` is a Tensor."""

    __slots__ = ()

    # ------------------------------------------------------------ shape

    def reshape(self, *shape, order="C"):
        return reshape_in_order(self, _dims(shape), order)

    def view(self, *shape, dtype=None, type=None):  # noqa: A002  (NumPy's names)
        """torch's ``view(shape)``; NumPy's ``view()``, ``view(ndarray)`` (the same values) and
        ``view(dtype)``, torch's too: the same bytes read as ``dtype`` (outside the graph)."""
        if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
            is_class = isinstance(shape[0], builtins.type) and issubclass(shape[0], np.ndarray)
            dtype = dtype if is_class else shape[0]  # view(ndarray): the same values
            shape = ()
        if dtype is not None:
            return _reinterpret(self, dtype)
        if not shape:
            return self.reshape(self.shape)
        shape = _dims(shape)
        known = int(np.prod([s for s in shape if s != -1]))
        n = self.numel()
        if (-1 not in shape and known != n) or (-1 in shape and (known == 0 or n % known)):
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
        return self.reshape(shape)

    def view_as(self, other):
        return self.view(other.shape)

    reshape_as = view_as

    def flatten(self, start_dim=0, end_dim=-1, *, order="C"):
        if isinstance(start_dim, str):  # NumPy's a.flatten(order)
            order, start_dim = start_dim, 0
        if order != "C":
            return self.ravel(order)
        shape = list(self.shape)
        if not shape:
            return self.reshape(1)
        end = end_dim % len(shape)
        start = start_dim % len(shape)
        return self.reshape(shape[:start] + [-1] + shape[end + 1:])

    def ravel(self, order="C"):
        return self.reshape(-1, order=order)

    def t(self):
        if self.ndim < 2:
            return self
        return apply(np.transpose, self, name="TBackward0")

    @property
    def T(self):  # noqa: N802
        return apply(np.transpose, self)

    @property
    def mT(self):  # noqa: N802
        return self.transpose(-2, -1)

    def transpose(self, *dims):
        if not dims:
            return self.T
        if len(dims) == 2 and all(isinstance(d, int) for d in dims):
            return apply(np.swapaxes, self, dims[0], dims[1], name="TransposeBackward0")
        return self.permute(*dims)

    def swapaxes(self, a, b):
        return self.transpose(a, b)

    def permute(self, *dims):
        return apply(np.transpose, self, _dims(dims), name="PermuteBackward0")

    def unsqueeze(self, dim):
        return apply(np.expand_dims, self, dim, name="UnsqueezeBackward0")

    def squeeze(self, dim=None, *, axis=None):
        dim = _axis(dim, axis)
        if dim is None:
            return apply(np.squeeze, self, name="SqueezeBackward0")
        dims = tuple(d for d in (_dims((dim,)) if isinstance(dim, (tuple, list)) else (dim,))
                     if self.shape[d] == 1)
        if not dims:
            return self.reshape(self.shape)
        return apply(np.squeeze, self, dims, name="SqueezeBackward1")

    def expand(self, *sizes):
        sizes = _dims(sizes)
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        if shape == tuple(self.shape):
            return self
        return apply(np.broadcast_to, self, shape, name="ExpandBackward0")

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *sizes, axis=None):
        """torch's ``repeat`` tiles; NumPy's (the fallback's code) repeats each element."""
        if _grad_state.fallback:
            return apply(np.repeat, self, *sizes, axis=axis)
        return apply(np.tile, self, _dims(sizes), name="RepeatBackward0")

    def flip(self, *dims):
        return apply(np.flip, self, _dims(dims))

    def chunk(self, chunks, dim=0):
        from .ops import chunk

        return chunk(self, chunks, dim)

    def split(self, size, dim=0):
        from .ops import split

        return split(self, size, dim)

    def unbind(self, dim=0):
        return tuple(self.select(dim, i) for i in range(self.shape[dim]))

    def select(self, dim, index):
        idx = (slice(None),) * (dim % self.ndim) + (index,)
        return self[idx]

    def narrow(self, dim, start, length):
        idx = (slice(None),) * (dim % self.ndim) + (slice(start, start + length),)
        return self[idx]

    # ------------------------------------------------------------ reductions

    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None,
            initial=None, where=None):
        keepdim, dtype = _numpy_dtype(keepdim, dtype)
        out = _reduce(np.sum, _masked(self, where, np.sum), _axis(dim, axis),
                      keepdim or bool(keepdims), dtype)
        return _with_initial(out, np.sum, initial)

    def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None,
             where=None):
        keepdim, dtype = _numpy_dtype(keepdim, dtype)
        if where is not None:  # NumPy's: the sum of the elements kept over their count
            kept = np.broadcast_to(host_of(where), tuple(self.shape))
            count = np.sum(kept, axis=_axis(dim, axis), keepdims=keepdim or bool(keepdims))
            total = self.sum(axis=_axis(dim, axis), keepdims=keepdim or bool(keepdims),
                             dtype=dtype, where=where)
            return total / asarray_like(count, self._data)
        if dtype is None:
            _floats_only(self, "mean(): could not infer output dtype. Input dtype must be either "
                         "a floating point or complex dtype. Got: {}")
        return _reduce(np.mean, self, _axis(dim, axis), keepdim or bool(keepdims), dtype)

    def prod(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None,
             initial=None, where=None):
        keepdim, dtype = _numpy_dtype(keepdim, dtype)
        name = "ProdBackward0" if _axis(dim, axis) is None else "ProdBackward1"
        out = _reduce(np.prod, _masked(self, where, np.prod), _axis(dim, axis),
                      keepdim or bool(keepdims), dtype, name)
        return _with_initial(out, np.prod, initial)

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
            ddof=None, keepdims=None):
        ddof = _ddof(unbiased, correction, ddof)
        _floats_only(self, "std and var only support floating point and complex dtypes")
        return _reduce(np.var, self, _axis(dim, axis), keepdim or bool(keepdims), None,
                       "VarBackward0", ddof=ddof)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
            ddof=None, keepdims=None):
        ddof = _ddof(unbiased, correction, ddof)
        _floats_only(self, "std and var only support floating point and complex dtypes")
        return _reduce(np.std, self, _axis(dim, axis), keepdim or bool(keepdims), None,
                       "StdBackward0", ddof=ddof)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None, initial=None,
            where=None):
        out = _extreme(np.max, np.argmax, _masked(self, where, np.max), dim, keepdim, axis,
                       keepdims)
        return _with_initial(out, np.max, initial)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None, initial=None,
            where=None):
        out = _extreme(np.min, np.argmin, _masked(self, where, np.min), dim, keepdim, axis,
                       keepdims)
        return _with_initial(out, np.min, initial)

    def median(self, dim=None, keepdim=False):
        return _median(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return _reduce(registered(np.amax, np.max), self, dim, keepdim, None, "AmaxBackward0")

    def amin(self, dim=None, keepdim=False):
        return _reduce(registered(np.amin, np.min), self, dim, keepdim, None, "AminBackward0")

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        return apply(np.argmax, self, axis=_axis(dim, axis), keepdims=keepdim or keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        return apply(np.argmin, self, axis=_axis(dim, axis), keepdims=keepdim or keepdims)

    def sort(self, dim=-1, descending=False, stable=False, *, axis=_UNSET, kind=None,
             order=None):
        """``(values, indices)``: the values gathered with the table's ``take_along_axis``.

        Under the compiler's tape fallback the code is NumPy's, where ``a.sort(axis, kind)``
        sorts in place and returns None: so it does that there (every sort is stable)."""
        if _grad_state.fallback:
            dim, descending = dim if axis is _UNSET else axis, False
        indices = self.argsort(dim, descending)
        values = apply(np.take_along_axis, self, indices._data, dim, name="SortBackward0")
        if _grad_state.fallback:
            self._assign_result(values)
            return None
        return _SortResult(values, indices)

    def fill(self, value):
        """NumPy's ``a.fill(v)``, in place (NumPy code run on the tape by the fallback): the old
        values get a zero gradient."""
        self._assign_result(apply(np.where, np.ones(self.shape, bool), value, self))

    def argsort(self, dim=-1, descending=False, stable=False, *, axis=_UNSET, kind=None,
                order=None):
        """torch's ``argsort(dim, descending)``; NumPy's ``argsort(axis, kind)`` (``axis=None``
        flattens) in the fallback's NumPy code."""
        if axis is not _UNSET:
            dim = axis
        if _grad_state.fallback:
            descending = False
        return apply(np.argsort, self._data if not descending else -self._data, axis=dim,
                     kind="stable")

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        values, indices = self.sort(dim, descending=largest)
        keep = (slice(None),) * (dim % self.ndim) + (slice(0, k),)
        return _TopkResult(apply(operator.getitem, values, keep, name="TopkBackward0"),
                           indices[keep])

    def nonzero(self, *, as_tuple=False):
        """torch's ``(n, ndim)`` index matrix; NumPy's tuple of index arrays with ``as_tuple``
        and in the fallback's NumPy code."""
        from .ops import nonzero

        if as_tuple or _grad_state.fallback:
            return tuple(type(self)._wrap(i) for i in np.nonzero(self._data))
        return nonzero(self)

    def round(self, decimals=0):
        from .ops import round as rounded

        return rounded(self, decimals=decimals)

    def cumsum(self, dim=None, dtype=None, *, axis=None):
        x = self if dtype is None else self.to(dtype)
        return apply(np.cumsum, x, axis=_axis(dim, axis), name="CumsumBackward0")

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        return apply(np.all, self, axis=_axis(dim, axis), keepdims=keepdim or keepdims)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=False):
        return apply(np.any, self, axis=_axis(dim, axis), keepdims=keepdim or keepdims)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        from .linalg import vector_norm

        return vector_norm(self, 2 if p == "fro" else p, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        from .ops import logsumexp

        return logsumexp(self, dim, keepdim)

