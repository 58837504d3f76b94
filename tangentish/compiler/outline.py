"""``tg.grad(f, checkpoint=True)``: every loop body of ``f`` becomes a checkpointed function.

Runs between parse and normalize. A ``for`` loop directly in ``f``'s body (or in an ``if`` of
it) whose body has no ``break``, ``continue`` or ``return`` and changes nothing in place
(``x[i] = v``, ``xs.append(v)``) is outlined: its body becomes a function of the loop variable
and the locals it reads before writing, returning the locals it writes that are read later
(after the loop, or by the next iteration), and the loop calls it through ``tg.checkpoint``::

    for t in range(n):                     for t in range(n):
        z = xs[t] @ wx + h @ wh       ->       h = rnn_loop_body_1(t, h, wh, wx, xs[t])
        h = np.tanh(z)

so the adjoint sweep keeps one iteration's inputs per iteration, and recomputes the iteration
(see ``callsite``). The outlined function is compiled from generated source registered with
linecache; its name is bound for ``f``'s resolution only (``Scope.closure``), never in the
user's module.

>>> import numpy as np
>>> from tangentish.compiler.parse import parse
>>> def f(xs, h):
...     for t in range(3):
...         z = xs[t] + h
...         h = np.tanh(z)
...     return h
>>> parsed = parse(f)
>>> checkpoint_loops(parsed, Scope(parsed))
>>> print(unparse(parsed.node.body[0]))
for t in range(3):
    h = f_loop_body_1(t, h, xs[t])
"""

from __future__ import annotations

import itertools
import linecache
import types
from typing import Any

import gast

from tangentish.checkpointing import Checkpointed
from tangentish.compiler.nodes import unparse
from tangentish.compiler.parse import Parsed
from tangentish.compiler.resolve import Scope, local_names

__all__ = ["checkpoint_loops"]

_counter = itertools.count(1)
_JUMPS = (gast.Break, gast.Continue, gast.Return, gast.Yield, gast.YieldFrom,
          gast.FunctionDef, gast.Lambda, gast.Global, gast.Nonlocal)


def checkpoint_loops(parsed: Parsed, scope: Scope) -> None:
    """Outline the eligible loops of ``parsed.node`` in place; bind the checkpoints in
    ``scope``."""
    fn = parsed.fn
    params = {a.id for a in parsed.node.args.posonlyargs + parsed.node.args.args +
              parsed.node.args.kwonlyargs}
    known = local_names(parsed.node) | params | set(fn.__code__.co_freevars)
    _block(parsed.node.body, parsed, scope, known, set(), itertools.count(1))


def _block(stmts: list[gast.stmt], parsed: Parsed, scope: Scope, known: set[str],
           outer: set[str], numbers: Any) -> None:
    """``outer``: the names read after this block (by the blocks enclosing it)."""
    for i, s in enumerate(stmts):
        after = _loads(stmts[i + 1:]) | outer
        if isinstance(s, gast.If):
            _block(s.body, parsed, scope, known, after, numbers)
            _block(s.orelse, parsed, scope, known, after, numbers)
        elif isinstance(s, gast.For) and _eligible(s):
            call = _outline(s, parsed, scope, known, after, numbers)
            if call is not None:
                s.body = [call]


#: methods that change their object in place: a body calling one stays inline (an outlined
#: body would change the caller's object behind the adjoint's back)
_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault",
             "popitem", "sort", "reverse", "fill", "put", "resize", "itemset", "add",
             "discard"}


def _eligible(loop: gast.For) -> bool:
    if loop.orelse or not isinstance(loop.target, gast.Name):
        return False
    for n in (n for s in loop.body for n in gast.walk(s)):
        if isinstance(n, _JUMPS):
            return False
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            return False  # x[i] = v, obj.a = v: in place
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute) and \
                n.func.attr in _MUTATORS:
            return False
    return True


def _loads(stmts: list[gast.stmt]) -> set[str]:
    return {n.id for s in stmts for n in gast.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Load)}


def _stores(stmts: list[gast.stmt]) -> set[str]:
    return {n.id for s in stmts for n in gast.walk(s)
            if isinstance(n, gast.Name) and isinstance(n.ctx, (gast.Store, gast.Del))}


