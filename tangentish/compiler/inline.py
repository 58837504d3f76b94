"""Inlining a derivative rule: its one ``return`` expression, with names substituted.

Shared by the reverse pass (VJP rules) and the forward pass (JVP rules). A rule such as

    def mul_vjp_a(dy, y, a, b):
        return unbroadcast(dy * b, a)

called for ``z = x * w`` with adjoint ``dz`` becomes ``unbroadcast(dz * w, x)``: parameters are
replaced by the generated code's expressions, defaults fill parameters the call did not pass,
and global names of the rule's module (``np``, ``unbroadcast``, module-local helpers) are added
to the generated function's namespace. A rule that is not one ``return`` expression is called
instead of inlined, so any correct rule works.
"""

from __future__ import annotations

import builtins
import collections
import functools
import inspect
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import gast
import numpy as np

from tangentish.compiler.namespace import Namespace
from tangentish.compiler.nodes import Transformer, call, clone, const, load
from tangentish.compiler.parse import parse_source, source_lines

__all__ = ["inline_rule", "rule_expression", "fold"]


@functools.cache
def rule_expression(rule: Callable[..., Any]) -> gast.expr | None:
    """The expression a rule returns, or None when it is not a single-return function."""
    try:
        tree = parse_source(textwrap.dedent("".join(source_lines(rule)[0])))
    except SyntaxError:  # the quick read cut the source short: the tokenizer's reading
        try:
            tree = parse_source(textwrap.dedent(inspect.getsource(rule)))
        except (OSError, TypeError, SyntaxError):
            return None
    except (OSError, TypeError):
        return None
    fdef = tree.body[0]
    if not isinstance(fdef, gast.FunctionDef):
        return None
    body = [s for s in fdef.body
            if not (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant))]
    if len(body) != 1 or not isinstance(body[0], gast.Return) or body[0].value is None:
        return None
    return body[0].value


def operand_names(entry: Any) -> tuple[str, ...]:
    """The names of a primitive's positional parameters, in order: the rule table's own
    (``argnames``), else its signature's (``np.mean(a, axis, ...)``: ``a=M`` is operand 0)."""
    if entry.argnames:
        return entry.argnames
    try:
        params = inspect.signature(entry.primitive).parameters.values()
    except (TypeError, ValueError):  # ufuncs and builtins: no signature
        return ()
    names = []
    for p in params:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        names.append(p.name)
    return tuple(names)


def keyword_operand(entry: Any, positional: Sequence[gast.expr],
                    keywords: dict[str, gast.expr], k: str
                    ) -> tuple[int, list[gast.expr], dict] | None:
    """Keyword operand ``k`` (``np.average(m, axis=1, weights=w)``'s ``weights``) as the rule
    contract has it, by position: its place ``i`` among the primitive's parameters
    (``operand_names``), the call's positional arguments, then up to ``i`` the keyword given
    for each place (None where the call gives none), then ``k``'s value; and the keywords left
    over. None where ``k`` names no positional parameter."""
    names = operand_names(entry)
    if k not in names:
        return None
    i = names.index(k)
    rest = {name: v for name, v in keywords.items() if name != k}
    args = list(positional[:i])
    for name in names[len(args):i]:
        args.append(rest.pop(name) if name in rest else const(None))
    return i, args + [keywords[k]], rest


def inline_rule(rule: Callable[..., Any], positional: Sequence[gast.expr],
                keywords: dict[str, gast.expr], ns: Namespace) -> gast.expr:
    """``rule(*positional, **keywords)`` as an expression, inlined where possible.

    ``positional`` are (dy or dx, y, *args) of the rule contract; ``keywords`` are the keyword
    arguments of the primitive's call.
    """
    info = _rule_info(rule)
    expr = info[0] if info else None
    bound = None if expr is None else _bind(info[1], positional, keywords, ns)
    if bound is None or info[2] or set(bound.pop("**", ())) & info[3]:
        ref = load(ns.ref(rule, rule.__name__))
        return call(ref, list(positional), list(keywords.items()))
    return _substitute(expr, bound, rule, ns, info[4])  # builds a new tree


@functools.cache
def _rule_info(rule: Callable[..., Any]) -> tuple | None:
    """What inlining needs to know about a rule, computed once per rule: (expression,
    signature, uses a starred argument, names it reads, names it binds inside)."""
    expr = rule_expression(rule)
    if expr is None:
        return None
    names = [n for n in gast.walk(expr) if isinstance(n, gast.Name)]
    starred = any(isinstance(n, gast.Starred) for n in gast.walk(expr))
    inner = frozenset(n.id for n in names if isinstance(n.ctx, (gast.Store, gast.Param)))
    return expr, _Signature(inspect.signature(rule)), starred, frozenset(n.id for n in names), \
        inner


