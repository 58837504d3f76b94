"""Source text of gast trees: exactly what ``ast.unparse`` prints, several times faster.

Printing was a fifth of compile time: every primal statement is printed for its ``# grad of:``
comment and the whole generated function once more. ``ast.unparse`` needs an ``ast`` tree
(``to_ast`` builds one) and then runs a visitor that keeps precedences in a dict and writes
through context managers. Here the node kinds generated code is made of (names, constants,
operators, calls, subscripts, assignments, ``if``/``for``/``while``, ``def``) are printed by
plain recursive functions that pass the precedence down; every other kind (a lambda, a
comprehension, an f-string, ``try``) is printed by ``ast.unparse``'s own visitor, so the text
is the same either way. ``tests/compiler/test_printer.py`` checks that against ``ast.unparse``.

>>> print(unparse(gast.parse("y = (-0.3) ** x * (a + b) if c else (x, 1)").body[0]))
y = (-0.3) ** x * (a + b) if c else (x, 1)
"""

from __future__ import annotations

import ast
import sys
from typing import Any

import gast

__all__ = ["unparse", "to_ast"]


# ------------------------------------------------------------------ gast -> ast (for ast.unparse)

def to_ast(node: Any) -> Any:
    """A new ``ast`` tree for a gast tree, ready for ``ast.unparse``: negative numbers as unary
    minus (so they are parenthesized where precedence needs it: ``(-0.3) ** 2``), and a line
    number on every statement (unparse reads it, looking for type: ignore).

    One recursion over the fields, several times faster than ``gast.gast_to_ast`` followed by a
    NodeTransformer and ``ast.fix_missing_locations``.
    """
    if isinstance(node, list):
        return [to_ast(item) for item in node]
    if not isinstance(node, gast.AST):
        return node
    kind = type(node)
    special = _SPECIAL.get(kind)
    if special is not None:
        return special(node)
    target, fields, is_stmt = _TARGETS.get(kind) or _target(kind)
    new = target(*[to_ast(getattr(node, f, None)) for f in fields])
    if is_stmt:
        new.lineno = getattr(node, "lineno", 1)
    return new


def _target(kind: type) -> tuple:
    target = getattr(ast, kind.__name__)
    entry = _TARGETS[kind] = (target, target._fields, issubclass(target, ast.stmt))
    return entry


_TARGETS: dict[type, tuple] = {}


def _negative(value: Any) -> bool:
    """Printed as unary minus on the positive number."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (
        value < 0 or (value == 0 and str(value).startswith("-")))


def _ast_constant(node: gast.Constant) -> ast.expr:
    if _negative(node.value):
        return ast.UnaryOp(ast.USub(), ast.Constant(-node.value))
    return ast.Constant(node.value, node.kind)


def _arg(node: gast.Name | None) -> ast.arg | None:
    if node is None:
        return None
    return ast.arg(node.id, to_ast(node.annotation), node.type_comment)


def _ast_arguments(node: gast.arguments) -> ast.arguments:
    return ast.arguments([_arg(a) for a in node.posonlyargs], [_arg(a) for a in node.args],
                         _arg(node.vararg), [_arg(a) for a in node.kwonlyargs],
                         to_ast(node.kw_defaults), _arg(node.kwarg), to_ast(node.defaults))


def _ast_handler(node: gast.ExceptHandler) -> ast.ExceptHandler:
    name = node.name.id if node.name is not None else None
    new = ast.ExceptHandler(to_ast(node.type), name, to_ast(node.body))
    new.lineno = getattr(node, "lineno", 1)
    return new


_SPECIAL = {gast.Constant: _ast_constant, gast.arguments: _ast_arguments,
            gast.ExceptHandler: _ast_handler}


# ------------------------------------------------------------------ printing

# Checked against ast.unparse on 3.11, 3.12 and 3.13 (3.10 prints assignment targets with
# parentheses): other versions print the slow way.
_Unparser = getattr(ast, "_Unparser", None) if (3, 11) <= sys.version_info < (3, 14) else None
_P = getattr(ast, "_Precedence", None) if _Unparser is not None else None


def unparse(node: gast.AST) -> str:
    """Python source of a gast node (statement, expression or module), as ``ast.unparse``
    prints the equivalent ``ast`` tree (``to_ast``)."""
    if _P is None:  # a Python whose ast module is laid out differently: print the slow way
        return ast.unparse(to_ast(node))
    if isinstance(node, (gast.stmt, gast.Module)):
        out = _Lines()
        if isinstance(node, gast.Module):
            out.body_with_docstring(node)
        else:
            out.stmt(node)
        return "".join(out.parts)
    if isinstance(node, gast.expr):
        return expr(node, _TEST)
    return _fallback(node, None)


def expr(node: gast.expr, prec: Any) -> str:
    """``node`` printed where its parent gave it precedence ``prec``."""
    printer = _EXPRESSIONS.get(type(node))
    return printer(node, prec) if printer is not None else _fallback(node, prec)


def _fallback(node: gast.AST, prec: Any, indent: int = 0, after_text: bool = False) -> str:
    """``ast.unparse``'s visitor on one subtree, in the state the whole-tree print has there."""
    printer = _Unparser()
    tree = to_ast(node)
    if prec is not None:
        printer._precedences[tree] = prec
    printer._indent = indent
    printer._source = [""] if after_text else []  # fill() starts a line only after text
    printer.traverse(tree)
    return "".join(printer._source)


