"""After optimize: a weight's matrix-product adjoints in a reverse loop, added after it.

A weight read at every step of a loop gets one adjoint contribution per step. After
``inplace`` each is one BLAS call, ``dwh = matmul_grad_b_into(dwh, d, h, wh)``, but with a
batch of 16 rows it is a rank-16 update: at hidden 1024 every step reads and writes the whole
8 MB adjoint, at a fraction of BLAS's speed. This pass lets the factors wait in a list made for
the loop and adds them after it, as one product of the stacked factors (K = steps x rows),
which BLAS runs near its peak::

    for t in reversed(range(n)):                   dwh_parts = []
        ...                                        for t in reversed(range(n)):
        dwh = matmul_grad_b_into(dwh, d, h, wh)        ...
                                              ->       dwh = matmul_grad_b_defer(dwh, d, h,
                                                           wh, dwh_parts)
                                                   dwh = matmul_grad_b_flush(dwh, dwh_parts, wh)

``matmul_grad_a_into`` (the adjoint of a left factor fixed over the loop) becomes
``matmul_grad_a_defer``/``_flush`` the same way, and an outer product added a step (a weight's
adjoint from a matrix-vector product, ``da = add_into(da, d[:, None] * y)``) becomes
``da = outer_defer(da, d, y, da_parts)`` and ``da = outer_flush(da, da_parts)``. The runtime
decides each step whether the product waits: only for a NumPy adjoint big enough for its update
to be memory-bound (smaller ones run from cache at BLAS's speed already; outer products of NumPy
vectors always wait; duck arrays and the tape's Tensors are added at once); it flushes early
once enough rows wait, and stacks only what stacks exactly, so the result never depends on the
decision (``runtime.accumulate``).

Waiting is only invisible when nothing in the loop changes a kept factor's buffer before the
flush reads it. The loop's in-place writes are the accumulations ``inplace`` made (into
adjoints whose buffer no other name can reach), ``getitem_accumulate``, subscript and augmented
stores, ``out=`` and method calls on a value. A factor qualifies when no name it may share a
buffer with (through copies, views and ``unbroadcast``, anywhere in the adjoint sweep) is
written that way in the loop. The adjoint itself must be read and written in the loop only by
its accumulations, all with one fixed factor the loop does not assign, and the loop must not
``return``.

The helpers have rules (``*_defer`` those of ``*_into``; the flush the product adjoint per
kept pair and the identity for ``acc``), so the generated code can be differentiated again,
compiled or on the tape. (In the example, ``transposes`` then makes ``w_t``.)

>>> import numpy as np
>>> import tangentish as tg
>>> def f(h, w, xs):
...     for t in range(xs.shape[0]):
...         h = np.tanh(h @ w + xs[t])
...     return np.sum(h)
>>> print(tg.source(tg.grad(f, wrt=1)).split("# grad of: y")[1])
 = np.sum(h)   (not computed)
    dh = unreduce(dy, h, None, False)
    dw = zero_grad(w)
    dw_parts = []
    w_t = transposed(w, range(_t2))
    for t in reversed(range(_t2)):
        # grad of: h = np.tanh(_t3 + xs[t])
        d_t5 = dh * (1 - h * h)
        h = stack.pop()
        d_t3 = unbroadcast(d_t5, _t3)
        # grad of: _t3 = h @ w
        dh = matmul_grad_a_t(d_t3, h, w_t)
        dw = matmul_grad_b_defer(dw, d_t3, h, w, dw_parts)
        _t3 = stack.pop()
    dw = matmul_grad_b_flush(dw, dw_parts, w)
    return complete_grad(dw, w)
<BLANKLINE>
"""

from __future__ import annotations

import inspect
from typing import Any

import gast

from tangentish.compiler.inplace import fresh_value
from tangentish.compiler.nodes import call, load, names_in, statements, store, walk
from tangentish.runtime import accumulate as acc
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime.support import scatter_add, unbroadcast, unreduce

__all__ = ["defer_products", "has_loop", "around_loops", "bound_first", "known_objects",
           "written_in", "Aliases", "WRITERS", "VIEWS"]

#: product accumulation helper -> (its deferred form, its flush, the position of the factor
#: fixed over the loop); ``add_into`` of an outer product is the third form (``_form``)
_FLUSH = {acc.matmul_grad_b_into: (acc.matmul_grad_b_defer, acc.matmul_grad_b_flush, 3),
          acc.matmul_grad_a_into: (acc.matmul_grad_a_defer, acc.matmul_grad_a_flush, 2)}
