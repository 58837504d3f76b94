"""What one normalized assignment computes: the ``Op`` each pass after normalize reads.

After normalization every assignment ``target = value`` does one thing, and the normalizer
records what on the statement as ``stmt.tg_op`` (with ``stmt.tg_loc``, the user's Location):

========== ============================================ =====================================
kind       value                                        adjoint
========== ============================================ =====================================
copy       ``a``                                        ``da += dt``
const      a literal or global constant                 none
inert      any expression whose value has no gradient   none (comparisons, len, shapes, ...)
call       ``prim(a, b, k=c)`` with ``prim`` in table   inlined VJP rules of ``prim``
getitem    ``x[idx]`` (arrays, lists, tuples, dicts)    ``dx += subscript_grad(dt, x, idx)``
build      ``(a, b)``, ``[a, b]``, ``{'k': a}``          ``da += item_grad(dt, t, 0)``, ...
append     ``[*xs, v]`` (from ``xs.append(v)``)         both, from ``dt``
index_set  ``index_set(x, idx, v)`` (``x[idx] = v``)    ``dv``, and ``dx`` with idx zeroed
iter       ``as_list(xs)`` (a loop over xs)             ``dxs += as_list_grad(dt, xs)``
opaque     a call with no rule and no source            an error if its result is active
========== ============================================ =====================================

Other statements are ``if`` on a name, ``for`` over ``range(...)`` of atoms, ``while``,
``break``, and pass-through statements (print, assert, raise) that get no adjoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gast

__all__ = ["Op", "op_of", "set_op", "KINDS", "shape_only_arg"]

KINDS = ("copy", "const", "inert", "call", "getitem", "build", "append", "index_set", "iter",
         "opaque")


@dataclass(frozen=True)
class Op:
    kind: str
    #: the primitive for "call", the opaque callable for "opaque"
    obj: Any = None
    #: for "call": positional argument nodes and keyword nodes of the primitive's call
    args: tuple = ()
    keywords: tuple = ()
    #: for "getitem"/"index_set": the index expression (inert); "build": keys or None
    index: Any = None


def op_of(stmt: gast.AST) -> Op | None:
    return getattr(stmt, "tg_op", None)


def set_op(stmt: gast.AST, op: Op, loc: Any) -> gast.AST:
    stmt.tg_op = op
    stmt.tg_loc = loc
    return stmt


def shape_only_arg(obj: Any, entry: Any, i: int, mode: str) -> bool:
    """Is argument ``i`` of primitive ``obj`` only read for its shape (a zero derivative), as
    seen by ``mode`` ("vjp" or "jvp")?

    Either its rule slot says so (``tg_zero``), or ``obj`` is one of the runtime's own helpers
    (called by generated adjoints, read again for higher order): those register rules for the
    arguments they are linear in, and the others are shapes, indices and axes.
    """
    mine, other = (entry.vjp, entry.jvp) if mode == "vjp" else (entry.jvp, entry.vjp)
    rule = mine.get(i) or other.get(i)
    if rule is not None:
        return bool(getattr(rule, "tg_zero", False))
    module = getattr(obj, "__module__", None) or ""
    return module.startswith("tangentish.runtime") and bool(entry.jvp or entry.vjp)
