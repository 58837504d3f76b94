"""The extension API: ``tg.defvjp`` and ``tg.defjvp`` register a user's derivative rules.

Rules go into the one derivative table (``tangentish.runtime.rules.table``) that both modes
read, with the table's convention, one rule per positional argument:

* VJP rule ``rule(dy, y, *args, **kwargs)`` -> the cotangent of that argument;
* JVP rule ``rule(dx, y, *args, **kwargs)`` -> that argument's contribution to the output
  tangent (shaped like the output).

``y`` is the primal's output, ``args``/``kwargs`` its arguments. A primal with a rule is never
itself transformed: the compiler calls it in the primal sweep and inlines the rule (a rule
whose body is one ``return`` expression) or calls it (any other rule).

The tape honours the rules too. NumPy ufuncs (``scipy.special``'s) reach it by NEP 13
dispatch; a Python function is made tape-aware in place: its code becomes a small trampoline
that records one node when a Tensor comes in and otherwise runs the original code, so every
existing reference to the function (``from mod import f``) sees the rule.

>>> import numpy as np
>>> def softplus(x):
...     return np.log1p(np.exp(x))
>>> @defvjp(softplus)
... def softplus_vjp(dy, y, x):
...     return dy / (1.0 + np.exp(-x))
>>> float(softplus(0.0)) == float(np.log(2.0))
True
"""

from __future__ import annotations

import inspect
import linecache
import types
from collections.abc import Callable
from typing import Any

from tangentish.runtime.rules import table

__all__ = ["defvjp", "defjvp", "calling", "call_custom"]

Rule = Callable[..., Any]


def defvjp(primal: Callable[..., Any], *rules: Rule | None, argnum: int = 0,
           argnames: tuple[str, ...] = ()) -> Any:
    """Register VJP rules of ``primal``, one per positional argument (``None`` to skip one).

    ``tg.defvjp(f, rule_x, rule_w)`` registers and returns ``f``. Without rules it is a
    decorator for one rule (argument ``argnum``) and returns the rule::

        @tg.defvjp(f)
        def f_vjp(dy, y, x):
            return ...
    """
    return _define(table.defvjp, primal, rules, argnum, argnames)


def defjvp(primal: Callable[..., Any], *rules: Rule | None, argnum: int = 0,
           argnames: tuple[str, ...] = ()) -> Any:
    """Register JVP rules of ``primal``; the same forms as ``defvjp``."""
    return _define(table.defjvp, primal, rules, argnum, argnames)


def _define(register: Callable[..., None], primal: Callable[..., Any], rules: tuple,
            argnum: int, argnames: tuple[str, ...]) -> Any:
    if not callable(primal):
        raise TypeError(f"the first argument is the function the rule is for, got {primal!r}")
    if rules:
        _tape_aware(primal)
        register(primal, *rules, argnames=argnames)
        _forget_compiled()
        return primal

    def decorate(rule: Rule) -> Rule:
        _tape_aware(primal)
        register(primal, *([None] * argnum), rule, argnames=argnames)
        _forget_compiled()
        return rule

    return decorate


def _forget_compiled() -> None:
    """Code compiled before the rule existed transformed ``primal`` itself: drop it."""
    from tangentish.compiler import cache

    cache.clear()


# ---------------------------------------------------------------- the tape's door

#: trampoline number -> (the user's function, a copy of it with its original code)
_ORIGINALS: list[tuple[Any, types.FunctionType]] = []


def _tape_aware(fn: Any) -> None:
    """Swap ``fn``'s code for a trampoline to ``call_custom`` (plain Python functions only)."""
    if not isinstance(fn, types.FunctionType) or getattr(fn, "__tangentish_custom__", False):
        return
    original = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                                  fn.__closure__)
    original.__kwdefaults__ = fn.__kwdefaults__
    original.__qualname__ = fn.__qualname__
    code = fn.__code__
    fn.__code__ = _trampoline(len(_ORIGINALS), code)
    fn.__tangentish_custom__ = True
    fn.__wrapped__ = original
    _ORIGINALS.append((fn, original))


