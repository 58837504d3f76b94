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
from .tape.fallback import table_grad
from .tape.grad_mode import _state as _grad_state
from .tape.grad_mode import enable_grad
from .tape.mathshim import with_math_on_tensors
from .tape.tensor import Tensor

__all__ = ["Pullback", "tape_vjp", "tape_jvp", "jvp_via_tape", "hvp_via_tape"]


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
    if any(isinstance(a, Tensor) for a in args):
        return _recorded(fn, args, kwargs)
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


def _recorded(fn: Any, args: tuple, kwargs: dict) -> Pullback:
    """The generated code is itself running on the tape (``tg.grad(tg.grad(f))`` fell back to
    it): call ``fn`` on the tape's Tensors, so the outer tape records it, and make the
    pullback a differentiable ``autograd.grad`` (``create_graph``)."""
    with enable_grad():
        out = fn(*args, **kwargs)

    def pullback(dy: Any) -> tuple:
        flat: list = []
        _flatten(out, flat)
        cots: list = []
        _flatten(dy, cots) if isinstance(out, (tuple, list, dict)) else cots.append(dy)
        pairs = [(o, c) for o, c in zip(flat, cots)
                 if isinstance(o, Tensor) and o.requires_grad]
        inputs = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor)
                  and a.requires_grad]
        grads: list = [None] * len(args)
        if pairs and inputs:
            with enable_grad():
                found = table_grad([o for o, _ in pairs], [a for _, a in inputs],
                                   [fallback._seed(o, c) for o, c in pairs],
                                   create_graph=True, allow_unused=True)
            for (i, _), g in zip(inputs, found):
                grads[i] = g
        return tuple(g if g is not None else (a * 0.0 if isinstance(a, Tensor) else 0.0)
                     for g, a in zip(grads, args))

    return Pullback(out, pullback)


def tape_jvp(fn: Any, args: tuple, tangents: tuple, **kwargs: Any) -> Any:
    """The tangent of ``fn(*args, **kwargs)`` along ``tangents`` (one nest per argument, the
    shape of the arguments), shaped like the output (tuples, lists and dicts of arrays too)."""
    return _push(fn, args, tangents, kwargs)[1]


def jvp_via_tape(fn: Any, args: tuple, tangents: tuple) -> tuple[Any, Any]:
    """``(fn(*args), tangent)`` for ``tg.jvp`` of a function the compiler cannot transform:
    what the generated code returns (0-d results as scalars, the arguments' array library)."""
    out, tangent = _push(fn, args, tangents, {})
    return fallback._value(out), _scalars(tangent)


def _push(fn: Any, args: tuple, tangents: tuple, kwargs: dict) -> tuple[Any, Any]:
    """The output (Tensors where it depends on ``args``) and its tangent, by the double-VJP
    trick: the VJP is linear in its cotangent, so differentiating it gives ``J t``."""
    leaves: list = []
    wrapped = [fallback._wrap(a, leaves, ints=False) for a in args]
    directions: list = []
    for a, t in zip(args, tangents):
        _pair(a, t, directions)
    # NumPy code on the tape, as fallback._run runs it: a.sort() in place, 0-d ``+=`` rebinds,
    # float(x) warns (without this, jvp's tape sorted nothing and lost float() silently)
    # (and through the same math/numpy shims: math.sin(x), np.mean([a, b]) reach the tape)
    fn = with_math_on_tensors(fn)
    previous, _grad_state.fallback = _grad_state.fallback, True
    try:
        with enable_grad():
            out = fn(*wrapped, **kwargs)
    finally:
        _grad_state.fallback = previous
    with enable_grad():
        flat: list = []
        rebuild = _flatten(out, flat)
        live = [i for i, o in enumerate(flat) if isinstance(o, Tensor) and o.requires_grad]
        seeds = [Tensor._wrap(np.zeros_like(flat[i]._data)).requires_grad_(True) for i in live]
        tangent_of: dict[int, Any] = {}
        if live and leaves:
            grads = table_grad([flat[i] for i in live], [t for _, t, _ in leaves], seeds,
                               create_graph=True, allow_unused=True)
            total = _contract(grads, leaves, directions)
            if total is not None:
                jvs = table_grad([total], seeds, allow_unused=True)
                tangent_of = {i: jv._data for i, jv in zip(live, jvs) if jv is not None}
    return out, rebuild([tangent_of[i] if i in tangent_of else _zeros(o)
                         for i, o in enumerate(flat)])


