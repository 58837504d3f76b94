"""What generated code calls at a call site the compiler left to the tape.

A function the compiler transforms may call a helper it cannot transform (recursion, ``try``,
a generator). With ``fallback="tape"`` only that call runs on the tape: the primal sweep calls
``tape_vjp`` there and keeps the pullback, the adjoint sweep applies it::

    helper_pullback = tape_vjp(helper, h, _t1)
    _t2 = helper_pullback.value
    ...
    dh, d_t1 = helper_pullback(d_t2)

Forward mode asks ``tape_jvp`` for the helper's output tangent (a VJP differentiated with
respect to its cotangent, as ``torch.autograd.functional.jvp`` does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backend import is_array
from .tape import fallback
from .tape.autograd_api import grad as autograd_grad
from .tape.grad_mode import enable_grad
from .tape.tensor import Tensor

__all__ = ["Pullback", "tape_vjp", "tape_jvp"]


class Pullback:
    """One call's result (``.value``) and its pullback: ``pullback(dy)`` is a tuple of one
    gradient per positional argument (0.0 for Python ints, which carry none)."""

    __slots__ = ("value", "_pullback")

    def __init__(self, value: Any, pullback: Any):
        self.value, self._pullback = value, pullback

    def __call__(self, dy: Any) -> tuple:
        return self._pullback(dy)


def tape_vjp(fn: Any, *args: Any, **kwargs: Any) -> Pullback:
    """``fn(*args, **kwargs)`` run on the tape. Keyword arguments are constants (no gradient).

    NumPy scalars go in as 0-d arrays and their gradients come back as scalars of the same
    dtype, as on the compiled path (a float32 scalar stays float32).
    """
    scalars = [isinstance(a, np.floating) for a in args]
    args = tuple(np.asarray(a) if s else a for a, s in zip(args, scalars))
    call = (lambda *a: fn(*a, **kwargs)) if kwargs else fn
    value, pullback = fallback.vjp_via_tape(call, *args)
    if not any(scalars):
        return Pullback(value, pullback)

    def scalar_pullback(dy: Any) -> tuple:
        grads = pullback(dy)
        return tuple(g[()] if s and is_array(g) else g for g, s in zip(grads, scalars))

    return Pullback(value, scalar_pullback)


def tape_jvp(fn: Any, args: tuple, tangents: tuple, **kwargs: Any) -> Any:
    """The tangent of ``fn(*args, **kwargs)`` along ``tangents`` (one per argument)."""
    leaves = [_leaf(a) for a in args]
    with enable_grad():
        out = fn(*leaves, **kwargs)
        if not isinstance(out, Tensor) or not out.requires_grad:
            return np.zeros_like(out._data if isinstance(out, Tensor) else out)
        u = Tensor._wrap(np.zeros_like(out._data)).requires_grad_(True)
        wanted = [t for t in leaves if isinstance(t, Tensor)]
        grads = autograd_grad([out], wanted, [u], create_graph=True, allow_unused=True)
        total = None
        for g, t, dt in zip(grads, leaves, tangents):
            if g is None or not isinstance(t, Tensor):
                continue
            term = (g * Tensor._wrap(_array(dt, t))).sum()
            total = term if total is None else total + term
        if total is None:
            return np.zeros_like(out._data)
        (jv,) = autograd_grad([total], [u], allow_unused=True)
    return np.zeros_like(out._data) if jv is None else jv._data


def _leaf(a: Any) -> Any:
    """A float leaf Tensor for arrays and floats; ints, containers and the rest unchanged."""
    if is_array(a) and not isinstance(a, np.generic):
        data = a.copy() if a.dtype.kind in "fc" else a.astype(np.float64)
        return Tensor._wrap(data, requires_grad=True)
    if isinstance(a, (float, np.floating)):
        return Tensor._wrap(np.asarray(a, dtype=np.float64), requires_grad=True)
    return a


def _array(dt: Any, like: Tensor) -> Any:
    if is_array(dt) and not isinstance(dt, np.generic):
        return dt
    return np.full_like(like._data, dt)
