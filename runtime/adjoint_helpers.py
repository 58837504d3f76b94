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
    _real_for,
    fill_none,
    getitem_grad,
    index_set,
    scatter_add,
    unbroadcast,
    value_grad,
    zero_at,
    zeros_like_tree,
)

__all__ = [
    "index_set", "as_list", "getitem_grad", "subscript_grad", "read_back", "getitem_accumulate",
    "getitem_add", "item_grad", "add_grad", "complete_grad", "zero_grad", "zero_at",
    "value_grad", "as_list_grad", "drop_last", "sum_grads", "item", "reversed_list", "keys_of",
    "check_scalar", "list_sum", "shape_only", "only_shape", "item_cotangent", "restacked",
]


# ---------------------------------------------------------------- primal helpers


def as_list(x: Any) -> list:
    """The items a ``for`` loop over ``x`` visits: rows of an array, elements, dict keys."""
    return x if isinstance(x, list) else list(x)




def keys_of(d: Any) -> list:
    """``list(d)``: the keys a ``for k, v in d.items()`` loop visits (no derivative), named so
    that generated code transformed again does not meet ``list`` of an active dict."""
    return list(d)


def reversed_list(xs: list) -> list:
    """``list(reversed(xs))``: a loop over ``reversed(xs)`` visits these."""
    return xs[::-1]


def item(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x


def list_sum(xs: Any, start: Any = 0) -> Any:
    return builtins.sum(xs, start)


#: One read-only zero-strided NumPy array per (shape, dtype): loops push the same few shapes
#: every iteration, and making the view (zeros_like + broadcast_to, ~10 us) cost more than the
#: arithmetic on small arrays. Read-only, so sharing one between pushes is safe.
_SHAPE_VIEWS: dict[Any, Any] = {}
#: arrays this small are kept as they are (ode's 4-element states): no key to build
_KEEP_SMALL = 32


def only_shape(x: Any) -> Any:
    """What the stack keeps of a value the adjoint sweep reads only for its shape: a zero-strided
    array of x's shape and dtype, in x's library (one element of memory instead of x's)."""
    if type(x) is np.ndarray:
        if x.size <= _KEEP_SMALL:  # x itself: cheaper than the lookup, a few bytes more
            return x
        key = (x.shape, x.dtype)
        view = _SHAPE_VIEWS.get(key)
        if view is None:
            if len(_SHAPE_VIEWS) >= 256:  # bound the cache for programs with many shapes
                _SHAPE_VIEWS.clear()
            view = _SHAPE_VIEWS[key] = np.broadcast_to(np.zeros((), x.dtype), x.shape)
        return view
    if not is_array(x):
        return x
    return np.broadcast_to(np.zeros_like(x, shape=()), x.shape)


def check_scalar(y: Any, name: str) -> None:
    """grad needs a scalar result; say so before computing a meaningless gradient."""
    kind = type(y)
    if kind is float or kind is np.float64:  # the hot cases: nothing to probe
        return
    if is_array(y) and y.size != 1 or isinstance(y, (list, tuple, dict)):
        shape = getattr(y, "shape", None)
        what = f"an array of shape {tuple(shape)}" if shape is not None else kind.__name__
        raise TypeError(f"tg.grad needs {name} to return a scalar, but it returned {what}; "
                        "use tg.vjp for non-scalar outputs")
    if not is_array(y) and not isinstance(y, (int, float, complex, np.number)):
        raise TypeError(f"tg.grad needs {name} to return a number, but it returned "
                        f"{kind.__name__} ({y!r:.40})")


# ---------------------------------------------------------------- adjoint helpers


def zero_grad(x: Any) -> Any:
    """Zeros with the structure of ``x``."""
    return zeros_like_tree(x)


def add_grad(a: Any, b: Any) -> Any:
    """``a + b`` for adjoints of any structure; None and missing entries mean zero."""
    if type(a) is np.ndarray and type(b) is np.ndarray:  # the hot case: skip the probes
        return a + b
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
    if type(g) is np.ndarray and type(x) is np.ndarray:  # already dense
        return g
    if g is None:
        return zeros_like_tree(x)
    if isinstance(x, dict) and isinstance(g, dict):
        return type(x)((k, complete_grad(g.get(k), v)) for k, v in x.items())
    if isinstance(x, (list, tuple)) and isinstance(g, (list, tuple)):
        items = [complete_grad(p, q) for p, q in zip(g, x)]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, (list, tuple)) and is_array(g) and g.ndim and not hasattr(x, "_fields"):
        # a NumPy function took the (maybe nested) list as an array (np.stack([a, [b, c]])):
        # its adjoint is that array, split along the list so that an inner list or a number
        # reads its own part (not the whole array spread over each element)
        return type(x)(complete_grad(g[i], v) for i, v in enumerate(x))
    if isinstance(x, (dict, list, tuple)) or (is_array(x) and not is_array(g)):
        # a plain number standing for a whole container or array (a zero tangent, a scalar
        # seed): spread it over x's structure and shape
        return _spread(g, x)
    return g


