"""Pass 4, activity analysis: which variables need an adjoint.

A variable is *varied* when its value depends differentiably on a ``wrt`` parameter, *useful*
when the result depends differentiably on it, and *active* when both. Only active variables get
adjoint statements; everything else (loop counters, shapes, conditions, values computed from
constants) passes through the reverse sweep untouched. The analysis is flow-insensitive: a name
is active if any assignment to it is, which is conservative and cheap.

It also finds *structured* variables (lists, tuples and dicts, or anything subscripted), whose
adjoints are accumulated with ``add_grad`` rather than ``+``.

>>> import numpy as np
>>> from tangentish.compiler.normalize import normalize_function
>>> def f(x, n):
...     k = n * 2
...     y = np.sin(x) * k
...     return y
>>> a = analyze(normalize_function(f), ["x"])
>>> sorted(a.active)
['_t1', 'x', 'y']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import gast

from tangentish.compiler.nodes import statements
from tangentish.compiler.normalize import Normalized
from tangentish.compiler.ops import Op, op_of
from tangentish.runtime.rules import table

__all__ = ["Activity", "analyze", "assignments", "deps_of", "scalar_vars"]


@dataclass
class Activity:
    varied: set[str] = field(default_factory=set)
    useful: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)
    structured: set[str] = field(default_factory=set)
    #: variables subscripted directly (their adjoint may be a sparse container)
    subscripted: set[str] = field(default_factory=set)


def assignments(stmts: list[gast.stmt]) -> Iterator[gast.Assign]:
    """Every normalized assignment in ``stmts``, nested blocks included."""
    for s in stmts:
        if isinstance(s, gast.Assign):
            yield s
        for block in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                yield from assignments(getattr(s, block))


def _names(nodes) -> list[str]:
    return [n.id for n in nodes if isinstance(n, gast.Name)]


def deps_of(op: Op) -> list[str]:
    """The variables an assignment's value depends on differentiably."""
    if op.kind == "copy":
        return []  # filled by the caller from the value node
    if op.kind == "call":
        if table.is_nondiff(op.obj):
            return []
        return _names(op.args) + _names(v for _, v in op.keywords)
    if op.kind in ("build", "append", "index_set", "iter"):
        return _names(op.args)
    if op.kind == "opaque":  # active operands make this an error (or a fallback), not a zero
        return _names(op.args) + _names(v for _, v in op.keywords)
    return []


def analyze(norm: Normalized, wrt: list[str]) -> Activity:
    edges: list[tuple[str, list[str], Op]] = []
    for s in assignments(norm.node.body):
        op = op_of(s)
        target = s.targets[0].id
        if op.kind == "copy":
            deps = [s.value.id]
        elif op.kind == "getitem":
            deps = _names([s.value.value])
        else:
            deps = deps_of(op)
        edges.append((target, deps, op))
    act = Activity()
    act.varied = _reach(set(wrt), [(deps, [target]) for target, deps, _ in edges])
    act.useful = _reach({norm.result}, [([target], deps) for target, deps, _ in edges])
    act.active = act.varied & act.useful
    act.structured = _structured(edges)
    act.subscripted = {d for _, deps, op in edges if op.kind == "getitem" for d in deps}
    return act


def _container_prims() -> set:
    from tangentish.runtime import adjoint_helpers as h
    from tangentish.runtime import support
    from tangentish.runtime.rules import shape

    # split_axis / split_like: the adjoint of np.stack's / np.concatenate's list is a list
    return {h.subscript_grad, h.add_grad, h.complete_grad, h.drop_last, h.item_grad,
            h.zero_grad, h.as_list, h.as_list_grad, h.getitem_add, h.reversed_list,
            h.sum_grads, h.read_back, h.item_cotangent, h.restacked, support.getitem_grad,
            support.zero_at, support.value_grad, support.index_set, shape.split_axis,
            shape.split_like}


_CONTAINER_PRIMS = _container_prims()


