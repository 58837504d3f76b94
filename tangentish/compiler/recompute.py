"""Part of optimize: values a reverse loop computes again instead of popping them.

A loop body that starts with bookkeeping of its counter pushes every value for the reverse loop:

    for i in range(n):                         for i in reversed(range(n)):
        stack.append(j)                            ...
        j = i + 1                                  _t5 = stack.pop()
        stack.append(_t5)                          j = stack.pop()
        _t5 = x[j]

The reverse loop runs the same counter backwards, so ``j = i + 1`` and ``x[j]`` there give the
values the primal had: they are computed at the top of the reverse body, and nothing is pushed.

Only statements of the body's top level qualify (one in a branch may be skipped by a
``break``), assigning a name once in the whole function, whose pop nothing in the reverse body
reads after (the value it restores serves only the next iteration, which computes it again);
and only integer arithmetic of the counter of a ``range`` loop (an outer loop's too), of
numbers and of values computed again before (``j = i + 1``, ``k = 2 * i % 3``), and subscripts
of such integers into names that hold one value for the whole function and that nothing changes
in place (``x[j]``, ``xs[i]``, ``X[i, 1:]``): recomputing arithmetic of arrays would cost a pass
where a push costs a reference. (A write ``X[i] = v`` is ``X = index_set(...)`` by then: X is
assigned again, so its items are pushed.)
"""

from __future__ import annotations

from typing import Any

import gast

from tangentish.compiler.nodes import assign, clone, names_in, scan
from tangentish.compiler.nodes import in_order as _walk
from tangentish.compiler.purity import resolve, safe_between

__all__ = ["recompute_loop_values"]

_INT_OPS = (gast.Add, gast.Sub, gast.Mult, gast.FloorDiv, gast.Mod)


def recompute_loop_values(adj: Any) -> None:
    """Replace the push and pop of each qualifying value by its statement in the reverse loop.
    Drops the stack when nothing is pushed any more."""
    objects = adj.norm.namespace.objects
    primal_loops = {getattr(s, "tg_loop", None): s for s in _walk(adj.primal)
                    if isinstance(s, gast.For)}
    stores: dict[str, int] = {}
    for s in _walk(adj.primal):
        for n in scan(s if not isinstance(s, (gast.If, gast.For, gast.While)) else gast.Pass()):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                stores[n.id] = stores.get(n.id, 0) + 1
    counters = {t.id for s in _walk(adj.primal) if isinstance(s, gast.For)
                for t in gast.walk(s.target) if isinstance(t, gast.Name)}
    # not loop counters: an outer loop's counter is the loop's own business
    unchanged = _never_changed_in_place(adj, objects) - counters
    outer_primal, outer_adjoint = _enclosing(adj.primal), _enclosing(adj.adjoint)
    for loop in list(_walk(adj.adjoint)):
        forward = primal_loops.get(getattr(loop, "tg_loop", None)) if isinstance(
            loop, gast.For) else None
        if forward is None or not _same_counter(forward, loop):
            continue
        fixed = _fixed_names(adj, forward, stores, unchanged)
        outer = _outer_counters(outer_primal[id(forward)], outer_adjoint[id(loop)], objects)
        _recompute(forward, loop, fixed, stores, _counts_up(forward, objects), outer,
                   _read_outside(adj.adjoint, loop))
    pushed = {s.tg_push for s in _walk(adj.primal) if getattr(s, "tg_push", None)}
    adj.preset = [p for p in adj.preset if p in pushed]
    if not pushed:
        adj.stack = None


def _same_counter(forward: gast.For, loop: gast.For) -> bool:
    return (isinstance(forward.target, gast.Name) and isinstance(loop.target, gast.Name)
            and loop.target.id == forward.target.id)


def _enclosing(stmts: list[gast.stmt], outer: tuple = ()) -> dict[int, tuple]:
    """For each loop (by id), the loops around it, outermost first."""
    found: dict[int, tuple] = {}
    for s in stmts:
        if isinstance(s, (gast.If, gast.For, gast.While)):
            inner = outer + (s,) if isinstance(s, (gast.For, gast.While)) else outer
            if isinstance(s, gast.For):
                found[id(s)] = outer
            found.update(_enclosing(s.body, inner))
            found.update(_enclosing(s.orelse, inner))
    return found


def _outer_counters(primal: tuple, adjoint: tuple, objects: dict[str, Any]) -> set[str]:
    """The counters of the ``range`` loops around a loop that the reverse loops around its
    reverse loop run too (pairwise the same loop, the same counter, never rebound): there an
    outer counter has the value it had in the primal."""
    if len(primal) != len(adjoint):
        return set()
    counters: set[str] = set()
    for forward, loop in zip(primal, adjoint):
        if not (isinstance(forward, gast.For) and isinstance(loop, gast.For)
                and getattr(forward, "tg_loop", None) == getattr(loop, "tg_loop", None)
                and _same_counter(forward, loop) and _counts_up(forward, objects)):
            return set()
        name = forward.target.id
        if name in names_in(gast.Module(body=forward.body, type_ignores=[]), gast.Store):
            return set()
        counters.add(name)
    return counters


def _read_outside(stmts: list[gast.stmt], loop: gast.For) -> set[str]:
    """Names the adjoint sweep reads anywhere but in ``loop``: a value the reverse loop
    computes again is left at its first step's, where the pops would have restored the one
    from before the loop (``x[j]`` after an inner loop, in an outer loop's next step)."""
    names: set[str] = set()
    for s in stmts:
        if s is loop:
            continue
        if isinstance(s, (gast.If, gast.For, gast.While)):
            header = s.iter if isinstance(s, gast.For) else s.test
            names |= names_in(header)
            names |= _read_outside(s.body, loop) | _read_outside(s.orelse, loop)
        else:
            names |= names_in(s)
    return names