#: helpers that write into their first argument and return it
WRITERS = (acc.add_into, acc.subtract_into, acc.matmul_grad_a_into, acc.matmul_grad_b_into,
           acc.matmul_grad_a_defer, acc.matmul_grad_b_defer, acc.matmul_grad_a_flush,
           acc.matmul_grad_b_flush, acc.outer_defer, acc.outer_flush,
           helpers.getitem_accumulate, scatter_add)
#: helpers that return their first argument or a view of it (the rest is read for shapes)
VIEWS = (unbroadcast, unreduce)


def defer_products(adj: Any) -> None:
    """Defer the product accumulations of every loop in ``adj.adjoint`` (see the module)."""
    if not has_loop(adj.adjoint):
        return
    objects, everything = known_objects(adj, _FLUSH.keys() | set(WRITERS) | set(VIEWS))
    sweep = gast.Module(body=adj.adjoint, type_ignores=[])
    if not any(objects.get(n) in _FLUSH or objects.get(n) is acc.add_into
               for n in names_in(sweep)):
        return
    aliases = Aliases(everything, objects, walk(sweep))
    around_loops(adj.adjoint, _Deferrer(adj, objects, everything, aliases).loop, bound_first(adj))


def has_loop(stmts: list[gast.stmt]) -> bool:
    """Does the sweep hold a loop (the passes that rewrite loops have nothing to do else)?"""
    return any(isinstance(s, (gast.For, gast.While)) for s in statements(stmts))


