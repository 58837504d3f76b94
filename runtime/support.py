"""Helpers that generated adjoint code and the tape call at run time.

Kept tiny and free of Python-level loops over elements: every helper is a handful of array
calls on the arrays it is given, in their own library.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import buffers
from .backend import asarray_like, is_array, namespace

__all__ = ["unbroadcast", "accumulate", "Stack", "shape_of", "zeros_like_tree"]


def shape_of(x: Any) -> tuple[int, ...]:
    """Shape of an array, ``()`` for scalars; a list or tuple NumPy would take as an array
    (``np.max([a, b])``) has the shape of that array."""
    if type(x) is np.ndarray:
        return x.shape
    if is_array(x):
        return tuple(x.shape)
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return (len(x), *shape_of(x[0])) if x else (0,)
    return ()


def unbroadcast(g: Any, target: Any) -> Any:
    """Sum ``g`` over the axes that broadcasting added to ``target``, so it has target's shape.

    >>> unbroadcast(np.ones((2, 3)), np.zeros((1, 3))).tolist()
    [[2.0, 2.0, 2.0]]
    """
    # Nothing was broadcast: the common case (tens of calls per loop step in generated code),
    # so it costs two attribute reads and a compare (no getattr calls). Scalars have shape ().
    try:
        if g.shape == target.shape:
            return g
    except AttributeError:
        pass
    gshape = getattr(g, "shape", ())
    shape = shape_of(target)  # a list NumPy took as an array has that array's shape
    if gshape == shape:
        return g
    if type(g) is np.ndarray and type(target) is np.ndarray and shape:
        # NumPy reducing: ndarray.sum skips np.sum's dispatch, keepdims skips the reshape
        lead = len(gshape) - len(shape)
        if lead == 1 and gshape[1:] == shape:  # a bias row: one leading axis added
            return g.sum(axis=0)
        if lead >= 0:
            ones = []
            for i, n in enumerate(shape):
                m = gshape[i + lead]
                if n != m:
                    if n != 1:
                        break  # not broadcast from target's shape: the general path says how
                    ones.append(i + lead)
            else:
                if ones:
                    g = g.sum(axis=tuple(ones), keepdims=True)
                return g.sum(axis=tuple(range(lead))) if lead else g
    shape, gshape = tuple(shape), tuple(gshape)
    extra = len(gshape) - len(shape)
    if extra < 0 or any(n != 1 and n != gshape[i + extra] for i, n in enumerate(shape)):
        # g is smaller than target (a scalar cotangent seeding an array): broadcast it up,
        # in the target's library (np.broadcast_to of a Python scalar would give NumPy).
        return np.broadcast_to(g, shape) if is_array(g) else np.full_like(target, g)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and gshape[i + extra] != 1
    )
    summed = np.sum(g, axis=axes)
    return np.reshape(summed, shape) if is_array(target) else summed


def accumulate(acc: Any, g: Any) -> Any:
    """``acc + g`` where ``None`` means "no gradient yet" (so nothing is allocated for zeros)."""
    if acc is None:
        return g
    if g is None:
        return acc
    return acc + g


class Stack(list):
    """The stack loop adjoints push to in the forward sweep and pop from in the reverse sweep."""

    push = list.append

    def pop(self) -> Any:  # type: ignore[override]
        if not self:
            raise RuntimeError(
                "tangentish internal error: the reverse sweep popped more values than the "
                "forward sweep pushed; please report this with the function's source"
            )
        return list.pop(self)


def zeros_like_tree(x: Any) -> Any:
    """Zeros with the structure of ``x`` (dict/list/tuple nests of scalars and arrays)."""
    if type(x) is np.ndarray:  # the hot case (forward-mode zero tangents): one C-level call
        if x.nbytes >= buffers.MIN_BYTES:  # a weight gradient: reuse a buffer nobody holds
            return buffers.zeros(x.shape, x.dtype)
        return np.zeros(x.shape, x.dtype)
    if isinstance(x, dict):
        return type(x)((k, zeros_like_tree(v)) for k, v in x.items())
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(zeros_like_tree(v) for v in x)
    if isinstance(x, tuple):  # namedtuple
        return type(x)(*(zeros_like_tree(v) for v in x))
    if is_array(x):
        return np.zeros_like(x)
    if isinstance(x, complex):
        return 0j
    return 0.0


# ---- elementwise helpers
# Used by runtime/rules/elementwise.py. Each is a few array calls in the caller's own library.

__all__ += ["broadcast_like", "clip_passes", "clip_hits_min", "clip_hits_max"]


def broadcast_like(g: Any, y: Any) -> Any:
    """``g`` stretched to the shape of ``y``, so a JVP contribution has the output's shape.

    Free when the shapes already agree (and Python scalars stay scalars). A scalar ``g`` against
    an array ``y`` (0-d too) is filled in y's library rather than becoming a NumPy array.
    """
    if type(g) is np.ndarray and type(y) is np.ndarray and g.shape == y.shape:
        return g  # the hot case: nothing to stretch
    if not is_array(y):
        return g
    if not is_array(g):
        return np.full_like(y, g)
    shape = shape_of(y)
    return g if shape_of(g) == shape else np.broadcast_to(g, shape)


def clip_passes(a: Any, lo: Any, hi: Any) -> Any:
    """Where ``np.clip(a, lo, hi)`` passes ``a`` through (``None`` bounds are open)."""
    lo_ok = True if lo is None else a >= lo
    hi_ok = True if hi is None else a <= hi
    return np.logical_and(lo_ok, hi_ok)


def clip_hits_min(a: Any, lo: Any, hi: Any) -> Any:
    """Where ``np.clip(a, lo, hi)`` returns ``lo`` (clip is ``minimum(maximum(a, lo), hi)``)."""
    return np.logical_and(a < lo, True if hi is None else lo <= hi)


def clip_hits_max(a: Any, lo: Any, hi: Any) -> Any:
    """Where ``np.clip(a, lo, hi)`` returns ``hi``."""
    return (a if lo is None else np.maximum(a, lo)) > hi


# ---- reduction helpers
# A reduction's cotangent has the reduced shape; these re-expand it so that it lines up with the
# input again. Axes follow NumPy: None (all), an int, or a tuple, negative counting from the end.


def reduced_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative ints (all axes for None).

    >>> reduced_axes((-1, 0), 3)
    (0, 2)
    """
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) or not hasattr(axis, "__len__") else axis
    return tuple(sorted(int(a) % ndim if ndim else int(a) for a in axes))


