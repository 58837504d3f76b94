"""The registry behind the derivative table: which primitive has which rules.

A primitive is any callable (``np.sin``, ``operator.mul``, ``math.exp``, a user function).
For each of its positional arguments it may have

* a VJP rule ``rule(dy, y, *args, **kwargs) -> cotangent of args[i]``, and
* a JVP rule ``rule(dx, y, *args, **kwargs) -> contribution of tangent dx of args[i] to dy``.

Rules are plain functions over arrays. The tape calls them; the compiler reads their source and
inlines the body with names substituted, so a rule should be one ``return`` expression that uses
only NumPy functions and the helpers of ``tangentish.runtime.support``. A rule slot that is
``None`` means "this argument is not differentiable" (an index, an axis, a shape).

Non-differentiable primitives (comparisons, ``argmax``, ``floor``, shape queries) are marked so
that a gradient through them is exactly zero rather than an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Rules",
    "defvjp",
    "defjvp",
    "defnondiff",
    "lookup",
    "is_nondiff",
    "registered",
    "MissingRuleError",
]

Rule = Callable[..., Any]


class MissingRuleError(NotImplementedError):
    """A primitive has no rule for the argument being differentiated."""


@dataclass
class Rules:
    """Every rule known for one primitive."""

    primitive: Callable[..., Any]
    name: str
    vjp: dict[int, Rule] = field(default_factory=dict)
    jvp: dict[int, Rule] = field(default_factory=dict)
    nondiff: bool = False
    #: For primitives with a keyword name for positional args, e.g. ``np.clip(a, a_min=...)``.
    argnames: tuple[str, ...] = ()


_TABLE: dict[Any, Rules] = {}


def _key(primitive: Any) -> Any:
    # Bound builtin methods compare equal but are not identical; ufuncs and functions hash fine.
    return primitive


def _entry(primitive: Callable[..., Any], name: str | None = None) -> Rules:
    key = _key(primitive)
    entry = _TABLE.get(key)
    if entry is None:
        entry = Rules(primitive, name or _qualname(primitive))
        _TABLE[key] = entry
    return entry


def _qualname(primitive: Any) -> str:
    module = getattr(primitive, "__module__", None) or ""
    if module == "_operator":
        module = "operator"
    if module.startswith("numpy.linalg"):
        module = "np.linalg"
    elif module in ("numpy", "builtins") or module.startswith("numpy."):
        module = "np" if module.startswith("numpy") else ""
    if type(primitive).__name__ == "ufunc":
        module = "np"
    name = getattr(primitive, "__qualname__", None) or getattr(
        primitive, "__name__", repr(primitive))
    if module == "np" and name.startswith("linalg."):
        return "np." + name
    return f"{module}.{name}" if module else name


def defvjp(primitive: Callable[..., Any], *rules: Rule | None,
           argnames: tuple[str, ...] = ()) -> None:
    """Register VJP rules for ``primitive``, one per positional argument (``None`` to skip)."""
    entry = _entry(primitive)
    for i, rule in enumerate(rules):
        if rule is not None:
            entry.vjp[i] = rule
    if argnames:
        entry.argnames = argnames


def defjvp(primitive: Callable[..., Any], *rules: Rule | None,
           argnames: tuple[str, ...] = ()) -> None:
    """Register JVP rules for ``primitive``, one per positional argument (``None`` to skip)."""
    entry = _entry(primitive)
    for i, rule in enumerate(rules):
        if rule is not None:
            entry.jvp[i] = rule
    if argnames:
        entry.argnames = argnames


def defnondiff(*primitives: Callable[..., Any]) -> None:
    """Mark primitives whose output carries no gradient (its derivative is zero or undefined)."""
    for primitive in primitives:
        _entry(primitive).nondiff = True


def lookup(primitive: Any) -> Rules | None:
    """The rules of ``primitive``, or None when it is not in the table."""
    try:
        return _TABLE.get(_key(primitive))
    except TypeError:  # unhashable callables are never primitives
        return None


def is_nondiff(primitive: Any) -> bool:
    entry = lookup(primitive)
    return entry is not None and entry.nondiff


def registered() -> list[Rules]:
    """Every entry, in registration order (for docs and for the table-wide tests)."""
    return list(_TABLE.values())


def vjp_rule(primitive: Any, argnum: int) -> Rule:
    """The VJP rule for one argument, or a MissingRuleError that says how to add one."""
    entry = lookup(primitive)
    if entry is not None and argnum in entry.vjp:
        return entry.vjp[argnum]
    raise MissingRuleError(_missing(primitive, argnum, "vjp"))


def jvp_rule(primitive: Any, argnum: int) -> Rule:
    entry = lookup(primitive)
    if entry is not None and argnum in entry.jvp:
        return entry.jvp[argnum]
    raise MissingRuleError(_missing(primitive, argnum, "jvp"))


def _missing(primitive: Any, argnum: int, kind: str) -> str:
    name = _qualname(primitive)
    return (
        f"no {kind.upper()} rule for argument {argnum} of {name}; register one with "
        f"tg.def{kind}({name}, ...) (see docs/rules.md)"
    )
