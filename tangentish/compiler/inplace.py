"""Part of optimize: ``dW = dW + g`` updates dW's buffer where no alias can observe it.

An adjoint accumulated in a reverse loop otherwise gets a fresh array every step (8 MB a step
for a 1024 x 1024 weight). ``dW = add_into(dW, g)`` is ``dW += g`` (``runtime.accumulate``;
a sum the buffer cannot hold, a complex contribution to a real parameter, is a new array as
before), ``dW = dW + -g`` becomes ``subtract_into(dW, g)`` (one negation fewer; ``dW - g``
where dW is shared), and a matrix product's adjoint added to a buffer read nowhere else is
``dW = matmul_grad_b_into(dW, d, h, W)``: BLAS adds the product into dW as it computes it.

Updating in place is only invisible when the buffer belongs to the adjoint alone, which is
checked over the whole adjoint sweep (flow-insensitively, so loops and branches need no special
care). An adjoint ``dW`` qualifies when

* every value assigned to it is a fresh array: arithmetic (``a * b``, ``-g``), zeros made for
  it, a ufunc or matrix product, ``unbroadcast`` of a fresh array; never another name, the
  seed, a pullback's output, a subscript or a view (``unbroadcast(dz, x)`` may return ``dz``);
* it is read only where the reader makes a new array (an operand of arithmetic or of a ufunc,
  the cotangent of a matrix-product rule), never copied to another name, passed to a helper
  that may return it or a view of it, subscripted or pushed.

Its buffer is then never shared, so writing into it changes nothing anyone else can see. The
returned gradients read it after the sweep, when it no longer changes.

>>> from tangentish.compiler.nodes import unparse
>>> unparse(_positive(gast.parse("unbroadcast(-d, x)").body[0].value, {"unbroadcast"}))
'unbroadcast(d, x)'
"""

from __future__ import annotations

from typing import Any

import gast
import numpy as np

from tangentish.compiler.nodes import names_in, walk
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime.accumulate import (
    add_into,
    matmul_grad_a_into,
    matmul_grad_b_into,
    subtract_into,
)
from tangentish.runtime.rules.linalg import matmul_grad_a, matmul_grad_b
from tangentish.runtime.support import unbroadcast

__all__ = ["update_in_place", "augment", "fresh_value"]

#: a product's adjoint, added into an owned buffer by one BLAS call (``runtime.accumulate``)
_INTO = {matmul_grad_a: matmul_grad_a_into, matmul_grad_b: matmul_grad_b_into}

#: calls whose result is a new array that shares no memory with their arguments
_FRESH = {helpers.zero_grad, helpers.subscript_grad, matmul_grad_a,
          matmul_grad_b, np.matmul, np.dot, np.outer}
#: calls that read an argument without returning it or a view of it (not subscript_grad: for a
#: list it returns a new list holding its cotangent)
_CONSUMING = _FRESH - {helpers.zero_grad, helpers.subscript_grad}


def update_in_place(adj: Any) -> list[gast.stmt]:
    """The adjoint sweep with accumulations into unshared adjoint buffers made in place."""
    ns = adj.norm.namespace
    adjoints = adj.norm.namer.adjoint_names()
    # a Python float's adjoint is a float: ``dx = dx + g`` is already all there is to it
    candidates = set(adjoints.values()) - {adj.seed} - {adjoints.get(v) for v in adj.scalars}
    if not candidates:
        return adj.adjoint
    facts = _Facts(ns.objects, candidates)
    nodes = walk(gast.Module(body=adj.adjoint, type_ignores=[]))
    for s in nodes:
        if isinstance(s, gast.stmt) and not isinstance(s, (gast.If, gast.For, gast.While)):
            facts.visit(s)
        elif isinstance(s, gast.For):  # headers only: the bodies' statements come by themselves
            facts.loop_header(s)
        elif isinstance(s, (gast.If, gast.While)):
            facts.visit(s.test)
    owned = candidates - facts.shared
    assigns = [s for s in nodes if type(s) is gast.Assign]
    accumulated = {s.targets[0].id for s in assigns if _accumulation(s, owned)}
    linear = {name for name, obj in ns.objects.items() if obj is unbroadcast}
    private = _read_only_by_accumulation(nodes, assigns, accumulated)

    for node in assigns:  # rewritten where they stand: every statement keeps its place
        if _accumulation(node, accumulated):
            into = _INTO.get(facts.obj(node.value.right.func)) if (
                node.targets[0].id in private and _product(node.value.right)) else None
            if into is not None:  # BLAS adds the product into the buffer
                node.value = gast.Call(func=gast.Name(id=ns.helper(into), ctx=gast.Load(),
                                                      annotation=None, type_comment=None),
                                       args=[node.value.left, *node.value.right.args],
                                       keywords=[])
            else:
                augment(node, ns, linear)
        elif _accumulation(node, candidates):
            positive = _positive(node.value.right, linear)
            if positive is not None:
                node.value = gast.BinOp(left=node.value.left, op=gast.Sub(), right=positive)
    return adj.adjoint