def kept_shape(x: Any, axis: Any) -> tuple[int, ...]:
    """x's shape with the reduced axes set to 1: the shape of a ``keepdims=True`` result."""
    shape = shape_of(x)
    axes = reduced_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def unreduce(g: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Broadcast ``g``, shaped like a reduction of ``x`` over ``axis``, back to x's shape.

    The result may be a read-only broadcast view; rules multiply it into fresh arrays.

    >>> unreduce(np.array([1.0, 2.0]), np.zeros((2, 3)), axis=1).tolist()
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    if not is_array(g):  # a Python scalar seed: make it in x's library, not NumPy's
        g = asarray_like(g, x)
    if not keepdims and axis is not None:
        g = np.reshape(g, kept_shape(x, axis))
    return np.broadcast_to(g, shape_of(x))


def reduced_size(x: Any, axis: Any = None) -> int:
    """How many elements of ``x`` each output of a reduction over ``axis`` combines."""
    shape = shape_of(x)
    return int(np.prod([shape[i] for i in reduced_axes(axis, len(shape))], dtype=np.int64))


def shape_only(argnum: int) -> Any:
    """The VJP slot of a helper argument read only for its shape (``x`` in ``unreduce(g, x)``).

    Its cotangent is zero; ``tg_zero`` tells the compiler to emit nothing for it.
    """

    def zero_vjp(dy: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
        return zeros_like_tree(args[argnum])

    zero_vjp.tg_zero = True  # type: ignore[attr-defined]
    return zero_vjp


def no_tangent(dx: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
    """The JVP slot of an argument read only for its shape: it adds nothing to the output."""
    return zeros_like_tree(y)


no_tangent.tg_zero = True  # type: ignore[attr-defined]

__all__ += ["reduced_axes", "kept_shape", "unreduce", "reduced_size", "shape_only", "no_tangent"]


# ---- shape and indexing helpers
# Subscripts are statements in Python (``x[i] = v``) and ``np.add.at`` works in place, so the
# indexing rules call these small functional helpers instead. Containers (lists, tuples, dicts)
# get *sparse* gradients: ``None`` in a list, a missing key in a dict, meaning "no gradient".

__all__ += ["fill_none", "arange_like", "scatter_add", "empty_grad", "getitem_grad", "index_set",
            "zero_at", "value_grad"]


def fill_none(ds: Any, like: Any) -> list[Any]:
    """``ds`` with every ``None`` ("no gradient") replaced by zeros shaped like ``like[i]``.

    Sequence rules (concatenate, split) need a concrete array per slot; generated code passes
    ``None`` for outputs or inputs that carry no gradient.
    """
    return [zeros_like_tree(x) if d is None else _dense(d, x) for d, x in zip(ds, like)]


def _dense(d: Any, x: Any) -> Any:
    # A slot NumPy took as an array from a nested list (np.stack([a, [b, c]])) may have a list
    # adjoint, sparse in reverse over reverse: filled and stacked, so the rule gets an array
    # (np.stack dispatches on the elements; a list of CuPy arrays would not convert).
    if isinstance(d, (list, tuple)) and d:
        return np.stack(fill_none(d, x))
    return d


def arange_like(n: int, like: Any) -> Any:
    """``np.arange(n)`` in ``like``'s array library (index arrays must live beside the data)."""
    if is_array(like) and not isinstance(like, np.ndarray):
        return np.arange(n, like=like)
    return np.arange(n)


def _is_fancy(idx: Any) -> bool:
    # Integer arrays (and lists) may repeat positions, so writes through them must accumulate.
    parts = idx if isinstance(idx, tuple) else (idx,)
    for part in parts:
        if isinstance(part, list):
            return True
        if is_array(part) and np.dtype(part.dtype).kind in "iu":
            return True
    return False


def scatter_add(z: Any, idx: Any, g: Any) -> Any:
    """``z[idx] += g`` where repeated indices accumulate (``np.add.at``); returns ``z``."""
    g = _real_for(g, z)
    if _is_fancy(idx):
        namespace(z).add.at(z, idx, g)  # the library's own add.at, not NEP-13 "at" dispatch
    else:  # basic and boolean indices never repeat: plain assignment is faster
        z[idx] = g
    return z


def empty_grad(x: Any) -> Any:
    """"No gradient yet" shaped like ``x``: zeros for arrays, Nones for sequences, {} for dicts."""
    if isinstance(x, dict):
        return {}
    if isinstance(x, (list, tuple)):
        return [None] * len(x)
    return np.zeros_like(x)


def getitem_grad(dy: Any, x: Any, idx: Any) -> Any:
    """Cotangent of ``x`` for ``y = x[idx]``.

    Arrays: ``dy`` scattered into zeros shaped like ``x``, repeated fancy indices accumulating.
    Lists and tuples: a *list* as long as ``x`` holding ``dy`` at ``idx`` (element by element
    for a slice) and ``None`` elsewhere. Dicts: ``{idx: dy}``.
    """
    if isinstance(x, (list, tuple, dict)):
        return index_set(empty_grad(x), idx, dy)
    if _only_newaxes(idx) and is_array(dy):
        shape = shape_of(x)
        if _non_unit(shape_of(dy)) == _non_unit(shape):
            # x[:, None] and friends only insert unit axes: the adjoint is dy reshaped, one
            # copy (callers may accumulate into the result in place) instead of zeros + write.
            return np.copy(np.reshape(dy, shape))
    if type(x) is np.ndarray:
        if type(dy) is not np.ndarray and is_array(dy):
            # a NumPy constant read by a CuPy/duck program: the cotangent's library holds the
            # zeros (dy cannot be written into host memory)
            return scatter_add(asarray_like(np.zeros_like(x), dy), idx, dy)
        if x.nbytes >= buffers.MIN_BYTES:  # reused: no fresh pages
            return scatter_add(buffers.zeros(x.shape, x.dtype), idx, dy)
    return scatter_add(np.zeros_like(x), idx, dy)


_FULL = slice(None)


def _real_for(dy: Any, x: Any) -> Any:
    # A real x reached through complex values: its cotangent is the real part (JAX's), taken
    # before the write into x's real zeros (NumPy's ComplexWarning, or an error for +=).
    if type(dy) is np.ndarray and type(x) is np.ndarray:
        return dy.real if dy.dtype.kind == "c" and x.dtype.kind != "c" else dy
    return np.real(dy) if np.iscomplexobj(dy) and not np.iscomplexobj(x) else dy


def _only_newaxes(idx: Any) -> bool:
    # An index of None, ``...`` and ``:`` only: y is x with unit axes inserted, nothing dropped.
    if type(idx) is not tuple:
        return idx is None
    return all(part is None or part is Ellipsis or (type(part) is slice and part == _FULL)
               for part in idx)


def _non_unit(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for n in shape if n != 1)


def index_set(x: Any, idx: Any, v: Any) -> Any:
    """A copy of ``x`` with ``x[idx] = v``: subscript assignment as a function.

    Generated code and the tape rewrite ``x[idx] = v`` to ``x = index_set(x, idx, v)`` so the
    old ``x`` survives for the reverse sweep. Arrays, lists, tuples (a new tuple) and dicts.
    """
    if isinstance(x, dict):
        out = dict(x)
    elif isinstance(x, (list, tuple)):
        out = list(x)
    elif type(x) is np.ndarray and type(v) is not np.ndarray and is_array(v):
        out = np.copy(asarray_like(x, v))  # a NumPy constant given CuPy/duck values (R1)
    else:
        out = np.copy(x)
    out[idx] = v
    if isinstance(x, tuple):
        return type(x)(*out) if hasattr(x, "_fields") else tuple(out)
    return out


def zero_at(dy: Any, idx: Any) -> Any:
    """A copy of ``dy`` with nothing at ``idx``: zeros in arrays, ``None`` in lists, no key."""
    if isinstance(dy, dict):
        return {k: v for k, v in dy.items() if k != idx}
    if isinstance(dy, (list, tuple)):
        out = list(dy)
        positions = range(*idx.indices(len(out))) if isinstance(idx, slice) else [idx]
        for i in positions:
            out[i] = None
        return out
    return index_set(dy, idx, 0)


def value_grad(dy: Any, idx: Any, v: Any) -> Any:
    """Cotangent of ``v`` for ``y = index_set(x, idx, v)``: what ``dy`` holds at ``idx``.

    A broadcast ``v`` collects from every cell it filled. A fancy index that repeats a cell
    (``y[[0, 0, 2]] = v``) keeps only NumPy's last write there, so only that element of ``v``
    gets the cell's cotangent.
    """
    if isinstance(dy, (dict, list, tuple)):
        g = dy.get(idx) if isinstance(dy, dict) else dy[idx]
        return zeros_like_tree(v) if g is None else g
    taken = dy[idx]
    if _fancy(idx):
        taken = np.where(_last_writes(dy, idx, shape_of(taken)), taken, 0)
    return unbroadcast(taken, v)


def _fancy(idx: Any) -> bool:
    """Does ``idx`` hold an integer array or list (advanced indexing, which may repeat)?"""
    parts = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(p, list) or is_array(p) and p.dtype.kind in "iu" for p in parts)


def _last_writes(dy: Any, idx: Any, shape: tuple) -> Any:
    """Which positions of ``dy[idx]`` are the writes ``dy[idx] = ...`` keeps (the last one to
    each cell): number the positions, let NumPy assign the numbers, read back who won."""
    order = np.reshape(np.arange(int(np.prod(shape, dtype=np.int64)), like=dy), shape)
    marker = np.empty_like(dy, dtype=order.dtype)  # in dy's library, as the index may be
    marker[idx] = order
    return marker[idx] == order
