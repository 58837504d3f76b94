"""Small constructors and queries for gast nodes, so passes read as what they build."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import gast

from tangentish.compiler import printer

__all__ = ["load", "store", "const", "assign", "call", "attr", "unparse", "names_in", "is_atom",
           "stmt_copy", "expr_stmt", "clone", "gload", "generated", "index_value", "store_counts",
           "walk", "scan", "statements", "in_order", "Visitor", "Transformer"]


# The builders below make nodes as gast's constructor does (fields in the instance dict)
# without its Python-level ``__init__``: half the cost, and generated code is built of them.
_Name, _Load, _Store, _Constant, _Attribute = (gast.Name, gast.Load, gast.Store, gast.Constant,
                                                gast.Attribute)


def load(name: str) -> gast.Name:
    node = _Name.__new__(_Name)
    node.__dict__.update(id=name, ctx=_Load.__new__(_Load), annotation=None, type_comment=None)
    return node


def store(name: str) -> gast.Name:
    node = _Name.__new__(_Name)
    node.__dict__.update(id=name, ctx=_Store.__new__(_Store), annotation=None,
                         type_comment=None)
    return node


def const(value: object) -> gast.Constant:
    node = _Constant.__new__(_Constant)
    node.__dict__.update(value=value, kind=None)
    return node


def attr(value: gast.expr, name: str) -> gast.Attribute:
    node = _Attribute.__new__(_Attribute)
    node.__dict__.update(value=value, attr=name, ctx=_Load.__new__(_Load))
    return node


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
    """Python source of a gast node (statement, expression or module), as ``ast.unparse``
    prints it (``printer``).

    A negative number is printed as unary minus on a positive one, so ``ast.unparse`` knows to
    parenthesize it where precedence needs it: ``(-0.3) ** 2``, not ``-0.3 ** 2``.
    """
    return printer.unparse(node)


#: fields that never hold a node (names, flags): ``walk`` does not read them
_LEAF_FIELDS = frozenset({"id", "attr", "arg", "kind", "type_comment", "module", "level",
                          "conversion", "is_async", "simple", "tag", "kwd_attrs"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {gast.Constant: ()}


def _child_fields(kind: type) -> tuple[str, ...]:
    leaves = _LEAF_FIELDS | ({"names"} if kind in (gast.Global, gast.Nonlocal) else set())
    fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in leaves)
    return fields


def walk(node: gast.AST) -> list[gast.AST]:
    """Every node of a tree, in ``ast.walk``'s order (breadth first, fields in order), as a
    list: three times as fast as ``ast.walk``'s generators. Read-only uses: the list is made
    before the caller sees the first node."""
    out = [node]
    fields_of = _CHILD_FIELDS.get
    for sub in out:  # the list grows while it is read: a queue without popping
        kind = type(sub)
        fields = fields_of(kind)
        if fields is None:
            fields = _child_fields(kind)
        for field in fields:
            value = getattr(sub, field, None)
            if type(value) is list:  # of nodes, or None (a Dict's keys for ``**m``, kw_defaults)
                out.extend(filter(None, value))
            elif isinstance(value, gast.AST):
                out.append(value)
    return out


def statements(stmts: list[gast.stmt]) -> list[gast.AST]:
    """The statements of ``stmts`` and of their nested bodies, in ``walk``'s order (breadth
    first), without entering expressions (no statement is inside one): ``walk`` of the block
    restricted to statements at a fraction of the cost. Other parts of statements (operator
    tokens, exception handlers) come too; callers pick the statements they want."""
    out = list(stmts)
    fields_of = _CHILD_FIELDS.get
    for sub in out:
        kind = type(sub)
        fields = fields_of(kind)
        for field in _child_fields(kind) if fields is None else fields:
            value = getattr(sub, field, None)
            if type(value) is list:
                out.extend([v for v in value if isinstance(v, gast.AST)
                            and not isinstance(v, gast.expr)])
            elif isinstance(value, gast.AST) and not isinstance(value, gast.expr):
                out.append(value)
    return out


#: expression nodes with no node that matters below them: contexts, constants, operator tokens
_TOKENS = (gast.expr_context, gast.Constant, gast.operator, gast.unaryop, gast.cmpop,
           gast.boolop)
#: ``_STACK_FIELDS``' entry for a Name: a leaf whose id is what ``names_in`` collects
_NAME = ("<Name>",)
_MISSING = object()
#: per node type, for the depth-first walks: None (not a node, or a token), ``_NAME``, or the
#: fields that may hold nodes, last first (they go on a stack)
_STACK_FIELDS: dict[type, Any] = {}


def _stack_fields(kind: type) -> Any:
    if not issubclass(kind, gast.AST) or issubclass(kind, _TOKENS):
        entry = None
    elif issubclass(kind, gast.Name):
        entry = _NAME
    else:
        fields = _CHILD_FIELDS.get(kind)
        entry = tuple(reversed(fields if fields is not None else _child_fields(kind)))
    _STACK_FIELDS[kind] = entry
    return entry


def scan(node: Any) -> list:
    """The nodes of a tree that can matter to the folding passes, depth first (``node`` first,
    fields in order): no contexts, constants or operator tokens, which are half of a tree's
    nodes. A loop over a stack, not a recursion: a Python call per node costs more than the
    node's work."""
    out: list = []
    stack = [node]
    pop, push, append = stack.pop, stack.append, out.append
    fields_of = _STACK_FIELDS.get
    while stack:
        n = pop()
        kind = type(n)
        if kind is list:
            stack.extend(reversed(n))
            continue
        fields = fields_of(kind, _MISSING)
        if fields is _MISSING:
            fields = _stack_fields(kind)
        if fields is None:
            continue
        append(n)
        if fields is _NAME:
            continue
        for field in fields:
            value = getattr(n, field, None)
            if value is not None:
                push(value)
    return out


