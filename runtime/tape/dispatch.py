"""``apply``: the one door every differentiable operation goes through.

It runs the primitive on raw arrays and, when recording, attaches an ``OpNode`` whose backward
calls the shared rule table. NumPy's dispatch protocols (NEP 13 ``__array_ufunc__``, NEP 18
``__array_function__``) land here too, so ``np.sin(t)`` records exactly like ``tg.sin(t)``.
"""

from __future__ import annotations

import dis
import functools
import operator
import sys
import warnings

import numpy as np

from ..backend import is_array
from ..rules.table import lookup
from ..support import index_set
from .dtypes import get_default_dtype
from .engine import edge
from .function import ARG_DEPENDENT, COMPLEX, mark_complex, node_class, torch_name
from .grad_mode import _state as _grad_state

__all__ = ["apply", "binary", "unary", "raw", "array_ufunc", "array_function",
           "SEQUENCE_PRIMITIVES"]

#: Set by tensor.py once the class exists (the two modules import each other).
Tensor: type = None  # type: ignore[assignment]
_wrap = None  # Tensor._wrap, likewise

#: Primitives whose first argument is a sequence of arrays (one gradient slot per element).
SEQUENCE_PRIMITIVES = {np.concatenate, np.stack, np.hstack, np.vstack, np.column_stack,
                       np.dstack, np.linalg.multi_dot}
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
    try:
        raw_args = [a._data if isinstance(a, Tensor) else _raw_list(
            a, prim in SEQUENCE_PRIMITIVES) if type(a) in _SEQUENCES else a for a in args]
    except _TrackedList:  # a list holding a value being differentiated (lists.py)
        args = lists_as_tensors(prim, _spec(prim), args) or args
        raw_args = [a._data if isinstance(a, Tensor) else raw(a) if type(a) in _SEQUENCES
                    else a for a in args]
    if kwargs:
        raw_kwargs = {k: raw(v) for k, v in kwargs.items()}
        return record(prim, args, kwargs, prim(*raw_args, **raw_kwargs), name, raw_args,
                      raw_kwargs)
    return record(prim, args, _NO_KWARGS, prim(*raw_args), name, raw_args, _NO_KWARGS)


class _TrackedList(Exception):
    """Raised by ``_raw_list`` on meeting a Tensor that needs grad inside a list."""


_TRACKED_LIST = _TrackedList()


def _raw_list(seq, operands=False):
    """``raw(seq)`` of a list or tuple, refusing (``_TrackedList``) a tracked Tensor in it
    (``operands``: the list of a sequence primitive, whose elements are arrays each)."""
    out = []
    for v in seq:
        if isinstance(v, Tensor):
            if not operands and (v._requires_grad or v._grad_fn is not None):
                raise _TRACKED_LIST
            out.append(v._data)
        else:
            out.append(_raw_list(v) if type(v) in _SEQUENCES else v)
    return out if type(seq) is list else tuple(out)


def binary(prim, a, b):
    """``apply(prim, a, b)`` for the operators (two arguments, no keywords), without the
    packing and the loop of the general door."""
    if isinstance(a, Tensor):
        ra = a._data
    elif type(a) in _SEQUENCES:  # (a list may hold tracked Tensors: the general door)
        return apply(prim, a, b)
    else:
        ra = a
    if isinstance(b, Tensor):
        rb = b._data
    elif type(b) in _SEQUENCES:
        return apply(prim, a, b)
    else:
        rb = b
    return record(prim, (a, b), _NO_KWARGS, prim(ra, rb), None, [ra, rb], _NO_KWARGS)


def unary(prim, a):
    """``apply(prim, a)`` for one argument and no keywords."""
    if isinstance(a, Tensor):
        ra = a._data
    elif type(a) in _SEQUENCES:
        return apply(prim, a)
    else:
        ra = a
    return record(prim, (a,), _NO_KWARGS, prim(ra), None, [ra], _NO_KWARGS)


