"""Creating tensors: ``tensor``, ``zeros``, ``linspace``, ``rand``... with torch's dtype rules.

Python floats become float32 (torch's default dtype), NumPy arrays keep their dtype, Python
ints become int64. ``device="cuda"`` puts the array on the GPU with CuPy.
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from ..backend import is_array
from . import dtypes as _dt
from .methods import _dims
from .tensor import Tensor, _host

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "linspace", "logspace", "rand", "randn", "randint", "zeros_like",
           "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "manual_seed",
           "seed", "FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor", "Generator"]


class Generator:
    """torch.Generator over NumPy's PCG64."""

    def __init__(self, device="cpu"):
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed: int):
        self.rng = np.random.default_rng(seed)
        return self


_GLOBAL = Generator()


def _rng(generator=None):
    return (generator or _GLOBAL).rng


def manual_seed(seed: int) -> Generator:
    """Seed the generator behind ``rand``/``randn`` (results differ from torch's stream)."""
    return _GLOBAL.manual_seed(int(seed))


def seed() -> int:
    s = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(s)
    return s


def _finish(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Cast, move to the device, and wrap as a leaf."""
    if dtype is not None:
        want = _dt.to_dtype(dtype).dtype
        if data.dtype != want:
            data = data.astype(want)
    if device is not None and _dt.device(device).type == "cuda":
        import cupy

        data = cupy.asarray(data)
    t = Tensor._wrap(data)
    if requires_grad:
        if data.dtype.kind not in "fc":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _infer(data):
    """A fresh array for ``data`` with torch's dtype inference."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or "
                      "sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "torch.tensor(sourceTensor).", UserWarning, stacklevel=3)
        return data._data.copy()
    if is_array(data) and not isinstance(data, np.ndarray):
        return data.copy()          # CuPy or a duck array: stays in its library
    if isinstance(data, (list, tuple)):
        data = [_host(d._data) if isinstance(d, Tensor) else d for d in data]
    from_numpy = isinstance(data, (np.ndarray, np.generic))
    a = np.array(data)
    if a.dtype == np.float64 and not from_numpy and not _holds_float64(data):
        a = a.astype(_dt.get_default_dtype().dtype)
    return a


def _holds_float64(data) -> bool:
    """Whether a nest of lists holds a float64 NumPy value (torch keeps its dtype: only
    Python floats take the default dtype)."""
    stack = [data if type(data) in (list, tuple) else [data]]
    while stack:
        seq = stack.pop()
        kinds = set(map(type, seq))  # at C speed: a list of a million floats is one pass
        if np.float64 in kinds:
            return True
        for kind in kinds - {float, int, bool}:
            items = [d for d in seq if type(d) is kind]
            if kind in (list, tuple):
                stack.extend(items)
            elif any(getattr(d, "dtype", None) == np.float64 for d in items):
                return True
    return False


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new leaf tensor holding a copy of ``data``."""
    return _finish(_infer(data), dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when dtype and device already match."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if is_array(data) and not isinstance(data, np.generic):
        return _finish(data, dtype, device)
    return tensor(data, dtype, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory (writes show through both ways)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array)


def _filled(value, size, dtype, device, requires_grad):
    dtype = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    return _finish(np.full(_dims(size), value, dtype=dtype.dtype), None, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _filled(0, size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(1, size, dtype, device, requires_grad)


empty = zeros


def full(size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = (_dt.bool if isinstance(fill_value, builtins.bool) else
                 _dt.int64 if isinstance(fill_value, int) else None)
    return _filled(fill_value, (size,) if isinstance(size, int) else size, dtype, device,
                   requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    return _finish(np.eye(n, m, dtype=dtype.dtype), None, device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    ints = all(isinstance(v, int) for v in (start, end, step))
    a = np.arange(start, end, step, dtype=np.int64 if ints else np.float64)
    if dtype is None and not ints:
        dtype = _dt.get_default_dtype()
    return _finish(a, dtype, device, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Evenly spaced values, computed as torch's CPU kernel does (from both ends)."""
    dtype = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    ft = dtype.dtype.type if dtype.is_floating_point else np.float64
    start_, end_ = ft(start), ft(end)
    step = (end_ - start_) / ft(max(steps - 1, 1))
    i = np.arange(steps).astype(ft)
    half = steps // 2
    a = np.where(np.arange(steps) < half, start_ + step * i, end_ - step * (ft(steps - 1) - i))
    return _finish(a.astype(ft), dtype, device, requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    lin = linspace(start, end, steps, dtype=_dt.float64)._data
    dtype = _dt.get_default_dtype() if dtype is None else dtype
    return _finish(np.power(base, lin), dtype, device, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = _dt.get_default_dtype() if dtype is None else dtype
    return _finish(_rng(generator).random(_dims(size)), dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = _dt.get_default_dtype() if dtype is None else dtype
    return _finish(_rng(generator).standard_normal(_dims(size)), dtype, device, requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=None, device=None) -> Tensor:
    if high is None:
        low, high = 0, low
    a = _rng(generator).integers(low, high, size=tuple(size))
    return _finish(a, dtype or _dt.int64, device)


def _like(maker):
    def like(input, dtype=None, device=None, requires_grad=False, **kwargs):  # noqa: A002
        dtype = input.dtype if dtype is None else dtype
        device = input.device if device is None else device
        return maker(*input.shape, dtype=dtype, device=device, requires_grad=requires_grad,
                     **kwargs)

    like.__name__ = like.__qualname__ = maker.__name__ + "_like"
    return like


zeros_like, ones_like, empty_like = _like(zeros), _like(ones), _like(empty)
rand_like, randn_like = _like(rand), _like(randn)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):  # noqa: A002
    dtype = input.dtype if dtype is None else dtype
    return full(tuple(input.shape), fill_value, dtype, device or input.device, requires_grad)


def _legacy(dtype):
    def make(*args):
        if len(args) == 1 and not isinstance(args[0], int):
            return tensor(args[0], dtype=dtype)
        return zeros(*args, dtype=dtype)

    make.__name__ = make.__qualname__ = dtype.legacy
    make.__doc__ = f"torch.{dtype.legacy}: the legacy spelling of tensor(..., dtype={dtype})."
    return make


FloatTensor = _legacy(_dt.float32)
DoubleTensor = _legacy(_dt.float64)
LongTensor = _legacy(_dt.int64)
BoolTensor = _legacy(_dt.bool)
