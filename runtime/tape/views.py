"""Views: tensors that share memory with a base (``x[0]``, ``x.view(6)``, ``x.t()``).

An in-place operation on a view changes the base's memory (NumPy views do that by themselves);
for autograd the base's history must change too, as torch rewrites it: the base becomes "the
old base with the new view put back" (the table's ``index_set`` for an index, the inverse
reshape/transpose otherwise), and the view becomes that view of the new base. Every other
live view of the same memory (a sibling ``y[0:1]`` beside the written ``y[0]``, or ``y.view(6)``
when ``y`` itself was written) is cut again from the new history too: its values changed, so
its old history would give silently wrong gradients (torch regenerates such a view's grad_fn
from its base's version). A view shares its base's version counter, so saved-tensor checks see
writes through either.
"""

from __future__ import annotations

import operator
import weakref

import numpy as np

from ..support import index_set
from .dispatch import apply, raw
from .hooks import VersionCounter

__all__ = ["VIEW_PRIMITIVES", "mark_view", "rebase", "check_view_inplace", "after_write",
           "rebind", "write_fresh"]

VIEW_PRIMITIVES = {operator.getitem, np.reshape, np.transpose, np.swapaxes, np.expand_dims,
                   np.squeeze}

VIEW_OF_LEAF = ("a view of a leaf Variable that requires grad is being used in an in-place "
                "operation.")


def _shares_memory(out, base) -> bool:
    if isinstance(out, np.ndarray):
        return isinstance(base, np.ndarray) and np.may_share_memory(out, base)
    if getattr(out, "base", None) is not None:  # CuPy's views
        return True
    try:  # other array libraries answer through NumPy's dispatch
        return bool(np.may_share_memory(out, base))
    except (TypeError, NotImplementedError):
        return False


def mark_view(result, prim, args, kwargs) -> None:
    """Remember how ``result`` was cut from ``args[0]`` when it shares the memory."""
    base = args[0]
    if _shares_memory(result._data, base._data):
        result._view = (base, prim, args[1:], kwargs)
        result._vc = base._vc
        views = base._has_views  # False, or the base's views (weakly held)
        if views is False:
            base._has_views = views = []
        elif len(views) >= 16 and not len(views) & (len(views) - 1):
            # temporaries die young: drop the dead at each power of two (amortized O(1))
            views[:] = [r for r in views if r() is not None]
        views.append(weakref.ref(result))


def check_view_inplace(t) -> None:
    """torch refuses in-place writes through a view of a leaf that requires grad; the tape
    refuses those through a view it cannot put back (``np.diagonal(t)``, ``np.flip(t)``)."""
    while t._view is not None:
        prim = t._view[1]
        if prim not in VIEW_PRIMITIVES:
            raise RuntimeError(
                f"an in-place update of the result of {getattr(prim, '__name__', prim)}, a view "
                "of its argument: the tape cannot write it back into the argument; update a "
                "copy, or the argument itself")
        t = t._view[0]
    if t._grad_fn is None and t._requires_grad:
        raise RuntimeError(VIEW_OF_LEAF)


def _put_back(base, prim, rest, view):
    """The base with ``view`` (just updated in place) written back where it was cut from."""
    if prim is operator.getitem:
        return apply(index_set, base._snapshot(), rest[0], view,
                     name="torch::autograd::CopySlices")
    name = "torch::autograd::CopySlices"
    if prim is np.transpose:
        axes = rest[0] if rest and rest[0] is not None else tuple(range(view.ndim))[::-1]
        return apply(np.transpose, view, tuple(np.argsort(axes).tolist()), name=name)
    if prim is np.swapaxes:
        return apply(np.swapaxes, view, rest[0], rest[1], name=name)
    return apply(np.reshape, view, tuple(base.shape), name=name)


def rebind(t, result) -> None:
    """Give ``t`` the history of ``result`` (same values; ``t`` keeps its memory). A
    ``retain_grad`` moves along, as torch moves it: ``t.grad`` is then the gradient of the
    new value (tensor hooks stay with the old one)."""
    old, old_nr = t._grad_fn, t._output_nr
    node = result._grad_fn
    node.set_output(t)
    t._grad_fn, t._output_nr = node, 0
    ref = old._retain.get(old_nr) if old is not None else None
    if ref is not None and ref() is t:
        del old._retain[old_nr]
        node.retain(0, t)


def rebase(view) -> None:
    """After an in-place op recorded on ``view``: rewrite its base's history, then its own."""
    base, prim, rest, kwargs = view._view
    rebind(base, _put_back(base, prim, rest, view))
    if base._view is not None:
        rebase(base)
    rebind(view, apply(prim, base, *rest, **kwargs))


def after_write(t) -> None:
    """After an in-place op recorded on ``t`` (its history rebound): the bases it was cut from
    get theirs rewritten, and every other live view of that memory is cut again from them."""
    path = {id(t)}
    if t._view is not None:
        rebase(t)
        while t._view is not None:
            t = t._view[0]
            path.add(id(t))
    _recut_views(t, path)


def _live_views(base) -> list:
    """The views of ``base`` still alive (its list of them pruned of the dead)."""
    views = base._has_views
    if not views:
        return []
    live = [v for v in (r() for r in views) if v is not None]
    views[:] = [weakref.ref(v) for v in live]
    return live


def _recut_views(base, skip) -> None:
    for v in _live_views(base):
        if id(v) not in skip:
            _, prim, rest, kwargs = v._view
            rebind(v, apply(prim, base, *rest, name="AsStridedBackward0", **kwargs))
        _recut_views(v, skip)


def write_fresh(t, value) -> None:
    """``t[...] = value`` for NumPy code under the compiler's fallback when ``t`` shares its
    memory with views: the whole group (the root base and every live view) moves to a copy
    first, and the write goes there. Nodes that saved the old memory (``y = np.sin(t)`` before
    ``t[:2] += x``) keep their values, as a tensor without views keeps them by getting fresh
    memory (``Tensor._assign_result``); torch raises there instead (T4b), NumPy code may not.
    The version stays: no node recorded the new memory, and those that recorded the old
    memory read it unchanged."""
    if not getattr(getattr(t._data, "flags", None), "writeable", True):
        t._write(value)  # read-only memory (np.broadcast_to's): NumPy refuses, and so does this
    root = t
    while root._view is not None:
        root = root._view[0]
    version, vc = root._vc.value, VersionCounter()
    root._data, root._vc = np.copy(root._data, order="K"), vc
    _repoint(root, vc)
    t._write(value)
    vc.value = version


def _repoint(base, vc) -> None:
    """Cut every live view of ``base`` again from its (new) memory, sharing counter ``vc``."""
    for v in _live_views(base):
        _, prim, rest, kwargs = v._view
        v._data, v._vc = prim(base._data, *raw(rest), **raw(kwargs)), vc
        _repoint(v, vc)
