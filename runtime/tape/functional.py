"""``autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp with torch's signatures.

All are built from ``autograd.grad``: a Jacobian is one reverse pass per output element; a JVP
is the double-VJP trick (differentiate a VJP with respect to its cotangent); Hessians and
Hessian-vector products differentiate a gradient computed with ``create_graph=True``.
"""

from __future__ import annotations

import numpy as np

from .autograd_api import grad
from .grad_mode import enable_grad
from .ops import stack
from .tensor import Tensor

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _as_tuple(x):
    return (tuple(x), True) if isinstance(x, (tuple, list)) else ((x,), False)


def _prepare(inputs, create_graph):
    """Inputs as fresh leaves (or differentiable aliases under create_graph) needing grad."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.view_as(t))
        else:
            out.append(t.detach().requires_grad_(True))
    return tuple(out)


def _finish(x, create_graph):
    if isinstance(x, tuple):
        return tuple(_finish(v, create_graph) for v in x)
    return x if create_graph or x is None else x.detach()


def _grads(outputs, inputs, grad_outputs, create_graph):
    """``autograd.grad`` with zeros (not None) for inputs the outputs do not depend on."""
    if not outputs.requires_grad:
        return tuple(Tensor._wrap(np.zeros_like(t._data)) for t in inputs)
    gs = grad(outputs, inputs, grad_outputs, retain_graph=True, create_graph=create_graph,
              allow_unused=True)
    return tuple(Tensor._wrap(np.zeros_like(t._data)) if g is None else g
                 for g, t in zip(gs, inputs))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func / d inputs: shape ``output.shape + input.shape`` for each (output, input) pair."""
    with enable_grad():
        inputs, tuple_in = _as_tuple(inputs)
        inputs = _prepare(inputs, create_graph)
        outputs, tuple_out = _as_tuple(func(*inputs))
        table = []
        for out in outputs:
            flat = out.reshape(-1)
            rows = [_grads(flat[i], inputs, None, create_graph) for i in range(flat.shape[0])]
            per_input = []
            for j, t in enumerate(inputs):
                if rows:
                    jac = stack([r[j] for r in rows]).reshape(tuple(out.shape) + tuple(t.shape))
                else:
                    jac = Tensor._wrap(np.zeros_like(t._data, shape=tuple(out.shape) + t.shape))
                per_input.append(jac)
            table.append(tuple(per_input) if tuple_in else per_input[0])
    result = tuple(table) if tuple_out else table[0]
    return _finish(result, create_graph)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Jacobian of the gradient of scalar ``func``."""
    inputs, tuple_in = _as_tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        return _grads(out, xs, None, True)

    h = jacobian(gradient, inputs, create_graph=create_graph)
    return h if tuple_in else h[0][0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``."""
    with enable_grad():
        inputs, tuple_in = _as_tuple(inputs)
        inputs = _prepare(inputs, create_graph)
        outputs = func(*inputs)
        gs = _grads(outputs, inputs, v, create_graph)
    return _finish(outputs, create_graph), _finish(gs if tuple_in else gs[0], create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``, by differentiating a VJP with respect to its cotangent."""
    with enable_grad():
        inputs, tuple_in = _as_tuple(inputs)
        inputs = _prepare(inputs, create_graph)
        vs = _as_tuple(v)[0] if v is not None else tuple(
            Tensor._wrap(np.ones_like(t._data)) for t in inputs)
        outputs = func(*inputs)
        u = Tensor._wrap(np.zeros_like(outputs._data)).requires_grad_(True)
        gs = _grads(outputs, inputs, u, True)
        total = sum((g * w).sum() for g, w in zip(gs, vs))
        (jv,) = _grads(total, (u,), None, create_graph)
    return _finish(outputs, create_graph), _finish(jv, create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for scalar ``func``."""
    with enable_grad():
        inputs, tuple_in = _as_tuple(inputs)
        inputs = _prepare(inputs, create_graph)
        vs = _as_tuple(v)[0]
        outputs = func(*inputs)
        gs = _grads(outputs, inputs, None, True)
        total = sum((g * w).sum() for g, w in zip(gs, vs))
        hv = _grads(total, inputs, None, create_graph)
    return _finish(outputs, create_graph), _finish(hv if tuple_in else hv[0], create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``; the Hessian of a scalar function is symmetric, so this is vhp."""
    return vhp(func, inputs, v, create_graph, strict)
