"""Pass 6, optimize: remove what neither sweep needs.

The sweeps are built to be correct first; this pass makes them lean:

* stack pushes (and their pops) of values the adjoint sweep never reads are dropped;
* ``x = items[i]`` at the top of a loop is read again in the reverse loop instead of saved;
* a value the adjoint reads only for its shape is saved as ``only_shape(v)``;
* adjoint copies (``d_t4 = dh``) read the original name directly;
* accumulations into adjoint buffers nothing else can see are made in place (``inplace``);
* subscript adjoints accumulate in place into arrays the adjoint sweep made itself;
* primal assignments whose value nobody reads are deleted;
* single-use temporaries without adjoints go back into their one use.

(Adjoints are never accumulated into zeros in the first place: reverse assigns the first
contribution. Constant folding of inlined rules happens in ``inline.fold``.)

>>> import copy

import gast
>>> from tangentish.compiler.nodes import clone, assign, load, unparse
>>> from tangentish.compiler.ops import Op, set_op
>>> a = set_op(assign("a", load("x")), Op("copy"), None)
>>> b = set_op(assign("b", load("x")), Op("copy"), None)
>>> [unparse(s) for s in dead_code([a, b], keep={"b"})]
['b = x']
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import gast

from tangentish.compiler.inplace import update_in_place
from tangentish.compiler.nodes import (
    Substitute,
    Transformer,
    Visitor,
    call,
    in_order,
    load,
    names_in,
    scan,
    unparse,
    walk,
)
from tangentish.compiler.ops import op_of
from tangentish.compiler.purity import pure_expr
from tangentish.compiler.recompute import recompute_loop_values
from tangentish.compiler.reverse import Adjoint, is_comment
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime.accumulate import add_into
from tangentish.runtime.support import unbroadcast

__all__ = ["optimize", "optimize_tangent", "dead_code", "drop_unread_result", "fold_temporaries",
           "prune_stack", "accumulate_in_place"]

#: ops without side effects, safe to delete when their value is unused
_PURE = {"copy", "const", "inert", "call", "getitem", "build", "append", "index_set", "iter"}


def optimize(adj: Adjoint) -> Adjoint:
    adj.adjoint = accumulate_in_place(adj)
    prune_stack(adj)
    recompute_loop_values(adj)
    save_shapes_only(adj)
    adj.adjoint = propagate_copies(adj.adjoint, adj)
    adj.adjoint = _empty_comments(merge_negations(adj.adjoint, _load_counts(adj.adjoint)))
    adj.adjoint = update_in_place(adj)
    keep = {adj.norm.result} | set(adj.norm.params)
    for s in adj.adjoint:
        keep |= names_in(s)
    for g in adj.grads.values():
        keep |= names_in(g)
    adj.primal = dead_code(adj.primal, keep)
    fold_temporaries(adj.primal, keep | adj.active, adj.norm.namer.synthetic_names)
    return adj


def drop_unread_result(adj: Adjoint) -> None:
    """For a function that returns gradients only, of a result known to be a number (no
    check reads it): the primal lines that only compute the result are dead too (rosenbrock's
    ``y = np.sum(100.0 * _t4 ** 2 + (1.0 - _t2) ** 2)``, five passes over 8 MB once ``seeds``
    no longer reads the sum's shape). Its ``# grad of:`` comment keeps quoting the line, marked
    ``(not computed)``: the reader will not find it above."""
    keep = set(adj.norm.params)
    for s in adj.adjoint:
        keep |= names_in(s)
    for g in adj.grads.values():
        keep |= names_in(g)
    before = {s.targets[0].id for s in adj.primal if isinstance(s, gast.Assign)}
    adj.primal = dead_code(adj.primal, keep)
    gone = before - {s.targets[0].id for s in adj.primal if isinstance(s, gast.Assign)}
    for s in _walk(adj.adjoint):
        if is_comment(s) and s.value.value.split(" = ", 1)[0].rsplit(" ", 1)[-1] in gone:
            s.value.value += "   (not computed)"


def double_repeats(adj: Adjoint) -> None:
    """``dx = dy * x`` then ``dx += dy * x`` (the two operands of ``x * x``) as one statement,
    ``dx = 2 * dy * x``: one pass over the array instead of three, the same bits (doubling is
    exact). The 2 goes to the leftmost factor, which is often a number (the seed)."""
    objects = adj.norm.namespace.objects
    adds = {n for n, obj in objects.items() if obj is add_into}

    def block(stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s.body, s.orelse = block(s.body), block(s.orelse)
            first = out[-1] if out else None
            g = _added_to(s, adds)
            if (g is not None and isinstance(first, gast.Assign) and len(first.targets) == 1
                    and isinstance(first.targets[0], gast.Name)
                    and first.targets[0].id == g[0] and unparse(first.value) == unparse(g[1])
                    and g[0] not in names_in(g[1]) and pure_expr(g[1], objects)):
                first.value = _doubled(first.value)
                continue
            out.append(s)
        return out

    adj.adjoint = block(adj.adjoint)


def _added_to(s: gast.stmt, adds: set[str]) -> tuple[str, gast.expr] | None:
    """``(n, g)`` for ``n += g``, ``n = n + g`` or ``n = add_into(n, g)``, else None."""
    if isinstance(s, gast.AugAssign) and isinstance(s.op, gast.Add) and isinstance(
            s.target, gast.Name):
        return s.target.id, s.value
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name)):
        return None
    name, v = s.targets[0].id, s.value
    if isinstance(v, gast.BinOp) and isinstance(v.op, gast.Add) and isinstance(
            v.left, gast.Name) and v.left.id == name:
        return name, v.right
    if (isinstance(v, gast.Call) and isinstance(v.func, gast.Name) and v.func.id in adds
            and len(v.args) == 2 and not v.keywords and isinstance(v.args[0], gast.Name)
            and v.args[0].id == name):
        return name, v.args[1]
    return None


def _doubled(g: gast.expr) -> gast.expr:
    """``2 * g``, the 2 multiplied into the leftmost factor of a product."""
    if isinstance(g, gast.BinOp) and isinstance(g.op, gast.Mult):
        return gast.BinOp(left=_doubled(g.left), op=gast.Mult(), right=g.right)
    return gast.BinOp(left=gast.Constant(value=2, kind=None), op=gast.Mult(), right=g)


def optimize_tangent(tan: Any) -> Any:
    """The same for a forward-mode ``Tangent``: its one body holds primal and tangents."""
    keep = {tan.norm.result} | set(tan.norm.params) | names_in(tan.result)
    tan.body = _orphan_comments(dead_code(tan.body, keep))
    fold_temporaries(tan.body, keep | tan.active, tan.norm.namer.synthetic_names)
    return tan


def _orphan_comments(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """Drop ``# tangent of:`` comments whose tangent statement (the next one) was removed."""
    out = []
    for i, s in enumerate(stmts):
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body, s.orelse = _orphan_comments(s.body), _orphan_comments(s.orelse)
        nxt = stmts[i + 1] if i + 1 < len(stmts) else None
        if is_comment(s) and not getattr(nxt, "tg_tangent", False):
            continue
        out.append(s)
    return out


def propagate_copies(stmts: list[gast.stmt], adj: Adjoint) -> list[gast.stmt]:
    """``d_t4 = dh`` followed by uses of ``d_t4`` reads ``dh`` directly (adjoint names only).

    Only where ``d_t4`` is assigned once, and every use of it comes, in the same block, before
    either name is assigned again.
    """
    adjoints = set(adj.norm.namer.adjoint_names().values())
    stores: dict[str, int] = {}
    loads: dict[str, int] = {}
    every = gast.Module(body=stmts + [gast.Expr(value=g) for g in adj.grads.values()],
                        type_ignores=[])  # the returned gradients read adjoints too
    for node in scan(every):
        if isinstance(node, gast.Name):
            table = loads if isinstance(node.ctx, gast.Load) else stores
            table[node.id] = table.get(node.id, 0) + 1
    seed = adj.seed

    def block(body: list[gast.stmt]) -> list[gast.stmt]:
        body = _drop_restores(body, adjoints, loads, stores)
        index = _BlockIndex(body)
        out: list[gast.stmt] = []
        for k, s in enumerate(body):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s.body, s.orelse = block(s.body), block(s.orelse)
            if (isinstance(s, gast.Assign) and isinstance(s.value, gast.Name)
                    and not getattr(s, "tg_pop", None)):
                a, b = s.targets[0].id, s.value.id
                uses = index.uses_until(k, a, b) if (
                    a in adjoints and b in adjoints and a != seed and stores.get(a) == 1) else None
                if uses is not None and len(uses) == loads.get(a, 0):
                    index.rename(uses, b)
                    continue
            out.append(s)
        return out

    return block(stmts)


def _drop_restores(body: list[gast.stmt], adjoints: set[str], loads: dict[str, int],
                   stores: dict[str, int]) -> list[gast.stmt]:
    """Drop ``b = a`` where the last assignment to either in the block was ``a = b``: b holds
    that very object still (``d_t25 = dy; y = stack.pop(); dy = d_t25``). ``loads`` and
    ``stores`` are kept counting what remains."""
    out: list[gast.stmt] = []
    last: dict[str, int] = {}  # name -> where in ``out`` it was last assigned
    for s in body:
        if _is_copy(s) and not getattr(s, "tg_pop", None):
            b, a = s.targets[0].id, s.value.id
            k = last.get(a)
            if b in adjoints and k is not None and last.get(b, -1) < k and _is_copy(
                    out[k]) and out[k].value.id == b:
                loads[a] -= 1
                stores[b] -= 1
                continue
        for name in names_in(s, gast.Store):
            last[name] = len(out)
        out.append(s)
    return out


def _is_copy(s: gast.stmt | None) -> bool:
    return isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) and isinstance(
        s.value, gast.Name)


