"""Common subexpressions: a value computed twice at the top of a function is computed once.

Runs on the normalized function, before activity analysis, so both sweeps see one variable
(the adjoint then sums its two uses' contributions before a single scatter into ``dx``):

>>> import numpy as np
>>> from tangentish.compiler.nodes import unparse
>>> from tangentish.compiler.normalize import normalize_function
>>> def f(x):
...     return np.sum(x[:-1] ** 2 + (1.0 - x[:-1]))
>>> norm = normalize_function(f)
>>> eliminate(norm)
>>> print(unparse(norm.node))
def f(x):
    _t1 = x[:-1]
    _t2 = _t1 ** 2
    _t4 = 1.0 - _t1
    _t5 = _t2 + _t4
    y = np.sum(_t5)
    return y

Only straight-line statements at the function's top level take part, only values that are
indexing or calls of functions that change nothing, and only while nothing they read (or the
name holding the first copy) has been assigned again; any other statement ends the search.
"""

from __future__ import annotations

from typing import Any

import gast

from tangentish.compiler.nodes import names_in, store_counts
from tangentish.compiler.normalize import Normalized
from tangentish.compiler.ops import op_of
from tangentish.compiler.purity import pure, scan

__all__ = ["eliminate"]

#: kinds of normalized assignment that change no value in place
_SAFE = {"call", "getitem", "const", "copy", "inert", "build", "append", "iter"}


def eliminate(norm: Normalized) -> None:
    """Drop repeated computations from ``norm``'s top-level body, renaming their uses."""
    body = norm.node.body
    stores = store_counts(norm.node)
    fixed = {norm.result, *norm.params}
    seen: dict[Any, tuple[str, set[str]]] = {}  # value's key -> (its name, names it reads)
    renames: dict[str, str] = {}
    watched: set[str] = set()  # names the values in ``seen`` read or are held in
    out = []
    for s in body:
        _rename(s, renames)
        op = op_of(s)
        if not isinstance(s, gast.Assign) or op is None or op.kind not in _SAFE:
            seen.clear()  # a branch, loop or in-place update: start again after it
            watched.clear()
            out.append(s)
            continue
        name = s.targets[0].id if isinstance(s.targets[0], gast.Name) else None
        key = _key(s.value) if op.kind == "getitem" or (op.kind == "call" and pure(op.obj)) \
            else None
        if key is not None and key in seen and name in norm.namer.synthetic_names \
                and name not in fixed and stores.get(name) == 1:
            renames[name] = seen[key][0]
            continue
        written = names_in(s, gast.Store)
        if written & watched:  # something a remembered value depends on is assigned again
            seen = {k: v for k, v in seen.items() if not (written & (v[1] | {v[0]}))}
        if key is not None and name is not None and stores.get(name) == 1 \
                and name not in names_in(s.value):
            reads = names_in(s.value)
            seen.setdefault(key, (name, reads))
            watched |= reads | {name}
        out.append(s)
    if renames:
        norm.node.body = out


def _rename(s: gast.stmt, renames: dict[str, str]) -> None:
    """Loads of renamed names read the first copy (an Op's arguments are these same nodes)."""
    if renames:
        for n in scan(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load) and n.id in renames:
                n.id = renames[n.id]


def _key(node: Any) -> Any:
    """A hashable picture of an expression (names, constants and structure; no positions)."""
    if isinstance(node, gast.Name):
        return node.id
    if isinstance(node, gast.Constant):
        return (type(node.value), node.value)
    if isinstance(node, list):
        return tuple(_key(n) for n in node)
    if not isinstance(node, gast.AST) or isinstance(node, gast.expr_context):
        return node
    return (type(node).__name__, *(_key(v) for f, v in gast.iter_fields(node) if f != "ctx"))