def names_in(node: Any, ctx: type | None = gast.Load) -> set[str]:
    """Every Name id in ``node`` (a tree or a list of them; only loads by default).

    ``scan``'s loop, with the names gathered as they are met: a third faster than filtering
    ``scan``'s list, and this runs for every statement in several passes."""
    out: set[str] = set()
    add, stack, fields_of = out.add, [node], _STACK_FIELDS.get
    pop, push = stack.pop, stack.append
    while stack:  # the order does not matter here
        n = pop()
        kind = type(n)
        if kind is gast.Name:  # (no subclass of Name is made)
            if ctx is None or isinstance(n.ctx, ctx):
                add(n.id)
        elif kind is list:
            stack.extend(n)
        else:
            fields = fields_of(kind, _MISSING)
            if fields is _MISSING:  # first sight of this type (a token type gives None)
                fields = _stack_fields(kind)
            for field in fields or ():
                value = getattr(n, field, None)
                if value is not None:
                    push(value)
    return out


_LEGACY = ("visit_Num", "visit_Str", "visit_Bytes", "visit_NameConstant", "visit_Ellipsis")


class Visitor(gast.NodeVisitor):
    """``ast.NodeVisitor`` with its ``visit_`` method found once per node type (kept on the
    visitor's class) and only the fields that may hold nodes read: the same visits in the same
    order, at half the cost (the passes' visitors run over every statement of both sweeps)."""

    _methods: dict[type, Callable[..., Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._methods = {}  # per class: a class defined in a function takes its cache with it

    def visit(self, node: gast.AST) -> Any:
        method = self._methods.get(type(node))
        if method is None:
            method = self._method(type(node))
        return method(self, node)

    @classmethod
    def _method(cls, kind: type) -> Callable[..., Any]:
        method = getattr(cls, "visit_" + kind.__name__, None)
        if method is None or (method is gast.NodeVisitor.visit_Constant
                              and not any(hasattr(cls, name) for name in _LEGACY)):
            method = cls.generic_visit
        cls._methods[kind] = method
        return method

    def generic_visit(self, node: gast.AST) -> None:
        kind = type(node)
        fields = _CHILD_FIELDS.get(kind)
        for field in _child_fields(kind) if fields is None else fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, gast.AST):
                        self.visit(item)
            elif isinstance(value, gast.AST):
                self.visit(value)


class Transformer(Visitor, gast.NodeTransformer):
    """``ast.NodeTransformer`` as fast as ``Visitor``: a visit returning None removes the node,
    a list replaces it by several."""

    def generic_visit(self, node: gast.AST) -> gast.AST:
        kind = type(node)
        fields = _CHILD_FIELDS.get(kind)
        for field in _child_fields(kind) if fields is None else fields:
            old = getattr(node, field, None)
            if type(old) is list:
                new = []
                for value in old:
                    if isinstance(value, gast.AST):
                        value = self.visit(value)
                        if value is None:
                            continue
                        if not isinstance(value, gast.AST):
                            new.extend(value)
                            continue
                    new.append(value)
                old[:] = new
            elif isinstance(old, gast.AST):
                value = self.visit(old)
                if value is None:
                    delattr(node, field)
                else:
                    setattr(node, field, value)
        return node


_LOCATION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def clone(node: Any, memo: dict | None = None) -> Any:
    """A deep copy of a gast tree; extra attributes (``tg_gen``, ``tg_loc``) are kept, and an
    ``Op`` (``tg_op``) is rebuilt on the copied operand nodes, as ``copy.deepcopy`` would.

    ``copy.deepcopy`` spends most of compile time on its reduce protocol; a gast tree needs
    only its fields.
    """
    memo = {} if memo is None else memo
    if isinstance(node, list):
        return [clone(item, memo) for item in node]
    if not isinstance(node, gast.AST):
        return node
    kind, fields = type(node), node._fields
    new = kind.__new__(kind)  # what gast's __init__ does, without its Python-level call
    attrs = new.__dict__
    for f in fields:
        attrs[f] = clone(getattr(node, f, None), memo)
    memo[id(node)] = new
    for key, value in node.__dict__.items():
        if key in fields:
            continue
        if key == "tg_op":
            value = _clone_op(value, memo)
        attrs[key] = value
    return new


def _clone_op(op: Any, memo: dict) -> Any:
    def same(x: Any) -> Any:
        if isinstance(x, gast.AST):
            return memo.get(id(x)) or clone(x, memo)
        if isinstance(x, tuple):
            return tuple(same(v) for v in x)
        return x

    return dataclasses.replace(op, args=same(op.args), keywords=tuple(
        (k, same(v)) for k, v in op.keywords), index=same(op.index))


def is_atom(node: gast.AST) -> bool:
    return isinstance(node, (gast.Name, gast.Constant))


def stmt_copy(node: gast.AST) -> gast.AST:
    return clone(node)


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
        parts = [clone(p) if p is not None else const(None)
                 for p in (idx.lower, idx.upper, idx.step)]
        if idx.step is None:
            parts = parts[:2]
        return call(gload(ns.ref(slice, "slice")), parts)
    if isinstance(idx, gast.Tuple):
        return gast.Tuple(elts=[index_value(p, ns) for p in idx.elts], ctx=gast.Load())
    return clone(idx)


def store_counts(node: gast.AST) -> dict[str, int]:
    """How many times each name is assigned in ``node``."""
    counts: dict[str, int] = {}
    for sub in scan(node):
        if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Store):
            counts[sub.id] = counts.get(sub.id, 0) + 1
    return counts


class Substitute(Transformer):
    """Replace each load of ``name`` by ``value`` (the same node object: clone first where
    it must appear more than once)."""

    def __init__(self, name: str, value: gast.expr):
        self.name, self.value = name, value

    def visit_Name(self, node):
        if node.id == self.name and isinstance(node.ctx, gast.Load):
            return self.value
        return node


def in_order(stmts: list[gast.stmt]):
    """Every statement of ``stmts``, nested ones (in ifs and loops) included, in source
    order (``statements`` is breadth first and faster)."""
    for s in stmts:
        yield s
        if isinstance(s, (gast.If, gast.For, gast.While)):
            yield from in_order(s.body)
            yield from in_order(s.orelse)