def _trampoline(number: int, like: types.CodeType) -> types.CodeType:
    # The trampoline needs as many free variables as ``like`` (the closure stays the same), and
    # keeps its file and first line so that inspect.getsource still shows the user's source.
    cells = [f"_cell{i}" for i in range(len(like.co_freevars))]
    touch = f"        if False:\n            ({', '.join(cells)},)\n" if cells else ""
    source = (f"def _outer({', '.join(cells)}):\n"
              "    def primal(*args, **kwargs):\n" + touch +
              f"        return __import__('tangentish.custom', fromlist=['_']).call_custom("
              f"{number}, args, kwargs)\n"
              "    return primal\n")
    scope: dict[str, Any] = {}
    exec(compile(source, "<tangentish custom rule>", "exec"), scope)
    code = scope["_outer"](*range(len(cells))).__code__
    return code.replace(co_filename=like.co_filename, co_firstlineno=like.co_firstlineno,
                        co_name=like.co_name, co_qualname=like.co_qualname)


def call_custom(number: int, args: tuple, kwargs: dict) -> Any:
    """A call of a function with user rules: one tape node if a Tensor comes in."""
    primal, original = _ORIGINALS[number]
    if _has_tensor(args) or _has_tensor(kwargs.values()):
        from tangentish.runtime.tape import dispatch

        return dispatch.apply(primal, *args, **kwargs)
    return original(*args, **kwargs)


def _has_tensor(values: Any) -> bool:
    from tangentish.runtime.tape.tensor import Tensor

    for v in values:
        if isinstance(v, Tensor):
            return True
        if type(v) in (list, tuple) and any(isinstance(u, Tensor) for u in v):
            return True
    return False


# ---------------------------------------------------------------- differentiating one directly

_CALLERS: dict[int, Any] = {}


def calling(primal: Callable[..., Any]) -> Callable[..., Any]:
    """A def whose body is one call of ``primal``, for ``tg.grad(primal)`` itself: the
    compiler differentiates the call (by the rules) rather than ``primal``'s body.

    >>> def f(x, k=2, *, axis=None):
    ...     return x
    >>> print(inspect.getsource(calling(f)), end="")
    def f(x, k=_d1, *, axis=_d2):
        return _primal(x, k, axis=axis)
    """
    cached = _CALLERS.get(id(primal))
    if cached is not None and cached[0] is primal:
        return cached[1]
    if not isinstance(primal, types.FunctionType):  # NumPy's own: no call worth writing
        return primal
    sig = inspect.signature(primal)
    params, passed, defaults = [], [], {}
    star = False
    for i, p in enumerate(sig.parameters.values()):
        text = p.name
        if p.default is not p.empty:
            defaults[f"_d{i}"] = p.default
            text += f"=_d{i}"
        if p.kind is p.VAR_POSITIONAL:
            text, star = "*" + p.name, True
            passed.append(text)
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + p.name
            passed.append(text)
        elif p.kind is p.KEYWORD_ONLY:
            if not star:
                params.append("*")
                star = True
            passed.append(f"{p.name}={p.name}")
        else:
            passed.append(p.name)
        params.append(text)
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(sig.parameters) or list(
                sig.parameters.values())[i + 1].kind is not p.POSITIONAL_ONLY):
            params.append("/")
    name = getattr(primal, "__name__", "f")
    name = name if name.isidentifier() else "f"
    source = (f"def {name}({', '.join(params)}):\n"
              f"    return _primal({', '.join(passed)})\n")
    filename = f"<tangentish call of {name} {len(_CALLERS) + 1}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope = {"_primal": primal, **defaults}
    exec(compile(source, filename, "exec"), scope)
    caller = scope[name]
    _CALLERS[id(primal)] = (primal, caller)
    return caller