class _Signature:
    """A rule's parameter names sorted by kind once (``inspect.Parameter``'s ``kind``, ``name``
    and ``default`` are Python-level properties: reading them for every parameter of every
    inlined call was a tenth of inlining)."""

    def __init__(self, sig: inspect.Signature):
        by_kind: dict[Any, list[str]] = {}
        self.defaults: dict[str, Any] = {}
        for p in sig.parameters.values():
            by_kind.setdefault(p.kind, []).append(p.name)
            self.defaults[p.name] = p.default
        self.plain = by_kind.get(inspect.Parameter.POSITIONAL_ONLY, []) + by_kind.get(
            inspect.Parameter.POSITIONAL_OR_KEYWORD, [])
        self.star = by_kind.get(inspect.Parameter.VAR_POSITIONAL, [None])[0]
        self.kwonly = by_kind.get(inspect.Parameter.KEYWORD_ONLY, [])
        self.starstar = by_kind.get(inspect.Parameter.VAR_KEYWORD, [None])[0]


def _bind(sig: _Signature, positional: Sequence[gast.expr],
          keywords: dict[str, gast.expr], ns: Namespace) -> dict[str, Any] | None:
    """Rule parameter name -> expression, or None when the call cannot be matched.

    ``*operands`` binds to the tuple of the remaining positional arguments (einsum's rules);
    a ``**options`` parameter must not be used by the body (key ``"**"`` lists its name).
    """
    plain = sig.plain
    if len(positional) > len(plain) and sig.star is None:
        return None
    bound: dict[str, Any] = dict(zip(plain, positional))
    if sig.star is not None:
        bound[sig.star] = gast.Tuple(elts=list(positional[len(plain):]), ctx=gast.Load())
    for name in plain[len(positional):] + sig.kwonly:
        if name in keywords:
            bound[name] = keywords[name]
        elif sig.defaults[name] is not inspect.Parameter.empty:
            bound[name] = _const(sig.defaults[name], name, ns)
        else:
            return None
    if set(keywords) - set(bound) and sig.starstar is None:
        return None
    if sig.starstar is not None:
        bound["**"] = (sig.starstar,)
    return bound


def _const(value: Any, hint: str, ns: Namespace) -> gast.expr:
    if value is None or isinstance(value, (bool, int, float, str)):
        return const(value)
    if isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value):
        return gast.Tuple(elts=[const(v) for v in value], ctx=gast.Load())
    return load(ns.ref(value, hint))


def _substitute(expr: gast.expr, bound: dict[str, gast.expr], rule: Callable[..., Any],
                ns: Namespace, inner: frozenset) -> gast.expr:
    module_globals = getattr(rule, "__globals__", {})
    cells = getattr(rule, "__closure__", None)
    if cells:  # a rule defined in a function: its closure's names come first
        code = rule.__code__
        module_globals = collections.ChainMap(
            dict(zip(code.co_freevars, (c.cell_contents for c in cells))), module_globals)
    # Names bound inside the expression (comprehension and lambda variables) get fresh names.
    renamed = {name: ns.namer.fresh(name) for name in sorted(inner)}
    return _Instantiate(renamed, bound, module_globals, ns).build(expr)


class _Instantiate:
    """A copy of a rule's expression with parameters replaced by the call's expressions, the
    rule's globals by namespace references, and constants folded: one pass over the tree
    (clone, substitute and fold each visiting every node cost most of inlining)."""

    def __init__(self, renamed: dict, bound: dict, module_globals: Any, ns: Namespace):
        self.renamed, self.bound, self.globals, self.ns = renamed, bound, module_globals, ns

    def build(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.build(item) for item in node]
        if not isinstance(node, gast.AST):
            return node
        if type(node) is gast.Name:
            return self.name(node)
        return _fold_node(_copy(node, self.build), self.ns)

    def name(self, node: gast.Name) -> gast.expr:
        if node.id in self.renamed:  # a comprehension or lambda variable
            new = clone(node)
            new.id = self.renamed[node.id]
            return new
        if isinstance(node.ctx, gast.Load):
            if node.id in self.bound:  # a parameter: the call's expression, folded
                return self.folded(self.bound[node.id])
            obj = self.globals[node.id] if node.id in self.globals else getattr(builtins,
                                                                                 node.id)
            new = clone(node)
            new.id = self.ns.ref(obj, node.id)
            return new
        return clone(node)

    def folded(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.folded(item) for item in node]
        if not isinstance(node, gast.AST):
            return node
        return _fold_node(_copy(node, self.folded), self.ns)


