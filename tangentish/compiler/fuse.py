"""Fold single-use temporaries back into the expression that reads them.

Normalization gives every intermediate a name, and a named 8 MB array can neither be reused by
NumPy's temporary elision (``a * 2 * b`` computes in place into the first product) nor freed
before the function returns. After the sweeps are built, this pass puts elementwise temporaries
that are read exactly once back into their reader, in the primal and in the adjoint sweep:

    _t3 = _t2 ** 2                  ->   _t4 = _t1 - _t2 ** 2
    _t4 = _t1 - _t3

Adjoint statements often read a primal temporary only for its shape (``unbroadcast(g, _t3)``,
``unreduce(g, _t10)``). An elementwise operation of one array and numbers keeps its argument's
shape, so such reads are first pointed at that argument (``unbroadcast(g, _t2)``), which frees
``_t3`` to be folded. A value that is one operation on parameters, views of them and numbers
(``_t8 = 1.0 - _t2``) is computed again where the adjoint reads it, rather than held as a
whole array through the primal's largest moment.

Only names the compiler made are folded (``_t3``, ``d_t3``; never the user's variables), only
within one block, never past a statement that rebinds what the value reads or that may change
an array in place, and only while the reader stays a short line.

>>> import numpy as np
>>> import tangentish as tg
>>> def f(x):
...     return np.sum(np.tanh(x) ** 2 * 3.0)
>>> print(tg.source(tg.grad(f)).strip())
def df(x, dy=1.0):
    # primal
    _t1 = np.tanh(x)
    # grad of: y = np.sum(_t1 ** 2 * 3.0)   (not computed)
    d_t3 = unreduce(dy, _t1, None, False)
    # grad of: _t1 = np.tanh(x)
    dx = d_t3 * 6.0 * _t1 * (1 - _t1 * _t1)
    return complete_grad(dx, x)
"""

from __future__ import annotations

from typing import Any

import gast
import numpy as np

from tangentish.compiler.nodes import Substitute, clone, names_in
from tangentish.compiler.ops import op_of
from tangentish.compiler.optimize import _empty_comments, _walk
from tangentish.compiler.purity import elementwise, pure_expr, resolve, safe_between, scan
from tangentish.compiler.reverse import Adjoint
from tangentish.compiler.scale import gather
from tangentish.runtime.support import reduced_size, unbroadcast, unreduce

__all__ = ["fuse", "share_shapes"]

#: at most this many operations (calls, operators) in a statement that absorbs a temporary
_MAX_OPS = 6

#: runtime helpers and the position of the argument they read only for its shape
_SHAPE_READERS = ((unbroadcast, 1), (unreduce, 1), (reduced_size, 0))
_SHAPE_FNS = (unbroadcast, unreduce)


def fuse(adj: Adjoint) -> dict[str, gast.stmt]:
    """Point shape-only reads at shape-equal names, then fold both sweeps' temporaries.
    Returns, for each primal temporary folded away, the statement it went into (``comments``
    quotes that statement)."""
    objects = adj.norm.namespace.objects
    census = _Census(adj, objects)
    again = _recomputable(adj, census)
    share_shapes(adj, census, set(again))
    _recompute(again, census)
    loads, stores = census.loads, census.stores
    synthetic = adj.norm.namer.synthetic_names
    keep = {adj.norm.result, adj.seed} | set(adj.norm.params)
    adjoints = {d for v, d in adj.norm.namer.adjoint_names().items() if v in synthetic}

    def single(name: str) -> bool:
        return name not in keep and loads.get(name) == 1 and stores.get(name) == 1

    def primal_value(s: gast.stmt) -> str | None:
        name = _target(s)
        op = op_of(s) if name in synthetic else None
        if op is not None and op.kind == "call" and elementwise(op.obj) and single(name):
            return name
        return None

    def adjoint_value(s: gast.stmt) -> str | None:
        name = _target(s)
        if (name in adjoints and single(name) and not getattr(s, "tg_pop", None)
                and _fresh(s.value, objects) and _elementwise_expr(s.value, objects)):
            return name
        return None

    primal = _Folder(primal_value, objects, adj.stack)
    primal.block(adj.primal)
    _Folder(adjoint_value, objects, adj.stack, arithmetic_only=True).block(adj.adjoint)
    adj.adjoint = _empty_comments(adj.adjoint)

    def linear(c: gast.Call) -> bool:
        obj = resolve(c.func, objects)
        return obj is unbroadcast or obj is unreduce

    def reduces(c: gast.Call) -> bool:
        return resolve(c.func, objects) is unbroadcast

    for s in _walk(adj.adjoint):
        if isinstance(s, (gast.Assign, gast.AugAssign)):
            s.value = gather(s.value, linear, reduces)
    return primal.folded


