"""Large gradient buffers, reused once nothing outside this pool refers to them.

Fresh memory above glibc's mmap threshold (and memory glibc has trimmed back to the kernel)
arrives zero-filled on first touch: a 1024 x 1024 weight gradient pays ~1 ms of page faults, a
4096 x 4096 one ~15 ms, before BLAS writes a byte. That is a third of the matrix products of an
MLP's backward pass at batch 32. Gradients are handed to the caller, so a buffer may be reused
only when its last outside holder has let go, and CPython's reference count says exactly that:
views, memoryviews and arrays made from its buffer all hold a reference to the array that owns
the memory. This is the CPU counterpart of the caching allocators of PyTorch and CuPy.

Only float arrays of at least ``MIN_BYTES`` go through the pool (below that glibc's heap reuses
memory without faults), and the pool holds at most ``MAX_BYTES`` in all: the least recently
handed out buffers leave first. ``release()`` (``tg.release_buffers()``) empties it;
``TANGENTISH_BUFFER_POOL=0`` in the environment turns it off.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import numpy as np

__all__ = ["empty", "zeros", "release", "held_bytes", "MIN_BYTES", "MAX_BYTES"]

MIN_BYTES = 1 << 20
MAX_BYTES = 1 << 30
_KINDS = frozenset("fc")

_lock = threading.Lock()
_pool: list[np.ndarray] = []  # least recently handed out first
_held = 0


def _refs(pool: list, i: int) -> int:
    return sys.getrefcount(pool[i])


def _calibrate() -> int | None:
    """The reference count ``_refs`` sees for a buffer nobody else holds, measured rather than
    assumed (interpreters differ in the temporary references they count). None turns the pool
    off where counts are not a reliable signal (free-threaded builds)."""
    gil = getattr(sys, "_is_gil_enabled", None)
    if gil is not None and not gil():
        return None
    probe = [np.empty(1)]
    free = _refs(probe, 0)
    held = probe[0]
    if _refs(probe, 0) != free + 1:
        return None
    del held
    return free


_FREE = _calibrate() if os.environ.get("TANGENTISH_BUFFER_POOL", "1") != "0" else None


def empty(shape: tuple, dtype: Any) -> np.ndarray:
    """An uninitialised NumPy array: a pooled buffer nobody holds, else a new one (pooled)."""
    dtype = np.dtype(dtype)
    size = 1
    for n in shape:
        size *= n
    nbytes = size * dtype.itemsize
    if _FREE is None or nbytes < MIN_BYTES or dtype.kind not in _KINDS:
        return np.empty(shape, dtype)
    global _held
    with _lock:  # check-and-take is one step: two threads must never share a buffer
        pool = _pool
        for i in range(len(pool) - 1, -1, -1):
            buf = pool[i]
            if buf.shape == shape and buf.dtype == dtype:
                del buf
                if _refs(pool, i) == _FREE:
                    buf = pool.pop(i)
                    pool.append(buf)
                    return buf
        buf = np.empty(shape, dtype)
        if nbytes <= MAX_BYTES:
            pool.append(buf)
            _held += nbytes
            while _held > MAX_BYTES:
                _held -= pool.pop(0).nbytes
        return buf


def zeros(shape: tuple, dtype: Any) -> np.ndarray:
    """Zeros in a pooled buffer where one is free: filling is cheaper than faulting pages in."""
    out = empty(shape, dtype)
    out.fill(0)
    return out


def release() -> None:
    """Let go of every pooled buffer (their memory returns to the allocator once unheld)."""
    global _held
    with _lock:
        _pool.clear()
        _held = 0


def held_bytes() -> int:
    """Bytes the pool refers to, whether or not a caller still holds them."""
    return _held
