"""A test-only duck array that behaves like CuPy towards NumPy.

It wraps an ndarray, serves NumPy functions through ``__array_ufunc__`` and
``__array_function__`` (NEP-13/18), and refuses implicit conversion to NumPy with CuPy's own
error. Code that works on it works on any array library that dispatches the same way, and code
that silently calls ``np.asarray`` on its inputs fails loudly.
"""

from __future__ import annotations

import numpy as np


def _unwrap(x):
    if isinstance(x, DuckArray):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _wrap(x):
    # CuPy returns 0-d arrays where NumPy returns scalars (np.sum, x[0]); so does the duck.
    if isinstance(x, (np.ndarray, np.generic)):
        return DuckArray(x)
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


class DuckArray(np.lib.mixins.NDArrayOperatorsMixin):
    """Wraps an ndarray; arithmetic, indexing and NumPy calls return DuckArrays."""

    __slots__ = ("_data",)

    def __init__(self, data):
        self._data = np.asarray(data)

    # -- conversion: refused, as CuPy refuses it
    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. "
            "Please use `.get()` to construct a NumPy array explicitly."
        )

    def get(self):
        return self._data.copy()

    def __tangentish_host__(self):
        return self._data

    @classmethod
    def __tangentish_wrap__(cls, values):
        return cls(np.array(values))

    # -- dispatch
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_unwrap(o) for o in out)
        result = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
        if method == "at":
            return None
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        if not all(issubclass(t, (DuckArray, np.ndarray)) for t in types):
            return NotImplemented
        if "like" in kwargs:
            kwargs = dict(kwargs)
            kwargs.pop("like")
        return _wrap(func(*_unwrap(args), **_unwrap(kwargs)))

    # -- the ndarray surface generated code and rules use
    shape = property(lambda self: self._data.shape)
    dtype = property(lambda self: self._data.dtype)
    ndim = property(lambda self: self._data.ndim)
    size = property(lambda self: self._data.size)
    T = property(lambda self: DuckArray(self._data.T))
    real = property(lambda self: DuckArray(self._data.real))
    imag = property(lambda self: DuckArray(self._data.imag))
    flags = property(lambda self: self._data.flags)

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return (_wrap(v) for v in self._data)

    def __getitem__(self, index):
        return _wrap(self._data[_unwrap(index)])

    def __setitem__(self, index, value):
        self._data[_unwrap(index)] = _unwrap(value)

    def __float__(self):
        # CuPy allows float() of a one-element array (a synchronising device read); so do we.
        return float(self._data)

    def __bool__(self):
        return bool(self._data)

    def __index__(self):
        return self._data.__index__()

    def __repr__(self):
        return f"DuckArray({self._data!r})"

    def _method(name):  # noqa: N805
        def method(self, *args, **kwargs):
            return _wrap(getattr(self._data, name)(*_unwrap(args), **_unwrap(kwargs)))

        method.__name__ = name
        return method

    for _name in ("reshape", "transpose", "astype", "copy", "sum", "mean", "prod", "max", "min",
                  "var", "std", "dot", "ravel", "squeeze", "swapaxes", "cumsum", "all", "any",
                  "argmax", "argmin", "clip", "conj", "flatten", "item", "tolist", "fill",
                  "round", "take", "repeat", "nonzero"):
        locals()[_name] = _method(_name)
    del _name, _method


def duck(x):
    """Wrap an ndarray (or a nest of them) as DuckArrays; scalars stay scalars."""
    if isinstance(x, np.ndarray):
        return DuckArray(x)
    if isinstance(x, (list, tuple)):
        return type(x)(duck(v) for v in x)
    if isinstance(x, dict):
        return {k: duck(v) for k, v in x.items()}
    return x


def host(x):
    """The ndarray inside a DuckArray (tests only: the explicit, allowed conversion)."""
    if isinstance(x, DuckArray):
        return x._data
    if isinstance(x, (list, tuple)):
        return type(x)(host(v) for v in x)
    if isinstance(x, dict):
        return {k: host(v) for k, v in x.items()}
    return x
