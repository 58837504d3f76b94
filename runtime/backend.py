"""Which array library an array belongs to.

Rules and helpers never pick an array library themselves: they call NumPy functions on the
arrays they are given, which NEP-13/18 dispatch (``__array_ufunc__``, ``__array_function__``)
routes to CuPy or any duck array, and create new arrays with ``like=`` (NEP-35). The helpers here
answer the few questions dispatch cannot: is this a Python scalar, which module owns this array.
"""

from __future__ import annotations

import numbers
from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["is_array", "is_scalar", "namespace", "zeros_like", "asarray_like", "is_float"]


def is_scalar(x: Any) -> bool:
    """Python and NumPy scalars (not 0-d arrays)."""
    return isinstance(x, numbers.Number) or isinstance(x, np.generic)


def is_array(x: Any) -> bool:
    """Anything with a shape and a dtype: ndarray, cupy.ndarray, duck arrays, Tensors."""
    if type(x) is np.ndarray:  # the hot case in generated code: skip the attribute probes
        return True
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, np.generic)


def namespace(x: Any) -> ModuleType:
    """The module that owns ``x``: cupy for CuPy arrays, numpy otherwise.

    Duck arrays that dispatch through NEP-18 are served by numpy's functions, which forward to
    their ``__array_function__``; so numpy is the right namespace for them too.
    """
    module = type(x).__module__.split(".")[0]
    if module == "cupy":
        import cupy

        return cupy
    return np


def zeros_like(x: Any) -> Any:
    """Zeros shaped like ``x`` in x's own library; ``0.0`` for Python scalars."""
    if is_array(x):
        return np.zeros_like(x)
    if isinstance(x, complex):
        return 0j
    return 0.0


def asarray_like(value: Any, like: Any) -> Any:
    """``value`` as an array of ``like``'s library (``like`` may be a scalar: then numpy)."""
    if is_array(like) and not isinstance(like, np.ndarray):
        return np.asarray(value, like=like)
    return np.asarray(value)


def is_float(x: Any) -> bool:
    """True for inputs that can carry a gradient: floating or complex dtype, or a Python float."""
    if isinstance(x, bool):
        return False
    if isinstance(x, (float, complex)):
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        return False
    return np.dtype(dtype).kind in "fc"
