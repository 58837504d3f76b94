"""Small constructors and queries for gast nodes, so passes read as what they build."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable
from typing import Any

import gast

__all__ = ["load", "store", "const", "assign", "call", "attr", "unparse", "names_in", "is_atom",
           "stmt_copy", "expr_stmt", "gload", "generated", "index_value", "store_counts"]


def load(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def const(value: object) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def attr(value: gast.expr, name: str) -> gast.Attribute:
    return gast.Attribute(value=value, attr=name, ctx=gast.Load())


def call(func: gast.expr | str, args: Iterable[gast.expr] = (),
         keywords: Iterable[tuple[str, gast.expr]] = ()) -> gast.Call:
    if isinstance(func, str):
        func = dotted(func)
    return gast.Call(func=func, args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in keywords])


def dotted(path: str) -> gast.expr:
    """``"np.linalg.inv"`` as a Load expression."""
    head, *rest = path.split(".")
    node: gast.expr = load(head)
    for part in rest:
        node = attr(node, part)
    return node


def assign(target: str | gast.expr, value: gast.expr) -> gast.Assign:
    if isinstance(target, str):
        target = store(target)
    return gast.Assign(targets=[target], value=value, type_comment=None)


def expr_stmt(value: gast.expr) -> gast.Expr:
    return gast.Expr(value=value)


def unparse(node: gast.AST) -> str:
    """Python source of a gast node (statement, expression or module).

    A negative number is printed as unary minus on a positive one, so ``ast.unparse`` knows to
    parenthesize it where precedence needs it: ``(-0.3) ** 2``, not ``-0.3 ** 2``.
    """
    tree = _NegativeConstants().visit(gast.gast_to_ast(node))  # a new tree: safe to edit
    ast.fix_missing_locations(tree)
    return ast.unparse(tree)


class _NegativeConstants(ast.NodeTransformer):
    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and (
                value < 0 or (value == 0 and str(value).startswith("-"))):
            return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
        return node


def names_in(node: gast.AST, ctx: type | None = gast.Load) -> set[str]:
    """Every Name id in ``node`` (only loads by default)."""
    return {n.id for n in gast.walk(node)
            if isinstance(n, gast.Name) and (ctx is None or isinstance(n.ctx, ctx))}


def is_atom(node: gast.AST) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def stmt_copy(node: gast.AST) -> gast.AST:
    return copy.deepcopy(node)


def gload(name: str) -> gast.Name:
    """A Load of a name the normalizer made (already mapped: never looked up again)."""
    node = load(name)
    node.tg_gen = True
    return node


def generated(node: gast.AST) -> bool:
    return getattr(node, "tg_gen", False)


def index_value(idx: gast.expr, ns: Any) -> gast.expr:
    """An index as a value (``1:`` becomes ``slice(1, None)``), to pass to a helper."""
    if isinstance(idx, gast.Slice):
        parts = [copy.deepcopy(p) if p is not None else const(None)
                 for p in (idx.lower, idx.upper, idx.step)]
        if idx.step is None:
            parts = parts[:2]
        return call(gload(ns.ref(slice, "slice")), parts)
    if isinstance(idx, gast.Tuple):
        return gast.Tuple(elts=[index_value(p, ns) for p in idx.elts], ctx=gast.Load())
    return copy.deepcopy(idx)


def store_counts(node: gast.AST) -> dict[str, int]:
    """How many times each name is assigned in ``node``."""
    counts: dict[str, int] = {}
    for sub in gast.walk(node):
        if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Store):
            counts[sub.id] = counts.get(sub.id, 0) + 1
    return counts
