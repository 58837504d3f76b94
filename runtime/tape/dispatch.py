"""``apply``: the one door every differentiable operation goes through.

It runs the primitive on raw arrays and, when recording, attaches an ``OpNode`` whose backward
calls the shared rule table. NumPy's dispatch protocols (NEP 13 ``__array_ufunc__``, NEP 18
``__array_function__``) land here too, so ``np.sin(t)`` records exactly like ``tg.sin(t)``.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from ..backend import is_array
from ..rules.table import is_nondiff
from ..support import index_set
from .dtypes import get_default_dtype
from .engine import edge
from .function import FIXED_NAMES, node_class, torch_name
from .grad_mode import _state as _grad_state

__all__ = ["apply", "raw", "array_ufunc", "array_function", "SEQUENCE_PRIMITIVES"]

#: Set by tensor.py once the class exists (the two modules import each other).
Tensor: type = None  # type: ignore[assignment]

#: Primitives whose first argument is a sequence of arrays (one gradient slot per element).
SEQUENCE_PRIMITIVES = {np.concatenate, np.stack, np.hstack, np.vstack, np.column_stack,
                       np.dstack}
#: Results that depend only on shapes and dtypes: constants, whatever the table says.
_CONSTANT_RESULTS = {np.zeros_like, np.ones_like, np.empty_like, np.full_like}
#: Primitives whose Python-number arguments are data (``x * 2``), not axes or shapes.
_ARITHMETIC = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
               operator.matmul, np.where, index_set}
#: Primitives with index arguments: only these positions carry data (and a gradient slot).
_DATA_POSITIONS = {operator.getitem: (0,), index_set: (0, 2), np.where: (1, 2)}


def raw(a):
    """The array inside a Tensor (recursing into lists and tuples); anything else unchanged."""

    if isinstance(a, Tensor):
        return a._data
    if type(a) in (list, tuple):
        return type(a)(raw(v) for v in a)
    return a


def apply(prim, *args, name=None, **kwargs):
    """``prim(*args, **kwargs)`` on raw arrays, recorded on the tape when a Tensor needs grad."""
    raw_args = [raw(a) for a in args]
    if kwargs:
        raw_kwargs = {k: raw(v) for k, v in kwargs.items()}
        out = prim(*raw_args, **raw_kwargs)
    else:
        raw_kwargs = kwargs
        out = prim(*raw_args)
    return record(prim, args, kwargs, out, name, (raw_args, raw_kwargs))


def record(prim, args, kwargs, out, name=None, raws=None):
    """Wrap ``out`` as a Tensor and, when any Tensor argument requires grad, give it a node
    (``raws``: the arguments as the primitive saw them, kept for a backward on arrays)."""
    if type(out) is np.ndarray:  # the common case, first
        multi = False
        outs = [_fresh_layout(_default_float(out, args), prim)]
    else:
        # object arrays (np.frompyfunc) reduce to Python numbers: keep those tracked too
        if isinstance(out, np.generic) or (isinstance(out, (float, complex))
                                           and _object_input(args)):
            out = np.asarray(out)
        multi = isinstance(out, (tuple, list))
        parts = [np.asarray(o) if isinstance(o, np.generic) else o
                 for o in (out if multi else (out,))]
        if not all(is_array(o) for o in parts):
            return out
        outs = [_fresh_layout(_default_float(o, args), prim) for o in parts]
    results = [Tensor._wrap(o) for o in outs]
    if not multi:
        result = results[0]
        if prim in VIEW_PRIMITIVES and isinstance(args[0], Tensor):
            mark_view(result, prim, args, kwargs)
    else:  # a namedtuple (np.linalg.qr's QRResult) takes its fields as arguments
        result = type(out)(*results) if hasattr(out, "_fields") else type(out)(results)
    if (not _needs_grad(args) or not _grad_state.enabled
            or not (outs[0].dtype.kind in "fcO" or any(o.dtype.kind in "fcO" for o in outs))
            or prim in _CONSTANT_RESULTS or is_nondiff(prim)):
        return result
    slots, nexts, versions = [], [], []
    numbers_are_data = prim in _ARITHMETIC or isinstance(prim, np.ufunc)
    sequence = prim in SEQUENCE_PRIMITIVES
    for pos in _DATA_POSITIONS.get(prim, range(len(args))):
        a = args[pos]
        for sub, v in (enumerate(a) if sequence and pos == 0 else ((None, a),)):
            if isinstance(v, Tensor):
                versions.append((pos, v, v._vc.value))
                slots.append((pos, sub))
                nexts.append(edge(v) if v._requires_grad or v._grad_fn is not None
                             else (None, 0))
            elif is_array(v) or (numbers_are_data and isinstance(v, (int, float, complex))
                                 and not isinstance(v, bool)):
                slots.append((pos, sub))
                nexts.append((None, 0))
    cls = node_class(name) if name else _fixed_class(prim) or node_class(
        torch_name(prim, args, kwargs))
    node = cls(prim, args, kwargs, slots, nexts, versions, raws)
    node.set_output(result, multi)
    for nr, r in enumerate(results):
        if r._data.dtype.kind in "fcO":  # object arrays (np.frompyfunc): the rule decides
            r._grad_fn, r._output_nr = node, nr
    return result


from .views import VIEW_PRIMITIVES, mark_view  # noqa: E402  (views builds on apply)


def _fresh_layout(out, prim):
    """New results in row-major order, as torch makes them, so that ``view`` of a result is a
    view (NumPy keeps the layout of fancy-indexed or transposed inputs)."""
    flags = getattr(out, "flags", None)
    if flags is None or flags.c_contiguous or prim in VIEW_PRIMITIVES or prim is np.broadcast_to:
        return out
    return np.ascontiguousarray(out)


def _default_float(out, args):
    """Integer tensors promoted by a Python float get torch's default dtype, not float64."""
    if out.dtype != np.float64:
        return out
    for a in args:
        for v in (a if type(a) in (list, tuple) else (a,)):
            data = v._data if isinstance(v, Tensor) else v
            dtype = None if isinstance(data, np.generic) else getattr(data, "dtype", None)
            if dtype is not None and dtype.kind in "fc":
                return out
    default = get_default_dtype().dtype
    return out if default == np.float64 else out.astype(default)


