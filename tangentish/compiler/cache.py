"""Compiled functions, keyed so a cached lookup is one dictionary access.

The key is the function's code object (a redefinition makes a new one, so it invalidates),
the identity of what its closure cells hold and of a bound method's self (two closures of one
factory capture different values), ``wrt``, the form and the options. Global names are read at
compile time: rebinding a module global that the function reads needs a new ``tg.grad``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from tangentish.compiler.pipeline import Compiled, Options, compile_gradient

__all__ = ["cached_compile", "cache_key", "clear"]

_CACHE: OrderedDict[tuple, Compiled] = OrderedDict()
_LIMIT = 512


def cache_key(fn: Callable[..., Any], wrt: Any, form: str, options: Options) -> tuple:
    func = getattr(fn, "__func__", fn)
    cells = getattr(func, "__closure__", None) or ()
    held = []
    for cell in cells:
        try:
            held.append(id(cell.cell_contents))
        except ValueError:
            held.append(None)
    wrt_key = tuple(wrt) if isinstance(wrt, list) else wrt
    code = getattr(func, "__code__", func)
    # defaults are baked into the generated code, so a lambda made in a loop with i=i differs
    defaults = (id(getattr(func, "__defaults__", None)), id(getattr(func, "__kwdefaults__", None)))
    return (code, tuple(held), defaults, id(getattr(fn, "__self__", None)), wrt_key, form,
            options)


def cached_compile(fn: Callable[..., Any], wrt: Any, form: str, options: Options) -> Compiled:
    key = cache_key(fn, wrt, form, options)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    compiled = compile_gradient(fn, wrt, form, options)
    _CACHE[key] = compiled
    if len(_CACHE) > _LIMIT:
        _CACHE.popitem(last=False)
    return compiled


def clear() -> None:
    _CACHE.clear()
