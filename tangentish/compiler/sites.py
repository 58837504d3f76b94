"""Which calls are pullback sites (see ``callsite``): found by normalize, read by the sweeps.

Apart from ``callsite`` so that normalize can use it without importing the sweeps.
"""

from __future__ import annotations

from typing import Any

import gast

from tangentish.checkpointing import Checkpointed, checkpoint
from tangentish.compiler.ops import Op
from tangentish.compiler.resolve import UNRESOLVED
from tangentish.errors import TransformError

__all__ = ["site_kind", "checkpoint_call", "is_checkpoint", "CHECKPOINT_USE"]

#: What the compiler says about any other use of tg.checkpoint inside a differentiated function
CHECKPOINT_USE = ("tangentish can only checkpoint a call written tg.checkpoint(fn)(...), or a "
                  "call of a checkpoint made outside the function, where fn is a module-level "
                  "function or a variable of an enclosing function (not a def nested here)")


def is_checkpoint(obj: Any) -> bool:
    return obj is checkpoint


def site_kind(op: Op | None) -> str | None:
    """"tape", "checkpoint", or None for any other statement."""
    if op is None or op.kind != "opaque":
        return None
    if isinstance(op.obj, Checkpointed):
        return "checkpoint"
    if isinstance(op.index, TransformError):
        return "tape"
    return None


def checkpoint_call(e: gast.Call, resolve: Any) -> Checkpointed | None:
    """The checkpoint ``e`` calls: ``tg.checkpoint(fn)(...)``, or ``c(...)`` with ``c`` one."""
    func = e.func
    if isinstance(func, gast.Call):
        if len(func.args) == 1 and not func.keywords and resolve(func.func) is checkpoint:
            fn = resolve(func.args[0])
            if fn is not UNRESOLVED and callable(fn):
                return checkpoint(fn)
        return None
    obj = resolve(func)
    return obj if isinstance(obj, Checkpointed) else None