def known_objects(adj: Any, known: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The namespace's helpers in ``known`` (and modules), by their names in the generated code
    (found by identity: the namespace also holds arrays, which compare elementwise), and the
    whole namespace."""
    everything = adj.norm.namespace.objects
    return {name: obj for name, obj in everything.items()
            if inspect.ismodule(obj) or any(obj is k for k in known)}, everything


def around_loops(stmts: list[gast.stmt], rewrite: Any, defined: frozenset = frozenset()
                 ) -> None:
    """Put ``rewrite(loop, defined)``'s (before, after) statements around every loop in
    ``stmts``, outermost loops first (what it rewrites there, the inner loops no longer match).
    ``defined``: names bound on every path to the loop (the caller's, plus the assignments
    before it in its block and the blocks around it)."""
    k = 0
    while k < len(stmts):
        s = stmts[k]
        before, after = ([], []) if not isinstance(s, (gast.For, gast.While)) else rewrite(
            s, defined)
        stmts[k:k + 1] = [*before, s, *after]
        k += len(before) + 1 + len(after)
        for body in (getattr(s, "body", None), getattr(s, "orelse", None)):
            if isinstance(body, list):
                around_loops(body, rewrite, defined)
        if isinstance(s, gast.Assign):
            defined = defined | names_in(s.targets, gast.Store)


def bound_first(adj: Any) -> frozenset:
    """Names bound before the adjoint sweep on every path: parameters and the primal's
    top-level assignments. A statement put before a loop may read only these and what the
    sweep binds before it (a zero-step loop reads nothing, a hoisted read would fail)."""
    names = set(adj.norm.params)
    for s in adj.primal:
        if isinstance(s, gast.Assign):
            names |= names_in(s.targets, gast.Store)
    return frozenset(names)


class _Deferrer:
    def __init__(self, adj: Any, objects: dict[str, Any], everything: dict[str, Any],
                 aliases: Aliases):
        self.adj, self.objects, self.everything, self.aliases = adj, objects, everything, aliases

    def loop(self, loop: gast.stmt, defined: frozenset) -> tuple[list[gast.stmt],
                                                                  list[gast.stmt]]:
        """The statements to put before and after ``loop`` for its deferred adjoints."""
        nodes = walk(loop)
        if any(isinstance(n, gast.Return) for n in nodes):
            return [], []
        found = self.accumulations(nodes)
        if not found:
            return [], []
        written = written_in(nodes, self.objects, self.adj.stack)
        unsafe = self.aliases.classes(written)
        before, after = [], []
        ns = self.adj.norm.namespace
        for name, stmts in found.items():
            form = self.deferrable(name, stmts, loop, nodes, written, unsafe)
            if form is None or not {name} | set(form[2]) <= defined:
                continue  # (the flush reads these, also after a loop of no steps)
            later, flush, fixed = form
            parts = self.adj.norm.namer.fresh(f"{name}_parts")
            for s in stmts:  # rewritten where they stand
                s.value = call(load(ns.helper(later)), [*_form(s, self.objects)[3],
                                                        load(parts)])
            before.append(gast.Assign(targets=[store(parts)],
                                      value=gast.List(elts=[], ctx=gast.Load()),
                                      type_comment=None))
            after.append(gast.Assign(targets=[store(name)], value=call(
                load(ns.helper(flush)), [load(name), load(parts), *map(load, fixed)]),
                type_comment=None))
        return before, after

    def accumulations(self, nodes: list[gast.AST]) -> dict[str, list[gast.Assign]]:
        """The accumulations in the loop that may wait (``_form``), by adjoint name."""
        found: dict[str, list[gast.Assign]] = {}
        for s in nodes:
            if _form(s, self.objects) is not None:
                found.setdefault(s.targets[0].id, []).append(s)
        return found

    def deferrable(self, name: str, stmts: list[gast.Assign], loop: gast.stmt,
                   nodes: list[gast.AST], written: set[str], unsafe: set[str]
                   ) -> tuple[Any, Any, tuple[str, ...]] | None:
        """The deferred and the flush helper and the fixed factor's name (if any), or None
        where waiting is not safe."""
        forms = {_form(s, self.objects)[:3] for s in stmts}
        if len(forms) != 1:
            return None  # different helpers or fixed factors
        loads = sum(1 for n in nodes if type(n) is gast.Name and n.id == name
                    and isinstance(n.ctx, gast.Load))
        stores = {id(n) for n in nodes if type(n) is gast.Name and n.id == name
                  and isinstance(n.ctx, (gast.Store, gast.Del))}
        own = {id(s.targets[0]) for s in stmts}
        if loads != len(stmts) or stores != own:
            return None  # read or written in the loop by something else
        form = forms.pop()
        if any(type(n) is gast.Name and n.id in form[2] and not isinstance(
                n.ctx, gast.Load) for n in nodes):
            return None  # the fixed factor changes in the loop
        for s in stmts:
            for a in _form(s, self.objects)[4]:
                if a.id == name or (self.aliases.find(a.id) in unsafe and not self.fresh_each_step(
                        a.id, s, loop, written)):
                    return None
        return form

    def fresh_each_step(self, name: str, keep: gast.stmt, loop: gast.stmt,
                        written: set[str]) -> bool:
        """Is ``name`` written in the loop only by itself, between a fresh value bound to it
        and ``keep`` (which keeps it), in the same step? Then what ``keep`` kept is never
        written again: the next step writes a new buffer. (``dz = dz + g`` before ``dz``'s
        product, where ``z`` is read twice, is ``dz = add_into(dz, g)``.)"""
        if {n for n in written if self.aliases.find(n) == self.aliases.find(name)} != {name}:
            return False  # another name may write this buffer
        body = loop.body
        at = next((k for k, s in enumerate(body) if s is keep), None)
        if at is None:
            return False
        bound = False
        for k, s in enumerate(body):
            stores = name in names_in(s, (gast.Store, gast.Del))
            writes = name in written_in(walk(s), self.objects, self.adj.stack)
            if not (stores or writes):
                continue
            if not isinstance(s, gast.Assign) or k > at:
                return False  # in a nested block, or after the keeping statement
            if writes and bound and self.objects.get(getattr(s.value.func, "id", None)) in \
                    WRITERS and len(s.targets) == 1 and getattr(s.targets[0], "id", None) == name:
                continue  # name = writer(name, ...) after the fresh value
            if stores and not writes and len(s.targets) == 1 and isinstance(
                    s.targets[0], gast.Name) and fresh_value(s.value, self.everything):
                bound = True
                continue
            return False
        return True


def _form(s: gast.AST, objects: dict[str, Any]) -> tuple | None:
    """For an accumulation that may wait: (deferred helper, flush, names of the fixed factors,
    the deferred helper's arguments before ``parts``, the kept factors); else None.

    ``G = matmul_grad_b_into(G, d, a, w)`` keeps ``d, a`` (``w`` fixed); ``_a_into`` keeps
    ``d, b``; ``G = add_into(G, x[:, None] * y)`` (an outer product) keeps ``x, y``.
    """
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(
            s.targets[0], gast.Name) and isinstance(s.value, gast.Call)):
        return None
    name, v = s.targets[0].id, s.value
    if not (isinstance(v.func, gast.Name) and not v.keywords and v.args and isinstance(
            v.args[0], gast.Name) and v.args[0].id == name):
        return None
    helper = objects.get(v.func.id)
    if helper in _FLUSH and len(v.args) == 4 and all(isinstance(a, gast.Name) for a in v.args):
        later, flush, position = _FLUSH[helper]
        kept = [a for i, a in enumerate(v.args[1:], 1) if i != position]
        return later, flush, (v.args[position].id,), list(v.args), kept
    if helper is acc.add_into and len(v.args) == 2:
        factors = _outer(v.args[1])
        if factors is not None:
            return acc.outer_defer, acc.outer_flush, (), [v.args[0], *factors], factors
    return None


def _outer(g: gast.expr) -> list[gast.Name] | None:
    """``[x, y]`` for ``g = x[:, None] * y`` (names), else None."""
    if not (isinstance(g, gast.BinOp) and isinstance(g.op, gast.Mult)
            and isinstance(g.right, gast.Name) and isinstance(g.left, gast.Subscript)
            and isinstance(g.left.value, gast.Name)):
        return None
    index = g.left.slice
    if (isinstance(index, gast.Tuple) and len(index.elts) == 2
            and isinstance(index.elts[0], gast.Slice)
            and index.elts[0].lower is index.elts[0].upper is index.elts[0].step is None
            and isinstance(index.elts[1], gast.Constant) and index.elts[1].value is None):
        return [g.left.value, g.right]
    return None


#: Array methods that read their object and return a new value (``d.sum(axis=0)``, which the
#: shape variants emit for a bias's adjoint): never a write.
READING_METHODS = frozenset({
    "sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "copy", "astype", "dot",
    "cumsum", "cumprod", "argmax", "argmin", "round", "clip", "conj", "item", "tolist",
})


def written_in(nodes: list[gast.AST], objects: dict[str, Any], stack: str | None) -> set[str]:
    """Names whose buffer ``nodes`` (a loop) may change in place (``objects``: the known helpers
    by name, ``stack``: the stack list, whose pops change no array)."""
    out: set[str] = set()
    for n in nodes:
        if isinstance(n, gast.AugAssign):
            out |= names_in(n.target, None)
        elif isinstance(n, (gast.Subscript, gast.Attribute)) and not isinstance(
                n.ctx, gast.Load):
            out |= names_in(n.value)
        elif isinstance(n, gast.Call):
            f = n.func
            if isinstance(f, gast.Name) and objects.get(f.id) in WRITERS and n.args:
                out |= names_in(n.args[0])
            elif (isinstance(f, gast.Attribute) and isinstance(f.value, gast.Name)
                  and f.value.id != stack and not inspect.ismodule(objects.get(f.value.id))
                  and f.attr not in READING_METHODS):
                out.add(f.value.id)  # a method may change its object
            for k in n.keywords:
                if k.arg == "out":
                    out |= names_in(k.value)
    return out


class Aliases:
    """Names that may share a buffer, over the whole adjoint sweep (flow-insensitive): a name
    is joined to every name its assigned value may return a reference to or a view of, and an
    object to what its methods are given (``stack.append(x)``, then ``y = stack.pop()``)."""

    def __init__(self, everything: dict[str, Any], objects: dict[str, Any],
                 nodes: list[gast.AST]):
        self.parent: dict[str, str] = {}
        for n in nodes:
            if isinstance(n, gast.Assign):
                self.join(names_in(n.targets, None), self.sources(n.value, everything, objects))
            elif isinstance(n, gast.For):
                self.join(names_in(n.target, None), names_in(n.iter))
            elif (isinstance(n, gast.Call) and isinstance(n.func, gast.Attribute)
                  and isinstance(n.func.value, gast.Name)
                  and not inspect.ismodule(everything.get(n.func.value.id))):
                self.join({n.func.value.id}, names_in(n.args))  # lst.append(x): lst holds x

    @staticmethod
    def sources(value: gast.expr, everything: dict[str, Any], objects: dict[str, Any]
                ) -> set[str]:
        """The names whose buffer ``value`` may return (``objects``: the helpers known here)."""
        if fresh_value(value, everything):
            return set()
        if isinstance(value, gast.Call) and isinstance(value.func, gast.Name) and (
                objects.get(value.func.id) in WRITERS + VIEWS) and value.args:
            return names_in(value.args[0])
        return names_in(value)

    def find(self, name: str) -> str:
        root = name
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        self.parent[name] = root
        return root

    def join(self, targets: set[str], sources: set[str]) -> None:
        names = sorted(targets | sources)
        for other in names[1:]:
            a, b = self.find(names[0]), self.find(other)
            if a != b:
                self.parent[b] = a

    def classes(self, names: set[str]) -> set[str]:
        return {self.find(n) for n in names}