def _recompute(forward: gast.For, loop: gast.For, fixed: set[str], stores: dict[str, int],
               counter: bool, outer: set[str], outside: set[str]) -> None:
    """Compute the qualifying values of ``forward``'s body at the top of ``loop`` instead of
    popping them. A statement nothing pushed (``_t4 = 2 * i``, read by ``k = _t4 % 3``) is
    computed there too when a moved one reads it. Not a name the adjoint reads outside
    ``loop`` (``outside``)."""
    body, target = forward.body, forward.target.id
    if target in names_in(gast.Module(body=body, type_ignores=[]), gast.Store):
        return  # the counter is rebound inside: its values are not the range's
    ints = ({target} if counter else set()) | outer
    indices = ints | {target}  # the reverse loop runs through the same items backwards
    known = set(fixed)
    plan: list[tuple[gast.Assign, gast.stmt | None]] = []  # (statement, its push)
    for k, s in enumerate(body):
        push = body[k - 1] if k and getattr(body[k - 1], "tg_push", None) else None
        if not (isinstance(s, gast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Name) and stores.get(s.targets[0].id) == 1
                and (push is None or push.tg_push == s.targets[0].id)):
            continue
        name = s.targets[0].id
        if name in outside or push is not None and _last_pop(loop.body, name) is None:
            continue
        if _int_expr(s.value, ints):
            ints.add(name)
            indices.add(name)
        elif not _item(s.value, known, indices):
            continue
        known.add(name)
        plan.append((s, push))
    needed: set[str] = set()
    again: list[gast.stmt] = []
    for s, push in reversed(plan):
        if push is not None or s.targets[0].id in needed:
            needed |= names_in(s.value)
            again.insert(0, assign(s.targets[0].id, clone(s.value)))
    pushes = [push for _, push in plan if push is not None]
    if not pushes:
        return
    body[:] = [s for s in body if not any(s is p for p in pushes)]
    pops = [_last_pop(loop.body, p.tg_push) for p in pushes]
    loop.body[:] = again + [s for s in loop.body if not any(s is p for p in pops)]


def _last_pop(stmts: list[gast.stmt], name: str) -> gast.stmt | None:
    """The one pop of ``name`` in ``stmts`` if nothing after it mentions ``name`` (so the
    value it restores serves only the next iteration, which will compute it again)."""
    pops = [k for k, s in enumerate(stmts) if getattr(s, "tg_pop", None) == name]
    if len(pops) != 1 or any(name in names_in(s) for s in stmts[pops[0] + 1:]):
        return None
    return stmts[pops[0]]


def _int_expr(node: gast.expr, ints: set[str]) -> bool:
    """Integer arithmetic of ``ints`` and int constants (``2 * i % 3``)."""
    if isinstance(node, gast.Name):
        return node.id in ints
    if isinstance(node, gast.Constant):
        return type(node.value) is int
    if isinstance(node, gast.BinOp) and isinstance(node.op, _INT_OPS):
        return _int_expr(node.left, ints) and _int_expr(node.right, ints)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return _int_expr(node.operand, ints)
    return False


def _item(node: gast.expr, known: set[str], ints: set[str]) -> bool:
    """``x[j]``, ``x[i, 1:j]``: a name in ``known`` subscripted by integer expressions, slices
    of them and new axes."""
    if not (isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name)
            and node.value.id in known):
        return False
    parts = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
    for part in parts:
        if isinstance(part, gast.Slice):
            ends = [e for e in (part.lower, part.upper, part.step) if e is not None]
            if not all(_int_expr(e, ints) for e in ends):
                return False
        elif not (_int_expr(part, ints) or isinstance(part, gast.Constant) and part.value is None):
            return False
    return True


def _counts_up(forward: gast.For, objects: dict[str, Any]) -> bool:
    """Is the loop ``for i in range(...)``: its counter an int?"""
    it = forward.iter
    return isinstance(it, gast.Call) and resolve(it.func, objects) is range


def _fixed_names(adj: Any, forward: gast.For, stores: dict[str, int],
                 unchanged: set[str]) -> set[str]:
    """Names that hold one value wherever ``forward`` and its reverse loop run, and whose
    arrays nothing changes in place (``unchanged``, loop counters left out): never assigned
    (parameters, globals), or assigned once by a statement of the function's top level before
    the loop."""
    top = next(k for k, s in enumerate(adj.primal) if s is forward or any(
        t is forward for t in _walk([s])))
    before = {t.targets[0].id for t in adj.primal[:top] if isinstance(t, gast.Assign)
              and len(t.targets) == 1 and isinstance(t.targets[0], gast.Name)}
    return {n for n in unchanged if stores.get(n, 0) == 0 or (stores.get(n) == 1
                                                              and n in before)}


def _never_changed_in_place(adj: Any, objects: dict[str, Any]) -> set[str]:
    """Names no statement of the primal could change in place: every statement that reads
    them leaves arrays as they were (``purity.safe_between``)."""
    seen: set[str] = set()
    unsafe: set[str] = set()
    stack = adj.stack
    for s in _walk(adj.primal):
        if isinstance(s, (gast.If, gast.For, gast.While)):
            header = s.iter if isinstance(s, gast.For) else s.test
            seen |= names_in(header)
            continue
        names = names_in(s)
        seen |= names
        if not safe_between(s, objects, stack):
            unsafe |= names
    return seen - unsafe
