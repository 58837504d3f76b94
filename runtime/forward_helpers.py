"""Run-time helpers of generated forward-mode (tangent) code.

Adjoints may be ``None`` or sparse containers ("no gradient yet"); their tangents have the same
sparsity, which is why the zero tangent of ``None`` is ``None`` and not ``0.0``. (The rules
that let generated adjoints be differentiated again live beside the helpers they are for, in
``adjoint_helpers``; ``sum_grads``, which ``sum(xs)``'s VJP rule calls, gets its JVP here.)
"""

from __future__ import annotations

from typing import Any

from .adjoint_helpers import sum_grads
from .rules import table
from .support import zeros_like_tree

__all__ = ["zero_tangent"]


def zero_tangent(x: Any) -> Any:
    """The zero tangent of ``x``: zeros of its structure, ``None`` for ``None``."""
    return None if x is None else zeros_like_tree(x)


table.defnondiff(zero_tangent)


def sum_grads_jvp(ddy, y, dy, xs):
    return sum_grads(ddy, xs)


table.defjvp(sum_grads, sum_grads_jvp)
