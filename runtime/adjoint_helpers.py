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
from typing import Any

import numpy as np

from .backend import is_array
from .rules import table
from .support import (
    _is_fancy,
    getitem_grad,
    index_set,
    scatter_add,
    unbroadcast,
    value_grad,
    zero_at,
    zeros_like_tree,
)

__all__ = [
    "index_set", "as_list", "getitem_grad", "getitem_accumulate", "getitem_add", "item_grad",
    "add_grad", "complete_grad",
    "zero_grad", "zero_at", "value_grad", "as_list_grad", "drop_last",
    "sum_grads", "item", "reversed_list", "check_scalar", "list_sum", "shape_only",
]


# ---------------------------------------------------------------- primal helpers


def as_list(x: Any) -> list:
    """The items a ``for`` loop over ``x`` visits: rows of an array, elements, dict keys."""
    return x if isinstance(x, list) else list(x)




def reversed_list(xs: list) -> list:
    """``list(reversed(xs))``: a loop over ``reversed(xs)`` visits these."""
    return xs[::-1]


def reversed_list_vjp(dy, y, xs):
    return None if dy is None else list(dy[::-1])


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


def getitem_accumulate(acc: Any, dy: Any, x: Any, idx: Any) -> Any:
    """``acc + getitem_grad(dy, x, idx)``, in place when ``acc`` is an array the generated code
    made itself (the compiler only emits this for such adjoints): a loop reading ``xs[t]``
    costs one slice per step, not one array of xs's size."""
    if acc is None or not is_array(acc) or isinstance(x, (list, tuple, dict)):
        return add_grad(acc, getitem_grad(dy, x, idx))
    if _is_fancy(idx):  # repeated indices must all count
        return scatter_add(acc, idx, dy)
    acc[idx] += dy
    return acc


def getitem_add(acc: Any, dy: Any, x: Any, idx: Any) -> Any:
    """``getitem_accumulate`` without the in-place update: what transforming generated code
    again (higher derivatives) sees, so every value it saves stays as it was."""
    return add_grad(acc, getitem_grad(dy, x, idx))


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




def item_vjp(dy, y, x):
    return dy


def float_vjp(dy, y, x):
    return dy


table.defvjp(list_sum, list_sum_vjp, list_sum_vjp_start)
table.defvjp(item, item_vjp)
table.defvjp(reversed_list, reversed_list_vjp)
if table.lookup(float) is None:
    table.defvjp(float, float_vjp)


# Generated code is transformed again for higher derivatives (tg.grad(tg.grad(f))): the helpers
# it calls are primitives too. They are linear in the adjoint they carry.




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
table.defvjp(getitem_grad, None, shape_only(1))  # the dy slot is registered in rules/shape.py


def getitem_add_vjp_acc(dz, z, acc, dy, x, idx):
    return dz


def getitem_add_vjp_dy(dz, z, acc, dy, x, idx):
    return dz[idx]


table.defvjp(getitem_add, getitem_add_vjp_acc, getitem_add_vjp_dy, shape_only(2))
table.defvjp(add_grad, add_grad_vjp_a, add_grad_vjp_a)
table.defvjp(complete_grad, complete_grad_vjp)
table.defnondiff(zero_grad, check_scalar)
