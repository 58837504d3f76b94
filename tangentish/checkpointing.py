"""``tg.checkpoint(fn)``: trade the memory of ``fn``'s internals for recomputing them.

Inside a function being differentiated, ``h = tg.checkpoint(step)(h, x)`` makes the primal
sweep call ``step`` plainly, keeping nothing of its internals; the adjoint sweep keeps only
``step``'s inputs (``h`` and ``x``, pushed like any overwritten value) and, when it reaches the
call, runs ``step``'s own generated adjoint on them, recomputing its internals right then::

    # grad of: _t2 = step(h, _t1)   (checkpointed: recomputed here)
    dh, d_t1 = dstep(h, _t1, dy=d_t2)

A loop of N steps then stores N inputs instead of N times every intermediate of a step;
checkpointing a whole segment of K steps (a function with the loop inside) stores N/K.
Outside a differentiated function the checkpoint is just ``fn``.

>>> import numpy as np
>>> tg_step = checkpoint(np.tanh)
>>> float(tg_step(0.0))
0.0
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["checkpoint", "Checkpointed"]


class Checkpointed:
    """``fn``, marked for the compiler to recompute in the adjoint sweep."""

    def __init__(self, fn: Callable[..., Any]):
        if not callable(fn):
            raise TypeError(f"tg.checkpoint needs a function, got {type(fn).__name__}")
        self.fn = fn
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"checkpoint({getattr(self.fn, '__qualname__', self.fn)!r})"


def checkpoint(fn: Callable[..., Any]) -> Checkpointed:
    """``fn``, recomputed in the reverse sweep instead of stored (see the module docstring)."""
    if isinstance(fn, Checkpointed):
        return fn
    return Checkpointed(fn)
