"""Tensor dtypes and ``Size``: torch's names over NumPy's dtypes.

A ``DType`` carries a NumPy dtype in ``.dtype``, so NumPy accepts it anywhere a dtype goes
(``np.zeros(3, dtype=tg.float32)``) and it compares equal to the NumPy dtype. Its repr is
torch's (``torch.float32``) so that scripts written for torch print the same text.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DType", "Size", "device", "float16", "float32", "float64", "float", "double", "half",
           "int8", "int16", "int32", "int64", "long", "int", "uint8", "bool", "complex64",
           "complex128", "to_dtype", "get_default_dtype", "set_default_dtype"]

_builtin_bool, _builtin_int, _builtin_float = bool, int, float


class DType:
    """A tensor element type: torch's name, NumPy's dtype."""

    __slots__ = ("name", "dtype", "legacy")

    def __init__(self, name: str, np_dtype: str, legacy: str):
        self.name, self.dtype, self.legacy = name, np.dtype(np_dtype), legacy

    @property
    def is_floating_point(self) -> _builtin_bool:
        return self.dtype.kind == "f"

    @property
    def is_complex(self) -> _builtin_bool:
        return self.dtype.kind == "c"

    @property
    def itemsize(self) -> _builtin_int:
        return self.dtype.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __getattr__(self, name):
        # NumPy code asks a dtype for .kind, .char, .type...: answer as NumPy would
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __eq__(self, other) -> _builtin_bool:
        if isinstance(other, DType):
            return self.dtype == other.dtype
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self) -> _builtin_int:
        return hash(self.dtype)


float16 = half = DType("float16", "float16", "HalfTensor")
float32 = float = DType("float32", "float32", "FloatTensor")
float64 = double = DType("float64", "float64", "DoubleTensor")
int8 = DType("int8", "int8", "CharTensor")
int16 = DType("int16", "int16", "ShortTensor")
int32 = int = DType("int32", "int32", "IntTensor")
int64 = long = DType("int64", "int64", "LongTensor")
uint8 = DType("uint8", "uint8", "ByteTensor")
bool = DType("bool", "bool", "BoolTensor")
complex64 = DType("complex64", "complex64", "ComplexFloatTensor")
complex128 = DType("complex128", "complex128", "ComplexDoubleTensor")

_BY_NUMPY = {d.dtype: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8,
                                   bool, complex64, complex128)}
_default = [float32]


def get_default_dtype() -> DType:
    return _default[0]


def set_default_dtype(d) -> None:
    _default[0] = to_dtype(d)


def to_dtype(d) -> DType:
    """A DType from a DType, a NumPy dtype, a Python type or a string."""
    if isinstance(d, DType):
        return d
    if d is _builtin_float:
        return _default[0]
    if d is _builtin_int:
        return int64
    if d is _builtin_bool:
        return bool
    return _BY_NUMPY[np.dtype(d)]


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> _builtin_int:
        n = 1
        for s in self:
            n *= s
        return n


class device:  # noqa: N801  (torch's name)
    """Where a tensor's memory lives: ``cpu`` (NumPy) or ``cuda`` (CuPy)."""

    __slots__ = ("type", "index")

    def __init__(self, type: str = "cpu", index: _builtin_int | None = None):  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in type:
            type, idx = type.split(":")
            index = _builtin_int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device "
                               f"string: {type}")
        self.type = type
        self.index = index if type == "cuda" else None

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other) -> _builtin_bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> _builtin_int:
        return hash((self.type, self.index))
