"""What every transform differentiates when handed a functools.partial or a callable instance.

``tg.grad``, ``tg.jvp``, ``tg.jacobian``, ``tg.hessian``, ``tg.hvp`` and ``tg.vjp`` all compile
the function underneath and pass the partial's bound arguments with every call, so one compiled
code serves every partial of a function (the bound values are arguments, never baked in: two
partials with different bound values cannot share wrongly specialised code). ``wrt`` positions
count the caller's arguments (past the bound ones); a name may name any parameter, a bound one
included, which is then differentiated at its bound value. A callable instance is
differentiated through its ``__call__``, bound (its ``self.attr`` reads are constants).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["Transform", "unwrap", "shift", "call_method", "NO_SELF"]

#: no ``self`` to pass first (a gradient of a bound method transformed again has one)
NO_SELF = object()


class Transform:
    """Marker of a tangentish transform: differentiated through its generated code, never
    through its ``__call__``."""


def shift(wrt: Any, by: int = 1) -> Any:
    """Argument positions ``by`` further on (names stay)."""
    if isinstance(wrt, (tuple, list)):
        return type(wrt)(shift(w, by) for w in wrt)
    return wrt + by if isinstance(wrt, int) and wrt >= 0 else wrt


def call_method(fn: Any) -> Any:
    """An instance whose class defines ``__call__`` in Python is differentiated through that
    method, bound, like any bound method."""
    if inspect.isroutine(fn) or isinstance(fn, (type, Transform)):
        return fn
    call = inspect.getattr_static(type(fn), "__call__", None)
    return fn.__call__ if inspect.isfunction(call) else fn


def unwrap(fn: Callable[..., Any], wrt: Any) -> tuple[Callable[..., Any], tuple, dict, Any]:
    """``(function, bound arguments, bound keywords, wrt)``: the function under any layers of
    ``functools.partial`` (a callable instance as its bound ``__call__``), what the layers
    bind (outer keywords win, as when the partial is called), and ``wrt`` moved past the bound
    positional arguments."""
    bound: tuple = ()
    keywords: dict[str, Any] = {}
    while isinstance(fn, functools.partial):
        bound = (*fn.args, *bound)
        keywords = {**fn.keywords, **keywords}
        wrt = shift(wrt, len(fn.args))
        fn = fn.func
    return call_method(fn), bound, keywords, wrt
