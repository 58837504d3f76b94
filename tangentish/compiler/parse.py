"""Pass 1, parse: a Python function's source as a gast tree, with the file's own line numbers.

>>> def f(x):
...     return x * 2
>>> p = parse(f)
>>> p.node.name, p.node.body[0].lineno == f.__code__.co_firstlineno + 1
('f', True)

Lambdas become a one-statement FunctionDef, so every later pass sees a FunctionDef. A function
with no Python source (a builtin, a function made by ``exec``) is a TransformError that says so.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import re
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast

from tangentish.compiler.diagnostics import Location, error_at, locate

__all__ = ["Parsed", "parse", "unwrap_function", "parse_source", "to_gast", "source_lines"]


@dataclass
class Parsed:
    """A parsed user function: its tree, and where its lines live in its file."""

    fn: Callable[..., Any]
    node: gast.FunctionDef
    filename: str
    col_shift: int
    name: str
    bound_self: Any = None
    has_self: bool = False
    extra: dict = field(default_factory=dict)

    def where(self, node: gast.AST) -> Location:
        return locate(node, self.filename, self.name, self.col_shift)


def unwrap_function(fn: Any) -> tuple[Callable[..., Any], Any, bool]:
    """The plain function behind ``fn``: (function, bound self, whether self is bound)."""
    generated = getattr(type(fn), "__tangentish_function__", None)
    if generated is not None and fn.__tangentish_function__ is not None:
        fn = fn.__tangentish_function__  # a tg.grad(...) result: its generated code
    if inspect.ismethod(fn):
        return fn.__func__, fn.__self__, True
    return fn, None, False


def _no_source(fn: Any, why: str) -> Exception:
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    where = Location(code.co_filename, code.co_firstlineno, 0, name) if code else None
    return error_at(where, f"cannot differentiate {name}: it has no Python source ({why}); "
                           "register a rule for it with tg.defvjp, or use the tape")


def parse(fn: Callable[..., Any]) -> Parsed:
    func, bound, has_self = unwrap_function(fn)
    code = getattr(func, "__code__", None)
    if code is None:
        raise _no_source(fn, "a builtin or C function")
    try:
        lines, first = source_lines(func)
        node, col_shift = _function_node(lines, first, code)
    except SyntaxError:  # the quick read of the source cut it short: ask the tokenizer
        node, col_shift = _function_node(*_getsourcelines(fn, func), code)
    except (OSError, TypeError):
        raise _no_source(fn, "defined by exec, in the REPL, or its file is gone") from None
    if node is None:
        raise _no_source(fn, "its lambda could not be isolated from the line it is on")
    if isinstance(node, gast.AsyncFunctionDef):
        code_ = getattr(func, "__code__", None)
        raise error_at(Location(code_.co_filename, node.lineno, node.col_offset + col_shift,
                                func.__qualname__),
                       "tangentish cannot transform an async function (async def)")
    if not isinstance(node, gast.FunctionDef):
        raise _no_source(fn, "its source is not a def statement")
    filename = inspect.getsourcefile(func) or code.co_filename
    return Parsed(func, node, filename, col_shift, func.__qualname__, bound, has_self)


def _getsourcelines(fn: Any, func: Any) -> tuple[list[str], int]:
    try:
        return inspect.getsourcelines(func)
    except (OSError, TypeError):
        raise _no_source(fn, "defined by exec, in the REPL, or its file is gone") from None


def _function_node(lines: list[str], first: int, code: Any) -> tuple[gast.AST | None, int]:
    """The def (or lambda) in ``lines``, numbered as in its file, and its column shift."""
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    col_shift = _indent(text) - _indent(dedented)
    if code.co_name == "<lambda>":
        node = _lambda_node(dedented, code)
        if node is not None:
            gast.increment_lineno(node, first - 1)
            return node, col_shift
        return _lambda_in_file(code), 0
    # blank lines in front give the file's line numbers (no walk to add them afterwards)
    node = parse_source("\n" * (first - 1) + dedented).body[0]
    if isinstance(node, gast.FunctionDef):
        node.decorator_list = []
    return node, col_shift


def source_lines(func: Any) -> tuple[list[str], int]:
    """``inspect.getsourcelines(func)``: for a plain function, its lines from ``linecache``,
    ending where the line positions of its code end (plus deeper-indented lines after them: a
    final ``pass``, a comment). No tokenizer: that was ~1 ms for a 50-line function, and more
    the first time (its regular expressions). Anything unusual goes to ``inspect``; a cut
    that does not parse is retried there too (``parse``)."""
    code = getattr(func, "__code__", None)
    if (not inspect.isfunction(func) or hasattr(func, "__wrapped__")
            or code.co_name == "<lambda>" or not hasattr(code, "co_positions")):
        return inspect.getsourcelines(func)
    filename = code.co_filename
    linecache.checkcache(filename)
    lines = linecache.getlines(filename, func.__globals__)
    first = code.co_firstlineno
    if not (0 < first <= len(lines)) or not _DEF_LINE.match(lines[first - 1]):
        return inspect.getsourcelines(func)
    last = max((p[1] for p in code.co_positions() if p[1] is not None), default=first)
    indent = _indent(lines[first - 1])
    j = last
    while j < len(lines):  # lines after the last one with code, indented under the def
        if lines[j].strip():
            if _indent(lines[j]) <= indent:
                break
            last = j + 1
        j += 1
    return lines[first - 1:last], first


_DEF_LINE = re.compile(r"^\s*(def\s|async\s+def\s|@)")


def _indent(text: str) -> int:
    first = text.splitlines()[0] if text else ""
    return len(first) - len(first.lstrip())


def _lambda_node(source: str, code: Any) -> gast.FunctionDef | None:
    """The lambda whose parameters match ``code``, as ``def <lambda>(...): return body``."""
    for attempt in (source, "(" + source + ")", source.rstrip().rstrip(",")):
        try:
            tree = parse_source(attempt)
        except SyntaxError:
            continue
        params = code.co_varnames[: code.co_argcount]
        found = [node for node in gast.walk(tree) if isinstance(node, gast.Lambda)
                 and tuple(a.id for a in node.args.args) == params]
        if len(found) != 1:  # several alike: the file's columns tell them apart
            return None
        return _as_def(found[0])
    return None


def _as_def(node: gast.Lambda) -> gast.FunctionDef:
    """``lambda args: body`` as ``def <lambda>(args): return body``, at the lambda's place."""
    ret = gast.Return(value=node.body)
    gast.copy_location(ret, node.body)
    fdef = gast.FunctionDef(name="<lambda>", args=node.args, body=[ret], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    return gast.copy_location(fdef, node)


def _lambda_in_file(code: Any) -> gast.FunctionDef | None:
    """A lambda its line alone does not parse around (``"relu": lambda x: ...,`` in a dict):
    found in its whole file, at its line, with its parameters, and (several alike on one line)
    the one whose body spans the columns of its code."""
    lines = linecache.getlines(code.co_filename)
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return None
    params = code.co_varnames[: code.co_argcount]
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
             and n.lineno == code.co_firstlineno and tuple(a.arg for a in n.args.args) == params]
    if len(found) > 1 and hasattr(code, "co_positions"):
        spans = [p for p in code.co_positions()  # real expressions (RESUME sits at column 0)
                 if None not in p and (p[1], p[3]) > (p[0], p[2])]
        found = [n for n in found if spans and all(
            (n.body.lineno, n.body.col_offset) <= (p[0], p[2])
            and (p[1], p[3]) <= (n.body.end_lineno, n.body.end_col_offset) for p in spans)]
    if len(found) != 1:
        return None
    return _as_def(to_gast(found[0]))


