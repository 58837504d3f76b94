"""Run-time helpers of generated forward-mode (tangent) code, and the rules that let generated
code be differentiated again (forward over reverse: Hessians, HVPs; reverse over reverse).

Generated adjoints call the helpers of ``adjoint_helpers`` (``add_grad``, ``item_grad``, ...).
Every one of them is linear in the adjoint it carries, so its JVP is the helper itself applied
to the tangent of that adjoint. Adjoints may be ``None`` or sparse containers ("no gradient
yet"); their tangents have the same sparsity, which is why the zero tangent of ``None`` is
``None`` (``zero_tangent``) and not ``0.0``.
"""

from __future__ import annotations

from typing import Any

from .adjoint_helpers import (
    add_grad,
    as_list,
    as_list_grad,
    complete_grad,
    drop_last,
    getitem_add,
    item,
    item_grad,
    list_sum,
    reversed_list,
    shape_only,
    sum_grads,
)
from .rules import table
from .support import getitem_grad, unreduce, zeros_like_tree

__all__ = ["zero_tangent"]


def zero_tangent(x: Any) -> Any:
    """The zero tangent of ``x``: zeros of its structure, ``None`` for ``None``."""
    return None if x is None else zeros_like_tree(x)


table.defnondiff(zero_tangent)


# ---------------------------------------------------------------- JVPs of the adjoint helpers


def add_grad_jvp(da, y, a, b):
    return da


def getitem_add_jvp_acc(dacc, y, acc, dy, x, idx):
    return dacc


def getitem_add_jvp_dy(ddy, y, acc, dy, x, idx):
    return getitem_grad(ddy, x, idx)


def complete_grad_jvp(dg, y, g, x):
    return complete_grad(dg, x)


def item_grad_jvp(ddy, out, dy, y, key):
    return item_grad(ddy, y, key)


def drop_last_jvp(ddy, y, dy):
    return drop_last(ddy)


def as_list_grad_jvp(ddy, y, dy, x):
    return as_list_grad(ddy, x)


def sum_grads_jvp(ddy, y, dy, xs):
    return sum_grads(ddy, xs)


def list_sum_jvp(dxs, y, xs, start=0):
    return list_sum(dxs)


def list_sum_jvp_start(dstart, y, xs, start=0):
    return dstart


def item_jvp(dx, y, x):
    return item(dx)


def reversed_list_jvp(dxs, y, xs):
    return reversed_list(dxs)


table.defjvp(add_grad, add_grad_jvp, add_grad_jvp)
table.defjvp(getitem_add, getitem_add_jvp_acc, getitem_add_jvp_dy)
table.defjvp(complete_grad, complete_grad_jvp)
table.defjvp(item_grad, item_grad_jvp)
table.defjvp(drop_last, drop_last_jvp)
table.defjvp(as_list_grad, as_list_grad_jvp)
table.defjvp(sum_grads, sum_grads_jvp)
table.defjvp(list_sum, list_sum_jvp, list_sum_jvp_start)
table.defjvp(item, item_jvp)
table.defjvp(reversed_list, reversed_list_jvp)


# ``items = as_list(xs)`` in generated code read again is a primitive, in both modes.


def as_list_jvp(dx, y, x):
    return as_list(dx)


def as_list_vjp(dy, y, x):
    return as_list_grad(dy, x)


table.defjvp(as_list, as_list_jvp)
table.defvjp(as_list, as_list_vjp)


# Reverse over reverse: slots only read for their shape. (No VJP for item_grad yet: the
# reverse pass would accumulate the list adjoint it returns with ``+``.)
table.defvjp(complete_grad, None, shape_only(1))
table.defvjp(unreduce, None, shape_only(1))
