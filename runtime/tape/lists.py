"""A Python list holding Tensors being differentiated, given where NumPy expects an array.

NumPy reads such a list with ``np.asarray``, which sees each Tensor only as a number or an
array (``float()``, ``__array__``): the gradient cannot follow, so ``np.where(m, [a, x[0]], x)``
or ``t * [a, 1.0]`` lost the tracked elements' gradients. For a primitive with derivative rules
the list becomes what NumPy would make of it, a stacked array, but recorded: one ``np.stack``
node (nested lists stacked first), whose rule sends each element its slice of the gradient,
and whose rule is itself differentiable (create_graph).
"""

from __future__ import annotations

import numpy as np

from ..backend import is_array
from ..rules.table import vjp_rule
from . import dispatch
from .grad_mode import _state as _grad_state

__all__ = ["tracked_in", "stack_list", "lists_as_tensors"]

_SEQUENCES = (list, tuple)


def tracked_in(seq) -> bool:
    """Whether list/tuple ``seq`` holds (at any depth) a Tensor that needs a gradient."""
    tensor = dispatch.Tensor
    for v in seq:
        if isinstance(v, tensor):
            if v._requires_grad or v._grad_fn is not None:
                return True
        elif type(v) in _SEQUENCES and tracked_in(v):
            return True
    return False


def stack_list(seq):
    """``np.asarray(seq)`` as a recorded Tensor: ``np.stack`` of the elements (sub-lists
    holding tracked values stacked first). Numbers promote as ``np.array`` promotes them under
    the compiler's fallback (a Python float makes float64), as torch's weak scalars otherwise
    (a float32 Tensor and 1.0 stay float32); they are made in the Tensors' own library."""
    items = [stack_list(v) if type(v) in _SEQUENCES and tracked_in(v) else v for v in seq]
    tensor = dispatch.Tensor
    like = next(v._data for v in items if isinstance(v, tensor))
    dtype = np.result_type(*(d for v in items for d in _dtypes(v, tensor)))
    xp_like = None if type(like) is np.ndarray else like
    items = [v if isinstance(v, tensor) or is_array(v) and not isinstance(v, np.generic)
             else _constant(v, dtype, xp_like) for v in items]
    return dispatch.apply(np.stack, items)  # (the numbers made in ``dtype``: no cast needed)


def _dtypes(v, tensor):
    """The dtypes ``v`` brings to the stacked dtype, a Python number weak in torch's mode
    (nested lists element by element, so their numbers stay weak too)."""
    if isinstance(v, tensor):
        yield v._data.dtype
    elif type(v) in _SEQUENCES:
        for w in v:
            yield from _dtypes(w, tensor)
    elif is_array(v) or isinstance(v, np.generic):
        yield v.dtype
    elif _grad_state.fallback or isinstance(v, bool):
        yield np.asarray(v).dtype  # NumPy's array construction: Python numbers are strong
    else:
        yield v  # weak: result_type gives it the other operands' precision


def _constant(v, dtype, like):
    """Number or plain (sub-)list ``v`` as an array of ``dtype`` in ``like``'s library."""
    raw = dispatch.raw(v)
    if like is None:
        return np.asarray(raw, dtype=dtype)
    return np.asarray(raw, dtype=dtype, like=like)


def lists_as_tensors(prim, spec, args) -> list | None:
    """``args`` with every list argument in a data position that holds a tracked Tensor
    replaced by its stacked Tensor; None when nothing changes (grad mode off, a primitive
    without a gradient). A primitive without derivative rules (``np.choose``, ``np.block``)
    raises the missing-rule error here, at the call: its backward could not reach the list's
    elements to raise it later, and a silent zero gradient is what this module is against."""
    entry = spec.entry
    if not _grad_state.enabled or (entry is not None and entry.nondiff):
        return None
    if not spec.rules:  # MissingRuleError, saying how to register a rule
        vjp_rule(prim, next(p for p, a in enumerate(args)
                            if type(a) in _SEQUENCES and tracked_in(a)))
    new, changed = list(args), False
    for pos, a in enumerate(args):
        if type(a) not in _SEQUENCES or (spec.positions is not None
                                         and pos not in spec.positions):
            continue
        if pos == 0 and spec.sequence:  # a list of operands: each element is one array
            parts = [stack_list(v) if type(v) in _SEQUENCES and tracked_in(v) else v for v in a]
            if any(p is not v for p, v in zip(parts, a)):
                new[0], changed = type(a)(parts), True
        elif tracked_in(a):
            new[pos], changed = stack_list(a), True
    return new if changed else None