def _load_counts(stmts: list[gast.stmt]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in scan(gast.Module(body=stmts, type_ignores=[])):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            counts[node.id] = counts.get(node.id, 0) + 1
    return counts


def merge_negations(stmts: list[gast.stmt], loads: dict[str, int]) -> list[gast.stmt]:
    """``dx = -g`` and, later in the block, ``dx = dx + h`` become one ``dx = h - g``.

    The first contribution of ``a - x`` to dx is a negation; with a second one coming (dx
    read nowhere and g assigned nowhere in between) the subtraction does both in one array
    operation (in ode's reverse loop: one operation fewer per stage). Only for a name g read
    elsewhere too: a single-use g is folded into its one reader by ``fuse``, and the negation
    of a product into its scalar factor by ``scale`` (``g * -2``), which costs nothing.

    >>> from tangentish.compiler.nodes import unparse
    >>> body = gast.parse("dx = -g; t = 2 * h; dx = dx + t").body
    >>> [unparse(s) for s in merge_negations(body, {"g": 2})]
    ['t = 2 * h', 'dx = t - g']
    """
    out: list[gast.stmt] = []
    for k, s in enumerate(stmts):
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body = merge_negations(s.body, loads)
            s.orelse = merge_negations(s.orelse, loads)
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and isinstance(s.value, gast.UnaryOp) and isinstance(s.value.op, gast.USub)
                and isinstance(s.value.operand, gast.Name)
                and loads.get(s.value.operand.id, 0) > 1):
            out.append(s)
            continue
        x, negated = s.targets[0].id, s.value.operand
        reads = names_in(negated)
        later = _next_touch(stmts, k, x, reads)
        if later is None or x in reads:
            out.append(s)
            continue
        later.value = gast.BinOp(left=later.value.right, op=gast.Sub(), right=negated)
    return out