def _paren(text: str, needed: bool) -> str:
    return f"({text})" if needed else text


def _name(node, prec):
    return node.id


def _write_constant(value: Any) -> str:
    if isinstance(value, (float, complex)):
        return repr(value).replace("inf", _INFSTR).replace("nan", f"({_INFSTR}-{_INFSTR})")
    return repr(value)


def _constant(node, prec):
    value = node.value
    if _negative(value):
        return _paren("-" + _write_constant(-value), prec > _FACTOR)
    if isinstance(value, tuple):
        return "(" + _items([_write_constant(v) for v in value]) + ")"
    if value is ...:
        return "..."
    return ("u" if node.kind == "u" else "") + _write_constant(value)


def _items(texts: list[str]) -> str:
    """``items_view``: one item gets a trailing comma."""
    return texts[0] + "," if len(texts) == 1 else ", ".join(texts)


def _binop(node, prec):
    symbol, own, left, right = _BINOPS[type(node.op)]
    text = f"{expr(node.left, left)} {symbol} {expr(node.right, right)}"
    return _paren(text, prec > own)


def _unaryop(node, prec):
    symbol, own = _UNOPS[type(node.op)]
    operand = node.operand
    space = "" if own is _FACTOR else " "
    return _paren(symbol + space + expr(operand, own), prec > own)


def _compare(node, prec):
    inner = _CMP_NEXT
    parts = [expr(node.left, inner)]
    for op, right in zip(node.ops, node.comparators):
        parts.append(f" {_CMPOPS[type(op)]} {expr(right, inner)}")
    return _paren("".join(parts), prec > _CMP)


def _boolop(node, prec):
    symbol, own = _BOOLOPS[type(node.op)]
    level, texts = own, []
    for value in node.values:  # each operand one level tighter than the one before
        level = level.next()
        texts.append(expr(value, level))
    return _paren(f" {symbol} ".join(texts), prec > own)


def _ifexp(node, prec):
    inner = _TEST_NEXT
    text = (f"{expr(node.body, inner)} if {expr(node.test, inner)} else "
            f"{expr(node.orelse, _TEST)}")
    return _paren(text, prec > _TEST)


def _attribute(node, prec):
    value = node.value
    # 3 .real: a space keeps an integer literal's dot from reading as a decimal point
    space = " " if isinstance(value, gast.Constant) and isinstance(
        value.value, int) and not _negative(value.value) else ""
    return f"{expr(value, _ATOM)}{space}.{node.attr}"


def _call(node, prec):
    parts = [expr(a, _TEST) for a in node.args]
    for k in node.keywords:
        value = expr(k.value, _TEST)
        parts.append("**" + value if k.arg is None else f"{k.arg}={value}")
    return f"{expr(node.func, _ATOM)}({', '.join(parts)})"


