"""``np.mean([a, b])`` and ``np.array([a, b])`` with tracked ``a``, for NumPy code run by the
compiler's fallback.

NumPy hands a call to the tape (NEP 18) only when a Tensor is among the arguments it inspects;
inside a plain list it never looks, so ``np.mean([a, b])`` reads the list with ``np.asarray``,
which refuses a Tensor that requires grad, and ``np.array`` dispatches on nothing at all. The
fallback therefore gives the function (see mathshim) a view of ``numpy`` in which each function
with derivative rules, each ufunc and the array constructors first turn such a list into the
stacked Tensor NumPy would have made of it (``lists.stack_list``, recorded), then call NumPy,
which now dispatches.

A float array NumPy makes there (``np.zeros(3)``, ``np.array([1., 2.])``, ``np.arange(3.)``,
``np.exp([1., 2.])``) comes back as an untracked Tensor holding it: NumPy code writes tracked
values into such arrays (``t = np.zeros(3); t[1] = y``), which a plain ndarray would turn into
a Python number (the gradient lost, T2), while a Tensor records the write. Integer, boolean,
string and object arrays stay NumPy's: they are indices, masks and labels, and a tracked value
written into an integer array is truncated anyway (no gradient to keep). Anything else is
NumPy's own object, untouched.
"""

from __future__ import annotations

import functools
import types

import numpy as np

from ..rules.table import lookup
from . import dispatch
from .lists import lists_as_tensors, stack_list, tracked_in

__all__ = ["numpy_shim", "tensor_of_floats"]

_SEQUENCES = (list, tuple)
#: ``np.asarray(x)`` of an array is ``x`` itself; these copy (or may: dtype, ndmin).
_CONSTRUCTORS = (np.array, np.asarray, np.asanyarray, np.ascontiguousarray)
_SAME_OBJECT = (np.asarray, np.asanyarray)


def tensor_of_floats(out):
    """A float or complex ndarray (or a plain tuple/list of them, ``np.meshgrid``) made by NumPy
    as an untracked Tensor; anything else as it is."""
    if type(out) is np.ndarray:
        return dispatch._wrap(out) if out.dtype.kind in "fc" else out
    if type(out) in _SEQUENCES and out and any(type(o) is np.ndarray for o in out):
        return type(out)(tensor_of_floats(o) for o in out)
    return out


def _floats_as_tensors(fn):
    """``fn`` (any other NumPy function) with its float array results as Tensors."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        return tensor_of_floats(fn(*args, **kwargs))

    return call


def _tracked(v) -> bool:
    if isinstance(v, dispatch.Tensor):
        return v._requires_grad or v._grad_fn is not None
    return type(v) in _SEQUENCES and tracked_in(v)


def _with_lists(fn):
    """``fn`` (a NumPy function with rules) turning tracked lists into Tensors first."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        for a in args:
            if type(a) in _SEQUENCES and tracked_in(a):
                args = lists_as_tensors(fn, dispatch._spec(fn), args) or args
                break
        return tensor_of_floats(fn(*args, **kwargs))

    return call


def _constructor(fn):
    """``np.array``/``np.asarray``... of a tracked Tensor or list: a recorded Tensor."""

    @functools.wraps(fn)
    def call(obj, *args, **kwargs):
        if not _tracked(obj):
            if not args and not kwargs and fn in _SAME_OBJECT and isinstance(obj,
                                                                              dispatch.Tensor):
                return obj
            return tensor_of_floats(fn(obj, *args, **kwargs))
        kwargs.pop("like", None)
        if type(obj) in _SEQUENCES:
            obj = stack_list(obj)
            if not args and not kwargs:
                return obj  # already a fresh array
        elif not args and not kwargs and fn in _SAME_OBJECT:
            return obj
        return dispatch.apply(fn, obj, *args, **kwargs)

    return call


class _UfuncOnLists:
    """A ufunc whose list operands holding tracked Tensors are stacked first (its methods too:
    ``np.add.reduce([a, b])``); every other attribute is the ufunc's."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        self.__doc__ = ufunc.__doc__

    def __call__(self, *args, **kwargs):
        return tensor_of_floats(self._ufunc(*_stacked(args), **kwargs))

    def __getattr__(self, name):
        value = getattr(self._ufunc, name)
        if name in ("reduce", "accumulate", "reduceat", "outer", "at"):
            return lambda *args, **kwargs: tensor_of_floats(value(*_stacked(args), **kwargs))
        return value

    def __repr__(self):
        return repr(self._ufunc)


def _stacked(args):
    return [stack_list(a) if type(a) in _SEQUENCES and tracked_in(a) else a for a in args]


class _NumpyOnLists(types.ModuleType):
    """A NumPy (sub)module seen through the routing above; each name routed once, then
    cached on the instance."""

    def __init__(self, module):
        super().__init__(module.__name__, module.__doc__)
        self._module = module

    def __getattr__(self, name):
        value = getattr(self._module, name)
        routed = numpy_shim(value)
        setattr(self, name, value if routed is None else routed)
        return value if routed is None else routed


def _routed(value):
    if isinstance(value, np.ufunc):
        return _UfuncOnLists(value)
    if any(value is c for c in _CONSTRUCTORS):
        return _constructor(value)
    entry = lookup(value) if callable(value) and not isinstance(value, type) else None
    if entry is not None and entry.vjp and not entry.nondiff:
        return _with_lists(value)
    return _floats_as_tensors(value)


_MODULES = {np: None, np.linalg: None, np.fft: None}
_ROUTED: dict = {}


def numpy_shim(value):
    """The routed stand-in for ``numpy``, ``numpy.linalg``/``fft`` or one of their functions
    (names imported with ``from numpy import mean`` too); None for anything else."""
    for module in _MODULES:
        if value is module:
            shim = _MODULES[module]
            if shim is None:
                shim = _MODULES[module] = _NumpyOnLists(module)
            return shim
    if not callable(value) or isinstance(value, type) or not (
            isinstance(value, np.ufunc) or type(value).__module__ == "numpy"
            or getattr(value, "__module__", None) in ("numpy", "numpy.linalg", "numpy.fft")):
        return None
    try:
        if value not in _ROUTED:
            _ROUTED[value] = _routed(value)
    except TypeError:  # unhashable
        return None
    return _ROUTED[value]