def _next_touch(stmts: list[gast.stmt], k: int, x: str, reads: set[str]) -> gast.Assign | None:
    """The statement after ``k`` that next reads or assigns ``x``, when it is ``x = x + h``
    (h not reading x) and nothing before it assigns ``reads``; else None."""
    for s in stmts[k + 1:]:
        if isinstance(s, (gast.If, gast.For, gast.While)):
            return None
        stored = names_in(s, gast.Store)
        if x not in names_in(s) and x not in stored:
            if stored & reads:
                return None
            continue
        value = s.value if isinstance(s, gast.Assign) else None
        if (isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add)
                and isinstance(value.left, gast.Name) and value.left.id == x
                and x not in names_in(value.right) and not (stored - {x})):
            return s
        return None
    return None


class _BlockIndex:
    """Where each name is read and assigned in one block, so finding the uses of a copy costs
    a binary search instead of a walk over the rest of the block (a 2,000-line function has
    hundreds of copies: the walk made this pass quadratic)."""

    def __init__(self, body: list[gast.stmt]):
        self.stores: dict[str, list[int]] = {}
        self.nested_loads: dict[str, list[int]] = {}  # read by an if, a loop or a return
        self.loads: dict[str, list[tuple[int, gast.Name]]] = {}  # read by an assigned value
        for j, s in enumerate(body):
            if isinstance(s, (gast.Assign, gast.Expr)):
                for n in _load_nodes(s.value):
                    self.loads.setdefault(n.id, []).append((j, n))
                assigned = names_in(s.targets[0], gast.Store) if isinstance(
                    s, gast.Assign) else ()
            else:
                for name in names_in(s):
                    self.nested_loads.setdefault(name, []).append(j)
                assigned = names_in(s, gast.Store)
            for name in assigned:
                self.stores.setdefault(name, []).append(j)

    def uses_until(self, k: int, a: str, b: str) -> list[gast.Name] | None:
        """The loads of ``a`` after statement ``k`` until ``a`` or ``b`` is assigned again
        (that statement's value included); None if an if, loop or other statement that is
        not an assignment reads ``a`` first (the copy then stays)."""
        stop = min(_next(self.stores.get(a, ()), k), _next(self.stores.get(b, ()), k))
        nested = _next(self.nested_loads.get(a, ()), k)
        if nested <= stop and nested != math.inf:
            return None
        return [n for j, n in self.loads.get(a, ()) if k < j <= stop and n.id == a]

    def rename(self, uses: list[gast.Name], b: str) -> None:
        where = {id(n): j for j, n in self.loads.get(uses[0].id, ())} if uses else {}
        for n in uses:
            self.loads.setdefault(b, []).append((where[id(n)], n))
            n.id = b