def _copy(node: gast.AST, fields: Callable[[Any], Any]) -> gast.AST:
    """``node`` rebuilt with ``fields`` applied to each field, other attributes kept (as
    ``nodes.clone`` does)."""
    kind, names = type(node), node._fields
    new = kind.__new__(kind)  # what gast's __init__ does, without its Python-level call
    attrs = new.__dict__
    for name in names:
        attrs[name] = fields(getattr(node, name, None))
    for key, value in node.__dict__.items():
        if key not in names:
            attrs[key] = value
    return new


_COMPARE = {gast.Is: lambda a, b: a is b, gast.IsNot: lambda a, b: a is not b,
            gast.Eq: lambda a, b: a == b, gast.NotEq: lambda a, b: a != b}
_ARITH = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b,
          gast.Mult: lambda a, b: a * b}


def fold(expr: gast.expr, ns: Namespace | None = None) -> gast.expr:
    """Fold what a rule's defaults made constant: ``None is None``, ``x if True else y``,
    ``np.where(False, a, b)``, ``np.power(a, 1)``, ``a * 1``.

    >>> from tangentish.compiler.nodes import unparse
    >>> unparse(fold(gast.parse("a if None is None or False else b").body[0].value))
    'a'
    """
    return _Fold(ns).visit(expr)


class _Fold(Transformer):
    """``fold`` over a tree: children first, then the node."""

    def __init__(self, ns: Namespace | None):
        self.ns = ns

    def visit(self, node):
        self.generic_visit(node)
        return _fold_node(node, self.ns)


def _numpy_function(node: gast.expr, name: str, ns: Namespace | None) -> bool:
    if ns is None or not (isinstance(node, gast.Attribute) and node.attr == name):
        return False
    return isinstance(node.value, gast.Name) and ns.objects.get(node.value.id) is np


def _fold_node(node: gast.AST, ns: Namespace | None) -> gast.AST:
    """One node folded, its children already folded."""
    rule = _FOLDS.get(type(node))
    return rule(node, ns) if rule is not None else node


def _fold_call(node, ns):
    args = node.args
    if _numpy_function(node.func, "where", ns) and len(args) == 3 and not node.keywords \
            and isinstance(args[0], gast.Constant) and isinstance(args[2], gast.Name):
        return args[1] if args[0].value else args[2]
    if _numpy_function(node.func, "power", ns) and len(args) == 2 and not node.keywords \
            and isinstance(args[1], gast.Constant) and args[1].value == 1:
        return args[0]
    return node


def _fold_compare(node, ns):
    if (len(node.ops) == 1 and type(node.ops[0]) in _COMPARE
            and isinstance(node.left, gast.Constant)
            and isinstance(node.comparators[0], gast.Constant)):
        return const(_COMPARE[type(node.ops[0])](node.left.value, node.comparators[0].value))
    return node


def _fold_binop(node, ns):
    if isinstance(node.op, gast.Mult):  # a * 1, 1 * a
        for one, other in ((node.right, node.left), (node.left, node.right)):
            if isinstance(one, gast.Constant) and type(one.value) is int and one.value == 1:
                return other
    if (type(node.op) in _ARITH and isinstance(node.left, gast.Constant)
            and isinstance(node.right, gast.Constant)
            and type(node.left.value) in (int, float)
            and type(node.right.value) in (int, float)):
        return const(_ARITH[type(node.op)](node.left.value, node.right.value))
    return node


def _fold_unaryop(node, ns):
    if isinstance(node.op, gast.Not) and isinstance(node.operand, gast.Constant):
        return const(not node.operand.value)
    return node


def _fold_boolop(node, ns):
    is_and = isinstance(node.op, gast.And)
    kept = []
    for v in node.values:
        if isinstance(v, gast.Constant):
            if bool(v.value) != is_and:  # True in `or`, False in `and` decides
                return const(v.value) if not kept else node
            continue  # neutral element
        kept.append(v)
    if not kept:
        return const(is_and)
    return kept[0] if len(kept) == 1 else gast.BoolOp(op=node.op, values=kept)


def _fold_ifexp(node, ns):
    if isinstance(node.test, gast.Constant):
        return node.body if node.test.value else node.orelse
    return node


_FOLDS = {gast.Call: _fold_call, gast.Compare: _fold_compare, gast.BinOp: _fold_binop,
          gast.UnaryOp: _fold_unaryop, gast.BoolOp: _fold_boolop, gast.IfExp: _fold_ifexp}