def parse_source(source: str) -> gast.Module:
    """``gast.parse(source)``, converted by ``to_gast``."""
    tree = ast.parse(source)
    try:
        return to_gast(tree)
    except _Delegate:
        return gast.ast_to_gast(tree)


def to_gast(node: Any) -> Any:
    """The gast tree ``gast.ast_to_gast`` makes for a parsed tree, by one recursion over the
    fields (gast's visitor was a tenth of compile time). Raises ``_Delegate`` for node kinds
    gast converts specially on some Python versions and this function leaves to gast."""
    if isinstance(node, list):
        return [to_gast(item) for item in node]
    if not isinstance(node, ast.AST):
        return node
    special = _SPECIAL.get(type(node))
    if special is not None:
        return special(node)
    target = _GAST_CLASSES.get(type(node)) or _gast_class(type(node))
    new = target.__new__(target)
    fields = new.__dict__
    for name in node._fields:
        if hasattr(node, name):
            fields[name] = to_gast(getattr(node, name))
    return _locate(new, node)


class _Delegate(Exception):
    """A node kind ``to_gast`` leaves to gast."""


_GAST_CLASSES: dict[type, type] = {}
_DELEGATED = {"TypeVar", "TypeVarTuple", "ParamSpec", "TypeAlias", "alias", "ExtSlice", "Index",
              "Num", "Str", "Bytes", "NameConstant", "Ellipsis"}


def _gast_class(kind: type) -> type:
    if kind.__name__ in _DELEGATED:
        raise _Delegate(kind.__name__)
    target = _GAST_CLASSES[kind] = getattr(gast, kind.__name__)
    return target


def _locate(new: gast.AST, old: ast.AST) -> gast.AST:
    for attr in old._attributes:
        if hasattr(old, attr):
            setattr(new, attr, getattr(old, attr))
    return new


def _name(node: ast.Name) -> gast.Name:
    return _locate(gast.Name(node.id, to_gast(node.ctx), None, None), node)


def _arg(node: ast.arg) -> gast.Name:
    return _locate(gast.Name(node.arg, gast.Param(), to_gast(node.annotation),
                             to_gast(node.type_comment)), node)


def _handler(node: ast.ExceptHandler) -> gast.ExceptHandler:
    name = gast.Name(node.name, gast.Store(), None, None) if node.name else None
    return _locate(gast.ExceptHandler(to_gast(node.type), name, to_gast(node.body)), node)


def _definition(node: ast.AST) -> gast.AST:
    """A def or class on a Python without type parameters: gast adds ``type_params=[]``."""
    new = _GAST_CLASSES.get(type(node)) or _gast_class(type(node))
    return _locate(new(*[to_gast(getattr(node, f)) for f in node._fields], []), node)


_SPECIAL: dict[type, Any] = {ast.Name: _name, ast.arg: _arg, ast.ExceptHandler: _handler}
if sys.version_info < (3, 12):
    _SPECIAL.update(dict.fromkeys((ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef),
                                  _definition))