def _next(positions: Any, k: int) -> float:
    """The first position after ``k`` in a sorted list (infinity when none)."""
    i = bisect.bisect_right(positions, k)
    return positions[i] if i < len(positions) else math.inf


def _load_nodes(node: gast.AST) -> list[gast.Name]:
    return [n for n in walk(node) if isinstance(n, gast.Name) and isinstance(
        n.ctx, gast.Load)]


def _empty_comments(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """Drop ``# grad of:`` comments left with no adjoint statement under them."""
    out: list[gast.stmt] = []
    for i, s in enumerate(stmts):
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body, s.orelse = _empty_comments(s.body), _empty_comments(s.orelse)
        if is_comment(s):
            j = i + 1  # the statements under this comment: up to the next one
            while j < len(stmts) and not is_comment(stmts[j]) and getattr(
                    stmts[j], "tg_pop", None):
                j += 1
            if j == len(stmts) or is_comment(stmts[j]):
                continue
        out.append(s)
    return out


def dead_code(stmts: list[gast.stmt], keep: set[str]) -> list[gast.stmt]:
    """Drop pure assignments to names no later statement, nor ``keep``, reads."""
    while True:
        used = set(keep)
        for s in stmts:
            used |= _reads(s)
        out = _sweep(stmts, used)
        # nested bodies are swept in place: the two lists differ in top-level statements only
        if len(out) == len(stmts):
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


def prune_stack(adj: Adjoint) -> None:
    """Drop each push whose pop restores a value the adjoint sweep never reads afterwards.

    A backward liveness pass over the adjoint sweep (loops to a fixed point) finds the pops
    whose restored value is read before being overwritten; every other pop goes, with the push
    it is paired with (same ``tg_site``), so the stack stays balanced.
    """
    final: set[str] = set()
    for g in adj.grads.values():
        final |= names_in(g)
    live_sites: set = set()
    _live_block(adj.adjoint, final, live_sites)

    def walk(stmts: list[gast.stmt]) -> list[gast.stmt]:
        out = []
        for s in stmts:
            site = getattr(s, "tg_site", None)
            if site is not None and (getattr(s, "tg_push", None) or getattr(s, "tg_pop", None)) \
                    and site not in live_sites:
                continue
            if isinstance(s, (gast.If, gast.For, gast.While)):
                s.body, s.orelse = walk(s.body), walk(s.orelse)
            out.append(s)
        return out

    adj.primal, adj.adjoint = walk(adj.primal), walk(adj.adjoint)
    pushed = {s.tg_push for s in _walk(adj.primal) if getattr(s, "tg_push", None)}
    adj.preset = [p for p in adj.preset if p in pushed]
    if not pushed:
        adj.stack = None


def _live_block(stmts: list[gast.stmt], live: set[str], live_sites: set) -> set[str]:
    """Names live before ``stmts`` given ``live`` after them (updated in place: callers pass
    a set of their own); records pops found live."""
    for s in reversed(stmts):
        live = _live_stmt(s, live, live_sites)
    return live


def _live_stmt(s: gast.stmt, live: set[str], live_sites: set) -> set[str]:
    if isinstance(s, gast.Assign):
        target = s.targets[0].id if isinstance(s.targets[0], gast.Name) else None
        if getattr(s, "tg_pop", None) and target in live:
            live_sites.add(s.tg_site)
        live -= names_in(s.targets[0], gast.Store)  # in place: a copy per statement was
        live |= names_in(s.value)  # O(statements x live names)
        return live
    if isinstance(s, gast.If):
        return (_live_block(s.body, set(live), live_sites)
                | _live_block(s.orelse, set(live), live_sites) | names_in(s.test))
    if isinstance(s, (gast.For, gast.While)):
        header = names_in(s.iter) if isinstance(s, gast.For) else names_in(s.test)
        target = {s.target.id} if isinstance(s, gast.For) else set()
        out = set(live)
        while True:  # live after the body: after the loop, or before the next iteration
            inside = _live_block(s.body, set(out), live_sites) - target
            if live | inside <= out:
                break
            out |= inside
        return live | inside | header
    live |= names_in(s)
    return live


def save_shapes_only(adj: Adjoint) -> None:
    """Push ``only_shape(v)`` for a value the adjoint sweep reads only as ``unbroadcast``'s
    target (its shape): a loop then keeps one element per step, not a whole array."""
    ns = adj.norm.namespace
    shape_readers = {ns.helper(unbroadcast), ns.helper(helpers.zero_grad)}
    pushed = {s.tg_push for s in _walk(adj.primal) if getattr(s, "tg_push", None)}
    other: set[str] = set()
    for g in adj.grads.values():
        other |= names_in(g)

    class _Reads(Visitor):
        def visit_Call(self, node):
            func = node.func
            if isinstance(func, gast.Name) and func.id in shape_readers:
                target = node.args[-1]
                for arg in node.args[:-1]:
                    self.visit(arg)
                if not isinstance(target, gast.Name):
                    self.visit(target)
                return
            self.generic_visit(node)

        def visit_Name(self, node):
            if isinstance(node.ctx, gast.Load):
                other.add(node.id)

    for s in _walk(adj.adjoint):
        if getattr(s, "tg_pop", None):
            continue
        if isinstance(s, gast.For):
            _Reads().visit(s.iter)
        elif isinstance(s, (gast.If, gast.While)):
            _Reads().visit(s.test)
        else:
            _Reads().visit(s)
    shape_only = pushed - other
    if not shape_only:
        return
    ref = ns.helper(helpers.only_shape)
    for s in _walk(adj.primal):
        if getattr(s, "tg_push", None) in shape_only:
            arg = s.value.args[0]
            s.value.args[0] = call(load(ref), [arg])


_walk = in_order  # every statement, nested ones included (not expressions)


def _loads(s: gast.stmt) -> set[str]:
    """Names a statement itself loads (for a loop or if: its header only)."""
    if isinstance(s, gast.If):
        return names_in(s.test)
    if isinstance(s, gast.While):
        return names_in(s.test)
    if isinstance(s, gast.For):
        return names_in(s.iter)
    return names_in(s)


def accumulate_in_place(adj: Adjoint) -> list[gast.stmt]:
    """``dx = dx + subscript_grad(g, x, i)`` -> ``dx = getitem_accumulate(dx, g, x, i)``.

    Only for adjoints that hold nothing but arrays this code made (every assignment to them is
    a sum, zeros or a scatter), so updating them in place is invisible: a loop reading
    ``xs[t]`` then costs one slice per step instead of one xs-sized array.
    """
    ns, namer = adj.norm.namespace, adj.norm.namer
    getitem = ns.helper(helpers.subscript_grad)
    add = ns.helper(helpers.add_grad)
    fresh_calls = {getitem, add, ns.helper(helpers.zero_grad)}
    owned = set(namer.adjoint_names().values()) - {adj.seed}
    for node in scan(gast.Module(body=adj.adjoint, type_ignores=[])):
        if isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Name):
            name = node.targets[0].id
            if name in owned and not _fresh(node.value, name, fresh_calls):
                owned.discard(name)
        elif isinstance(node, gast.Assign):  # unpacked from a pullback: may alias its input
            owned -= names_in(node.targets[0], gast.Store)

    class _Rewrite(Transformer):
        def visit_Assign(self, node):
            name = node.targets[0].id if isinstance(node.targets[0], gast.Name) else None
            g = _summand(node.value, name, add)
            if name in owned and isinstance(g, gast.Call) and isinstance(
                    g.func, gast.Name) and g.func.id == getitem:
                dy, x, idx = g.args
                node.value = call(load(ns.helper(helpers.getitem_accumulate)),
                                  [load(name), dy, x, idx])
            return node

    return [_Rewrite().visit(s) for s in adj.adjoint]


