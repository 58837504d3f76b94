"""After defer: a matrix fixed over a reverse loop is transposed once, before the loop.

The adjoint of ``h @ wh`` for ``h`` is ``matmul_grad_a(d, h, wh)``, ``d @ wh.T``, and BLAS
multiplies by a transposed operand more slowly than by a row-major one (rnn hidden 128: 17.6 us
against 10.3 us a step). Where ``wh`` is the same in every step, the loop multiplies by a copy
made once (``runtime.transposed``; the runtime makes it only where the loop has enough steps to
pay for it, and is a view otherwise)::

    for t in reversed(range(n)):                  wh_t = transposed(wh, range(n))
        dh = matmul_grad_a(d, h, wh)      ->      for t in reversed(range(n)):
                                                      dh = matmul_grad_a_t(d, h, wh_t)

Only in ``for`` loops over a ``range`` (the step count is known before the loop), only for a
matrix bound on every path to the loop (a loop of no steps reads nothing), and only where the
loop neither rebinds the matrix nor may write its buffer in place (``defer``'s analysis: no
name that may share it is updated in place in the loop).

>>> import numpy as np
>>> import tangentish as tg
>>> def g(h, w, n):
...     for _ in range(n):
...         h = np.sin(h @ w)
...     return np.sum(h)
>>> source = tg.source(tg.grad(g, wrt=0))
>>> print(source[source.index("    w_t ="):source.index("        # grad of: h =")])
    w_t = transposed(w, range(n))
    for _ in reversed(range(n)):
<BLANKLINE>
>>> "dh = matmul_grad_a_t(d_t1, h, w_t)" in source
True
"""

from __future__ import annotations

import builtins
from typing import Any

import gast

from tangentish.compiler.defer import (
    VIEWS,
    WRITERS,
    Aliases,
    around_loops,
    bound_first,
    has_loop,
    known_objects,
    written_in,
)
from tangentish.compiler.nodes import call, clone, load, names_in, store, walk
from tangentish.runtime.rules.linalg import matmul_grad_a
from tangentish.runtime.transposed import matmul_grad_a_t, transposed

__all__ = ["hoist_transposes"]


def hoist_transposes(adj: Any) -> None:
    """Transpose each loop-fixed right factor of ``matmul_grad_a`` once (see the module)."""
    if not has_loop(adj.adjoint):
        return
    objects, everything = known_objects(adj, {matmul_grad_a, *WRITERS, *VIEWS})
    sweep = gast.Module(body=adj.adjoint, type_ignores=[])
    if not any(objects.get(n) is matmul_grad_a for n in names_in(sweep)):
        return
    aliases = Aliases(everything, objects, walk(sweep))
    ns, namer = adj.norm.namespace, adj.norm.namer

    def loop(node: gast.stmt, defined: frozenset) -> tuple[list[gast.stmt], list[gast.stmt]]:
        steps = _range_of(node, everything)
        if steps is None:
            return [], []
        nodes = walk(node)
        stored = names_in(node, (gast.Store, gast.Del))
        unsafe = aliases.classes(written_in(nodes, objects, adj.stack))
        copies: dict[str, str] = {}
        for n in nodes:
            if not (isinstance(n, gast.Call) and isinstance(n.func, gast.Name)
                    and objects.get(n.func.id) is matmul_grad_a and len(n.args) == 3
                    and not n.keywords and isinstance(n.args[2], gast.Name)):
                continue
            w = n.args[2].id
            if w in stored or w not in defined or aliases.find(w) in unsafe:
                continue
            if w not in copies:
                copies[w] = namer.fresh(f"{w}_t")
            n.func = load(ns.helper(matmul_grad_a_t))
            n.args[2] = load(copies[w])
        before = [gast.Assign(targets=[store(wt)], value=call(
            load(ns.helper(transposed)), [load(w), clone(steps)]), type_comment=None)
            for w, wt in copies.items()]
        return before, []

    around_loops(adj.adjoint, loop, bound_first(adj))


def _range_of(loop: gast.stmt, everything: dict[str, Any]) -> gast.expr | None:
    """The ``range(...)`` call a ``for`` loop runs over, maybe ``reversed``; else None."""
    if not isinstance(loop, gast.For) or loop.orelse:
        return None
    it = loop.iter
    if _calls(it, everything, reversed) and len(it.args) == 1:
        it = it.args[0]
    return it if _calls(it, everything, range) else None


def _calls(e: gast.expr, everything: dict[str, Any], fn: Any) -> bool:
    return (isinstance(e, gast.Call) and isinstance(e.func, gast.Name) and not e.keywords
            and everything.get(e.func.id, getattr(builtins, e.func.id, None)) is fn)
