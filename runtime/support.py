"""Helpers that generated adjoint code and the tape call at run time.

Kept tiny and free of Python-level loops over elements: every helper is a handful of array
calls on the arrays it is given, in their own library.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backend import is_array

__all__ = ["unbroadcast", "accumulate", "Stack", "shape_of", "zeros_like_tree"]


def shape_of(x: Any) -> tuple[int, ...]:
    """Shape of an array, ``()`` for scalars."""
    return tuple(x.shape) if is_array(x) else ()


def unbroadcast(g: Any, target: Any) -> Any:
    """Sum ``g`` over the axes that broadcasting added to ``target``, so it has target's shape.

    >>> unbroadcast(np.ones((2, 3)), np.zeros((1, 3))).tolist()
    [[2.0, 2.0, 2.0]]
    """
    shape = shape_of(target)
    gshape = shape_of(g)
    if gshape == shape:
        return g
    extra = len(gshape) - len(shape)
    if extra < 0 or any(n != 1 and n != gshape[i + extra] for i, n in enumerate(shape)):
        # g is smaller than target (a scalar cotangent seeding an array): broadcast it up.
        return np.broadcast_to(g, shape)
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
