"""Loop-invariant reads move out of loops (part of normalize).

``W = params["W"]`` inside a loop body reads the same value on every iteration; computed once
before the loop it needs no stack push in the primal sweep, and its adjoint is accumulated in
the loop and passed back to ``params`` once, after it:

    for x in xs:                       _t1 = params["W"]
        _t1 = params["W"]      ->      for x in xs:
        h = np.tanh(_t1 @ h + x)           h = np.tanh(_t1 @ h + x)

Only subscripts, constants and arithmetic on numbers (``0.5 * dt`` where ``dt = 0.01``: see
``number_names``) whose inputs the loop never assigns, at the top level of a ``for`` body (not
under a condition), to a name bound nowhere else (parameters are bound on entry), are hoisted;
a ``while`` loop keeps its body. Arithmetic is hoisted only after evaluating it here without an
error, so a loop that runs no trip still raises nothing.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import gast

from tangentish.compiler.nodes import names_in, walk
from tangentish.compiler.ops import op_of

__all__ = ["hoist_invariants", "number_names", "scalar_names"]

_HOISTABLE = {"getitem", "const"}

#: Python arithmetic on numbers that cannot run long or raise once evaluated (no ``**``)
_ARITH = {operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
          operator.pos}


def hoist_invariants(stmts: list[gast.stmt], params: list[str] = ()) -> list[gast.stmt]:
    counts = _store_counts(stmts, params)
    return _block(stmts, counts, number_names(stmts, params, counts))


def _store_counts(stmts: list[gast.stmt], params: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {p: 1 for p in params}  # a parameter is bound on entry
    for n in walk(gast.Module(body=stmts, type_ignores=[])):
        if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def number_names(stmts: list[gast.stmt], params: list[str] = (),
                 counts: dict[str, int] | None = None) -> dict[str, Any]:
    """Names bound once, to a number literal or to arithmetic on such numbers, and their values.

    ``dt = 0.01`` and ``_t4 = 0.5 * dt`` hold the same Python float on every trip of a loop:
    the statement can leave the loop, and a rule multiplying by ``_t4`` keeps its operand's
    shape (no ``unbroadcast``).
    """
    counts = counts if counts is not None else _store_counts(stmts, params)
    return _numbers(stmts, counts)[0]


def scalar_names(stmts: list[gast.stmt], params: list[str] = ()) -> set[str]:
    """``number_names`` and the names that hold Python ints read off shapes (``n = x.shape[0]``,
    ``x.ndim``, ``x.size``) or arithmetic on them: values unknown here, but never arrays, so
    ``g / n`` keeps g's shape."""
    return _numbers(stmts, _store_counts(stmts, params))[1]


def _numbers(stmts: list[gast.stmt], counts: dict[str, int]) -> tuple[dict[str, Any], set[str]]:
    """(values of the number names, every name known to hold a Python number), in one pass over
    the assignments in program order."""
    values: dict[str, Any] = {}
    known: set[str] = set()
    shapes: set[str] = set()
    for s in _assignments(stmts):
        name = s.targets[0].id if isinstance(s.targets[0], gast.Name) else None
        op = op_of(s)
        if op is None or counts.get(name) != 1:
            continue
        value = s.value
        if op.kind == "const" and _is_number(value):
            values[name] = value.value
        elif op.kind == "call" and op.obj in _ARITH and not op.keywords:
            if all(_is_number(a) or isinstance(a, gast.Name) and a.id in values
                   for a in op.args):
                args = [a.value if _is_number(a) else values[a.id] for a in op.args]
                try:
                    result = op.obj(*args)
                    finite = isinstance(result, (int, float)) and math.isfinite(result)
                except (ArithmeticError, ValueError):  # 1 / 0, an int too big for a float
                    continue
                if finite:
                    values[name] = result
            elif all(_is_number(a) or isinstance(a, gast.Name) and a.id in known
                     for a in op.args):
                known.add(name)
        elif op.kind == "inert" and isinstance(value, gast.Attribute):
            if value.attr == "shape":
                shapes.add(name)
            elif value.attr in ("ndim", "size"):
                known.add(name)
        elif op.kind == "getitem" and isinstance(value, gast.Subscript) and isinstance(
                value.value, gast.Name) and value.value.id in shapes and _is_number(op.index):
            known.add(name)
        if name in values:
            known.add(name)
    return values, known


def _assignments(stmts: list[gast.stmt]):
    """Every assignment, nested ones included, in program order."""
    for s in stmts:
        if isinstance(s, gast.Assign):
            yield s
        elif isinstance(s, (gast.If, gast.For, gast.While)):
            yield from _assignments(s.body)
            yield from _assignments(s.orelse)


def _is_number(node: gast.expr) -> bool:
    return (isinstance(node, gast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def _block(stmts: list[gast.stmt], counts: dict[str, int], numbers: dict[str, Any]
           ) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    for s in stmts:
        if isinstance(s, gast.If):
            s.body = _block(s.body, counts, numbers)
            s.orelse = _block(s.orelse, counts, numbers)
        elif isinstance(s, gast.While):  # may run zero times, and its test reads the state
            s.body = _block(s.body, counts, numbers)
        elif isinstance(s, gast.For):
            s.body = _block(s.body, counts, numbers)
            assigned = names_in(s, gast.Store)
            kept = []
            for inner in s.body:
                op = op_of(inner) if isinstance(inner, gast.Assign) else None
                if (op is not None and (op.kind in _HOISTABLE or inner.targets[0].id in numbers)
                        and counts.get(inner.targets[0].id) == 1
                        and not (names_in(inner.value) & assigned)):
                    out.append(inner)
                else:
                    kept.append(inner)
            s.body = kept or s.body
        out.append(s)
    return out
