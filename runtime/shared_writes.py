"""The run-time half of the compiler's alias check (``tangentish.compiler.aliasing``).

``a += g`` on a name is an in-place write when ``a`` holds an array and a rebinding when it holds
a number; the compiler cannot tell which from the source, and compiles it as ``a = a + g``.
Where ``a`` may share memory with names read later, the generated code calls
``check_unshared(a, others, where)`` first: a number passes, an array sharing memory with one
of ``others`` raises ``SharedWriteError`` (the gradient then comes from the tape, which follows
views) rather than letting the compiled code miss the write.

>>> check_unshared(1.5, (np.ones(2),), "s += ... (line 3)")
>>> x = np.ones(3)
>>> check_unshared(x[1:], (x,), "v += ... (line 4)")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tangentish.runtime.shared_writes.SharedWriteError: v += ... (line 4) writes into memory ...
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .rules import table

__all__ = ["check_unshared", "SharedWriteError"]

#: values ``+=`` rebinds (immutable): nothing else can see the update
_IMMUTABLE = (numbers.Number, np.generic, tuple, str, bytes, type(None))


def _error_base() -> type:
    from tangentish.errors import TransformError  # (tangentish.errors imports the runtime)

    return TransformError


class SharedWriteError(_error_base()):
    """An in-place update, found at run time, of an array that other live names share."""


def check_unshared(value: Any, others: tuple, where: str) -> None:
    """Raise SharedWriteError when ``value`` is a mutable array sharing memory with ``others``."""
    if isinstance(value, _IMMUTABLE):
        return
    for other in others:
        if other is not None and _may_share(value, other):
            raise SharedWriteError(
                f"{where} writes into memory that another name shares, an in-place update the "
                "compiled code cannot follow; copy first (.copy()) or write a = a + ...")


def _may_share(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if isinstance(b, _IMMUTABLE):
        return False
    if isinstance(b, (list, dict)):  # a list of arrays: any of them
        items = b.values() if isinstance(b, dict) else b
        return any(_may_share(a, item) for item in items)
    try:
        return bool(np.may_share_memory(a, b))
    except Exception:  # noqa: BLE001 - an array type without the query: assume it may
        return True


table.defnondiff(check_unshared)
