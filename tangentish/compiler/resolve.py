"""Pass 2, resolve: what each free name of a user function refers to.

A name assigned anywhere in the function is a local. Any other name is looked up the way
Python would at call time: closure cells, then the function's globals, then builtins. Attribute
chains rooted at a resolved module (``np.linalg.norm``) resolve to the object itself. The result
tells the normalizer whether a call is a primitive with rules, a user function to transform
recursively, a Python builtin with known meaning, or opaque.

>>> import numpy as np
>>> def f(x):
...     y = np.tanh(x)
...     return y
>>> from tangentish.compiler.parse import parse
>>> scope = Scope(parse(f))
>>> scope.resolve(parse(f).node.body[0].value.func) is np.tanh
True
>>> scope.is_local("y"), scope.is_local("np")
(True, False)
"""

from __future__ import annotations

import builtins
import inspect
from typing import Any

import gast

from tangentish.compiler.nodes import scan
from tangentish.compiler.parse import Parsed
from tangentish.runtime.rules import table

__all__ = ["Scope", "UNRESOLVED", "local_names", "kind_of", "still_valid"]


class _Unresolved:
    def __repr__(self) -> str:
        return "UNRESOLVED"


UNRESOLVED: Any = _Unresolved()


def local_names(node: gast.FunctionDef) -> set[str]:
    """Names bound inside ``node`` (its parameters, assignment and loop targets, nested defs)."""
    names: set[str] = set()
    for sub in scan(node):
        if isinstance(sub, gast.Name) and isinstance(sub.ctx, (gast.Store, gast.Param, gast.Del)):
            names.add(sub.id)
        elif isinstance(sub, gast.FunctionDef) and sub is not node:
            names.add(sub.name)
    return names


class Scope:
    """Resolves the free names of one parsed function against its closure, globals, builtins."""

    def __init__(self, parsed: Parsed):
        self.parsed = parsed
        fn = parsed.fn
        self.globals: dict[str, Any] = getattr(fn, "__globals__", {})
        self.closure: dict[str, Any] = {}
        self.cells: dict[str, Any] = {}
        cells = getattr(fn, "__closure__", None) or ()
        for name, cell in zip(fn.__code__.co_freevars, cells):
            try:
                self.closure[name] = cell.cell_contents
                self.cells[name] = cell
            except ValueError:  # an empty cell: the name is assigned after f was defined
                pass
        self.locals = local_names(parsed.node)
        #: (where, name, object) of every global and closure name resolved: the compiled code
        #: stays valid while each still holds the same object (see ``still_valid``)
        self.reads: list[tuple[Any, str, Any]] = []

    def is_local(self, name: str) -> bool:
        return name in self.locals

    def lookup(self, name: str) -> Any:
        """The object a free name refers to now, or UNRESOLVED."""
        if name in self.locals:
            return UNRESOLVED
        if name in self.closure:
            self.reads.append((self.cells[name], name, self.closure[name]))
            return self.closure[name]
        if name in self.globals:
            self.reads.append((self.globals, name, self.globals[name]))
            return self.globals[name]
        return getattr(builtins, name, UNRESOLVED)

    def resolve(self, node: gast.AST) -> Any:
        """The object ``node`` (a Name or an attribute chain on one) refers to, or UNRESOLVED.

        Only chains through modules and classes resolve statically: ``obj.attr`` on any other
        object is read at run time, since the object may change between calls.
        """
        if isinstance(node, gast.Name):
            return self.lookup(node.id)
        if isinstance(node, gast.Attribute):
            base = self.resolve(node.value)
            if base is UNRESOLVED or not (inspect.ismodule(base) or inspect.isclass(base)):
                return UNRESOLVED
            return getattr(base, node.attr, UNRESOLVED)
        return UNRESOLVED


_MISSING = object()


def still_valid(reads: list[tuple[Any, str, Any]]) -> bool:
    """Does every name resolved at compile time still refer to the same object?"""
    for where, name, obj in reads:
        if isinstance(where, dict):
            if where.get(name, _MISSING) is not obj:
                return False
        else:  # a closure cell
            try:
                if where.cell_contents is not obj:
                    return False
            except ValueError:
                return False
    return True


#: Builtins whose meaning the normalizer knows and that carry no derivative (the rest are
#: opaque). ``enumerate``, ``zip`` and ``reversed`` carry their arguments' values: a ``for``
#: header over them is rewritten into indexing (``statements``); anywhere else they are opaque,
#: so an active argument goes to the tape instead of losing its gradient.
PASSTHROUGH_BUILTINS = {
    "print", "len", "range", "isinstance", "int", "bool", "str", "type", "hasattr", "callable",
    "repr", "format", "id", "any", "all", "round",
}


def kind_of(obj: Any) -> str:
    """How the compiler treats a call to ``obj``.

    ``"rule"``: a primitive in the derivative table (differentiable or marked non-diff);
    ``"builtin"``: a Python builtin with known, non-differentiable meaning (len, range, print);
    ``"user"``: a Python function with source, transformed recursively (inlined);
    ``"class"``: a class (constructing an object: opaque, non-differentiable);
    ``"opaque"``: anything else (no rule and no source).
    """
    entry = table.lookup(obj)
    if entry is not None and (entry.vjp or entry.jvp or entry.nondiff):
        return "rule"
    if getattr(type(obj), "__tangentish_function__", None) is not None and \
            obj.__tangentish_function__ is not None:
        return "user"  # a gradient made by tg.grad: its generated code is inlined
    if getattr(obj, "__module__", None) == "builtins" and getattr(
            obj, "__name__", "") in PASSTHROUGH_BUILTINS:
        return "builtin"
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        module = getattr(obj, "__module__", "") or ""
        if not (module.startswith("numpy") or module.startswith("tangentish.runtime")):
            return "user"
    if inspect.isclass(obj):
        return "class"
    return "opaque"
