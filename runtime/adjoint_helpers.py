"""Run-time helpers that generated adjoint code calls, beyond ``support``.

Generated code imports only ``tangentish.runtime``. These helpers give values that are not
arrays (lists, tuples, dicts) an adjoint of the same structure, and make subscript assignment
and loops over sequences functional, so that the caller's arguments are never mutated and the
generated code can itself be transformed again. Container adjoints may be *sparse*: a dict
adjoint may lack keys, a list adjoint may hold ``None`` for elements with no gradient yet;
``complete_grad`` fills them with zeros where a user sees the result.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

import numpy as np

from .backend import is_array
from .rules import table
from .support import unbroadcast, zeros_like_tree

__all__ = [
    "index_set", "as_list", "getitem_grad", "item_grad", "add_grad", "complete_grad",
    "zero_grad", "index_set_grad_x", "index_set_grad_v", "as_list_grad", "drop_last",
    "sum_grads", "astype", "item", "check_scalar", "list_sum", "shape_only",
]


# ---------------------------------------------------------------- primal helpers


def index_set(x: Any, idx: Any, v: Any) -> Any:
    """``x`` with ``x[idx] = v``, as a new value (``x`` itself is never modified)."""
    if isinstance(x, dict):
        out = dict(x)
    elif isinstance(x, (list, tuple)):
        out = list(x)
    else:
        out = x.copy()
    out[idx] = v
    return type(x)(out) if isinstance(x, tuple) else out


def as_list(x: Any) -> list:
    """The items a ``for`` loop over ``x`` visits: rows of an array, elements, dict keys."""
    return x if isinstance(x, list) else list(x)


def astype(x: Any, dtype: Any) -> Any:
    return x.astype(dtype)


def item(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x


def list_sum(xs: Any, start: Any = 0) -> Any:
    return builtins.sum(xs, start)


def check_scalar(y: Any, name: str) -> None:
    """grad needs a scalar result; say so before computing a meaningless gradient."""
    if is_array(y) and y.size != 1 or isinstance(y, (list, tuple, dict)):
        shape = getattr(y, "shape", None)
        what = f"an array of shape {tuple(shape)}" if shape is not None else type(y).__name__
        raise TypeError(f"tg.grad needs {name} to return a scalar, but it returned {what}; "
                        "use tg.vjp for non-scalar outputs")


# ---------------------------------------------------------------- adjoint helpers


def zero_grad(x: Any) -> Any:
    """Zeros with the structure of ``x``."""
    return zeros_like_tree(x)


def add_grad(a: Any, b: Any) -> Any:
    """``a + b`` for adjoints of any structure; None and missing entries mean zero."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = add_grad(out.get(k), v)
        return out
    if isinstance(a, (list, tuple)):
        return type(a)(add_grad(p, q) for p, q in zip(a, b))
    return a + b


def complete_grad(g: Any, x: Any) -> Any:
    """A dense adjoint of ``x``: sparse entries of ``g`` filled with zeros shaped like x's."""
    if g is None:
        return zeros_like_tree(x)
    if isinstance(x, dict):
        return type(x)((k, complete_grad(g.get(k), v)) for k, v in x.items())
    if isinstance(x, (list, tuple)) and not is_array(g):
        items = [complete_grad(p, q) for p, q in zip(g, x)]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    return g


def getitem_grad(dy: Any, x: Any, idx: Any) -> Any:
    """The adjoint of ``x`` from ``y = x[idx]`` (sparse for containers)."""
    if isinstance(x, dict):
        return {idx: dy}
    if isinstance(x, (list, tuple)):
        out: list[Any] = [None] * len(x)
        if isinstance(idx, slice):
            for pos, g in zip(range(*idx.indices(len(x))), dy):
                out[pos] = g
        else:
            out[idx] = dy
        return out
    entry = table.lookup(operator.getitem)
    if entry is not None and 0 in entry.vjp:
        return entry.vjp[0](dy, None, x, idx)
    out = np.zeros_like(x)
    np.add.at(out, idx, dy)
    return out