class _Spec:
    """What ``record`` needs to know about a primitive, worked out on its first call."""

    __slots__ = ("constant", "entry", "view", "keep_layout", "numbers", "plain", "sequence",
                 "positions", "cls", "rules")

    def __init__(self, prim):
        self.constant = prim in _CONSTANT_RESULTS
        self.view = prim in VIEW_PRIMITIVES
        self.keep_layout = self.view or prim is np.broadcast_to
        self.numbers = prim in _ARITHMETIC or isinstance(prim, np.ufunc)
        self.sequence = prim in SEQUENCE_PRIMITIVES
        self.positions = _DATA_POSITIONS.get(prim)
        self.plain = not self.sequence and self.positions is None  # every argument is data
        # the node class when torch's name does not depend on the arguments
        self.cls = None if prim in ARG_DEPENDENT else node_class(torch_name(prim, (), {}))
        # the table's entry: defvjp and defnondiff update it in place
        self.entry = entry = lookup(prim)
        self.rules = entry.vjp if entry is not None else None


_SPECS: dict = {}


def _spec(prim) -> _Spec:
    spec = _SPECS.get(prim)
    if spec is None or spec.entry is None:  # a rule registered since is picked up
        spec = _SPECS[prim] = _Spec(prim)
    return spec


def record(prim, args, kwargs, out, name, raw_args, raw_kwargs):
    """Wrap ``out`` as a Tensor and, when any Tensor argument requires grad, give it a node
    (``raw_args``, ``raw_kwargs``: the arguments as the primitive saw them, kept for a
    backward on arrays)."""
    spec = _SPECS.get(prim)
    if spec is None or spec.entry is None:
        spec = _spec(prim)
    if type(out) is not np.ndarray and isinstance(out, np.generic):
        out = np.asarray(out)  # NumPy's scalar results (of 0-d operands) as 0-d arrays
    if type(out) is np.ndarray:  # the common case, first
        if out.dtype.type is np.float64:  # unless a float64 argument comes first (most often)
            a = args[0]
            if not (isinstance(a, Tensor) and a._data.dtype.type is np.float64):
                out = _default_float(out, args)
        if not out.flags.c_contiguous and not spec.keep_layout and not (
                out.base is not None and _strided_view(out, args)):
            out = np.ascontiguousarray(out)
        result = _wrap(out)
        if spec.view and isinstance(args[0], Tensor):
            mark_view(result, prim, args, kwargs)
        elif out.base is not None:
            _mark_other_view(result, prim, args, kwargs)
        entry = spec.entry
        kind = out.dtype.kind
        if (spec.constant or (entry is not None and entry.nondiff) or not _grad_state.enabled
                or kind not in "fcO"):
            return result
        if kind == "c" and not COMPLEX.seen:
            COMPLEX.seen = True
        multi, results, big = False, (result,), out.nbytes >= BIG_BYTES
    else:
        result, results, multi = _wrap_other(prim, spec, args, kwargs, out)
        big = False  # CuPy, a duck array or several outputs: kept whole
        if results is None:
            return result
        for r in results:
            mark_complex(r._data)
    if spec.plain:  # the common case: no sequence, every argument a data argument
        nexts, versions, slots, live = [], [], None, []  # slots None: every position so far
        arrays = []  # positions of plain ndarrays: NumPy code may write into them later
        numbers = spec.numbers
        for pos, v in enumerate(args):
            if isinstance(v, Tensor):
                if v._grad_fn is not None:
                    versions.append((pos, v, v._vc.value))
                    nexts.append((v._grad_fn, v._output_nr))
                    live.append(pos)
                elif v._requires_grad:
                    versions.append((pos, v, v._vc.value))
                    nexts.append((v._acc or v._accumulator(), 0))
                    live.append(pos)
                else:
                    nexts.append(_CONSTANT)
                    if _grad_state.fallback and type(v._data) is np.ndarray:
                        arrays.append(pos)  # NumPy code's constant array: kept by value
                    else:
                        versions.append((pos, v, v._vc.value))
            elif type(v) is np.ndarray or (numbers and type(v) in _NUMBERS) or is_array(v) or (
                    numbers and isinstance(v, (int, float, complex))
                    and not isinstance(v, bool)):
                nexts.append(_CONSTANT)
                if type(v) is np.ndarray:
                    arrays.append(pos)
            else:  # not data (an axis, a shape): no slot
                if slots is None:
                    slots = list(_plain_slots(pos))
                continue
            if slots is not None:
                slots.append((pos, None))
        if not live and not _needs_grad(args):  # (a live slot: a Tensor that needs grad)
            return result
        if slots is None:
            slots = _plain_slots(len(args))
    else:
        if not _needs_grad(args):
            return result
        slots, nexts, versions = _data_slots(spec, args)
        arrays = [pos for pos, v in enumerate(args) if type(v) is np.ndarray]
        if _grad_state.fallback:
            by_value = [e for e in versions if _constant_array(spec, *e)]
            if by_value:
                arrays += [e[0] for e in by_value]
                versions = [e for e in versions if e not in by_value]
    cls = node_class(name) if name else spec.cls or node_class(torch_name(prim, args, kwargs))
    if not multi:  # one output, of a float (or object) dtype: checked above
        node = cls(prim, args, kwargs, slots, tuple(nexts), versions, raw_args, raw_kwargs,
                   spec.rules, result)
        result._grad_fn = node
        if spec.plain and spec.rules is not None and (big or _big_input(versions)):
            node.keep_read(spec.rules, live)
        if arrays:
            node.keep_copies(arrays)
        return result
    node = cls(prim, args, kwargs, slots, tuple(nexts), versions, raw_args, raw_kwargs,
               spec.rules)
    if arrays:
        node.keep_copies(arrays)
    node.set_output(result, True)
    for nr, r in enumerate(results):
        if r._data.dtype.kind in "fcO":  # object arrays (np.frompyfunc): the rule decides
            r._grad_fn, r._output_nr = node, nr
    return result