def _subscript(node, prec):
    index = node.slice
    if isinstance(index, gast.Tuple) and index.elts:  # x[i, j]: no parentheses
        inside = _items([expr(e, _TEST) for e in index.elts])
    else:
        inside = expr(index, _TEST)
    return f"{expr(node.value, _ATOM)}[{inside}]"


def _slice(node, prec):
    text = (expr(node.lower, _TEST) if node.lower else "") + ":"
    if node.upper:
        text += expr(node.upper, _TEST)
    if node.step:
        text += ":" + expr(node.step, _TEST)
    return text


def _starred(node, prec):
    return "*" + expr(node.value, _EXPR)


def _tuple(node, prec):
    text = _items([expr(e, _TEST) for e in node.elts]) if node.elts else ""
    return _paren(text, not node.elts or prec > _TUPLE)


def _list(node, prec):
    return "[" + ", ".join(expr(e, _TEST) for e in node.elts) + "]"


def _dict(node, prec):
    items = [("**" + expr(v, _EXPR)) if k is None else f"{expr(k, _TEST)}: {expr(v, _TEST)}"
             for k, v in zip(node.keys, node.values)]
    return "{" + ", ".join(items) + "}"


class _Lines:
    """The statement half of ``ast._Unparser``: the same ``fill`` and ``block`` rules."""

    def __init__(self):
        self.parts: list[str] = []
        self.indent = 0

    def fill(self, text: str = "") -> None:
        if self.parts:
            self.parts.append("\n")
        self.parts.append("    " * self.indent + text)

    def block(self, body: list[gast.stmt], extra: str | None = None) -> None:
        self.parts.append(":" + (extra or ""))
        self.indent += 1
        for s in body:
            self.stmt(s)
        self.indent -= 1

    def body_with_docstring(self, node: gast.Module | gast.FunctionDef) -> None:
        body = node.body
        first = body[0] if body else None
        if (isinstance(first, gast.Expr) and isinstance(first.value, gast.Constant)
                and isinstance(first.value.value, str)):
            self.fill("u" if first.value.kind == "u" else "")
            text, quotes = _HELPER._str_literal_helper(first.value.value,
                                                       quote_types=_MULTI_QUOTES)
            self.parts.append(f"{quotes[0]}{text}{quotes[0]}")
            body = body[1:]
        for s in body:
            self.stmt(s)

    def stmt(self, s: gast.stmt) -> None:
        method = _STATEMENTS.get(type(s))
        if method is None or (isinstance(s, gast.FunctionDef) and (
                s.decorator_list or getattr(s, "type_params", None))):
            self.parts.append(_fallback(s, None, self.indent, bool(self.parts)))
        else:
            method(self, s)

    def assign(self, s: gast.Assign) -> None:
        self.fill("".join(expr(t, _TUPLE) + " = " for t in s.targets) + expr(s.value, _TEST))
        if s.type_comment is not None:
            self.parts.append(f" # type: {s.type_comment}")

    def expr_stmt(self, s: gast.Expr) -> None:
        self.fill(expr(s.value, _YIELD))

    def return_stmt(self, s: gast.Return) -> None:
        self.fill("return" + (" " + expr(s.value, _TEST) if s.value else ""))

    def keyword_stmt(self, s: gast.stmt) -> None:
        self.fill(type(s).__name__.lower())  # pass, break, continue

    def if_stmt(self, s: gast.If) -> None:
        self.fill("if " + expr(s.test, _TEST))
        self.block(s.body)
        while s.orelse and len(s.orelse) == 1 and isinstance(s.orelse[0], gast.If):
            s = s.orelse[0]
            self.fill("elif " + expr(s.test, _TEST))
            self.block(s.body)
        self.orelse(s.orelse)

    def orelse(self, body: list[gast.stmt]) -> None:
        if body:
            self.fill("else")
            self.block(body)

    def for_stmt(self, s: gast.For) -> None:
        self.fill(f"for {expr(s.target, _TUPLE)} in {expr(s.iter, _TEST)}")
        self.block(s.body, _type_comment(s))
        self.orelse(s.orelse)

    def while_stmt(self, s: gast.While) -> None:
        self.fill("while " + expr(s.test, _TEST))
        self.block(s.body)
        self.orelse(s.orelse)

    def function(self, s: gast.FunctionDef) -> None:
        if self.parts:  # a def after other text gets a blank line before it
            self.parts.append("\n")
        self.fill(f"def {s.name}({_arguments(s.args)})")
        if s.returns:
            self.parts.append(" -> " + expr(s.returns, _TEST))
        self.parts.append(":" + (_type_comment(s) or ""))
        self.indent += 1
        self.body_with_docstring(s)
        self.indent -= 1