def _spread(g: Any, x: Any) -> Any:
    if isinstance(x, dict):
        return type(x)((k, _spread(g, v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        items = [_spread(g, v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if is_array(x):
        return np.zeros_like(x) + g
    return g


def subscript_grad(dy: Any, x: Any, idx: Any) -> Any:
    """The adjoint of ``x`` from ``y = x[idx]``: ``support.getitem_grad`` (sparse for lists,
    tuples and dicts), with rules that read sparse adjoints back densely (higher orders)."""
    return getitem_grad(dy, x, idx)


def read_back(dz: Any, x: Any, idx: Any) -> Any:
    """``dz[idx]`` for an adjoint ``dz`` of ``x`` that may be sparse (None, missing keys)."""
    if isinstance(x, dict):
        return item_grad(dz, x, idx)
    if isinstance(x, (list, tuple)):
        if not isinstance(idx, slice):
            return item_grad(dz, x, idx)
        return [item_grad(dz, x, i) for i in range(*idx.indices(len(x)))]
    return dz[idx]


def getitem_accumulate(acc: Any, dy: Any, x: Any, idx: Any) -> Any:
    """``acc + getitem_grad(dy, x, idx)``, in place when ``acc`` is an array the generated code
    made itself (the compiler only emits this for such adjoints): a loop reading ``xs[t]``
    costs one slice per step, not one array of xs's size."""
    if acc is None or not is_array(acc) or isinstance(x, (list, tuple, dict)):
        return add_grad(acc, subscript_grad(dy, x, idx))
    if _is_fancy(idx):  # repeated indices must all count
        return scatter_add(acc, idx, dy)
    acc[idx] += _real_for(dy, acc)
    return acc


def getitem_add(acc: Any, dy: Any, x: Any, idx: Any) -> Any:
    """``getitem_accumulate`` without the in-place update: what transforming generated code
    again (higher derivatives) sees, so every value it saves stays as it was."""
    return add_grad(acc, subscript_grad(dy, x, idx))


def item_grad(dy: Any, y: Any, key: Any) -> Any:
    """The adjoint of element ``key`` of a container ``y`` from its (maybe sparse) adjoint."""
    if is_array(dy) and dy.ndim and isinstance(y, (list, tuple)):
        # a NumPy function took the list as an array (np.max([a, b])): its adjoint is one
        return complete_grad(dy[key], y[key])
    if dy is None or not isinstance(dy, (dict, list, tuple)):
        # no adjoint yet, or a plain zero standing for "nothing" (forward mode's zero tangent)
        return zeros_like_tree(y[key])
    if isinstance(dy, dict):
        g = dy.get(key)
    else:
        g = dy[key] if -len(dy) <= key < len(dy) else None
    return complete_grad(g, y[key])  # dense: it becomes an ordinary adjoint


def item_cotangent(dz: Any, dy: Any, y: Any, key: Any) -> Any:
    """The cotangent of ``dy`` from ``z = item_grad(dy, y, key)`` (reverse over reverse): shaped
    like ``dy``, an array where a NumPy function took the list ``y`` as one."""
    if is_array(dy) and dy.ndim and isinstance(y, (list, tuple)):
        return getitem_grad(restacked(dz, dy[key], y[key]), dy, key)
    return subscript_grad(dz, y, key)


def restacked(dz: Any, g: Any, x: Any) -> Any:
    """``dz``, a (maybe sparse) list adjoint of ``x``, as an array where ``g``, the adjoint it
    stands beside, is one: the cotangent of ``complete_grad(g, x)``."""
    if is_array(g) and isinstance(dz, (list, tuple)):
        return np.stack(fill_none(dz, g)) if dz else np.zeros_like(g)
    return dz


def drop_last(dy: Any) -> Any:
    """The adjoint of ``xs`` from ``ys = [*xs, v]``."""
    if not isinstance(dy, (list, tuple)):
        return dy  # None, or a plain zero
    return list(dy[:-1])






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
# Generated code calls these helpers, and generated code is itself transformed again (grad of
# grad, forward over reverse): each helper is a primitive with VJP and JVP rules. The adjoint
# helpers are linear in the adjoint they carry; arguments read only for their shape or
# structure have ``shape_only`` slots (zero, and the compiler emits nothing for them).


def shape_only(argnum: int):
    """The VJP of an argument only read for its shape: zero (the compiler emits nothing)."""

    def zero_vjp(dy, y, *args, **kwargs):
        return zeros_like_tree(args[argnum])

    zero_vjp.tg_zero = True
    return zero_vjp


def identity_vjp(dz, z, x):
    return dz


def identity_jvp(dx, z, x):
    return dx


def list_sum_vjp(dz, z, xs, start=0):
    return sum_grads(dz, xs)


def list_sum_vjp_start(dz, z, xs, start=0):
    return unbroadcast(dz, start)


def list_sum_jvp(dxs, z, xs, start=0):
    return list_sum(dxs)


def list_sum_jvp_start(dstart, z, xs, start=0):
    return dstart


def reversed_list_vjp(dz, z, xs):
    return None if dz is None else reversed_list(as_list(dz))


def reversed_list_jvp(dxs, z, xs):
    return reversed_list(dxs)


def as_list_vjp(dz, z, x):
    return as_list_grad(dz, x)


def as_list_jvp(dx, z, x):
    return as_list(dx)


def add_grad_vjp(dz, z, a, b):
    return dz


def add_grad_jvp(da, z, a, b):
    return da


def complete_grad_vjp(dz, z, g, x):
    return restacked(dz, g, x)


def complete_grad_jvp(dg, z, g, x):
    return complete_grad(dg, x)


def getitem_add_vjp_acc(dz, z, acc, dy, x, idx):
    return dz


def getitem_add_vjp_dy(dz, z, acc, dy, x, idx):
    return read_back(dz, x, idx)


def getitem_add_jvp_acc(dacc, z, acc, dy, x, idx):
    return dacc


def getitem_add_jvp_dy(ddy, z, acc, dy, x, idx):
    return subscript_grad(ddy, x, idx)


def subscript_grad_vjp(dz, z, dy, x, idx):
    return read_back(dz, x, idx)


def subscript_grad_jvp(ddy, z, dy, x, idx):
    return subscript_grad(ddy, x, idx)


def item_grad_vjp(dz, z, dy, y, key):
    return item_cotangent(dz, dy, y, key)


def item_cotangent_vjp(dw, w, dz, dy, y, key):
    return item_grad(dw, y, key)


def item_cotangent_jvp(ddz, w, dz, dy, y, key):
    return item_cotangent(ddz, dy, y, key)


def restacked_vjp(dw, w, dz, g, x):
    return dw  # an array adjoint of the list dz: item_grad reads it as one


def restacked_jvp(ddz, w, dz, g, x):
    return restacked(ddz, g, x)


def item_grad_jvp(ddy, z, dy, y, key):
    return item_grad(ddy, y, key)


def drop_last_vjp(dz, z, dy):
    return None if dz is None else [*dz, None]


def drop_last_jvp(ddy, z, dy):
    return drop_last(ddy)


def as_list_grad_vjp(dz, z, dy, x):
    return as_list(dz) if is_array(dz) else dz


def as_list_grad_jvp(ddy, z, dy, x):
    return as_list_grad(ddy, x)


_RULES = [
    (list_sum, (list_sum_vjp, list_sum_vjp_start), (list_sum_jvp, list_sum_jvp_start)),
    (item, (identity_vjp,), (identity_jvp,)),
    (reversed_list, (reversed_list_vjp,), (reversed_list_jvp,)),
    (as_list, (as_list_vjp,), (as_list_jvp,)),
    (add_grad, (add_grad_vjp, add_grad_vjp), (add_grad_jvp, add_grad_jvp)),
    (complete_grad, (complete_grad_vjp, shape_only(1)), (complete_grad_jvp,)),
    (getitem_add, (getitem_add_vjp_acc, getitem_add_vjp_dy, shape_only(2), shape_only(3)),
     (getitem_add_jvp_acc, getitem_add_jvp_dy)),
    (subscript_grad, (subscript_grad_vjp, shape_only(1), shape_only(2)), (subscript_grad_jvp,)),
    (item_grad, (item_grad_vjp, shape_only(1), shape_only(2)), (item_grad_jvp,)),
    (item_cotangent, (item_cotangent_vjp, shape_only(2), shape_only(3), shape_only(4)),
     (item_cotangent_jvp,)),
    (restacked, (restacked_vjp, shape_only(2), shape_only(3)), (restacked_jvp,)),
    (drop_last, (drop_last_vjp,), (drop_last_jvp,)),
    (as_list_grad, (as_list_grad_vjp, shape_only(1)), (as_list_grad_jvp,)),
]
for _helper, _vjps, _jvps in _RULES:
    table.defvjp(_helper, *_vjps)
    table.defjvp(_helper, *_jvps)
table.defvjp(unbroadcast, None, shape_only(1))  # arg 0: rules/shape.py
# Index arguments carry no gradient; in generated code they may come off the stack, which
# activity analysis treats as one value, so they are marked rather than left without a rule.
table.defvjp(getitem_grad, None, shape_only(1), shape_only(2))  # the dy slot: rules/shape.py
table.defnondiff(zero_grad, check_scalar, only_shape, keys_of)

from . import accumulate  # noqa: E402, F401  (matmul_grad_*_into and their rules)
