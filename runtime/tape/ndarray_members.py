"""The rest of NumPy's ndarray surface on Tensor (``put``, ``flat``, ``searchsorted``...).

Under the compiler's tape fallback NumPy code's own float arrays are Tensors (npshim.py), so
the ndarray members that code calls must mean what NumPy means. Writes (``put``, ``flat[i] =``,
``partition``, ``resize``) are recorded like ``t[i] = v``: the written values get their
gradient and the overwritten ones none. Members that only describe memory or leave the graph
(``strides``, ``tobytes``, ``byteswap``, ``view(dtype)``) answer from the data, untracked.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import asarray_like
from ..rules.shape import source_positions
from .dispatch import apply, raw
from .grad_mode import _state as _grad_state
from .hooks import VersionCounter
from .lists import stack_list, tracked_in
from .views import rebind

__all__ = ["NdarrayMembers", "put_along_flat", "reshape_in_order", "host_of"]


def host_of(a):
    """``a``'s values as a NumPy array (a Tensor's, a CuPy or duck array's: an explicit copy)."""
    from .tensor import _host

    return _host(raw(a))


def _tensor_like(t, value):
    """``value`` as a Tensor (tracked ones unchanged) in ``t``'s array library; a list
    holding tracked values is stacked, recorded (``[x[0], 2.0]``)."""
    if isinstance(value, type(t)):
        return value
    if type(value) in (list, tuple) and tracked_in(value):
        return stack_list(value)
    return type(t)._wrap(asarray_like(raw(value), t._data))


def _untracked(t, data, what: str):
    """A result made from the bits of ``t``, outside the graph (said so when it leaves it)."""
    t._warn_leaving_graph(what)
    return type(t)._wrap(asarray_like(data, t._data))


def _no_out(member: str, out) -> None:
    if out is not None:
        raise TypeError(f"Tensor.{member}: out= is not supported on the tape (a write into "
                        "another array the gradient cannot follow); assign the result instead")


def _overwrite(t, data) -> None:
    """``t``'s values replaced by constants: torch's in-place checks, a zero gradient for the
    old values (``_assign_result`` records that when ``t`` has a history)."""
    t._check_inplace()
    t._assign_result(type(t)._wrap(asarray_like(data, t._data)))


def put_along_flat(t, indices, values, mode="raise") -> None:
    """NumPy's ``np.put(t, indices, values, mode)``, recorded as one ``t[idx] = v``.

    NumPy itself resolves the indices (negative ones, ``wrap``/``clip``, its errors) and which
    write lands last, on a host array of positions; the values, repeated as NumPy repeats
    them, are then picked from ``values`` by an index, so their gradient flows."""
    ind = np.asarray(host_of(indices)).reshape(-1)
    v = _tensor_like(t, values).reshape(-1)
    if ind.size == 0 or v.shape[0] == 0:
        return
    slot = np.full(t.numel(), -1, dtype=np.intp)
    np.put(slot, ind, np.arange(ind.size), mode=mode)
    targets = np.flatnonzero(slot >= 0)
    picked = v[asarray_like(slot[targets] % v.shape[0], v._data)]  # (CuPy: device indices)
    if t.ndim == 0:
        t[...] = picked.reshape(())
    else:
        at = np.unravel_index(targets, tuple(t.shape))
        t[tuple(asarray_like(i, t._data) for i in at)] = picked


def _order(t, order: str) -> str:
    """NumPy's 'A' and 'K' orders: Fortran's only for Fortran-contiguous data."""
    if order in ("A", "K"):
        flags = getattr(t._data, "flags", None)
        fortran = flags is not None and flags.f_contiguous and not flags.c_contiguous
        return "F" if fortran else "C"
    return order


def reshape_in_order(t, shape, order):
    """``t.reshape(shape, order=...)``: a Fortran-order reshape is the C-order one of the
    reversed axes, so it is recorded as transposes around a reshape."""
    if _order(t, order) != "F":
        return apply(np.reshape, t, tuple(shape), name="ViewBackward0")
    flat = apply(np.reshape, apply(np.transpose, t), (-1,))
    return apply(np.transpose, apply(np.reshape, flat, tuple(shape)[::-1]))


class _Flat:
    """NumPy's ``a.flat``: reads and writes by C-order position (writes recorded as ``put``)."""

    __slots__ = ("_t",)

    def __init__(self, t):
        self._t = t

    def __getitem__(self, index):
        return self._t.reshape(-1)[index]

    def __setitem__(self, index, value):
        put_along_flat(self._t, np.arange(self._t.numel())[index], value)

    def __iter__(self):
        return iter(self._t.reshape(-1))

    def __len__(self):
        return self._t.numel()