#: Arrays from this size on are worth replacing by a stand-in when no rule reads their values.
BIG_BYTES = 4096


def _big_input(versions) -> bool:
    """Whether a Tensor argument is a NumPy array of at least ``BIG_BYTES`` (smaller ones stay:
    a stand-in would cost more than it frees; CuPy and duck arrays are kept whole)."""
    for entry in versions:
        data = entry[1]._data
        if type(data) is np.ndarray and data.nbytes >= BIG_BYTES:
            return True
    return False


@functools.cache
def _plain_slots(n: int) -> tuple:
    """The slots of ``n`` data arguments, none a sequence: one shared tuple per count."""
    return tuple((pos, None) for pos in range(n))


def _mark_other_view(result, prim, args, kwargs) -> None:
    """A result sharing the memory of its Tensor argument, made by a function that is not a
    view primitive: ``np.ravel(t)``, ``np.atleast_2d(t)`` (all of ``t``, in order: reshapes for
    autograd) and, for NumPy code under the fallback, ``np.diagonal(t)``, ``np.flip(t)``
    (followed when ``t`` is written; refused as the target of a write, views.py). Unmarked,
    they kept the old values when ``t`` was updated in place (fresh memory under the
    fallback; a wrong history anyway)."""
    a, data = args[0] if args else None, result._data
    if not (isinstance(a, Tensor) and _view_of(data, a._data)):
        return
    flags = getattr(data, "flags", None)
    if data.size == a._data.size and flags is not None and flags.c_contiguous:
        mark_view(result, np.reshape, (a, tuple(data.shape)), _NO_KWARGS)
    elif _grad_state.fallback:
        mark_view(result, prim, args, kwargs)


def _strided_view(out, args) -> bool:
    """Whether ``out`` is a view of its Tensor argument that NumPy code under the fallback
    keeps as such (its layout too: a copy would not see later writes)."""
    a = args[0] if args else None
    return _grad_state.fallback and isinstance(a, Tensor) and _view_of(out, a._data)


def _view_of(out, data) -> bool:
    """Whether array ``out`` shares memory with ``data`` (asked of its library: a CuPy array
    with a base may be a view of a temporary of the call)."""
    if getattr(out, "base", True) is None:  # a fresh array (NumPy's, CuPy's)
        return False
    if type(out) is np.ndarray:
        return type(data) is np.ndarray and np.may_share_memory(out, data)
    try:
        return is_array(out) and bool(np.may_share_memory(out, data))
    except (TypeError, NotImplementedError):
        return False


