"""Pass 6, optimize: remove what neither sweep needs.

The sweeps are built to be correct first; this pass makes them lean. It deletes primal
assignments whose value nobody reads (a value the user computed but that neither the result,
the adjoint sweep nor a side effect uses). Unused stack pushes are already dropped by the
reverse pass, and adjoints are never accumulated into zeros, so nothing else needs folding.

>>> import gast
>>> from tangentish.compiler.nodes import assign, load, unparse
>>> from tangentish.compiler.ops import Op, set_op
>>> a = set_op(assign("a", load("x")), Op("copy"), None)
>>> b = set_op(assign("b", load("x")), Op("copy"), None)
>>> [unparse(s) for s in dead_code([a, b], keep={"b"})]
['b = x']
"""

from __future__ import annotations

import gast

from tangentish.compiler.nodes import names_in
from tangentish.compiler.ops import op_of
from tangentish.compiler.reverse import Adjoint

__all__ = ["optimize", "dead_code"]

#: ops without side effects, safe to delete when their value is unused
_PURE = {"copy", "const", "inert", "call", "getitem", "build", "append", "index_set", "iter"}


def optimize(adj: Adjoint) -> Adjoint:
    keep = {adj.norm.result} | set(adj.norm.params)
    for s in adj.adjoint:
        keep |= names_in(s)
    for g in adj.grads.values():
        keep |= names_in(g)
    adj.primal = dead_code(adj.primal, keep)
    return adj


def dead_code(stmts: list[gast.stmt], keep: set[str]) -> list[gast.stmt]:
    """Drop pure assignments to names no later statement, nor ``keep``, reads."""
    while True:
        used = set(keep)
        for s in stmts:
            used |= _reads(s)
        out = _sweep(stmts, used)
        if _count(out) == _count(stmts):
            return out
        stmts = out


def _reads(s: gast.stmt) -> set[str]:
    if isinstance(s, gast.Assign):
        return names_in(s.value)
    return names_in(s)


def _sweep(stmts: list[gast.stmt], used: set[str]) -> list[gast.stmt]:
    out = []
    for s in stmts:
        if isinstance(s, gast.Assign):
            op = op_of(s)
            if op is not None and op.kind in _PURE and s.targets[0].id not in used:
                continue
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body = _sweep(s.body, used)
            s.orelse = _sweep(s.orelse, used)
        out.append(s)
    return out


def _count(stmts: list[gast.stmt]) -> int:
    return sum(1 for s in stmts for _ in gast.walk(s))
