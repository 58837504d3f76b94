"""Compiled functions, keyed so a cached lookup is one dictionary access.

The key is the function's code object and globals (a redefinition makes a new code object, so
it invalidates), what its closure cells and defaults hold and a bound method's self (two
closures of one factory capture different values), ``wrt``, the form and the options. A hit is
used only while every global and closure name the compiled code resolved (in the function and
in every function it inlined) still refers to the same object: redefining a helper, or
rebinding a global, compiles again on the next ``tg.grad``.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from tangentish.compiler.pipeline import Compiled, Options, compile_gradient
from tangentish.compiler.resolve import still_valid

__all__ = ["cached_compile", "cache_key", "clear"]

_CACHE: OrderedDict[tuple, Compiled] = OrderedDict()
_LIMIT = 512


def _identity(value: Any) -> Any:
    """A key part for a captured value: the value itself when hashable (ids of dead objects
    are reused), else its id (the compiled function's namespace keeps such objects alive)."""
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return (type(value), value)


def cache_key(fn: Callable[..., Any], wrt: Any, form: str, options: Options) -> tuple:
    func = getattr(fn, "__func__", fn)
    cells = getattr(func, "__closure__", None) or ()
    held = []
    for cell in cells:
        try:
            held.append(_identity(cell.cell_contents))
        except ValueError:
            held.append(None)
    wrt_key = tuple(wrt) if isinstance(wrt, list) else wrt
    # Equal code objects of two modules compare equal: key on identity (the cached entry keeps
    # the function alive, so the ids stay its own) and on the globals it runs in.
    code = (id(getattr(func, "__code__", func)), id(getattr(func, "__globals__", None)))
    # defaults are baked into the generated code, so a lambda made in a loop with i=i differs
    defaults = tuple(_identity(v) for v in getattr(func, "__defaults__", None) or ())
    kwdefaults = tuple((k, _identity(v)) for k, v in
                       sorted((getattr(func, "__kwdefaults__", None) or {}).items()))
    return (code, tuple(held), defaults, kwdefaults, id(getattr(fn, "__self__", None)),
            wrt_key, form, options)


def cached_compile(fn: Callable[..., Any], wrt: Any, form: str, options: Options) -> Compiled:
    key = cache_key(fn, wrt, form, options)
    hit = _CACHE.get(key)
    if hit is not None and still_valid(hit.reads):
        return hit
    with _collector_paused():
        compiled = compile_gradient(fn, wrt, form, options)
    _CACHE[key] = compiled
    if len(_CACHE) > _LIMIT:
        _CACHE.popitem(last=False)
    return compiled


_pause_lock = threading.Lock()
_pausing = [0, False]  # compiles in progress, whether the collector was on before the first


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while compiling.

    A compile allocates tens of thousands of tree nodes and frees almost all of them by
    reference counting; each of the collections they would trigger traverses every object of
    the process (2,000 lines: a quarter of the compile time; more in a process holding large
    libraries). Counted, so that threads compiling at once restore the user's setting once.
    """
    with _pause_lock:
        if _pausing[0] == 0:
            _pausing[1] = gc.isenabled()
            gc.disable()
        _pausing[0] += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausing[0] -= 1
            if _pausing[0] == 0 and _pausing[1]:
                gc.enable()


def clear() -> None:
    _CACHE.clear()