def _fresh(value: gast.expr, name: str, fresh_calls: set[str]) -> bool:
    """Does ``name = value`` always make a new array (never an alias of another value)?"""
    if isinstance(value, gast.BinOp) and isinstance(value.left, gast.Name) and \
            value.left.id == name:
        return True
    return isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and \
        value.func.id in fresh_calls


def _summand(value: gast.expr, name: str | None, add_grad: str) -> gast.expr | None:
    """``g`` in ``name + g`` or ``add_grad(name, g)``."""
    if isinstance(value, gast.BinOp) and isinstance(value.op, gast.Add) and isinstance(
            value.left, gast.Name) and value.left.id == name:
        return value.right
    if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and \
            value.func.id == add_grad and isinstance(value.args[0], gast.Name) and \
            value.args[0].id == name:
        return value.args[1]
    return None



_FOLDABLE = {"inert", "getitem", "const", "copy", "call", "build"}


def fold_temporaries(stmts: list[gast.stmt], keep: set[str], synthetic: set[str]) -> None:
    """Put single-use compiler temporaries without adjoints back into their one use.

    ``_t1 = x.shape; n = _t1[0]`` reads better as ``n = x.shape[0]``, and ``cond = s > 3``
    followed by ``if cond:`` as ``if s > 3:``. Only values with no adjoint that the adjoint
    sweep never reads are folded, into a later statement of the same block with nothing in
    between that assigns what the value reads.
    """
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for s in stmts:
        for n in scan(s):
            if isinstance(n, gast.Name):
                table = loads if isinstance(n.ctx, gast.Load) else stores
                table[n.id] = table.get(n.id, 0) + 1
    _fold_block(stmts, keep, synthetic, loads, stores)