def _type_comment(s: gast.stmt) -> str | None:
    comment = getattr(s, "type_comment", None)
    return f" # type: {comment}" if comment is not None else None


def _parameter(a: gast.Name) -> str:
    return a.id + (": " + expr(a.annotation, _TEST) if a.annotation else "")


def _arguments(node: gast.arguments) -> str:
    parts = []
    positional = node.posonlyargs + node.args
    defaults = [None] * (len(positional) - len(node.defaults)) + node.defaults
    for index, (a, d) in enumerate(zip(positional, defaults), 1):
        text = _parameter(a) + ("=" + expr(d, _TEST) if d else "")
        parts.append(text + (", /" if index == len(node.posonlyargs) else ""))
    if node.vararg or node.kwonlyargs:
        parts.append("*" + (_parameter(node.vararg) if node.vararg else ""))
    for a, d in zip(node.kwonlyargs, node.kw_defaults):
        parts.append(_parameter(a) + ("=" + expr(d, _TEST) if d else ""))
    if node.kwarg:
        parts.append("**" + _parameter(node.kwarg))
    return ", ".join(parts)


if _P is not None:
    # enum members bound once: each attribute access on the enum is a Python-level call
    _ATOM, _CMP, _EXPR, _FACTOR = _P.ATOM, _P.CMP, _P.EXPR, _P.FACTOR
    _TEST, _TUPLE, _YIELD = _P.TEST, _P.TUPLE, _P.YIELD
    _CMP_NEXT, _TEST_NEXT = _P.CMP.next(), _P.TEST.next()
    _INFSTR = ast._INFSTR
    _MULTI_QUOTES = ast._MULTI_QUOTES
    _HELPER = _Unparser()
    _BINOPS = {}
    for _op, _symbol in _Unparser.binop.items():
        _own = _Unparser.binop_precedence[_symbol]
        _right_assoc = _symbol in _Unparser.binop_rassoc
        _BINOPS[getattr(gast, _op)] = (_symbol, _own, _own.next() if _right_assoc else _own,
                                       _own if _right_assoc else _own.next())
    _UNOPS = {getattr(gast, op): (symbol, _Unparser.unop_precedence[symbol])
              for op, symbol in _Unparser.unop.items()}
    _CMPOPS = {getattr(gast, op): symbol for op, symbol in _Unparser.cmpops.items()}
    _BOOLOPS = {getattr(gast, op): (symbol, _Unparser.boolop_precedence[symbol])
                for op, symbol in _Unparser.boolops.items()}

_EXPRESSIONS = {gast.Name: _name, gast.Constant: _constant, gast.BinOp: _binop,
                gast.UnaryOp: _unaryop, gast.Compare: _compare, gast.BoolOp: _boolop,
                gast.IfExp: _ifexp, gast.Attribute: _attribute, gast.Call: _call,
                gast.Subscript: _subscript, gast.Slice: _slice, gast.Starred: _starred,
                gast.Tuple: _tuple, gast.List: _list, gast.Dict: _dict}
_STATEMENTS = {gast.Assign: _Lines.assign, gast.Expr: _Lines.expr_stmt,
               gast.Return: _Lines.return_stmt, gast.Pass: _Lines.keyword_stmt,
               gast.Break: _Lines.keyword_stmt, gast.Continue: _Lines.keyword_stmt,
               gast.If: _Lines.if_stmt, gast.For: _Lines.for_stmt, gast.While: _Lines.while_stmt,
               gast.FunctionDef: _Lines.function}
