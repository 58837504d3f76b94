"""Structural nodes that move values rather than compute them: dtype/device casts, clones and
scatter-add (``np.add.at(x, idx, v)``, which rules call on Tensors under ``create_graph``).
Their backward moves the gradient back the same way (cast it back; pass it through; take the
value's part: the gradient at the index, every repeat counted), so no derivative is written
here.
"""

from __future__ import annotations

import numpy as np

from ..support import unbroadcast
from .dispatch import raw
from .engine import edge
from .function import Node
from .grad_mode import _state as _grad_state
from .grad_mode import is_grad_enabled
from .hooks import VersionCounter
from .views import after_write, write_fresh

__all__ = ["cast", "clone", "index_add"]

#: Set by tensor.py once the class exists (the two modules import each other).
Tensor: type = None  # type: ignore[assignment]


def _to_device(a, device):
    module = type(a).__module__.split(".")[0]
    if device is None or (device.type == "cuda") == (module == "cupy"):
        return a
    if device.type == "cuda":
        import cupy

        return cupy.asarray(a)
    return a.get()


class ToCopyBackward0(Node):
    def __init__(self, source, dtype, device):

        super().__init__([edge(source) if source.requires_grad else (None, 0)])
        self.dtype, self.device = dtype, device

    def apply(self, grads, create_graph):
        g = grads[0]
        if self.dtype.dtype.kind != "c" and g.dtype.kind == "c":  # a cast from real: as torch,
            g = np.real(g)  # the real part is the gradient (and no ComplexWarning)
        if create_graph:
            return [g.to(self.dtype, self.device)]
        return [_to_device(g, self.device).astype(self.dtype.dtype, copy=False)]


class CloneBackward0(ToCopyBackward0):
    """A copy: the gradient passes through unchanged."""


def clone(x):
    """A copy of ``x`` in the graph (``x.clone()``); in-place ops on it leave ``x`` alone."""

    out = Tensor._wrap(x._data.copy())
    if is_grad_enabled() and x.requires_grad:
        out._grad_fn = CloneBackward0(x, x.dtype, x.device)
    return out


def cast(x, dtype, device):
    """``x.to(dtype, device)``: the same tensor when nothing changes, else a recorded copy."""

    data = _to_device(x._data, device)
    if dtype is not None and data.dtype != dtype.dtype:
        data = data.astype(dtype.dtype)
    if data is x._data:
        return x
    out = Tensor._wrap(data)
    if is_grad_enabled() and x.requires_grad and data.dtype.kind in "fc":
        out._grad_fn = ToCopyBackward0(x, x.dtype, x.device)
    return out


class IndexPutBackward0(Node):
    """``np.add.at(base, index, value)``: the base's gradient passes unchanged; the value's is
    the gradient at ``index``, summed to the value's shape, each repeat of an index counted."""

    def __init__(self, base, index, value):
        nexts = [edge(base) if base.requires_grad else (None, 0)]
        is_t = isinstance(value, Tensor)
        nexts.append(edge(value) if is_t and value.requires_grad else (None, 0))
        super().__init__(nexts)
        self.index = index
        self.value_like = np.zeros(value.shape, dtype=value._data.dtype) if is_t else value

    def apply(self, grads, create_graph):
        g = grads[0]
        if self.next_functions[1][0] is None:
            return [g, None]
        # every repeat adds (unbuffered), unlike assignment, where only the last write stays
        return [g, unbroadcast(g[self.index], self.value_like)]


def index_add(x, index, value):
    """``np.add.at(x, index, value)`` on a Tensor: unbuffered, so repeated indices add up.

    Rules call it (through ``support.scatter_add``) when they run on Tensors for
    ``create_graph``."""
    needs = is_grad_enabled() and (x.requires_grad or (
        isinstance(value, Tensor) and value.requires_grad))
    if not needs:
        x._add_at(index, raw(value))
        return
    x._check_inplace()
    node = IndexPutBackward0(x, index, value)
    shared = x._view is not None or x._has_views
    if _grad_state.fallback:
        # NumPy code adding into an array an op saved (t = np.exp(x); np.add.at(t, i, v)):
        # the sums in fresh memory keep the saved values, as Tensor._assign_result does
        data = x._data.copy()
        np.add.at(data, index, raw(value))
        if shared:
            write_fresh(x, data)
        else:
            x._data, x._vc = data, VersionCounter()
    else:
        x._add_at(index, raw(value))
    x._grad_fn, x._output_nr = node, 0
    if shared:  # a view's base (and the other views) get the new history, as for x[i] += v
        after_write(x)
