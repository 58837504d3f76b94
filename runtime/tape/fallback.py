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
from .function import conj
from .grad_mode import _state as _grad_state
from .grad_mode import enable_grad
from .mathshim import with_math_on_tensors
from .npshim import tensor_of_floats
from .tensor import Tensor

__all__ = ["grad_via_tape", "value_and_grad_via_tape", "vjp_via_tape", "table_grad"]


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
    """The function's result with Tensors turned back into their arrays (nests too: under the
    numpy shim even the constant arrays NumPy code returns are Tensors)."""
    if isinstance(out, Tensor):
        data = out.detach()._data
        return data[()] if isinstance(data, np.ndarray) and data.ndim == 0 else data
    if isinstance(out, dict):
        return type(out)((k, _value(v)) for k, v in out.items())
    if isinstance(out, tuple) and hasattr(out, "_fields"):
        return type(out)(*(_value(v) for v in out))
    if isinstance(out, (list, tuple)):
        return type(out)(_value(v) for v in out)
    return out


def _wrt_list(wrt) -> tuple[tuple, bool]:
    """``wrt`` as a tuple, and whether the caller asked for a tuple."""
    many = isinstance(wrt, (tuple, list))
    return (tuple(wrt) if many else (wrt,)), many


def _bind(f, args, kwargs, wrt):
    """Where each ``wrt`` entry (a position or a parameter name) lives in the call: a key of
    ``bound.arguments`` (its default filled in when the call omits it), or ("*", i) for the
    i-th extra positional. Only those defaults: passing every default explicitly changes some
    calls (a ufunc refuses ``dtype=None`` next to ``signature=None``)."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):  # a builtin or a callable without a signature
        return None, [("pos", w) for w in wrt]
    bound = sig.bind(*args, **(kwargs or {}))
    params = list(sig.parameters.values())
    named = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), None)
    keys = []
    for w in wrt:
        if isinstance(w, str):
            keys.append(("name", w))
        elif w < len(named):
            keys.append(("name", named[w]))
        elif star is not None:
            keys.append(("star", (star, w - len(named))))
        else:
            raise IndexError(f"wrt={w} but {getattr(f, '__name__', f)} takes {len(named)} "
                             "positional arguments")
    for kind, key in keys:
        if kind == "name" and key not in bound.arguments:
            default = sig.parameters[key].default if key in sig.parameters else sig.empty
            if default is sig.empty:
                raise TypeError(f"wrt names {key!r}, which the call does not pass")
            bound.arguments[key] = default
    return bound, keys


def _run(f, args, wrt, kwargs, ints=True):
    """Call ``f`` with wrapped copies of the ``wrt`` arguments; return (output, the wrapped
    value of each wrt entry, leaves)."""
    bound, keys = _bind(f, args, kwargs, wrt)
    f = with_math_on_tensors(f)
    leaves: list = []
    wrapped = []
    if bound is None:
        args = list(args)
        for _, p in keys:
            args[p] = _wrap(args[p], leaves, ints)
            wrapped.append(args[p])
        call = lambda: f(*args, **(kwargs or {}))  # noqa: E731
    else:
        for kind, key in keys:
            if kind == "name":
                bound.arguments[key] = _wrap(bound.arguments[key], leaves, ints)
                wrapped.append(bound.arguments[key])
            else:
                star, i = key
                extra = list(bound.arguments[star])
                extra[i] = _wrap(extra[i], leaves, ints)
                bound.arguments[star] = tuple(extra)
                wrapped.append(extra[i])
        _held_as_tensors(bound)
        call = lambda: f(*bound.args, **bound.kwargs)  # noqa: E731
    previous, _grad_state.fallback = _grad_state.fallback, True
    try:
        with enable_grad():
            out = call()
    finally:
        _grad_state.fallback = previous
    return out, wrapped, leaves


def _held_as_tensors(bound) -> None:
    """The float ndarrays among the arguments not differentiated (a partial's, the ones held
    fixed, in nests too; those differentiated are leaf Tensors already) as untracked Tensors,
    as the numpy shim hands over globals: ``c.dot(y)`` is then recorded rather than a request
    for ``y``'s values (T9). A nest holding one is rebuilt, as the differentiated ones are
    (the caller's containers are not the function's to update)."""
    for name, value in bound.arguments.items():
        bound.arguments[name] = _held(value)


def _held(x):
    """Nest ``x`` with its float ndarrays as untracked Tensors; ``x`` itself when it has none."""
    if type(x) is np.ndarray:
        return tensor_of_floats(x)
    if isinstance(x, dict):
        new = {k: _held(v) for k, v in x.items()}
        return x if all(new[k] is v for k, v in x.items()) else type(x)(new)
    if isinstance(x, (list, tuple)):
        new = [_held(v) for v in x]
        if all(a is b for a, b in zip(new, x)):
            return x
        return type(x)(*new) if hasattr(x, "_fields") else type(x)(new)
    return x


def table_grad(outputs, inputs, seeds=None, **kwargs):
    """``autograd.grad`` in the rule table's (JAX's, the compiler's) convention for complex
    values: cotangents in and out are the conjugates of torch's gradients (OpNode.apply), so
    the tape's answers for the compiler agree with generated code."""
    if seeds is not None:
        seeds = [conj(s) for s in seeds]
    return tuple(conj(g) for g in autograd_grad(outputs, inputs, seeds, **kwargs))


