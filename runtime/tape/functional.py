"""``autograd.functional``: jacobian, hessian, vjp, jvp, hvp, vhp with torch's signatures,
checks and messages (``strict``, the ``v`` checks, single-element outputs).

All are built from ``autograd.grad``: a Jacobian is one reverse pass per output element; a JVP
is the double-VJP trick (differentiate a VJP with respect to its cotangent); Hessians and
Hessian-vector products differentiate a gradient computed with ``create_graph=True``.
"""

from __future__ import annotations

import numpy as np

from .autograd_api import grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from .ops import stack
from .tensor import Tensor

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]

_STRICT = " This is not allowed in strict mode."


def _as_tuple(x, what=None, fn=None):
    """``(tuple of Tensors, whether x was a tuple)``; with ``what``, torch's type check."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    if what is not None:
        for i, el in enumerate(items):
            if not isinstance(el, Tensor):
                where = f"value at index {i}" if is_tuple else f"given {what}"
                raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple "
                                f"of Tensors but the {where} has type {type(el)}.")
    return items, is_tuple


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


def _unpack(x, is_tuple):
    return x if is_tuple else x[0]


def _validate_v(v, other, is_other_tuple):
    if len(v) != len(other):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if tuple(a.shape) != tuple(b.shape):
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


def _vector(v, other, is_other_tuple, fn, of_input):
    """The caller's ``v`` checked against ``other``, or ones when it may be left out."""
    if v is not None:
        vs = tuple(t.detach() for t in _as_tuple(v, "v", fn)[0])
        _validate_v(vs, other, is_other_tuple)
        return vs
    if len(other) != 1 or other[0].numel() != 1:
        raise RuntimeError(
            "The vector v can only be None if the input to the user-provided function is a "
            "single Tensor with a single element." if of_input else
            "The vector v can only be None if the user-provided function returns a single "
            "Tensor with a single element.")
    return None


def _check_requires_grad(tensors, kind, strict):
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}." + _STRICT)
        if t.requires_grad:
            continue
        if kind == "jacobian":
            raise RuntimeError(
                "While computing the hessian, found that the jacobian of the user-provided "
                f"function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).")
        if kind == "hessian":
            raise RuntimeError(
                f"The hessian of the user-provided function with respect to input {i} is "
                "independent of the input. This is not allowed in strict mode. You should "
                "ensure that your function is thrice differentiable and that the hessian "
                "depends on the inputs.")
        if kind == "grad_inputs":
            raise RuntimeError(f"The gradient with respect to input {i} is independent of the "
                               "inputs of the user-provided function." + _STRICT)
        raise RuntimeError(
            f"Output {i} of the user-provided function does not require gradients. The outputs "
            "must be computed in a differentiable manner from the input when running in strict "
            "mode.")