def _sequence_prims() -> set:
    """Primitives taking a list of arrays: their VJP for it is a list (``+`` would concatenate)."""
    import numpy as np

    from tangentish.runtime import adjoint_helpers as h

    return {h.list_sum, np.stack, np.concatenate, np.hstack, np.vstack, np.dstack,
            np.linalg.multi_dot, np.array, np.asarray}


_SEQUENCE_PRIMS = _sequence_prims()


def _reach(start: set[str], links: list[tuple[list[str], list[str]]]) -> set[str]:
    """Every name reachable from ``start`` along (sources -> targets) links (a worklist)."""
    graph: dict[str, set[str]] = {}
    for sources, targets in links:
        for a in sources:
            graph.setdefault(a, set()).update(targets)
    seen, todo = set(start), list(start)
    while todo:
        for b in graph.get(todo.pop(), ()):
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def _structured(edges) -> set[str]:
    seeds: set[str] = set()
    links: list[tuple[str, str]] = []
    for target, deps, op in edges:
        if op.kind == "call" and op.obj in _CONTAINER_PRIMS:
            seeds.add(target)  # generated code transformed again: adjoints of containers
        if (op.kind == "call" and op.obj in _SEQUENCE_PRIMS and op.args
                and isinstance(op.args[0], gast.Name)):
            seeds.add(op.args[0].id)  # ``sum(ps)``, ``np.stack(xs)``: its adjoint is a list
        if op.kind == "getitem":
            seeds.update(deps)
        elif op.kind in ("build", "append", "iter"):
            seeds.add(target)
            if op.kind == "append":
                links.append((target, deps[0]))
            if op.kind == "iter":
                seeds.update(deps)
        elif op.kind == "copy":
            links.append((target, deps[0]))
    out = set(seeds)
    changed = True
    while changed:
        changed = False
        for a, b in links:
            if (a in out) != (b in out):
                out.update((a, b))
                changed = True
    return out


def scalar_vars(norm: Normalized, scalar_params: set[str]) -> set[str]:
    """Variables that hold Python or NumPy scalars whenever ``scalar_params`` do.

    Used to specialise code for Python-float arguments: there ``unbroadcast`` is the identity
    and ``math`` replaces NumPy in adjoint expressions. Optimistic fixed point: every name is a
    scalar until one of its assignments may produce something else.
    """
    import numpy as np

    edges = []
    loop_vars: set[str] = set()
    for s in statements(norm.node.body):
        if isinstance(s, gast.For):
            loop_vars.add(s.target.id)  # range() loops only, after normalize
    for s in assignments(norm.node.body):
        edges.append((s.targets[0].id, s, op_of(s)))
    # a parameter that is not a scalar stays one even where the body reassigns it
    not_scalar = (set(norm.params) | {norm.vararg}) - set(scalar_params)
    scalars = ({t for t, _, _ in edges} | set(scalar_params) | loop_vars) - not_scalar
    objects = norm.namespace.objects

    def is_scalar(node) -> bool:
        if isinstance(node, gast.Constant):
            return isinstance(node.value, (int, float))
        if isinstance(node, gast.Name):
            if node.id in objects:
                return isinstance(objects[node.id], (int, float))
            return node.id in scalars
        return False

    def produces_scalar(s, op) -> bool:
        if op.kind == "inert":
            return True
        if op.kind == "const":
            return is_scalar(s.value)
        if op.kind == "copy":
            return is_scalar(s.value)
        if op.kind == "call":
            elementwise = isinstance(op.obj, np.ufunc) or getattr(
                op.obj, "__module__", None) in ("math", "_operator", "operator")
            return elementwise and not op.keywords and all(is_scalar(a) for a in op.args)
        return False

    changed = True
    while changed:
        changed = False
        for target, s, op in edges:
            if target in scalars and not produces_scalar(s, op):
                scalars.discard(target)
                changed = True
    return scalars