_CLASSES: dict = {}  # primitive -> node class, for names that need no arguments


def _fixed_class(prim):
    cls = _CLASSES.get(prim)
    if cls is None and prim in FIXED_NAMES:
        cls = _CLASSES[prim] = node_class(FIXED_NAMES[prim])
    return cls


def _object_input(args) -> bool:
    return any(isinstance(a, Tensor) and a._data.dtype.kind == "O" for a in args)


def _needs_grad(args) -> bool:
    for a in args:
        if isinstance(a, Tensor):
            if a._requires_grad or a._grad_fn is not None:
                return True
        elif type(a) in (list, tuple):
            if any(isinstance(v, Tensor) and v.requires_grad for v in a):
                return True
    return False


# ---------------------------------------------------------------- NumPy's dispatch protocols

_REDUCTIONS = {np.add: np.sum, np.multiply: np.prod, np.maximum: np.max, np.minimum: np.min}


def array_ufunc(ufunc, method, inputs, kwargs):
    """``np.sin(t)``, ``np.add(t, 1, out=t)``, ``np.add.reduce(t)``, ``np.add.at(t, i, v)``."""

    out = kwargs.pop("out", None)
    if out is not None and not isinstance(out[0], Tensor):
        # ``ndarray op= tensor`` writes into the array: the op must keep the old values
        inputs = tuple(i.copy() if i is out[0] else i for i in inputs)
    if method == "__call__":
        result = apply(ufunc, *inputs, **kwargs)
    elif method == "reduce" and ufunc in _REDUCTIONS:
        result = apply(_REDUCTIONS[ufunc], *inputs, **kwargs)
    elif method == "at" and ufunc is np.add and isinstance(inputs[0], Tensor):
        from .structural import index_add

        index_add(inputs[0], raw(inputs[1]), inputs[2])
        return None
    else:
        return NotImplemented
    if out is not None:
        target = out[0]
        if isinstance(target, Tensor):
            target._assign_result(result)
            return target
        if isinstance(result, Tensor) and result.requires_grad:
            from .tensor import TapeWarning

            # ``ndarray op= tensor`` with a tracked result: ``a`` is rebound to the tracked value
            # and the array is left alone, since nodes recorded earlier may hold it as a saved
            # operand (``x * a``), and NumPy arrays have no version counter to catch the write.
            # Only other aliases of the array miss the update, which the user is told about.
            warnings.warn(
                "an in-place update of a NumPy array by a value being differentiated "
                f"(np.{getattr(ufunc, '__name__', ufunc)} with out=) rebinds the name to the "
                "result; other references to the array keep their old values",
                TapeWarning, stacklevel=3)
            return result
        target[...] = raw(result)  # untracked: NumPy's semantics, aliases see the values
        return target
    return result


def array_function(func, types, args, kwargs):
    """``np.sum(t)``, ``np.matmul(a, t)``, ``np.zeros_like(t)``, ``np.asarray(v, like=t)``."""
    if "like" in kwargs:  # creation in the like-array's library: a constant, never promoted

        kwargs = dict(kwargs, like=raw(kwargs["like"]))
        if isinstance(kwargs["like"], np.ndarray):
            kwargs.pop("like")
        out = func(*[raw(a) for a in args], **kwargs)
        return Tensor._wrap(np.asarray(out) if isinstance(out, np.generic) else out)
    return apply(func, *args, **kwargs)