def _fold_block(stmts, keep, synthetic, loads, stores) -> None:
    i = 0
    while i < len(stmts):
        s = stmts[i]
        for field_name in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                _fold_block(getattr(s, field_name), keep, synthetic, loads, stores)
        name = s.targets[0].id if isinstance(s, gast.Assign) else None
        op = op_of(s) if name else None
        if (name in synthetic and name not in keep and op is not None
                and op.kind in _FOLDABLE and loads.get(name) == 1 and stores.get(name) == 1):
            reads = names_in(s.value)
            for j in range(i + 1, len(stmts)):
                user = stmts[j]
                if name in names_in(_head(user)):
                    _replace(user, name, s.value)
                    del stmts[i]
                    i -= 1
                    break
                if name in names_in(user) or _assigns(user) & (reads | {name}):
                    break  # used deeper inside (a loop or branch), or its inputs change
        i += 1


def _head(s: gast.stmt) -> gast.AST:
    """The part of a statement evaluated once, where it stands (an if's test, a value)."""
    if isinstance(s, gast.If):
        return s.test
    if isinstance(s, gast.For):
        return s.iter
    if isinstance(s, (gast.Assign, gast.Expr)):
        return s.value
    return gast.Pass()


def _assigns(s: gast.stmt) -> set[str]:
    return names_in(s, gast.Store)


def _replace(s: gast.stmt, name: str, value: gast.expr) -> None:
    head = _head(s)

    new = Substitute(name, value).visit(head)
    if isinstance(s, gast.If):
        s.test = new
    elif isinstance(s, gast.For):
        s.iter = new
    else:
        s.value = new


