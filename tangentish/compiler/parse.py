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

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast

from tangentish.compiler.diagnostics import Location, error_at, locate

__all__ = ["Parsed", "parse", "unwrap_function"]


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
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError):
        raise _no_source(fn, "defined by exec, in the REPL, or its file is gone") from None
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    col_shift = _indent(text) - _indent(dedented)
    filename = inspect.getsourcefile(func) or code.co_filename
    if code.co_name == "<lambda>":
        node = _lambda_node(dedented, code)
        if node is None:
            raise _no_source(fn, "its lambda could not be isolated from the line it is on")
        gast.increment_lineno(node, first - 1)
    else:
        # blank lines in front give the file's line numbers (no walk to add them afterwards)
        tree = gast.parse("\n" * (first - 1) + dedented)
        node = tree.body[0]
        if not isinstance(node, gast.FunctionDef):
            raise _no_source(fn, "its source is not a def statement")
        node.decorator_list = []
    return Parsed(func, node, filename, col_shift, func.__qualname__, bound, has_self)


def _indent(text: str) -> int:
    first = text.splitlines()[0] if text else ""
    return len(first) - len(first.lstrip())


def _lambda_node(source: str, code: Any) -> gast.FunctionDef | None:
    """The lambda whose parameters match ``code``, as ``def <lambda>(...): return body``."""
    for attempt in (source, "(" + source + ")", source.rstrip().rstrip(",")):
        try:
            tree = gast.parse(attempt)
        except SyntaxError:
            continue
        params = code.co_varnames[: code.co_argcount]
        for node in gast.walk(tree):
            if isinstance(node, gast.Lambda) and tuple(
                    a.id for a in node.args.args) == params:
                ret = gast.Return(value=node.body)
                gast.copy_location(ret, node.body)
                fdef = gast.FunctionDef(name="<lambda>", args=node.args, body=[ret],
                                        decorator_list=[], returns=None, type_comment=None,
                                        type_params=[])
                return gast.copy_location(fdef, node)
    return None
