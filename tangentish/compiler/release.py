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
    y = np.sum(_t2 ** 2)
    # grad of: y = np.sum(_t3)
    d_t3 = unreduce(dy, _t2, None, False)
    # grad of: _t1 = x @ w
    dx = matmul_grad_a(d_t3 * 2 * _t2 * (1 - _t2 * _t2), x, w)
    return dx

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
from tangentish.compiler.purity import elementwise, resolve
from tangentish.compiler.reverse import Adjoint

__all__ = ["release"]


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
    makes = [[_computes(s, op_of(s)) for s in adj.primal],
             [_computes_adjoint(s, objects) for s in adj.adjoint]]
    arrays = {s.targets[0].id for s, m in zip(adj.primal, makes[0]) if m}
    arrays |= {s.targets[0].id for s, m in zip(adj.adjoint, makes[1]) if m}
    arrays -= kept | nested
    # the last statement (sweep, index) that reads each array
    last: dict[str, tuple[int, int]] = {}
    for k, sweep in enumerate((adj.primal, adj.adjoint)):
        for i, s in enumerate(sweep):
            for name in names_in(s) & arrays:
                last[name] = (k, i)
            for name in names_in(s, gast.Store) & arrays:
                last.pop(name, None)  # assigned again: its reads so far are not the last
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


def _array_op(obj) -> bool:
    return elementwise(obj) or obj is operator.matmul or obj is np.matmul or (
        getattr(obj, "__name__", "").startswith("matmul_grad"))