def _grads(outputs, inputs, grad_outputs, create_graph):
    """``autograd.grad`` of the outputs that require grad; None for unused inputs."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or (None,) * len(outputs))
             if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gos = zip(*pairs)
    return grad(outs, inputs, None if grad_outputs is None else gos, retain_graph=True,
                create_graph=create_graph, allow_unused=True)


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}." + _STRICT,
    "back_trick": ("The gradient with respect to the input is independent of entry {i} in the "
                   "grad_outputs when using the double backward trick to compute forward mode "
                   "gradients." + _STRICT),
    "double_back": ("The jacobian of the user-provided function is independent of input {i}."
                    + _STRICT),
    "double_back_trick": ("The hessian of the user-provided function is independent of entry "
                          "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                          "prevents from using the double backward trick to replace forward "
                          "mode AD."),
}


def _fill_in_zeros(grads, refs, strict, stage):
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = Tensor._wrap(np.zeros_like(ref._data))
        out.append(g)
    return tuple(out)


def _call(func, inputs, create_graph, strict, fn):
    """Inputs checked and made leaves, ``func`` called on them, its outputs checked."""
    inputs, tuple_in = _as_tuple(inputs, "inputs", fn)
    inputs = _prepare(inputs, create_graph)
    outputs, tuple_out = _as_tuple(func(*inputs), "outputs of the user-provided function", fn)
    _check_requires_grad(outputs, "outputs", strict)
    return inputs, tuple_in, outputs, tuple_out


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``."""
    with enable_grad():
        inputs, tuple_in, outputs, tuple_out = _call(func, inputs, create_graph, strict, "vjp")
        vs = _vector(v, outputs, tuple_out, "vjp", of_input=False)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        gs = _fill_in_zeros(_grads(outputs, inputs, vs, create_graph), inputs, strict, "back")
    return (_unpack(_finish(outputs, create_graph), tuple_out),
            _unpack(_finish(gs, create_graph), tuple_in))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``, by differentiating a VJP with respect to its cotangent."""
    with enable_grad():
        inputs, tuple_in = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph)
        vs = _vector(v, inputs, tuple_in, "jvp", of_input=True)
        outputs, tuple_out = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        us = tuple(Tensor._wrap(np.zeros_like(o._data)).requires_grad_(True) for o in outputs)
        gs = _grads(outputs, inputs, us, True)
        _check_requires_grad(gs, "grad_inputs", strict)
        used = [(g, w) for g, w in zip(gs, vs or (None,) * len(gs)) if g is not None]
        jv = (None,) * len(us)
        if used:
            pairs = [(g, w) for g, w in used if g.requires_grad]
            if pairs:
                outs, ws = zip(*pairs)
                with set_grad_enabled(create_graph):
                    jv = grad(outs, us, ws if vs is not None else None, retain_graph=True,
                              create_graph=create_graph, allow_unused=True)
        jv = _fill_in_zeros(jv, outputs, strict, "back_trick")
    return (_unpack(_finish(outputs, create_graph), tuple_out),
            _unpack(_finish(jv, create_graph), tuple_out))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func / d inputs: shape ``output.shape + input.shape`` for each (output, input) pair.
    ``vectorize`` and ``strategy`` are accepted; the rows are computed one by one."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode" and create_graph:
        raise NotImplementedError(
            "torch.autograd.functional.jacobian: `create_graph=True` and "
            '`strategy="forward-mode"` are not supported together (yet). Please either set '
            '`create_graph=False` or `strategy="reverse-mode"`.')
    with enable_grad():
        inputs, tuple_in, outputs, tuple_out = _call(func, inputs, create_graph, strict,
                                                     "jacobian")
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                "not supported together. Please either set `strict=False` or "
                "`vectorize=False`.")
        table = []
        for i, out in enumerate(outputs):
            flat = out.reshape(-1)
            rows = [_grads((flat[k],), inputs, None, create_graph) for k in range(flat.shape[0])]
            per_input = []
            for j, t in enumerate(inputs):
                column = []
                for r in rows:
                    if r[j] is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {j}." + _STRICT)
                        column.append(Tensor._wrap(np.zeros_like(t._data)))
                    else:
                        if strict and create_graph and not r[j].requires_grad:
                            raise RuntimeError(
                                f"The jacobian of the user-provided function is independent "
                                f"of input {i}. This is not allowed in strict mode when "
                                "create_graph=True.")
                        column.append(r[j])
                shape = tuple(out.shape) + tuple(t.shape)
                per_input.append(stack(column).reshape(shape) if column else Tensor._wrap(
                    np.zeros_like(t._data, shape=shape)))
            table.append(tuple(per_input) if tuple_in else per_input[0])
    result = tuple(table) if tuple_out else table[0]
    return _finish(result, create_graph)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Jacobian of the gradient of scalar ``func``."""
    inputs, tuple_in = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        outs, is_tuple = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if is_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        gs = _fill_in_zeros(_grads((out,), xs, None, True), xs, False, "back")
        _check_requires_grad(gs, "jacobian", strict)
        return gs

    h = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                 vectorize=vectorize)
    return h if tuple_in else h[0][0]


def _scalar_output(func, inputs, v, strict, fn):
    """What vhp and hvp share: checked inputs, ``v``, the single-element output and its
    gradient (kept differentiable)."""
    inputs, tuple_in = _as_tuple(inputs, "inputs", fn)
    vs = _vector(v, inputs, tuple_in, fn, of_input=True)
    outputs, tuple_out = _as_tuple(func(*inputs), "outputs of the user-provided function", fn)
    _check_requires_grad(outputs, "outputs", strict)
    if tuple_out:
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain "
                           "a single element")
    gs = _grads(outputs, inputs, None, True)
    _check_requires_grad(gs, "jacobian", strict)
    return inputs, tuple_in, vs, outputs[0], gs


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for scalar ``func``."""
    return _vhp(func, inputs, v, create_graph, strict, "vhp")


def _vhp(func, inputs, v, create_graph, strict, fn):
    with enable_grad():
        inputs, tuple_in = _as_tuple(inputs, "inputs", fn)
        inputs, tuple_in, vs, out, gs = _scalar_output(
            func, _unpack(_prepare(inputs, create_graph), tuple_in), v, strict, fn)
        used = [(g, w) for g, w in zip(gs, vs or (None,) * len(gs))
                if g is not None and g.requires_grad]
        hv = (None,) * len(inputs)
        if used:
            outs, ws = zip(*used)
            with set_grad_enabled(create_graph or is_grad_enabled()):
                hv = grad(outs, inputs, ws if vs is not None else None, retain_graph=True,
                          create_graph=create_graph, allow_unused=True)
        hv = _fill_in_zeros(hv, inputs, strict, "double_back")
    return _finish(out, create_graph), _unpack(_finish(hv, create_graph), tuple_in)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)``; the Hessian of a scalar function is symmetric, so this is vhp
    (whose strict-mode messages it gives)."""
    return _vhp(func, inputs, v, create_graph, strict, "hvp")