def share_shapes(adj: Adjoint, census: _Census | None = None,
                 dropped: set[str] = frozenset()) -> None:
    """Reads of a value only for its shape, in the adjoint, read a kept value of equal shape.

    Shapes are tracked as sets of names broadcast together: ``t = a * 2.0 - b`` has the shape
    of ``a`` and ``b`` broadcast, whatever they are, so ``unbroadcast(g, t)`` may read any
    earlier kept value whose set is ``{a, b}``. Only names assigned once at the top of the
    primal take part (values inside loops reach the adjoint through the stack). A ufunc of a
    parameter starts a new set: ``np.exp`` of a list makes an array, with a shape the list
    lacks. ``dropped`` names will not be kept (the adjoint computes them again).
    """
    objects = adj.norm.namespace.objects
    census = census or _Census(adj, objects)
    stores = census.stores
    params = list(adj.norm.params)
    shapes: dict[str, frozenset] = {p: frozenset([p]) for p in params}
    order = list(params)
    for s in adj.primal:
        name = _target(s)
        if name is None or stores.get(name) != 1:
            continue
        shapes[name] = _shape_of(name, op_of(s), shapes, set(params))
        order.append(name)
    shape_reads: dict[str, list[gast.Name]] = {}
    for arg in census.shape_args:
        if arg.id in shapes:
            shape_reads.setdefault(arg.id, []).append(arg)
    adjoint_loads = census.adjoint_loads
    synthetic = adj.norm.namer.synthetic_names

    def kept(name: str) -> bool:  # stays a variable: the adjoint reads its value, or the user's
        return (name in params or name not in synthetic
                or len(shape_reads.get(name, ())) < adjoint_loads.get(name, 0)) and (
            name not in dropped)

    for name, reads in shape_reads.items():
        if kept(name) or len(reads) != adjoint_loads.get(name, 0):
            continue
        earlier = order[:order.index(name)]
        same = [m for m in earlier if shapes[m] == shapes[name] and kept(m)]
        for n in reads if same else ():
            census.move(n.id, same[-1])
            n.id = same[-1]  # the nearest: ``h ** 2`` reads as ``h``


def _recomputable(adj: Adjoint, census: _Census) -> dict[str, tuple]:
    """Primal values the adjoint had better compute again than keep: one elementwise operation
    on numbers, parameters and views of parameters (``_t8 = 1.0 - _t2``, ``_t2 = x[:-1]``),
    read once by the primal and once, at the top, by the adjoint. Keeping such a value holds
    a whole array through the primal's largest moment; computing it again is one pass.

    Returns name -> (its value, the adjoint statement reading it).
    """
    params = {p for p in adj.norm.params if census.stores.get(p, 0) == 0}
    shape_only = {id(n) for n in census.shape_args}
    synthetic = adj.norm.namer.synthetic_names
    views = set()
    candidates = {}
    for s in adj.primal:
        name, op = _target(s), op_of(s)
        if name is None or op is None or census.stores.get(name) != 1:
            continue
        if (op.kind == "getitem" and isinstance(s.value, gast.Subscript)
                and isinstance(s.value.value, gast.Name) and s.value.value.id in params):
            views.add(name)
        elif (name in synthetic and op.kind == "call" and elementwise(op.obj)
                and not op.keywords and all(_number(a) or (isinstance(a, gast.Name) and (
                    a.id in params or a.id in views)) for a in op.args)
                and census.loads.get(name, 0) - census.adjoint_loads.get(name, 0) == 1):
            candidates[name] = s.value
    if not candidates:  # (most functions: no need to look through the adjoint)
        return {}
    found: dict[str, list] = {}
    for s in adj.adjoint:
        compound = isinstance(s, (gast.If, gast.For, gast.While))
        for n in scan(s):
            if (isinstance(n, gast.Name) and n.id in candidates and id(n) not in shape_only
                    and isinstance(n.ctx, gast.Load)):
                found.setdefault(n.id, []).append(None if compound else s)
    return {name: (candidates[name], stmts[0]) for name, stmts in found.items()
            if len(stmts) == 1 and stmts[0] is not None and _valued(stmts[0])}


