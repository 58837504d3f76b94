"""``math.sin(x)`` on a Tensor, for NumPy code run by the compiler's fallback.

``math`` functions call ``float(x)``, which cannot carry a gradient. Before the fallback runs a
function, ``with_math_on_tensors`` gives it a view of its globals in which ``math`` (and names
imported from it) route Tensors to the NumPy function with the same derivative rule, and leave
Python numbers to ``math`` itself; ``numpy`` (and names imported from it) is routed likewise,
so that lists holding Tensors reach the tape (npshim). The float arrays it reads from its
globals, closure and defaults (``C = np.array([...])`` at module level) are handed over as
untracked Tensors around the same memory: ``C.dot(y)`` is an ndarray method, which NumPy does
not dispatch, so on an ndarray it would ask a tracked ``y`` for its values (torch's ``numpy()``
error, T9); on a Tensor it is recorded. The caller's module is not touched.
"""

from __future__ import annotations

import dis
import functools
import inspect
import math
import types

import numpy as np

from .npshim import numpy_shim, tensor_of_floats
from .tensor import Tensor

__all__ = ["with_math_on_tensors"]

_DIFFERENTIABLE = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
    "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh,
    "acosh": np.arccosh, "atanh": np.arctanh, "exp": np.exp, "expm1": np.expm1,
    "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt, "fabs": np.absolute,
    "hypot": np.hypot, "atan2": np.arctan2, "pow": np.power,
}
#: Step functions and tests: no gradient to lose, so no TapeWarning for them.
_PIECEWISE = ("floor", "ceil", "trunc", "isnan", "isinf", "isfinite")


def _log(x, base=None):
    out = np.log(x)
    return out if base is None else out / np.log(base)


def _routed(name, numpy_fn):
    math_fn = getattr(math, name)

    def fn(*args):
        if any(isinstance(a, Tensor) for a in args):
            return numpy_fn(*args)
        return math_fn(*args)

    fn.__name__ = fn.__qualname__ = name
    return fn


def _piecewise(name):
    math_fn = getattr(math, name)

    def fn(x):
        return math_fn(x._data.item() if isinstance(x, Tensor) else x)

    fn.__name__ = fn.__qualname__ = name
    return fn


_SHIMS = {name: _routed(name, f) for name, f in _DIFFERENTIABLE.items()}
_SHIMS["log"] = _routed("log", _log)
_SHIMS.update({name: _piecewise(name) for name in _PIECEWISE})


class _MathOnTensors(types.ModuleType):
    """``math`` with the functions above routed; every other name is math's own."""

    def __getattr__(self, name):
        return _SHIMS.get(name) or getattr(math, name)


MATH = _MathOnTensors("math")


def with_math_on_tensors(f):
    """``f`` reading ``math`` through the shim, and so do the functions of its module that it
    calls (helpers, recursion); ``f`` itself when none of them uses math, or when one assigns
    globals (a copy of the module's globals would not pass the assignment on). A bound method,
    a ``functools.partial`` and a callable instance are rebuilt around their function."""
    if isinstance(f, types.MethodType):
        g = with_math_on_tensors(f.__func__)
        return f if g is f.__func__ else types.MethodType(g, f.__self__)
    if isinstance(f, functools.partial):
        g = with_math_on_tensors(f.func)
        args = tuple(_array(a) for a in f.args)
        keywords = {k: _array(v) for k, v in f.keywords.items()}
        if g is f.func and all(a is b for a, b in zip(args, f.args)) and all(
                keywords[k] is v for k, v in f.keywords.items()):
            return f
        return functools.partial(g, *args, **keywords)
    if not isinstance(f, types.FunctionType):
        call = inspect.getattr_static(type(f), "__call__", None)
        if not isinstance(call, types.FunctionType):  # a builtin, a ufunc, a class
            return f
        g = with_math_on_tensors(call)
        return f if g is call else types.MethodType(g, f)
    if f in _BUSY:  # a closure that calls itself: its inner calls keep the original
        return f
    env = f.__globals__
    family = _module_functions(f, env)
    names = set().union(*(_names(fn.__code__) for fn in family))
    shims = {n: s for n in names if (s := _shim(env.get(n))) is not None}
    _BUSY.update(family)
    try:
        cells = {id(c): s for fn in family for c in fn.__closure__ or ()
                 if (s := _cell_shim(_contents(c))) is not None}
    finally:
        _BUSY.difference_update(family)
    if not shims and not cells:
        return f
    if any(_writes_globals(fn.__code__) for fn in family):
        return f
    new_env = dict(env)
    new_env.update(shims)
    rebuilt = {fn: _rebuild(fn, new_env, cells) for fn in family}
    new_env.update({n: rebuilt[env[n]] for n in names
                    if isinstance(env.get(n), types.FunctionType) and env[n] in rebuilt})
    return rebuilt[f]


@functools.lru_cache(maxsize=4096)
def _writes_globals(code) -> bool:
    return any(i.opname in ("STORE_GLOBAL", "DELETE_GLOBAL") for i in dis.get_instructions(code))


#: Functions being rebuilt now (a closure reaching itself through its own cell).
_BUSY: set = set()


def _cell_shim(value):
    """A closure cell's stand-in: ``_shim``'s, or a function it holds, rebuilt in turn (the
    user's function inside ``tg.jvp``'s wrapper, a local helper); None when nothing changes."""
    shim = _shim(value)
    if shim is not None or not callable(value) or isinstance(value, type):
        return shim
    g = with_math_on_tensors(value)
    return None if g is value else g


def _rebuild(fn, env, cells):
    closure = tuple(types.CellType(cells[id(c)]) if id(c) in cells else c
                    for c in fn.__closure__ or ())
    defaults = fn.__defaults__ and tuple(_array(v) for v in fn.__defaults__)
    g = types.FunctionType(fn.__code__, env, fn.__name__, defaults, closure or None)
    g.__kwdefaults__ = fn.__kwdefaults__ and {k: _array(v) for k, v in
                                              fn.__kwdefaults__.items()}
    return g


def _array(value):
    """A float ndarray as an untracked Tensor (its memory shared), a tuple's too (``(W, b)``,
    tg.jvp's arguments held fixed); anything else as it is."""
    if type(value) is np.ndarray:
        return tensor_of_floats(value)
    if type(value) is tuple and any(type(v) is np.ndarray and v.dtype.kind in "fc"
                                    for v in value):
        return tuple(tensor_of_floats(v) if type(v) is np.ndarray else v for v in value)
    return value


@functools.lru_cache(maxsize=4096)
def _names(code) -> frozenset:
    """Global names read by ``code`` and the code nested in it (lambdas, comprehensions);
    remembered per code object, since the fallback asks on every call."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return frozenset(names)


def _module_functions(f, env) -> list:
    """``f`` and the functions of its module it reaches through global names."""
    found, stack = [f], [f]
    while stack:
        for name in _names(stack.pop().__code__):
            value = env.get(name)
            if (isinstance(value, types.FunctionType) and value.__globals__ is env
                    and value not in found):
                found.append(value)
                stack.append(value)
    return found


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell (a name not bound yet)
        return None


def _shim(value):
    """The routed stand-in for ``math``, ``numpy`` or one of their functions, a float ndarray's
    Tensor (a tuple's too); None for anything else."""
    if type(value) in (np.ndarray, tuple):
        constant = _array(value)
        return None if constant is value else constant
    if value is math:
        return MATH
    if getattr(value, "__module__", None) == "math" and getattr(value, "__name__", "") in _SHIMS:
        return _SHIMS[value.__name__]
    return numpy_shim(value)