def _gradients(out, leaves, cotangent=None, retain=False):
    """{id(Tensor passed to f): (original value, gradient array)} for every leaf."""
    tensors = [t for _, t, _ in leaves]
    pairs: list = []
    _pair_outputs(out, cotangent, pairs)
    if pairs and tensors:
        seeds = None if cotangent is None else [_seed(o, c) for o, c in pairs]
        gs = table_grad([o for o, _ in pairs], tensors, seeds, retain_graph=retain,
                        allow_unused=True)
    else:
        gs = [None] * len(tensors)
    result = {}
    for (original, t, alias), g in zip(leaves, gs):
        result[id(alias)] = (original, np.zeros_like(t._data) if g is None else g._data)
    return result


def _pair_outputs(out, cotangent, pairs: list) -> None:
    """(tracked output, its cotangent) for every Tensor of the output nest (dicts, lists,
    tuples: a nested output got a zero gradient before)."""
    if isinstance(out, dict):
        for k in out:
            _pair_outputs(out[k], None if cotangent is None else cotangent[k], pairs)
    elif isinstance(out, (list, tuple)):
        for i, o in enumerate(out):
            _pair_outputs(o, None if cotangent is None else cotangent[i], pairs)
    elif isinstance(out, Tensor) and out.requires_grad:
        pairs.append((out, cotangent))


def _seed(out, c):
    """A cotangent as a Tensor in the output's library (Python numbers included)."""
    if isinstance(c, Tensor):
        return c
    if is_array(c) and not isinstance(c, np.generic):
        return Tensor._wrap(c)
    return Tensor._wrap(np.full_like(out._data, c))


def _check_scalar(out) -> None:
    if not (isinstance(out, (Tensor, int, float, complex, np.number)) or is_array(out)):
        close = getattr(out, "close", None) if inspect.iscoroutine(out) else None
        if close is not None:  # an async def: it will never be awaited
            close()
        raise TypeError(f"grad requires f to return a number, but it returned "
                        f"{type(out).__name__} ({out!r:.40})")
    size = out.numel() if isinstance(out, Tensor) else int(np.size(out)) if is_array(out) else 1
    if size != 1:
        raise TypeError(
            f"grad requires f to return a scalar, got an output of shape {tuple(out.shape)}; "
            "use tg.vjp for vector outputs")


def value_and_grad_via_tape(f, args, wrt=0, kwargs=None) -> tuple[Any, Any]:
    """``(f(*args), gradient)`` computed on the tape, shaped as ``tg.value_and_grad``'s."""
    entries, many = _wrt_list(wrt)
    out, wrapped, leaves = _run(f, args, entries, kwargs)
    _check_scalar(out)
    if isinstance(out, Tensor) and out.numel() == 1 and out.ndim:
        out = out.reshape(())
    grads = _gradients(out, leaves)
    result = tuple(_unwrap_grads(w, grads) for w in wrapped)
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
        return tuple(_unwrap_grads(w, grads) for w in wrapped)

    return _value(out), pullback
