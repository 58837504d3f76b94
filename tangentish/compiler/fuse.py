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
``_t3`` to be folded. Only names the compiler made are folded (``_t3``, ``d_t3``; never the
user's variables), only within one block, never past a statement that rebinds what the value
reads or that may change an array in place, and only while the reader stays a short line.

>>> import numpy as np
>>> import tangentish as tg
>>> def f(x, w):
...     return np.sum(np.tanh(x @ w) ** 2 * 3.0)
>>> print(tg.source(tg.grad(f)).strip())
def df(x, w, dy=1.0):
    # primal
    _t1 = x @ w
    _t2 = np.tanh(_t1)
    y = np.sum(_t2 ** 2 * 3.0)
    # grad of: y = np.sum(_t4)
    d_t4 = unreduce(dy, _t2, None, False)
    # grad of: _t2 = np.tanh(_t1)
    d_t1 = d_t4 * 3.0 * 2 * _t2 * (1 - _t2 * _t2)
    # grad of: _t1 = x @ w
    dx = matmul_grad_a(d_t1, x, w)
    return dx
"""

from __future__ import annotations

from typing import Any

import gast
import numpy as np

from tangentish.compiler.nodes import names_in
from tangentish.compiler.ops import op_of
from tangentish.compiler.optimize import _empty_comments, _head, _replace
from tangentish.compiler.purity import elementwise, pure_expr, resolve, safe_between
from tangentish.compiler.reverse import Adjoint
from tangentish.runtime.support import reduced_size, unbroadcast, unreduce

__all__ = ["fuse", "share_shapes"]

#: at most this many operations (calls, operators) in a statement that absorbs a temporary
_MAX_OPS = 6

#: runtime helpers and the position of the argument they read only for its shape
_SHAPE_READERS = ((unbroadcast, 1), (unreduce, 1), (reduced_size, 0))


def fuse(adj: Adjoint) -> None:
    """Point shape-only reads at shape-equal names, then fold both sweeps' temporaries."""
    objects = adj.norm.namespace.objects
    share_shapes(adj)
    loads, stores = _counts(adj.primal, adj.adjoint, adj.grads.values())
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
                and isinstance(s.value, (gast.BinOp, gast.UnaryOp))  # a fresh array, not a view
                and _elementwise_expr(s.value, objects)):
            return name
        return None

    _fold_block(adj.primal, primal_value, objects, adj.stack)
    _fold_block(adj.adjoint, adjoint_value, objects, adj.stack)
    adj.adjoint = _empty_comments(adj.adjoint)


def share_shapes(adj: Adjoint) -> None:
    """Reads of a value only for its shape, in the adjoint, read a kept value of equal shape.

    Shapes are tracked as sets of names broadcast together: ``t = a * 2.0 - b`` has the shape
    of ``a`` and ``b`` broadcast, whatever they are, so ``unbroadcast(g, t)`` may read any
    earlier kept value whose set is ``{a, b}``. Only names assigned once at the top of the
    primal take part (values inside loops reach the adjoint through the stack). A ufunc of a
    parameter starts a new set: ``np.exp`` of a list makes an array, with a shape the list
    lacks.
    """
    stores = _counts(adj.primal, adj.adjoint, adj.grads.values())[1]
    params = list(adj.norm.params)
    shapes: dict[str, frozenset] = {p: frozenset([p]) for p in params}
    order = list(params)
    for s in adj.primal:
        name = _target(s)
        if name is None or stores.get(name) != 1:
            continue
        shapes[name] = _shape_of(name, op_of(s), shapes, set(params))
        order.append(name)
    objects = adj.norm.namespace.objects
    shape_reads: dict[str, list[gast.Name]] = {}
    for s in adj.adjoint:
        for n in gast.walk(s):
            arg = _shape_arg(n, objects)
            if arg is not None and arg.id in shapes:
                shape_reads.setdefault(arg.id, []).append(arg)
    adjoint_loads = _counts(adj.adjoint, adj.grads.values())[0]
    synthetic = adj.norm.namer.synthetic_names

    def kept(name: str) -> bool:  # stays a variable: the adjoint reads its value, or the user's
        return (name in params or name not in synthetic
                or len(shape_reads.get(name, ())) < adjoint_loads.get(name, 0))

    for name, reads in shape_reads.items():
        if kept(name) or len(reads) != adjoint_loads.get(name, 0):
            continue
        earlier = order[:order.index(name)]
        same = [m for m in earlier if shapes[m] == shapes[name] and kept(m)]
        for n in reads if same else ():
            n.id = same[-1]  # the nearest: ``h ** 2`` reads as ``h``


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


def _counts(*parts) -> tuple[dict[str, int], dict[str, int]]:
    """Loads and stores of every name in ``parts`` (lists of statements or expressions)."""
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for tree in (t for part in parts for t in part):
        for n in gast.walk(tree):
            if isinstance(n, gast.Name):
                table = loads if isinstance(n.ctx, gast.Load) else stores
                table[n.id] = table.get(n.id, 0) + 1
    return loads, stores


def _elementwise_expr(node: gast.expr, objects: dict[str, Any]) -> bool:
    """Arithmetic, ufuncs and ``unbroadcast``/``unreduce`` only: temporaries elision reuses."""
    if not pure_expr(node, objects):
        return False
    for n in gast.walk(node):
        if isinstance(n, gast.Call):
            obj = resolve(n.func, objects)
            if not (elementwise(obj) or obj is unbroadcast or obj is unreduce):
                return False
        elif isinstance(n, (gast.Subscript, gast.Compare, gast.BoolOp, gast.IfExp)):
            return False
    return True


def _ops(node: gast.AST) -> int:
    return sum(isinstance(n, (gast.Call, gast.BinOp, gast.UnaryOp)) for n in gast.walk(node))


def _fold_block(stmts: list[gast.stmt], value_of, objects: dict[str, Any],
                stack: str | None) -> None:
    """Fold each statement ``value_of`` accepts into the one later statement reading it."""
    i = 0
    while i < len(stmts):
        s = stmts[i]
        if isinstance(s, (gast.If, gast.For, gast.While)):
            _fold_block(s.body, value_of, objects, stack)
            _fold_block(s.orelse, value_of, objects, stack)
        name = value_of(s)
        if name is not None:
            moved = names_in(s.value) | {name}
            for user in stmts[i + 1:]:
                if isinstance(user, (gast.Assign, gast.Expr)) and name in names_in(_head(user)):
                    if _ops(user.value) + _ops(s.value) <= _MAX_OPS:
                        _replace(user, name, s.value)
                        del stmts[i]
                        i -= 1
                    break
                if (name in names_in(user) or names_in(user, gast.Store) & moved
                        or not safe_between(user, objects, stack)):
                    break  # read deeper inside, its inputs change, or an array may
        i += 1