def _wrap_other(prim, spec, args, kwargs, out):
    """``record`` for results other than one ndarray: NumPy scalars, tuples of arrays, CuPy
    or duck arrays. Returns (result, its Tensors or None when nothing is recorded, multi)."""
    # object arrays (np.frompyfunc) reduce to Python numbers: keep those tracked too
    if isinstance(out, np.generic) or (isinstance(out, (float, complex))
                                       and _object_input(args)):
        out = np.asarray(out)
    multi = isinstance(out, (tuple, list))
    parts = [np.asarray(o) if isinstance(o, np.generic) else o
             for o in (out if multi else (out,))]
    if not all(is_array(o) for o in parts):
        return out, None, multi
    outs = [o if not multi and _strided_view(o, args) else
            _fresh_layout(_default_float(o, args), prim) for o in parts]
    results = [Tensor._wrap(o) for o in outs]
    if not multi:
        result = results[0]
        if spec.view and isinstance(args[0], Tensor):
            mark_view(result, prim, args, kwargs)
        else:
            _mark_other_view(result, prim, args, kwargs)
    else:  # a namedtuple (np.linalg.qr's QRResult) takes its fields as arguments
        result = type(out)(*results) if hasattr(out, "_fields") else type(out)(results)
    entry = spec.entry
    if (spec.constant or (entry is not None and entry.nondiff) or not _grad_state.enabled
            or not _needs_grad(args) or not any(o.dtype.kind in "fcO" for o in outs)):
        return result, None, multi
    return result, results, multi


def _constant_array(spec, pos, v, version) -> bool:
    """Whether Tensor argument ``v`` is, under the compiler's fallback, a constant array of
    NumPy code (``np.zeros(3)``, a global): kept by value like a plain ndarray (keep_copies)
    rather than checked for later in-place writes, which NumPy code makes freely. Not the
    elements of a sequence argument (``np.concatenate([c, x])``): checked as torch checks."""
    return (not v._requires_grad and v._grad_fn is None and type(v._data) is np.ndarray
            and not (spec.sequence and pos == 0))


def _data_slots(spec, args):
    """(slots, next edges, versions) of the data arguments, sequences unpacked."""
    slots, nexts, versions = [], [], []
    for pos in spec.positions or range(len(args)):
        a = args[pos]
        for sub, v in (enumerate(a) if spec.sequence and pos == 0 else ((None, a),)):
            if isinstance(v, Tensor):
                versions.append((pos, v, v._vc.value))
                slots.append((pos, sub))
                nexts.append(edge(v) if v._requires_grad or v._grad_fn is not None
                             else _CONSTANT)
            elif is_array(v) or (spec.numbers and isinstance(v, (int, float, complex))
                                 and not isinstance(v, bool)):
                slots.append((pos, sub))
                nexts.append(_CONSTANT)
    return slots, nexts, versions


_CONSTANT = (None, 0)  # the edge of an argument that needs no gradient
_NO_KWARGS: dict = {}  # shared by every call without keywords (never written to)
_SEQUENCES = (list, tuple)
_NUMBERS = (float, int, complex)  # exact types: bool (an int subclass) is never data


from .keywords import by_position  # noqa: E402  (likewise)
from .lists import lists_as_tensors  # noqa: E402  (likewise)
from .splits import SPLITS, split_views  # noqa: E402  (likewise)
from .views import VIEW_PRIMITIVES, mark_view  # noqa: E402  (views builds on apply)


def _fresh_layout(out, prim):
    """New results in row-major order, as torch makes them, so that ``view`` of a result is a
    view (NumPy keeps the layout of fancy-indexed or transposed inputs)."""
    flags = getattr(out, "flags", None)
    if flags is None or flags.c_contiguous or prim in VIEW_PRIMITIVES or prim is np.broadcast_to:
        return out
    if type(out) is np.ndarray:
        return np.ascontiguousarray(out)
    return np.copy(out, order="C")  # dispatched (ascontiguousarray would ask for __array__)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _promote(a, b):
    """torch's promotion of two tensor dtypes: the higher kind wins whole (float32 with int64
    is float32), NumPy's rule within a kind."""
    if a is None:
        return b
    ka, kb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    return a if ka > kb else b if kb > ka else np.promote_types(a, b)