class NdarrayMembers:
    """ndarray members with NumPy's meaning; ``self`` is a Tensor."""

    __slots__ = ()

    # ------------------------------------------------------------ memory

    @property
    def strides(self):
        return self._data.strides

    @property
    def flags(self):
        return self._data.flags

    @property
    def ctypes(self):
        return self._data.ctypes

    @property
    def base(self):
        """The Tensor this one is a view of (NumPy's ``base``), None for one owning its data."""
        return self._view[0] if self._view is not None else None

    def setflags(self, write=None, align=None, uic=None):
        self._data.setflags(write=write, align=align, uic=uic)

    def to_device(self, device, /, *, stream=None):
        return self.to(device)

    # ------------------------------------------------------------ bytes (leave the graph)

    def tobytes(self, order="C"):
        self._warn_leaving_graph("tobytes()")
        return host_of(self).tobytes(order)

    def dumps(self):
        self._warn_leaving_graph("dumps()")
        return host_of(self).dumps()

    def dump(self, file):
        self._warn_leaving_graph("dump()")
        host_of(self).dump(file)

    def tofile(self, fid, sep="", format="%s"):  # noqa: A002  (NumPy's name)
        self._warn_leaving_graph("tofile()")
        host_of(self).tofile(fid, sep=sep, format=format)

    def byteswap(self, inplace=False):
        swapped = host_of(self).byteswap()
        if inplace:
            _overwrite(self, swapped)
            return self
        return _untracked(self, swapped, "byteswap()")

    def getfield(self, dtype, offset=0):
        if offset == 0 and np.dtype(dtype) == self._data.dtype:
            return self.reshape(self.shape)
        return _untracked(self, host_of(self).getfield(dtype, offset), "getfield()")

    def setfield(self, val, dtype, offset=0):
        if offset == 0 and np.dtype(dtype) == self._data.dtype:
            self[...] = val
            return
        data = host_of(self).copy()
        data.setfield(host_of(val), dtype, offset)
        _overwrite(self, data)

    # ------------------------------------------------------------ searching (not differentiable)

    def searchsorted(self, v, side="left", sorter=None):
        return apply(np.searchsorted, self, v, side=side, sorter=raw(sorter))

    def argpartition(self, kth, axis=-1, kind="introselect", order=None):
        return apply(np.argpartition, self, kth, axis=axis, kind=kind, order=order)

    # ------------------------------------------------------------ selections

    def compress(self, condition, axis=None):
        return apply(np.compress, raw(condition), self, axis=axis)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        _no_out("trace", out)
        x = self if dtype is None else self.to(dtype)  # summed in ``dtype``, as NumPy does
        return apply(np.trace, x, offset, axis1, axis2)

    def choose(self, choices, out=None, mode="raise"):
        """NumPy's ``a.choose(choices)``: element by element, the choice ``a`` names, recorded
        as one ``np.where`` per choice (NumPy resolves the mode and reports bad entries)."""
        _no_out("choose", out)
        choices = [_tensor_like(self, c) for c in choices]
        which = np.choose(host_of(self), np.arange(len(choices)), mode=mode)
        which = asarray_like(which, self._data)
        result = apply(np.where, which == 0, choices[0], choices[-1])
        for k in range(1, len(choices) - 1):
            result = apply(np.where, which == k, choices[k], result)
        return result

    # ------------------------------------------------------------ writes

    def put(self, indices, values, mode="raise"):
        """NumPy's in-place ``a.put`` under the fallback; torch's out-of-place
        ``put(index, source, accumulate=False)`` elsewhere."""
        if _grad_state.fallback:
            put_along_flat(self, indices, values, mode)
            return None
        return self.clone().put_(indices, values, mode is True)

    def put_(self, index, source, accumulate=False):
        if not accumulate:
            put_along_flat(self, index, source)
            return self
        at = np.asarray(host_of(index)).reshape(-1) % max(self.numel(), 1)
        flat = self.reshape(-1).index_add(0, asarray_like(at, self._data),
                                          _tensor_like(self, source).reshape(-1))
        self[...] = flat.reshape(self.shape)
        return self

    @property
    def flat(self):
        return _Flat(self)

    @flat.setter
    def flat(self, value):
        put_along_flat(self, np.arange(self.numel()), value)

    def partition(self, kth, axis=-1, kind="introselect", order=None):
        """In place, as NumPy's ``a.partition`` is, in the fallback's NumPy code; elsewhere the
        partitioned values. Gathered, as ``sort`` gathers, so that the write into ``self``
        (a view too) leaves nothing the backward reads changed."""
        a = host_of(self)  # NumPy's own arrangement (argpartition's may differ), read back
        at = source_positions(np.partition(a, kth, axis=axis, kind=kind), a, axis)
        values = apply(np.take_along_axis, self, asarray_like(at, self._data), axis)
        if not _grad_state.fallback:
            return values
        self._assign_result(values)
        return None

    def resize(self, *new_shape, refcheck=True):
        """NumPy's in-place ``a.resize``: the C-order values cut or padded with zeros, in new
        memory. A view cannot be resized, as in NumPy; views of this array are not counted
        (the tape's own nodes may hold some), so NumPy's ``refcheck`` is not made."""
        shape = tuple(new_shape[0]) if len(new_shape) == 1 and isinstance(
            new_shape[0], (tuple, list)) else tuple(new_shape)
        if self._view is not None:
            raise ValueError("cannot resize this array: it does not own its data")
        n, size = self.numel(), math.prod(shape)
        flat = self.reshape(-1)
        flat = flat[:size] if size <= n else apply(np.pad, flat, (0, size - n))
        result = flat.reshape(shape)
        self._check_inplace()
        # new memory: the views cut above (of the old memory) are no longer this one's
        self._data, self._vc, self._has_views = result._data.copy(), VersionCounter(), False
        if result._grad_fn is not None:
            rebind(self, result)
