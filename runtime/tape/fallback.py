"""What the compiler calls when it cannot transform a function: the same answers, by tape.

``grad_via_tape`` returns exactly what ``tg.grad`` returns on the compiled path: the gradient
with the structure of the ``wrt`` arguments (scalars, arrays, dict/list/tuple nests), in each
argument's own array library and dtype, zeros (never None) for arguments the result does not
depend on, and the caller's arguments untouched (arrays are copied before they are wrapped).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..backend import is_array
from .autograd_api import grad as autograd_grad
from .grad_mode import _state as _grad_state
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["grad_via_tape", "value_and_grad_via_tape", "vjp_via_tape"]


# ---------------------------------------------------------------- nests of leaves


def _wrap(x, leaves: list, ints: bool = True):
    """A copy of nest ``x`` with every number/array leaf replaced by a fresh leaf Tensor
    (Python ints too unless ``ints`` is false: then they stay ints, with gradient 0.0)."""
    if isinstance(x, dict):
        return type(x)((k, _wrap(v, leaves, ints)) for k, v in x.items())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_wrap(v, leaves, ints) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_wrap(v, leaves, ints) for v in x)
    if not ints and isinstance(x, int):
        return x
    if isinstance(x, Tensor):
        t = x.detach().clone().requires_grad_(True)
    elif is_array(x) and not isinstance(x, np.generic):
        data = x.copy()
        if data.dtype.kind not in "fc":
            data = data.astype(np.float64)
        t = Tensor._wrap(data, requires_grad=True)
    elif isinstance(x, (int, float, complex, np.number)) and not isinstance(x, (bool, np.bool_)):
        t = Tensor._wrap(np.asarray(x, dtype=np.complex128 if isinstance(x, complex)
                                    else np.float64), requires_grad=True)
    else:
        return x
    alias = t.clone()  # NumPy code may update its arguments in place; a leaf may not be
    leaves.append((x, t, alias))
    return alias


def _unwrap_grads(x, grads: dict):
    """The gradient nest for argument nest ``x`` (``grads``: id of the Tensor passed to f ->
    (the caller's value, its gradient array))."""
    if isinstance(x, dict):
        return type(x)((k, _unwrap_grads(v, grads)) for k, v in x.items())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_unwrap_grads(v, grads) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap_grads(v, grads) for v in x)
    if not isinstance(x, Tensor) or id(x) not in grads:
        return 0.0
    original, g = grads[id(x)]
    if isinstance(original, Tensor):
        return Tensor._wrap(g)
    if is_array(original) and not isinstance(original, np.generic):
        return g
    if isinstance(original, complex):
        return complex(g)
    return float(g)


def _value(out):
    """The function's result with Tensors turned back into their arrays."""
    if isinstance(out, Tensor):
        data = out.detach()._data
        return data[()] if isinstance(data, np.ndarray) and data.ndim == 0 else data
    if isinstance(out, (list, tuple)) and not hasattr(out, "_fields"):
        return type(out)(_value(v) for v in out)
    return out


def _positions(f, wrt) -> tuple[tuple[int, ...], bool]:
    """``wrt`` (a position, a parameter name, or a tuple of them) as positions; and whether
    the caller asked for a tuple."""
    many = isinstance(wrt, (tuple, list))
    names = list(inspect.signature(f).parameters) if any(
        isinstance(w, str) for w in (wrt if many else (wrt,))) else []
    pos = tuple(names.index(w) if isinstance(w, str) else w for w in (wrt if many else (wrt,)))
    return pos, many


# ---------------------------------------------------------------- entry points


def _run(f, args, positions, kwargs, ints=True):
    """Call ``f`` on wrapped copies of ``args[positions]``; return (output, wrapped, leaves)."""
    args = list(args)
    leaves: list = []
    wrapped = {}
    for p in positions:
        wrapped[p] = _wrap(args[p], leaves, ints)
        args[p] = wrapped[p]
    previous, _grad_state.fallback = _grad_state.fallback, True
    try:
        with enable_grad():
            out = f(*args, **(kwargs or {}))
    finally:
        _grad_state.fallback = previous
    return out, wrapped, leaves


def _gradients(out, leaves, cotangent=None, retain=False):
    """{id(Tensor passed to f): (original value, gradient array)} for every leaf."""
    tensors = [t for _, t, _ in leaves]
    outs = [o for o in (out if isinstance(out, (list, tuple)) else (out,))]
    cots = cotangent if isinstance(out, (list, tuple)) else (cotangent,)
    pairs = [(o, c) for o, c in zip(outs, cots) if isinstance(o, Tensor) and o.requires_grad]
    if pairs and tensors:
        seeds = None if cotangent is None else [_seed(o, c) for o, c in pairs]
        gs = autograd_grad([o for o, _ in pairs], tensors, seeds, retain_graph=retain,
                           allow_unused=True)
    else:
        gs = [None] * len(tensors)
    result = {}
    for (original, t, alias), g in zip(leaves, gs):
        result[id(alias)] = (original, np.zeros_like(t._data) if g is None else g._data)
    return result


def _seed(out, c):
    """A cotangent as a Tensor in the output's library (Python numbers included)."""
    if isinstance(c, Tensor):
        return c
    if is_array(c) and not isinstance(c, np.generic):
        return Tensor._wrap(c)
    return Tensor._wrap(np.full_like(out._data, c))


def _check_scalar(out) -> None:
    size = out.numel() if isinstance(out, Tensor) else int(np.size(out)) if is_array(out) else 1
    if size != 1:
        raise TypeError(
            f"grad requires f to return a scalar, got an output of shape {tuple(out.shape)}; "
            "use tg.vjp for vector outputs")


def value_and_grad_via_tape(f, args, wrt=0, kwargs=None) -> tuple[Any, Any]:
    """``(f(*args), gradient)`` computed on the tape, shaped as ``tg.value_and_grad``'s."""
    positions, many = _positions(f, wrt)
    out, wrapped, leaves = _run(f, args, positions, kwargs)
    _check_scalar(out)
    if isinstance(out, Tensor) and out.numel() == 1 and out.ndim:
        out = out.reshape(())
    grads = _gradients(out, leaves)
    result = tuple(_unwrap_grads(wrapped[p], grads) for p in positions)
    return _value(out), (result if many else result[0])


def grad_via_tape(f, args, wrt=0, kwargs=None) -> Any:
    """The gradient of scalar ``f`` at ``args`` with respect to ``wrt``, by the tape."""
    return value_and_grad_via_tape(f, args, wrt, kwargs)[1]


def vjp_via_tape(f, *args):
    """``(f(*args), pullback)``; ``pullback(cotangent)`` is a tuple of one gradient per arg.

    Every argument is differentiated except Python ints, which a helper run on the tape most
    often uses as a count or an index (``range(n)``, ``x[i]``); their gradient is 0.0.
    """
    positions = tuple(range(len(args)))
    out, wrapped, leaves = _run(f, args, positions, None, ints=False)

    def pullback(cotangent):
        grads = _gradients(out, leaves, cotangent, retain=True)
        return tuple(_unwrap_grads(wrapped[p], grads) for p in positions)

    return _value(out), pullback