def augment(node: gast.Assign, ns: Any, linear: set[str] = frozenset()) -> gast.Assign:
    """``n = n + g`` as ``n = add_into(n, g)``, ``n = n + -g`` as ``n = subtract_into(n, g)``."""
    g = node.value.right
    helper = add_into
    positive = _positive(g, linear)
    if positive is not None:
        helper, g = subtract_into, positive
    node.value = gast.Call(func=gast.Name(id=ns.helper(helper), ctx=gast.Load(), annotation=None,
                                          type_comment=None), args=[node.value.left, g],
                           keywords=[])
    return node


def augment_statements(adj: Any) -> bool:
    """``x = add_into(x, g)`` as ``x += g`` (``subtract_into`` as ``-=``): in code specialised
    to a shape pattern, where the contributions have their adjoint's shape, the statement
    does what the helper does without its call (15 calls a step in ode's reverse loop). A sum
    the buffer cannot hold (complex into real) raises there instead of making a new array;
    the API then runs the code compiled without this (``Options.augment``). True if any."""
    objects = adj.norm.namespace.objects
    ops = {add_into: gast.Add, subtract_into: gast.Sub}
    changed = False

    def block(stmts: list[gast.stmt]) -> None:
        nonlocal changed
        for i, s in enumerate(stmts):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                block(s.body)
                block(s.orelse)
                continue
            value = s.value if isinstance(s, gast.Assign) and len(s.targets) == 1 else None
            if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Name)
                    and objects.get(value.func.id) in ops and len(value.args) == 2
                    and not value.keywords and isinstance(s.targets[0], gast.Name)
                    and isinstance(value.args[0], gast.Name)
                    and value.args[0].id == s.targets[0].id):
                continue
            op = ops[objects[value.func.id]]()
            stmts[i] = gast.copy_location(
                gast.AugAssign(target=s.targets[0], op=op, value=value.args[1]), s)
            changed = True

    block(adj.adjoint)
    return changed


def fresh_value(value: gast.expr, objects: dict[str, Any]) -> bool:
    """Does ``value`` always make a new array, sharing no memory with what it reads?"""
    return _Facts(objects, set()).fresh(value)


def _positive(g: gast.expr, linear: set[str]) -> gast.expr | None:
    """``x`` for ``g = -x``; ``f(x, t)`` for ``g = f(-x, t)`` with ``f`` linear in x (the names
    in ``linear``: ``unbroadcast``); else None."""
    if isinstance(g, gast.UnaryOp) and isinstance(g.op, gast.USub):
        return g.operand
    if (isinstance(g, gast.Call) and isinstance(g.func, gast.Name) and g.func.id in linear
            and g.args and isinstance(g.args[0], gast.UnaryOp)
            and isinstance(g.args[0].op, gast.USub)):
        return gast.Call(func=g.func, args=[g.args[0].operand, *g.args[1:]],
                         keywords=g.keywords)
    return None


def _writes_out(call: gast.Call) -> bool:
    """``f(..., out=buf)`` returns ``buf``: neither a new array nor a plain read of it."""
    return any(k.arg == "out" for k in call.keywords)