def _exposed(stmts: list[gast.stmt], defined: set[str]) -> set[str]:
    """Names ``stmts`` may read before writing them (given ``defined`` already written)."""
    used: set[str] = set()
    for s in stmts:
        if isinstance(s, gast.If):
            used |= _loads([gast.Expr(value=s.test)]) - defined
            a, b = set(defined), set(defined)
            used |= _exposed(s.body, a) | _exposed(s.orelse, b)
            defined |= a & b
        elif isinstance(s, (gast.For, gast.While)):
            head = s.iter if isinstance(s, gast.For) else s.test
            used |= _loads([gast.Expr(value=head)]) - defined
            inner = set(defined) | (_stores([gast.Assign(targets=[s.target], value=head)])
                                    if isinstance(s, gast.For) else set())
            used |= _exposed(s.body, inner)
        elif isinstance(s, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
            value = s.value if s.value is not None else gast.Constant(value=None, kind=None)
            used |= _loads([gast.Expr(value=value)]) - defined
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            for t in targets:  # subscript and attribute targets read their base
                used |= {n.id for n in gast.walk(t) if isinstance(n, gast.Name)
                         and isinstance(n.ctx, gast.Load)} - defined
            if isinstance(s, gast.AugAssign):
                used |= _stores([s]) - defined
            defined |= _stores([s])
        else:
            used |= _loads([s]) - defined
            defined |= _stores([s])
    return used


def _outline(loop: gast.For, parsed: Parsed, scope: Scope, known: set[str],
             after: set[str], numbers: Any) -> gast.stmt | None:
    target = loop.target.id
    surely = {target}
    exposed = _exposed(loop.body, surely) & known
    written = _stores(loop.body) - {target}
    outputs = sorted(written & (after | exposed))
    if set(outputs) - surely - exposed:  # assigned on some paths only: it may not exist
        return None
    number = next(numbers)
    rows = _rows(loop.body, target, exposed - written)
    inputs = [target] + sorted((exposed - {target} - set(rows)) | set(rows.values()))
    name = f"{parsed.node.name}_loop_body_{number}"  # numbered in f, the same every time
    returned = (gast.Name(id=outputs[0], ctx=gast.Load(), annotation=None, type_comment=None)
                if len(outputs) == 1 else
                gast.Tuple(elts=[gast.Name(id=o, ctx=gast.Load(), annotation=None,
                                           type_comment=None) for o in outputs],
                           ctx=gast.Load()))
    args = gast.arguments(
        args=[gast.Name(id=a, ctx=gast.Param(), annotation=None, type_comment=None)
              for a in inputs],
        posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    fdef = gast.FunctionDef(name=name, args=args, body=list(loop.body) + [
        gast.Return(value=returned)], decorator_list=[], returns=None, type_comment=None)
    body_fn = _compile(fdef, parsed)
    scope.closure[name] = Checkpointed(body_fn)
    scope.cells[name] = types.CellType(scope.closure[name])
    row_of = {row: seq for seq, row in rows.items()}
    call = gast.Call(func=gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                    type_comment=None),
                     args=[_load_row(row_of[a], target) if a in row_of else
                           gast.Name(id=a, ctx=gast.Load(), annotation=None, type_comment=None)
                           for a in inputs], keywords=[])
    if not outputs:
        stmt: gast.stmt = gast.Expr(value=call)
    else:
        store = [gast.Name(id=o, ctx=gast.Store(), annotation=None, type_comment=None)
                 for o in outputs]
        stmt = gast.Assign(targets=[store[0] if len(store) == 1 else gast.Tuple(
            elts=store, ctx=gast.Store())], value=call, type_comment=None)
    return gast.copy_location(stmt, loop.body[0])


def _rows(body: list[gast.stmt], target: str, readonly: set[str]) -> dict[str, str]:
    """Sequences the body reads only as ``xs[t]`` (``t`` the loop variable): each becomes an
    input ``xs_t`` holding the row, so the checkpoint keeps (and differentiates) the row, not
    the whole sequence. Rewrites those subscripts in ``body``; returns {sequence: row name}."""
    uses: dict[str, list[gast.Subscript]] = {}
    other: set[str] = set()
    for s in body:
        for n in gast.walk(s):
            if isinstance(n, gast.Subscript) and isinstance(n.value, gast.Name) and isinstance(
                    n.slice, gast.Name) and n.slice.id == target and isinstance(n.ctx, gast.Load):
                uses.setdefault(n.value.id, []).append(n)
        other |= {n.id for n in gast.walk(s) if isinstance(n, gast.Name)}
    counts = {name: 0 for name in uses}
    for s in body:
        for n in gast.walk(s):
            if isinstance(n, gast.Name) and n.id in counts:
                counts[n.id] += 1
    rows = {}
    for seq, subs in uses.items():
        if seq in readonly and counts[seq] == len(subs):  # every use is seq[target]
            row = f"{seq}_{target}"
            while row in other:
                row += "_"
            rows[seq] = row

    class _Row(gast.NodeTransformer):
        def visit_Subscript(self, node):
            self.generic_visit(node)
            if any(node is sub for seq in rows for sub in uses[seq]):
                return gast.Name(id=rows[node.value.id], ctx=gast.Load(), annotation=None,
                                 type_comment=None)
            return node

    body[:] = [_Row().visit(s) for s in body]
    return rows


def _load_row(seq: str, target: str) -> gast.expr:
    return gast.Subscript(value=gast.Name(id=seq, ctx=gast.Load(), annotation=None,
                                          type_comment=None),
                          slice=gast.Name(id=target, ctx=gast.Load(), annotation=None,
                                          type_comment=None), ctx=gast.Load())


def _compile(fdef: gast.FunctionDef, parsed: Parsed) -> Any:
    """The outlined body as a function of ``f``'s module (its source in linecache)."""
    source = unparse(gast.Module(body=[fdef], type_ignores=[])) + "\n"
    filename = f"<tangentish {fdef.name} of {parsed.filename} #{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = compile(source, filename, "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(code, parsed.fn.__globals__, fdef.name)