def _recompute(again: dict[str, tuple], census: _Census) -> None:
    """The adjoint computes each value of ``again`` where it reads it, if that was its only
    read left (its shape-only reads found a stand-in); the primal then folds it."""
    for name, (value, stmt) in again.items():
        if census.adjoint_loads.get(name) != 1:
            continue
        stmt.value = Substitute(name, clone(value)).visit(stmt.value)
        census.loads[name] -= 1
        census.adjoint_loads[name] -= 1
        for n in scan(value):
            if isinstance(n, gast.Name):
                census.loads[n.id] = census.loads.get(n.id, 0) + 1
                census.adjoint_loads[n.id] = census.adjoint_loads.get(n.id, 0) + 1


def _shape_of(name: str, op: Any, shapes: dict[str, frozenset], params: set[str]) -> frozenset:
    """The names whose broadcast shape ``name`` has (itself, when that is not known)."""
    if op is None or op.kind != "call" or not elementwise(op.obj) or op.keywords:
        return frozenset([name])
    out: frozenset = frozenset()
    for a in op.args:
        if _number(a):
            continue
        if not isinstance(a, gast.Name) or a.id not in shapes or (
                a.id in params and isinstance(op.obj, np.ufunc)):
            return frozenset([name])
        out |= shapes[a.id]
    return out or frozenset([name])


def _shape_arg(node: gast.AST, objects: dict[str, Any]) -> gast.Name | None:
    """The argument of a shape-reading helper call that is read for its shape, if a name."""
    if not isinstance(node, gast.Call):
        return None
    obj = resolve(node.func, objects)
    for f, k in _SHAPE_READERS:
        if obj is f and len(node.args) > k and isinstance(node.args[k], gast.Name):
            return node.args[k]
    return None


def _number(node: gast.expr) -> bool:
    return (isinstance(node, gast.Constant) and isinstance(node.value, (int, float, complex))
            and not isinstance(node.value, bool))


def _target(s: gast.stmt) -> str | None:
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        return s.targets[0].id
    return None


class _Census:
    """Loads and stores of every name in both sweeps and the returned gradients, loads in the
    adjoint alone, and the arguments the adjoint reads only for their shapes: one walk."""

    def __init__(self, adj: Adjoint, objects: dict[str, Any]):
        self.loads: dict[str, int] = {}
        self.stores: dict[str, int] = {}
        self.adjoint_loads: dict[str, int] = {}
        self.shape_args: list[gast.Name] = []
        for part, adjoint in ((adj.primal, False), (adj.adjoint, True),
                              (adj.grads.values(), True)):
            for tree in part:
                for n in scan(tree):
                    if isinstance(n, gast.Name):
                        if isinstance(n.ctx, gast.Load):
                            self.loads[n.id] = self.loads.get(n.id, 0) + 1
                            if adjoint:
                                self.adjoint_loads[n.id] = self.adjoint_loads.get(n.id, 0) + 1
                        else:
                            self.stores[n.id] = self.stores.get(n.id, 0) + 1
                    elif adjoint and isinstance(n, gast.Call):
                        arg = _shape_arg(n, objects)
                        if arg is not None:
                            self.shape_args.append(arg)

    def move(self, old: str, new: str) -> None:
        """One adjoint load of ``old`` now reads ``new``."""
        for table in (self.loads, self.adjoint_loads):
            table[old] -= 1
            table[new] = table.get(new, 0) + 1


