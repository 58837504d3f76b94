"""A reduction's adjoint kept at its reduced shape where elementwise code broadcasts it anyway.

The adjoint of ``y = np.sum(t)`` is ``dy`` broadcast to t's shape: ``d_t = unreduce(dy, t,
None, False)``, a read-only view with stride 0. Every product that reads it is then a full pass
over an array of t's size just to multiply by a number: ``d_t * -2 * (1.0 - u)`` makes
``d_t * -2`` (an 8 MB array at a million elements) before it meets ``1.0 - u``. With ``dy``
itself in its place, ``dy * -2`` is one float multiplication:

    d_t10 = unreduce(dy, _t4, None, False)        ->    (gone)
    d_t2 = d_t10 * -2 * (1.0 - _t2)               ->    d_t2 = dy * -2 * (1.0 - _t2)

NumPy's broadcasting makes the two agree exactly when the expression is elementwise from the
read to its root and the root still has t's shape, which only code specialised to a shape
pattern can tell (``shapes``); elsewhere the broadcast stays. Python evaluates ``dy * -2 * u``
left to right, so the number meets the number first.

A reduction that keeps its dimensions is the same story one rank up: softmax's
``np.sum(e, axis=1, keepdims=True)`` has the adjoint ``unreduce(g, e, 1, True)``, a broadcast
view a product then reads at full size; ``g`` (one number per row) broadcasts there just as
well and costs no view:

    d_t8 = unreduce(d_t10 / _t9, _t8, 1, True)    ->    d_t8 = d_t10 / _t9
    dz_1 = dz_1 + d_t8 * _t8                      ->    (unchanged)
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import gast

from tangentish.compiler import shapes
from tangentish.compiler.nodes import names_in, scan, walk
from tangentish.runtime.support import unreduce

__all__ = ["reduced_seeds"]

_ELEMENTWISE_BINOPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow)


def reduced_seeds(adj: Any, env: dict[str, Any], seed_shape: Any) -> bool:
    """Read ``N = unreduce(S, T, None, False)`` (S a number: ``seed_shape`` is the seed's
    shape, ``()`` for a gradient), or ``N = unreduce(S, T, axis, True)``, as S where that
    provably changes no value: a name S replaces N in each such read (N's statement goes once
    nothing reads it); an expression S becomes N's value when every read allows it
    (``d_t11 = -(dy / n)``, computed once). ``env`` holds the symbolic shapes of the primal's
    names; an adjoint has its primal's shape. True if anything changed."""
    objects = adj.norm.namespace.objects
    shaped = dict(env)
    for primal, adjoint in adj.norm.namer.adjoint_names().items():
        if primal in env and adjoint != adj.seed:
            shaped[adjoint] = env[primal]
    if seed_shape is not None:
        shaped[adj.seed] = seed_shape
    changed = False
    seeds = [(s, kept) for s in adj.adjoint
             if (kept := _broadcast_seed(s, shaped, objects)) is not None]
    if not seeds:
        return False
    stores = Counter(n.id for n in scan(adj.adjoint) if type(n) is gast.Name
                     and isinstance(n.ctx, gast.Store))  # (removing a seed's line: its own)
    for stmt, kept in seeds:
        name, number = stmt.targets[0].id, stmt.value.args[0]
        if stores[name] != 1 or not all(_fixed(adj.adjoint, n, stmt, stores[n])
                                        for n in names_in(number)):
            continue  # another value of a name may reach a read (``dh = dh + g``)
        sweep = gast.Module(body=adj.adjoint, type_ignores=[])
        readers = [s for s in walk(sweep) if isinstance(s, gast.Assign) and s is not stmt
                   and _reads(s.value, name)]
        allowed = [s for s in readers if _allows(s.value, name, kept, shaped, objects)]
        if any(_reads(g, name) for g in adj.grads.values()):
            allowed = []  # a parameter's gradient is N itself: it must have T's shape
        if isinstance(number, gast.Name):
            for s in allowed:
                s.value, changed = _substituted(s.value, name, number, objects), True
            if allowed and _count(adj.adjoint, name) == 0:
                adj.adjoint.remove(stmt)  # its comment stays: the line folded into the next
        elif allowed and sum(_count(s.value, name) for s in allowed) == _count(adj.adjoint, name):
            stmt.value, changed = number, True
            shaped[name] = kept
    return changed


