"""Loop-invariant reads move out of loops (part of normalize).

``W = params["W"]`` inside a loop body reads the same value on every iteration; computed once
before the loop it needs no stack push in the primal sweep, and its adjoint is accumulated in
the loop and passed back to ``params`` once, after it:

    for x in xs:                       _t1 = params["W"]
        _t1 = params["W"]      ->      for x in xs:
        h = np.tanh(_t1 @ h + x)           h = np.tanh(_t1 @ h + x)

Only subscripts and constants whose inputs the loop never assigns, at the top level of a
``for`` body (not under a condition), to a name bound nowhere else (parameters are bound on
entry), are hoisted; a ``while`` loop keeps its body.
"""

from __future__ import annotations

import gast

from tangentish.compiler.nodes import names_in
from tangentish.compiler.ops import op_of

__all__ = ["hoist_invariants"]

_HOISTABLE = {"getitem", "const"}


def hoist_invariants(stmts: list[gast.stmt], params: list[str] = ()) -> list[gast.stmt]:
    counts: dict[str, int] = {p: 1 for p in params}  # a parameter is bound on entry
    for n in gast.walk(gast.Module(body=stmts, type_ignores=[])):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1
    return _block(stmts, counts)


def _block(stmts: list[gast.stmt], counts: dict[str, int]) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    for s in stmts:
        if isinstance(s, gast.If):
            s.body, s.orelse = _block(s.body, counts), _block(s.orelse, counts)
        elif isinstance(s, gast.While):  # may run zero times, and its test reads the state
            s.body = _block(s.body, counts)
        elif isinstance(s, gast.For):
            s.body = _block(s.body, counts)
            assigned = names_in(s, gast.Store)
            kept = []
            for inner in s.body:
                op = op_of(inner) if isinstance(inner, gast.Assign) else None
                if (op is not None and op.kind in _HOISTABLE
                        and counts.get(inner.targets[0].id) == 1
                        and not (names_in(inner.value) & assigned)):
                    out.append(inner)
                else:
                    kept.append(inner)
            s.body = kept or s.body
        out.append(s)
    return out
