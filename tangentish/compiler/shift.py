"""Maxima the result does not depend on: the shift of a stable logsumexp or softmax.

``top = np.max(x); y = top + np.log(np.sum(np.exp(x - top)))`` has the same value for any
``top``: the shift only keeps ``exp`` in range. Its adjoint is zero in exact arithmetic, yet
left active it costs the adjoint of ``max`` (a tie mask over ``x``, five passes) and rounds to
a small nonzero number. This analysis proves the invariance and takes ``top`` out of the
active set, so neither sweep differentiates it:

>>> import numpy as np
>>> from tangentish.compiler import activity
>>> from tangentish.compiler.normalize import normalize_function
>>> def lse(x):
...     top = np.max(x)
...     return top + np.log(np.sum(np.exp(x - top)))
>>> norm = normalize_function(lse)
>>> act = activity.analyze(norm, ["x"])
>>> drop_shifts(norm, act)
['top']
>>> "top" in act.active
False

Every value computed from ``top`` is tracked as *shifted* (``base + k*top``) or *scaled*
(``base * exp(k*top)``); ``exp``, ``log``, sums, products and quotients move between the two,
and a value with ``k = 0`` no longer depends on ``top``. Any other use of a value that does
(indexing, a branch, another function, the result) leaves ``top`` active. A sum keeps the
factor ``exp(k*top)`` only over the axes the maximum reduced (with ``keepdims``), or over any
axes when the maximum is a single number.
"""

from __future__ import annotations

import operator
from typing import Any

import gast
import numpy as np

from tangentish.compiler.activity import Activity
from tangentish.compiler.normalize import Normalized
from tangentish.compiler.ops import op_of
from tangentish.compiler.purity import scan

__all__ = ["drop_shifts"]

_MAXIMA = (np.max, np.amax)
_ADD = (operator.add, np.add)
_SUB = (operator.sub, np.subtract)
_MUL = (operator.mul, np.multiply)
_DIV = (operator.truediv, np.divide)
_NEG = (operator.neg, np.negative)


def drop_shifts(norm: Normalized, act: Activity) -> list[str]:
    """Remove shift-only maxima at the function's top level from ``act.active``; their names."""
    body = norm.node.body
    if not any(_is_max(getattr(op_of(s), "obj", None)) for s in body):
        return []
    loads: dict[str, int] = {}
    stores: dict[str, int] = {}
    for n in scan(norm.node):
        if isinstance(n, gast.Name):
            table = loads if isinstance(n.ctx, gast.Load) else stores
            table[n.id] = table.get(n.id, 0) + 1
    dropped = []
    for i, s in enumerate(body):
        op = op_of(s)
        if (op is None or op.kind != "call" or not _is_max(op.obj) or len(op.args) != 1
                or not isinstance(s.targets[0], gast.Name)):
            continue
        top = s.targets[0].id
        axes = _reduction(op)
        if (top in act.active and stores.get(top) == 1 and axes is not None
                and _invariant(body[i + 1:], top, axes, loads, stores)):
            act.active.discard(top)
            dropped.append(top)
    return dropped


def _is_max(obj: Any) -> bool:
    return any(obj is m for m in _MAXIMA)


def _reduction(op: Any) -> tuple | None:
    """(axis, keepdims) of a reduction with constant keywords, else None."""
    kw = dict(op.keywords)
    if set(kw) - {"axis", "keepdims"} or not all(isinstance(v, gast.Constant) or
                                                 _const_tuple(v) for v in kw.values()):
        return None
    axis = kw.get("axis")
    keep = kw.get("keepdims")
    return (_value(axis), bool(_value(keep)))


def _const_tuple(node: gast.expr) -> bool:
    return isinstance(node, gast.Tuple) and all(isinstance(e, gast.Constant) for e in node.elts)


def _value(node: gast.expr | None) -> Any:
    if node is None:
        return None
    if isinstance(node, gast.Tuple):
        return tuple(e.value for e in node.elts)
    return node.value


def _invariant(rest: list[gast.stmt], top: str, axes: tuple, loads: dict, stores: dict) -> bool:
    """Does nothing after ``top``'s definition depend on it except through k=0 values?"""
    uniform = axes[0] is None  # one number: any sum keeps its factor
    label: dict[str, tuple[str, int]] = {top: ("shifted", 1)}  # name -> (shifted|scaled, k)
    seen: dict[str, int] = {}  # loads of labelled names in statements understood
    for s in rest:
        used = [n.id for n in scan(s) if isinstance(n, gast.Name)
                and isinstance(n.ctx, gast.Load) and n.id in label]
        if not used:
            continue
        op = op_of(s)
        if (not isinstance(s, gast.Assign) or op is None or op.kind not in ("call", "copy")
                or not isinstance(s.targets[0], gast.Name) or stores.get(s.targets[0].id) != 1):
            return False
        if op.kind == "copy":
            out = label.get(s.value.id) if isinstance(s.value, gast.Name) else None
        else:
            out = _rule(op, [label.get(a.id) if isinstance(a, gast.Name) else None
                             for a in op.args], uniform, axes)
        if out is False:
            return False
        for name in used:
            seen[name] = seen.get(name, 0) + 1
        if out is not None and out[1] != 0:
            label[s.targets[0].id] = out
    # every use of a value that still depends on top was one of the statements above
    return all(seen.get(name, 0) == loads.get(name, 0) for name in label)


def _rule(op: Any, labels: list, uniform: bool, axes: tuple) -> Any:
    """The label of ``op``'s result from its arguments' (None: independent of top), False when
    ``op`` is not one this analysis understands."""
    obj = op.obj
    if any(obj is f for f in _ADD + _SUB + _NEG):
        if any(lab is not None and lab[0] != "shifted" for lab in labels) or op.keywords:
            return False
        ks = [lab[1] if lab else 0 for lab in labels]
        k = -ks[0] if any(obj is f for f in _NEG) else (
            ks[0] + ks[1] if any(obj is f for f in _ADD) else ks[0] - ks[1])
        return ("shifted", k)
    if any(obj is f for f in _MUL + _DIV):
        if any(lab is not None and lab[0] != "scaled" for lab in labels) or op.keywords:
            return False
        ks = [lab[1] if lab else 0 for lab in labels]
        return ("scaled", ks[0] + ks[1] if any(obj is f for f in _MUL) else ks[0] - ks[1])
    (lab,) = labels[:1] or [None]
    if lab is None or len(labels) != 1:
        return False
    if obj is np.exp and lab[0] == "shifted" and not op.keywords:
        return ("scaled", lab[1])
    if obj is np.log and lab[0] == "scaled" and not op.keywords:
        return ("shifted", lab[1])
    if obj is np.sum and lab[0] == "scaled":
        red = _reduction(op)
        if red is not None and (uniform or (red == axes and axes[1])):
            return lab
    return False
