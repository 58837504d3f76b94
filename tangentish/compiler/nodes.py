"""Small constructors and queries for gast nodes, so passes read as what they build."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable

import gast

__all__ = ["load", "store", "const", "assign", "call", "attr", "unparse", "names_in", "is_atom",
           "stmt_copy", "expr_stmt"]


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
    """Python source of a gast node (statement, expression or module)."""
    tree = gast.gast_to_ast(node)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree)


def names_in(node: gast.AST, ctx: type | None = gast.Load) -> set[str]:
    """Every Name id in ``node`` (only loads by default)."""
    return {n.id for n in gast.walk(node)
            if isinstance(n, gast.Name) and (ctx is None or isinstance(n.ctx, ctx))}


def is_atom(node: gast.AST) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def stmt_copy(node: gast.AST) -> gast.AST:
    return copy.deepcopy(node)