def _allows(value: gast.expr, name: str, kept: Any, shaped: dict[str, Any],
            objects: dict[str, Any]) -> bool:
    """Does ``value`` compute the same with ``name`` holding its seed (of shape ``kept``) in
    place of its broadcast: elementwise from every read of it to the root, whose shape
    stays?"""
    if _substituted(value, name, gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                            type_comment=None), objects) is None:
        return False
    before = shapes.shape_of(value, shaped, objects)
    return before is not None and shapes.shape_of(value, {**shaped, name: kept}, objects) == before


def _broadcast_seed(s: gast.stmt, shaped: dict[str, Any], objects: dict[str, Any]) -> Any:
    """The seed's shape where ``s`` is ``N = unreduce(S, T, None, False)`` with S of shape
    ``()``, or ``N = unreduce(S, T, axis, True)`` with S of T's shape reduced over ``axis``
    with its dimensions kept (``(n, 1)`` for a softmax's ``axis=1``): both broadcast against
    T's shape to what ``unreduce`` makes. Else None."""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Call)):
        return None
    call = s.value
    if not (isinstance(call.func, gast.Name) and objects.get(call.func.id) is unreduce
            and len(call.args) == 4 and not call.keywords):
        return None
    seed, target, axis, keepdims = call.args
    if not (isinstance(keepdims, gast.Constant) and isinstance(keepdims.value, bool)
            and isinstance(axis, gast.Constant | gast.Tuple)):
        return None
    kept = shapes.shape_of(seed, shaped, objects)
    if kept is None:
        return None
    if keepdims.value is False:
        return kept if kept == () and axis.value is None else None
    reduced = shapes.reduced(shapes.shape_of(target, shaped, objects), axis, True)
    return kept if reduced is not None and kept == reduced else None


def _fixed(stmts: list[gast.stmt], name: str, before: gast.stmt, stores: int) -> bool:
    """Does ``name`` (assigned ``stores`` times in the sweep) hold one value wherever it is
    read after ``before``: never assigned in the sweep (the seed), or assigned once, by a
    statement of the sweep's top level before?"""
    if stores == 0:
        return True
    head = stmts[:stmts.index(before)]
    return stores == 1 and any(isinstance(s, gast.Assign) and name in names_in(
        s.targets, gast.Store) for s in head)


def _count(node: gast.AST, name: str) -> int:
    """How many times ``node`` reads ``name``."""
    return sum(type(n) is gast.Name and n.id == name and isinstance(n.ctx, gast.Load)
               for n in scan(node))


def _reads(node: gast.AST, name: str) -> bool:
    return _count(node, name) > 0


def _substituted(node: gast.expr, name: str, number: gast.Name, objects: dict[str, Any]
                 ) -> gast.expr | None:
    """``node`` with ``name`` read as ``number``, or None where a read of it sits under
    anything but elementwise arithmetic (a sum, a product of matrices, a helper call)."""
    if isinstance(node, gast.Name) and node.id == name:
        return gast.Name(id=number.id, ctx=gast.Load(), annotation=None, type_comment=None)
    if not _reads(node, name):
        return node
    if isinstance(node, gast.BinOp) and isinstance(node.op, _ELEMENTWISE_BINOPS):
        left = _substituted(node.left, name, number, objects)
        right = _substituted(node.right, name, number, objects)
        if left is None or right is None:
            return None
        return gast.BinOp(left=left, op=node.op, right=right)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
        operand = _substituted(node.operand, name, number, objects)
        return None if operand is None else gast.UnaryOp(op=node.op, operand=operand)
    if isinstance(node, gast.Call) and not node.keywords and shapes.elementwise(
            shapes.resolve(node.func, objects), len(node.args)):
        args = [_substituted(a, name, number, objects) for a in node.args]
        if any(a is None for a in args):
            return None
        return gast.Call(func=node.func, args=args, keywords=[])
    return None