def _contract(grads: Any, leaves: list, directions: list) -> Any:
    """``sum(<g, d>)`` over the leaves that have a gradient (None when none has)."""
    total = None
    for g, (_, t, _), d in zip(grads, leaves, directions):
        if g is not None:
            term = (g * Tensor._wrap(_array(d, t))).sum()
            total = term if total is None else total + term
    return total


def hvp_via_tape(fn: Any, args: tuple, wrt: int, v: Any) -> Any:
    """The Hessian of scalar ``fn`` w.r.t. ``args[wrt]`` times ``v`` (a nest of ``args[wrt]``'s
    structure), on the tape: the gradient recorded with ``create_graph``, then differentiated
    along ``v``. Returned as ``tg.hvp`` returns it (the argument's structure and library)."""
    out, wrapped, leaves = fallback._run(fn, args, (wrt,), None, ints=False)
    directions: list = []
    _pair(args[wrt], v, directions)
    tensors = [t for _, t, _ in leaves]
    found: list = [None] * len(tensors)
    with enable_grad():
        if isinstance(out, Tensor) and out.requires_grad and tensors:
            grads = table_grad([out.sum()], tensors, create_graph=True,
                               allow_unused=True)
            total = _contract(grads, leaves, directions)
            if total is not None and total.requires_grad:
                found = list(table_grad([total], tensors, allow_unused=True))
    table = {id(alias): (original, np.zeros_like(t._data) if g is None else g._data)
             for (original, t, alias), g in zip(leaves, found)}
    return fallback._unwrap_grads(wrapped[0], table)


def _scalars(tree: Any) -> Any:
    """0-d NumPy arrays as NumPy scalars, as generated code returns them."""
    if isinstance(tree, np.ndarray) and tree.ndim == 0:
        return tree[()]
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        return type(tree)(_scalars(t) for t in tree)
    if isinstance(tree, dict):
        return type(tree)((k, _scalars(t)) for k, t in tree.items())
    return tree


def _pair(x: Any, t: Any, out: list) -> None:
    """The tangents of ``x``'s leaves, in the order ``fallback._wrap`` makes leaves of them."""
    if isinstance(x, dict):
        for k in x:
            _pair(x[k], t[k], out)
    elif isinstance(x, (list, tuple)):
        for a, b in zip(x, t):
            _pair(a, b, out)
    elif isinstance(x, int):  # Python ints (and bools) stay ints: no leaf
        return
    elif isinstance(x, Tensor) or (is_array(x) and not isinstance(x, np.generic)) or (
            isinstance(x, (float, complex, np.number)) and not isinstance(x, np.bool_)):
        out.append(t)


def _flatten(x: Any, out: list) -> Any:
    """Append ``x``'s leaves to ``out``; return a function rebuilding ``x``'s shape from a
    list of values, one per leaf."""
    start = len(out)
    if isinstance(x, dict):
        keys = list(x)
        parts = [_flatten(x[k], out) for k in keys]
        return lambda vs: {k: p(vs) for k, p in zip(keys, parts)}
    if isinstance(x, (list, tuple)):
        parts = [_flatten(v, out) for v in x]
        kind = type(x)
        return lambda vs: kind(p(vs) for p in parts)
    out.append(x)
    return lambda vs: vs[start]


def _zeros(value: Any) -> Any:
    data = value._data if isinstance(value, Tensor) else value
    return np.zeros_like(data) if is_array(data) else 0.0


def _array(dt: Any, like: Tensor) -> Any:
    if is_array(dt) and not isinstance(dt, np.generic):
        return dt
    return np.full_like(like._data, dt)