def _elementwise_expr(node: gast.expr, objects: dict[str, Any]) -> bool:
    """Arithmetic, ufuncs and ``unbroadcast``/``unreduce`` only: temporaries elision reuses."""
    if not pure_expr(node, objects):
        return False
    for n in scan(node):
        if isinstance(n, gast.Call):
            obj = resolve(n.func, objects)
            if not (elementwise(obj) or obj is unbroadcast or obj is unreduce):
                return False
        elif isinstance(n, (gast.Subscript, gast.Compare, gast.BoolOp, gast.IfExp)):
            return False
    return True


def _valued(s: gast.stmt) -> bool:  # a statement that evaluates one expression, where it stands
    return isinstance(s, (gast.Assign, gast.AugAssign, gast.Expr))


def _fresh(node: gast.expr, objects: dict[str, Any]) -> bool:
    """Computes a new array (arithmetic, or ``unbroadcast`` of it), not a view of another."""
    if isinstance(node, gast.Call) and node.args and resolve(node.func, objects) is unbroadcast:
        return _fresh(node.args[0], objects)
    return isinstance(node, (gast.BinOp, gast.UnaryOp))


def _ops(node: gast.AST) -> int:
    return sum(isinstance(n, (gast.Call, gast.BinOp, gast.UnaryOp)) for n in scan(node))


class _Folder:
    """Folds each statement ``value_of`` accepts into the one later statement reading it."""

    def __init__(self, value_of, objects: dict[str, Any], stack: str | None,
                 arithmetic_only: bool = False):
        self.value_of, self.objects, self.stack = value_of, objects, stack
        #: fold only into arithmetic (and unbroadcast/unreduce), not into other calls' arguments,
        #: where the line would grow long for no reuse of the temporary
        self.arithmetic_only = arithmetic_only
        self.facts: dict[int, tuple] = {}  # id(stmt) -> (loads, stores, safe to move across)
        self.folded: dict[str, gast.stmt] = {}  # folded name -> the statement it went into

    def block(self, stmts: list[gast.stmt]) -> None:
        i = 0
        while i < len(stmts):
            s = stmts[i]
            if isinstance(s, (gast.If, gast.For, gast.While)):
                self.block(s.body)
                self.block(s.orelse)
            name = self.value_of(s)
            if name is not None and self.fold(s, name, stmts, i):
                del stmts[i]
                continue
            i += 1

    def fold(self, s: gast.Assign, name: str, stmts: list[gast.stmt], i: int) -> bool:
        moved = names_in(s.value) | {name}
        for user in stmts[i + 1:]:
            loads, stores, safe = self.of(user)
            if name in loads:
                if (not _valued(user) or name not in names_in(user.value)
                        or _ops(user.value) + _ops(s.value) > _MAX_OPS
                        or (self.arithmetic_only and not self.in_arithmetic(user.value, name))):
                    return False  # read deeper inside (a loop or branch), or too long a line
                user.value = Substitute(name, s.value).visit(user.value)
                self.facts.pop(id(user))
                self.folded[name] = user
                return True
            if stores & moved or not safe:
                return False  # its inputs change, or an array may
        return False

    def in_arithmetic(self, value: gast.expr, name: str) -> bool:
        """Is ``name`` read in ``value`` itself, as an operand, or as what ``unbroadcast`` or
        ``unreduce`` reshapes?"""
        if isinstance(value, gast.Name):
            return True
        for node in scan(value):
            if isinstance(node, gast.Call) and resolve(node.func, self.objects) in _SHAPE_FNS:
                kids = node.args[:1]
            elif isinstance(node, gast.BinOp):
                kids = [node.left, node.right]
            elif isinstance(node, gast.UnaryOp):
                kids = [node.operand]
            else:
                continue
            if any(isinstance(k, gast.Name) and k.id == name for k in kids):
                return True
        return False

    def of(self, s: gast.stmt) -> tuple:
        facts = self.facts.get(id(s))
        if facts is None:
            facts = (names_in(s), names_in(s, gast.Store),
                     safe_between(s, self.objects, self.stack))
            self.facts[id(s)] = facts
        return facts
