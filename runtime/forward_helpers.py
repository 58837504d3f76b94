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
    astype,
    complete_grad,
    drop_last,
    getitem_grad,
    index_set,
    index_set_grad_v,
    index_set_grad_x,
    item,
    item_grad,
    list_sum,
    shape_only,
    sum_grads,
)
from .rules import table
from .support import unreduce, zeros_like_tree

__all__ = ["zero_tangent"]


def zero_tangent(x: Any) -> Any:
    """The zero tangent of ``x``: zeros of its structure, ``None`` for ``None``."""
    return None if x is None else zeros_like_tree(x)


table.defnondiff(zero_tangent)


# ---------------------------------------------------------------- JVPs of the adjoint helpers


def add_grad_jvp(da, y, a, b):
    return da


def complete_grad_jvp(dg, y, g, x):
    return complete_grad(dg, x)


def getitem_grad_jvp(ddy, y, dy, x, idx):
    return getitem_grad(ddy, x, idx)


def item_grad_jvp(ddy, out, dy, y, key):
    return item_grad(ddy, y, key)


def drop_last_jvp(ddy, y, dy):
    return drop_last(ddy)


def index_set_grad_x_jvp(ddy, y, dy, idx):
    return index_set_grad_x(ddy, idx)


def index_set_grad_v_jvp(ddy, y, dy, idx, v):
    return index_set_grad_v(ddy, idx, v)


def as_list_grad_jvp(ddy, y, dy, x):
    return as_list_grad(ddy, x)


def sum_grads_jvp(ddy, y, dy, xs):
    return sum_grads(ddy, xs)


def list_sum_jvp(dxs, y, xs, start=0):
    return list_sum(dxs)


def list_sum_jvp_start(dstart, y, xs, start=0):
    return dstart


def astype_jvp(dx, y, x, dtype):
    return astype(dx, dtype)


def item_jvp(dx, y, x):
    return item(dx)


table.defjvp(add_grad, add_grad_jvp, add_grad_jvp)
table.defjvp(complete_grad, complete_grad_jvp)
table.defjvp(getitem_grad, getitem_grad_jvp)
table.defjvp(item_grad, item_grad_jvp)
table.defjvp(drop_last, drop_last_jvp)
table.defjvp(index_set_grad_x, index_set_grad_x_jvp)
table.defjvp(index_set_grad_v, index_set_grad_v_jvp)
table.defjvp(as_list_grad, as_list_grad_jvp)
table.defjvp(sum_grads, sum_grads_jvp)
table.defjvp(list_sum, list_sum_jvp, list_sum_jvp_start)
table.defjvp(astype, astype_jvp)
table.defjvp(item, item_jvp)


# The primal helpers of generated code (``items = as_list(xs)``, ``y = index_set(x, i, v)``)
# are primitives too when generated code is read again, in both modes.


def as_list_jvp(dx, y, x):
    return as_list(dx)


def as_list_vjp(dy, y, x):
    return as_list_grad(dy, x)


def index_set_jvp_x(dx, y, x, idx, v):
    return index_set(dx, idx, zero_tangent(v))


def index_set_jvp_v(dv, y, x, idx, v):
    return index_set(zero_tangent(x), idx, dv)


def index_set_vjp_x(dy, y, x, idx, v):
    return index_set_grad_x(dy, idx)


def index_set_vjp_v(dy, y, x, idx, v):
    return index_set_grad_v(dy, idx, v)


table.defjvp(as_list, as_list_jvp)
table.defvjp(as_list, as_list_vjp)
table.defjvp(index_set, index_set_jvp_x, None, index_set_jvp_v)
table.defvjp(index_set, index_set_vjp_x, None, index_set_vjp_v)


# Reverse over reverse: slots only read for their shape. (No VJP for item_grad yet: the
# reverse pass would accumulate the list adjoint it returns with ``+``.)
table.defvjp(complete_grad, None, shape_only(1))
table.defvjp(unreduce, None, shape_only(1))
