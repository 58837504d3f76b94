"""Data given to a NumPy function by keyword (``np.average(x, weights=w)``,
``np.linalg.solve(a, b=v)``), moved to its position before the tape records the call.

A node's gradient slots are the positions of its arguments, and the rule table's rules are
per position; a Tensor given by keyword had no slot, so its gradient was a silent zero (or a
rule, called with the keyword, read the wrong parameter). NumPy code calls these functions
either way, so the call is recorded as if written positionally: NumPy's own defaults fill the
parameters in between (``axis=None`` before ``weights``), as its signature gives them.
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from . import dispatch

__all__ = ["by_position"]

_SEQUENCES = (list, tuple)
#: Keyword-only spellings NumPy accepts for positional parameters (``np.clip(x, min=0.0)``,
#: NumPy 2.1): the rules know them by their positional names only.
_ALIASES = {np.clip: {"min": "a_min", "max": "a_max"}}


def by_position(func, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``(args, kwargs)`` with every keyword argument that holds a Tensor passed by position
    instead (unchanged when ``func``'s signature cannot be read or none needs moving), and
    NumPy's keyword-only aliases renamed."""
    aliases = _ALIASES.get(func)
    if aliases is not None and any(k in aliases for k in kwargs):
        # the other bound is None then, as NumPy makes it (np.clip(x, min=0.0): no maximum)
        kwargs = {**dict.fromkeys(aliases.values()),
                  **{aliases.get(k, k): v for k, v in kwargs.items()}}
    held = [k for k, v in kwargs.items() if _holds_tensor(v)]
    params = _positional(func) if held else None
    if params is None:
        return args, kwargs
    names = [name for name, _ in params]
    wanted = [names.index(k) for k in held if k in names]
    if not wanted or max(wanted) < len(args):  # (a keyword repeating a position: NumPy says)
        return args, kwargs
    rest, extra = dict(kwargs), []
    for name, default in params[len(args):max(wanted) + 1]:
        if name in rest:
            extra.append(rest.pop(name))
        elif default is inspect.Parameter.empty:  # a required argument missing: NumPy says
            return args, kwargs
        else:
            extra.append(default)
    return (*args, *extra), rest


@functools.cache
def _positional(func) -> tuple | None:
    """``(name, default)`` of each parameter of ``func`` that may be given by position."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return None
    return tuple((p.name, p.default) for p in params
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _holds_tensor(v) -> bool:
    if isinstance(v, dispatch.Tensor):
        return True
    return type(v) in _SEQUENCES and any(_holds_tensor(e) for e in v)