def _default_float(out, args):
    """A float64 result NumPy gave where torch's promotion gives float32: an integer tensor and
    a Python float (torch's default dtype), a float32 tensor and an integer tensor, a float32
    tensor and a float64 0-d tensor (a 0-d tensor counts only when its kind is higher). NumPy
    code run for the compiler's fallback keeps NumPy's promotion, except for the first case."""
    if out.dtype != np.float64:
        return out
    dims = zero = None  # the promoted dtype of the dimensioned / 0-d tensors (and arrays)
    for a in args:
        for v in (a if type(a) in (list, tuple) else (a,)):
            if isinstance(v, Tensor):
                dtype, ndim = v._data.dtype, v._data.ndim
            elif isinstance(v, np.generic) or not hasattr(v, "dtype"):
                continue  # a Python or NumPy scalar: only its kind counts (weak)
            else:  # a plain array counts as NumPy counts it, whatever its shape
                dtype, ndim = v.dtype, 1
            if dtype.kind in "fc" and (not isinstance(v, Tensor) or _grad_state.fallback):
                return out
            if ndim:
                dims = _promote(dims, dtype)
            else:
                zero = _promote(zero, dtype)
    best = dims
    if zero is not None and (best is None or _CATEGORY[zero.kind] > _CATEGORY[best.kind]):
        best = zero
    if best is None or best.kind not in "fc":
        best = get_default_dtype().dtype
    elif best.kind == "c":  # a real result of complex operands (.real, abs): real, as torch's
        return out
    return out if best == out.dtype else out.astype(best)


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
        if kwargs:
            result = apply(ufunc, *inputs, **kwargs)
        elif len(inputs) == 2:  # the common cases: no keywords, one or two operands
            result = binary(ufunc, *inputs)
        elif len(inputs) == 1:
            result = unary(ufunc, inputs[0])
        else:
            result = apply(ufunc, *inputs)
    elif method == "reduce" and ufunc in _REDUCTIONS:
        result = apply(_REDUCTIONS[ufunc], *inputs, **kwargs)
    elif method == "at" and ufunc is np.add and isinstance(inputs[0], Tensor):
        from .structural import index_add

        index_add(inputs[0], raw(inputs[1]), inputs[2])
        return None
    elif method == "at" and _needs_grad(inputs):
        raise _refuse_write(f"np.{getattr(ufunc, '__name__', ufunc)}.at")
    else:
        return NotImplemented
    if out is not None:
        target = out[0]
        if isinstance(target, Tensor):
            target._assign_result(result)
            return target
        if isinstance(result, Tensor) and result.requires_grad:
            from .tensor import TapeWarning

            if not _augmented_assignment():  # np.multiply(x, 2.0, out=y): nothing rebinds y
                raise _refuse_write(f"np.{getattr(ufunc, '__name__', ufunc)}(..., out=array)")

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


#: NumPy functions that write into an argument: the tape cannot record the write, so a
#: value being differentiated there is refused rather than silently dropped.
_WRITES_INTO = frozenset({np.put, np.copyto, np.place, np.putmask, np.fill_diagonal,
                          np.put_along_axis})


def _refuse_write(what: str) -> RuntimeError:
    return RuntimeError(
        f"{what} writes into an array in place, which the tape does not record, so the "
        "gradient would miss it; compute a new array instead (y = np.where(mask, v, y), "
        "y = y.copy(); y[i] = v)")


def _augmented_assignment() -> bool:
    """Is the user's line that reached NumPy's ``out=`` an augmented assignment (``a += t``,
    which rebinds ``a`` to what the ufunc returns), rather than an explicit ``out=`` call? Read
    from the instruction the first frame outside tangentish is executing."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("tangentish."):
        frame = frame.f_back
    if frame is None:
        return True
    code, at = frame.f_code.co_code, frame.f_lasti
    name = dis.opname[code[at]]
    return name.startswith("INPLACE_") or name == "BINARY_OP" and code[at + 1] >= _NB_INPLACE


_NB_INPLACE = 13  # BINARY_OP's first in-place operator (NB_INPLACE_ADD, Python 3.11+)


def array_function(func, types, args, kwargs):
    """``np.sum(t)``, ``np.matmul(a, t)``, ``np.zeros_like(t)``, ``np.asarray(v, like=t)``."""
    if func in _WRITES_INTO and _needs_grad((*args, *kwargs.values())):
        raise _refuse_write(f"np.{func.__name__}")
    if "like" in kwargs:  # creation in the like-array's library: a constant, never promoted

        kwargs = dict(kwargs, like=raw(kwargs["like"]))
        if isinstance(kwargs["like"], np.ndarray):
            kwargs.pop("like")
        out = func(*[raw(a) for a in args], **kwargs)
        return Tensor._wrap(np.asarray(out) if isinstance(out, np.generic) else out)
    if kwargs:  # np.average(x, weights=w): recorded as np.average(x, None, w)
        args, kwargs = by_position(func, args, kwargs)
    if func in SPLITS and _grad_state.fallback and args and isinstance(args[0], Tensor):
        return split_views(func, *args, **kwargs)  # NumPy's parts are views
    return apply(func, *args, **kwargs)