def _product(g: gast.expr) -> bool:
    return isinstance(g, gast.Call) and len(g.args) == 3 and not g.keywords and all(
        isinstance(a, gast.Name) for a in g.args)


def _read_only_by_accumulation(nodes: list[gast.AST], assigns: list[gast.Assign],
                               names: set[str]) -> set[str]:
    """The names read nowhere but as ``n`` in their own ``n = n + g``: a helper may then update
    them in place even where the sweep is differentiated again (nothing else sees the value)."""
    if not names:
        return set()
    loads: dict[str, int] = {}
    for node in nodes:
        if type(node) is gast.Name and node.id in names and type(node.ctx) is gast.Load:
            loads[node.id] = loads.get(node.id, 0) + 1
    for s in assigns:
        if _accumulation(s, names):
            loads[s.targets[0].id] -= 1
    return {n for n in names if loads.get(n, 0) == 0}


def _accumulation(s: gast.AST, names: set[str]) -> bool:
    """Is ``s`` the statement ``n = n + g`` for some ``n`` in ``names``?"""
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1
            and isinstance(s.targets[0], gast.Name) and s.targets[0].id in names):
        return False
    v = s.value
    return (isinstance(v, gast.BinOp) and isinstance(v.op, gast.Add)
            and isinstance(v.left, gast.Name) and v.left.id == s.targets[0].id)


class _Facts(gast.NodeVisitor):
    """Collects the candidate adjoints whose buffer may be shared (``shared``)."""

    def __init__(self, objects: dict[str, Any], candidates: set[str]):
        self.objects, self.candidates = objects, candidates
        self.shared: set[str] = set()

    def obj(self, func: gast.expr) -> Any:
        if isinstance(func, gast.Name):
            return self.objects.get(func.id)
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name) and \
                self.objects.get(func.value.id) is np:
            return getattr(np, func.attr, None)
        return None

    def fresh(self, value: gast.expr) -> bool:
        if isinstance(value, (gast.BinOp, gast.UnaryOp)):
            return True
        if isinstance(value, gast.Constant):
            return isinstance(value.value, (int, float, complex)) and not isinstance(
                value.value, bool)
        if isinstance(value, gast.Call):
            fn = self.obj(value.func)
            if fn is unbroadcast:
                return bool(value.args) and self.fresh(value.args[0])
            return (fn in _FRESH or isinstance(fn, np.ufunc)) and not _writes_out(value)
        return False

    def consuming(self, fn: Any) -> bool:
        return fn in _CONSUMING or isinstance(fn, np.ufunc)

    # -- stores
    def visit_Assign(self, node):
        for t in node.targets:
            if isinstance(t, gast.Name):
                if t.id in self.candidates and not self.fresh(node.value):
                    self.shared.add(t.id)
            else:  # unpacked (a pullback's outputs) or a subscript store: may alias
                self.shared |= names_in(t, None)
                self.visit(t)
        self.visit(node.value)

    def visit_AugAssign(self, node):  # written by nothing before this pass; be safe
        self.shared |= names_in(node.target, None)
        self.visit(node.value)

    def loop_header(self, node: gast.For) -> None:
        self.shared |= names_in(node.target, None)
        self.visit(node.iter)

    # -- loads: a candidate read directly under a node that makes a new value is fine
    def visit_BinOp(self, node):
        self._operands([node.left, node.right])

    def visit_UnaryOp(self, node):
        self._operands([node.operand])

    def visit_Compare(self, node):
        self._operands([node.left, *node.comparators])

    def visit_Call(self, node):
        fn = self.obj(node.func)
        if not isinstance(node.func, gast.Name):
            self.visit(node.func)
        args = list(node.args) + [k.value for k in node.keywords]
        if self.consuming(fn) and not _writes_out(node):
            self._operands(args)
        else:
            for a in args:
                self.visit(a)

    def _operands(self, nodes: list[gast.expr]) -> None:
        for n in nodes:
            if not isinstance(n, gast.Name):
                self.visit(n)

    def visit_Name(self, node):  # any other read: the value may escape or be viewed
        if isinstance(node.ctx, gast.Load):
            self.shared.add(node.id)
