"""Where a construct lives in the user's file, and the errors and warnings that point at it.

Every statement the compiler produces from user code carries a ``Location`` (file, line,
column, function), so an error raised in any pass can show the user's own line with a caret,
as Python does for a SyntaxError.
"""

from __future__ import annotations

import linecache
import os
import sys
import warnings
from dataclasses import dataclass

import gast

from tangentish.compiler.nodes import walk
from tangentish.errors import TransformError, TransformWarning

__all__ = ["Location", "locate", "error_at", "warn_fallback", "UNSUPPORTED", "first_unsupported"]


@dataclass(frozen=True)
class Location:
    filename: str
    lineno: int
    col: int
    function: str

    def source_line(self) -> str | None:
        line = linecache.getline(self.filename, self.lineno)
        return line or None

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


def locate(node: gast.AST, filename: str, function: str, col_shift: int = 0) -> Location:
    """The Location of ``node`` (whose line numbers are already the file's)."""
    lineno = getattr(node, "lineno", None) or 0
    col = (getattr(node, "col_offset", None) or 0) + col_shift
    return Location(filename, lineno, col, function)


def error_at(location: Location | None, message: str) -> TransformError:
    """A TransformError that shows the user's line with a caret under the construct."""
    if location is None:
        return TransformError(message)
    return TransformError(message, filename=location.filename, lineno=location.lineno,
                          col=location.col, source_line=location.source_line(),
                          function=location.function)


_warned: set[tuple[str, int, str]] = set()


def warn_fallback(error: TransformError) -> None:
    """Warn once per (file, line, construct) that a function fell back to the tape."""
    key = (error.filename or "", error.lineno or 0, error.reason)
    if key in _warned:
        return
    _warned.add(key)
    where = f"{error.filename}:{error.lineno}: " if error.filename else ""  # a builtin has none
    warnings.warn(
        f"{where}{error.reason}; computing the gradient of {error.function or 'it'} with "
        "the tape instead", TransformWarning, stacklevel=_caller_level())


def _caller_level() -> int:
    """The stacklevel of the first frame outside tangentish: the user's call."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


#: Constructs rejected before any transformation, with the words the error uses.
UNSUPPORTED: dict[type, str] = {
    gast.Try: "a try statement",
    gast.With: "a with statement",
    gast.AsyncWith: "an async with statement",
    gast.AsyncFor: "an async for loop",
    gast.AsyncFunctionDef: "an async function",
    gast.Await: "await",
    gast.Yield: "a generator (yield)",
    gast.YieldFrom: "a generator (yield from)",
    gast.Global: "a global statement",
    gast.Nonlocal: "a nonlocal statement",
    gast.ClassDef: "a class definition",
    gast.Raise: None,  # raise is fine: it ends the call, the adjoint never runs
    gast.Import: "an import inside the function",
    gast.ImportFrom: "an import inside the function",
    gast.SetComp: "a set comprehension",
    gast.GeneratorExp: "a generator expression",
    gast.DictComp: "a dict comprehension",
    gast.Starred: None,
    gast.NamedExpr: "an assignment expression (:=)",
}


def first_unsupported(tree: gast.AST) -> tuple[gast.AST, str] | None:
    """The first node (in source order) the compiler cannot transform, with its description."""
    found = []
    for node in walk(tree):
        words = UNSUPPORTED.get(type(node))
        if words:
            found.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), node, words))
        elif isinstance(node, gast.Delete) and not all(
                isinstance(t, gast.Name) for t in node.targets):  # ``del name`` is fine
            found.append((node.lineno, node.col_offset, node, "a del of an item or attribute"))
        elif isinstance(node, (gast.For, gast.While)) and node.orelse:
            found.append((node.lineno, node.col_offset, node, "a loop with an else clause"))
    if not found:
        return None
    found.sort(key=lambda item: (item[0], item[1]))
    return found[0][2], found[0][3]