def item_grad(dy: Any, y: Any, key: Any) -> Any:
    """The adjoint of element ``key`` of a container ``y`` from its (maybe sparse) adjoint."""
    if dy is None:
        return zeros_like_tree(y[key])
    if isinstance(dy, dict):
        g = dy.get(key)
    else:
        g = dy[key] if key < len(dy) else None
    return zeros_like_tree(y[key]) if g is None else g


def drop_last(dy: Any) -> Any:
    """The adjoint of ``xs`` from ``ys = [*xs, v]``."""
    return None if dy is None else list(dy[:-1])


def index_set_grad_x(dy: Any, idx: Any) -> Any:
    """The adjoint of ``x`` from ``y = index_set(x, idx, v)``: dy with the slots of idx zeroed."""
    if isinstance(dy, dict):
        return {k: v for k, v in dy.items() if k != idx}
    if isinstance(dy, (list, tuple)):
        return index_set(dy, idx, None)
    return index_set(dy, idx, 0)


def index_set_grad_v(dy: Any, idx: Any, v: Any) -> Any:
    """The adjoint of ``v`` from ``y = index_set(x, idx, v)``."""
    if isinstance(dy, (dict, list, tuple)):
        g = dy.get(idx) if isinstance(dy, dict) else dy[idx]
        return zeros_like_tree(v) if g is None else g
    return unbroadcast(dy[idx], v)


def as_list_grad(dy: Any, x: Any) -> Any:
    """The adjoint of ``x`` from ``items = as_list(x)``."""
    if isinstance(x, dict):
        return None
    if isinstance(x, (list, tuple)):
        return dy if isinstance(x, list) else tuple(dy)
    rows = [np.zeros_like(x[0]) if g is None else g for g in dy]
    return np.stack(rows) if rows else np.zeros_like(x)


def sum_grads(dy: Any, xs: Any) -> list:
    """The adjoints of the elements of ``xs`` from ``y = sum(xs)``."""
    return [unbroadcast(dy, x) for x in xs]


# ---------------------------------------------------------------- rules of the helpers above


def list_sum_vjp(dy, y, xs, start=0):
    return sum_grads(dy, xs)


def list_sum_vjp_start(dy, y, xs, start=0):
    return unbroadcast(dy, start)


def astype_vjp(dy, y, x, dtype):
    return dy


def item_vjp(dy, y, x):
    return dy


def float_vjp(dy, y, x):
    return dy


table.defvjp(list_sum, list_sum_vjp, list_sum_vjp_start)
table.defvjp(astype, astype_vjp)
table.defvjp(item, item_vjp)
if table.lookup(float) is None:
    table.defvjp(float, float_vjp)


# Generated code is transformed again for higher derivatives (tg.grad(tg.grad(f))): the helpers
# it calls are primitives too. They are linear in the adjoint they carry.


def getitem_grad_vjp(dz, z, dy, x, idx):
    return dz[idx]


def add_grad_vjp_a(dz, z, a, b):
    return dz


def complete_grad_vjp(dz, z, g, x):
    return dz


def shape_only(argnum: int):
    """The VJP of an argument only read for its shape: zero (the compiler emits nothing)."""

    def zero_vjp(dy, y, *args, **kwargs):
        return zeros_like_tree(args[argnum])

    zero_vjp.tg_zero = True
    return zero_vjp


table.defvjp(unbroadcast, None, shape_only(1))  # arg 0: rules/shape.py
table.defvjp(getitem_grad, getitem_grad_vjp, shape_only(1))
table.defvjp(add_grad, add_grad_vjp_a, add_grad_vjp_a)
table.defvjp(complete_grad, complete_grad_vjp)
table.defnondiff(zero_grad, check_scalar)
