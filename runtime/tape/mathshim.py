"""``math.sin(x)`` on a Tensor, for NumPy code run by the compiler's fallback.

``math`` functions call ``float(x)``, which cannot carry a gradient. Before the fallback runs a
function, ``with_math_on_tensors`` gives it a view of its globals in which ``math`` (and names
imported from it) route Tensors to the NumPy function with the same derivative rule, and leave
Python numbers to ``math`` itself. The caller's module is not touched.
"""

from __future__ import annotations

import dis
import math
import types

import numpy as np

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
    """``f`` reading ``math`` through the shim, or ``f`` itself when it does not use math (or
    assigns globals, which a copy of its globals would not pass on)."""
    code, env = getattr(f, "__code__", None), getattr(f, "__globals__", None)
    if code is None or env is None:
        return f
    swap = {name: _shim(env[name]) for name in code.co_names
            if name in env and _shim(env[name]) is not None}
    cells = f.__closure__ or ()
    closure = tuple(types.CellType(_shim(_contents(c))) if _shim(_contents(c)) is not None
                    else c for c in cells)
    if (not swap and closure == cells) or any(
            i.opname in ("STORE_GLOBAL", "DELETE_GLOBAL") for i in dis.get_instructions(code)):
        return f
    g = types.FunctionType(code, {**env, **swap}, f.__name__, f.__defaults__, closure or None)
    g.__kwdefaults__ = f.__kwdefaults__
    return g


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell (a name not bound yet)
        return None


def _shim(value):
    """The routed stand-in for ``math`` or one of its functions; None for anything else."""
    if value is math:
        return MATH
    if getattr(value, "__module__", None) == "math" and getattr(value, "__name__", "") in _SHIMS:
        return _SHIMS[value.__name__]
    return None
