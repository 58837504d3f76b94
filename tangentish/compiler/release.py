"""Arrays freed after their last read: ``del`` in the generated function.

A value bound to a name lives until the function returns, so the gradient of a memory-bound
function holds every primal value the adjoint reads, and every adjoint, at once. Each large
array NumPy cannot take from memory it freed earlier in the same call costs page faults on
every call (about as much as an arithmetic pass over it). This pass deletes, right after the
statement that reads it last, each value computed by arithmetic at the top of the function,
when a later statement computes a new array that may reuse the memory:

>>> import numpy as np
>>> import tangentish as tg
>>> def f(x, w):
...     return np.sum(np.tanh(x @ w) ** 2)
>>> print(tg.source(tg.grad(f)).strip())
def df(x, w, dy=1.0):
    # primal
    _t1 = x @ w
    _t2 = np.tanh(_t1)
    del _t1
    # grad of: y = np.sum(_t2 ** 2)   (not computed)
    d_t3 = unreduce(dy, _t2, None, False)
    # grad of: _t2 = np.tanh(_t1)
    d_t1 = d_t3 * 2 * _t2 * (1 - _t2 * _t2)
    del _t2
    # grad of: _t1 = x @ w
    dx = matmul_grad_a(d_t1, x, w)
    return complete_grad(dx, x)

Only names assigned at the top level (not in a loop or branch) take part, never parameters,
the result or what the returned gradients read, and not in a ``vjp``, whose pullback keeps
what it reads anyway.
"""

from __future__ import annotations

import operator

import gast
import numpy as np

from tangentish.compiler.nodes import names_in
from tangentish.compiler.ops import op_of
from tangentish.compiler.purity import elementwise, resolve, scan
from tangentish.compiler.reverse import Adjoint
from tangentish.runtime.support import unbroadcast, unreduce

__all__ = ["release"]

_REDUCTIONS = (np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin)
_VIEWS = (unbroadcast, unreduce)  # calls that return their argument or a view of it


def release(adj: Adjoint) -> None:
    """Insert ``del`` statements into ``adj.primal`` and ``adj.adjoint`` (see the module)."""
    objects = adj.norm.namespace.objects
    kept = {adj.norm.result, adj.seed, adj.stack, *adj.norm.params, *adj.preset}
    for g in adj.grads.values():
        kept |= names_in(g)
    nested: set[str] = set()  # assigned inside a loop or branch somewhere
    for s in adj.primal + adj.adjoint:
        if isinstance(s, (gast.If, gast.For, gast.While)):
            nested |= names_in(s, gast.Store)
    small = _scalars(adj, objects)
    makes = [[_allocates(s, small, objects) for s in sweep] for sweep in (adj.primal, adj.adjoint)]
    arrays = {s.targets[0].id for s in adj.primal if _computes(s, op_of(s))}
    arrays |= {s.targets[0].id for s in adj.adjoint if _computes_adjoint(s, objects)}
    arrays -= kept | nested | small
    # the last statement (sweep, index) that reads each array
    last: dict[str, tuple[int, int]] = {}
    for k, sweep in enumerate((adj.primal, adj.adjoint)):
        for i, s in enumerate(sweep):
            names = [n for n in scan(s) if isinstance(n, gast.Name) and n.id in arrays]
            for n in names:
                if isinstance(n.ctx, gast.Load):
                    last[n.id] = (k, i)
            for n in names:
                if not isinstance(n.ctx, gast.Load):
                    last.pop(n.id, None)  # assigned again: its reads so far are not the last
    dies: dict[tuple[int, int], list[str]] = {}
    for name, (k, i) in last.items():
        if any(makes[k][i + 1:]) or (k == 0 and any(makes[1])):  # memory to reuse later on
            dies.setdefault((k, i), []).append(name)
    for k, sweep in ((1, adj.adjoint), (0, adj.primal)):
        for i in sorted((i for (kk, i) in dies if kk == k), reverse=True):
            targets = [gast.Name(id=n, ctx=gast.Del(), annotation=None, type_comment=None)
                       for n in sorted(dies[(k, i)])]
            sweep.insert(i + 1, gast.Delete(targets=targets))


def _computes(s: gast.stmt, op) -> bool:
    """A primal assignment whose value is a new array from arithmetic or a matrix product."""
    return (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
            and op is not None and op.kind == "call" and _array_op(op.obj))


def _computes_adjoint(s: gast.stmt, objects) -> bool:
    if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)):
        return False
    v = s.value
    if isinstance(v, (gast.BinOp, gast.UnaryOp)):
        return True
    return isinstance(v, gast.Call) and _array_op(resolve(v.func, objects))


def _allocates(s: gast.stmt, small: set[str], objects) -> bool:
    """May ``s`` make a new array that is not a single number (to reuse freed memory)?"""
    if not isinstance(s, (gast.Assign, gast.AugAssign)):
        return False
    target = s.targets[0] if isinstance(s, gast.Assign) else s.target
    if isinstance(target, gast.Name) and target.id in small:
        return False
    return any(isinstance(n, (gast.BinOp, gast.UnaryOp)) or (
        isinstance(n, gast.Call) and resolve(n.func, objects) not in _VIEWS)
        for n in scan(s.value))


def _scalars(adj: Adjoint, objects) -> set[str]:
    """Names known to hold one number: full reductions, shapes, arithmetic on them, and the
    adjoints of those."""
    small: set[str] = set()

    def number(e: gast.expr) -> bool:
        if isinstance(e, gast.Constant):
            return True
        if isinstance(e, gast.Name):
            return e.id in small
        if isinstance(e, gast.BinOp):
            return number(e.left) and number(e.right)
        if isinstance(e, gast.UnaryOp):
            return number(e.operand)
        if isinstance(e, gast.Attribute):  # x.shape, x.ndim, x.size
            return e.attr in ("shape", "ndim", "size") or number(e.value)
        if isinstance(e, gast.Subscript):  # an entry of a shape
            return number(e.value)
        if not isinstance(e, gast.Call) or any(k.arg == "out" for k in e.keywords):
            return False
        obj = resolve(e.func, objects)
        if any(obj is r for r in _REDUCTIONS):
            return len(e.args) == 1 and all(k.arg != "axis" or _is_none(k.value)
                                            for k in e.keywords)
        return elementwise(obj) and not e.keywords and all(number(a) for a in e.args)

    for s in adj.primal:
        op = op_of(s)
        if op is None or not isinstance(s, gast.Assign) or not isinstance(s.targets[0],
                                                                           gast.Name):
            continue
        if op.kind in ("inert", "const") or number(s.value):
            small.add(s.targets[0].id)
    adjoints = adj.norm.namer.adjoint_names()
    return small | {adjoints[v] for v in small if v in adjoints}


def _is_none(node: gast.expr) -> bool:
    return isinstance(node, gast.Constant) and node.value is None


def _array_op(obj) -> bool:
    return elementwise(obj) or obj is operator.matmul or obj is np.matmul or (
        getattr(obj, "__name__", "").startswith("matmul_grad"))
