"""``backward`` and ``grad``: the checks and seeds torch does before running the engine."""

from __future__ import annotations

import numpy as np

from .engine import run_backward
from .hooks import fresh_grad, unshared
from .tensor import Tensor

__all__ = ["backward", "grad"]


def _seq(x):
    if x is None:
        return None
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _seeds(outputs, grad_outputs, create_graph):
    """The gradient each output starts with: ``ones`` for scalars, else the caller's."""
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs or (None,) * len(outputs))):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._wrap(np.ones_like(out._data))
        elif not isinstance(g, Tensor):
            g = Tensor._wrap(np.asarray(g, dtype=out._data.dtype))
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}.")
        seeds.append(g if create_graph else g._data)
    return seeds


def _check_roots(outputs):
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate the gradients of ``tensors`` into ``.grad`` of the leaves (or of ``inputs``)."""
    tensors = _seq(tensors)
    _check_roots(tensors)
    seeds = _seeds(tensors, _seq(grad_tensors if grad_tensors is not None else grad_variables),
                   create_graph)
    if inputs is not None:
        inputs = list(_seq(inputs))
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    run_backward(tensors, seeds, retain_graph=create_graph if retain_graph is None else
                 retain_graph, create_graph=create_graph, inputs=inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` (summed) with respect to ``inputs``; ``.grad`` untouched."""
    if is_grads_batched:
        return _batched(outputs, inputs, grad_outputs, retain_graph, create_graph,
                        allow_unused, materialize_grads)
    outputs = _seq(outputs)
    inputs = list(_seq(inputs))
    _check_roots(outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    seeds = _seeds(outputs, _seq(grad_outputs), create_graph)
    captured = run_backward(outputs, seeds, retain_graph=create_graph if retain_graph is None
                            else retain_graph, create_graph=create_graph, inputs=inputs,
                            accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g, captured[i] = captured[i], None  # this loop's name is then its only holder
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior.")
            result.append(Tensor._wrap(np.zeros_like(t._data)) if materialize_grads else None)
        elif isinstance(g, Tensor):
            result.append(g if tuple(g.shape) == tuple(t.shape) else g.expand(t.shape))
        else:
            result.append(Tensor._wrap(g if unshared(g, t) else fresh_grad(g, t)))
    return tuple(result)


def _batched(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
             materialize_grads):
    """``is_grads_batched``: the first dimension of every ``grad_outputs`` is a batch; one
    backward per row (torch vectorizes them), the results stacked."""
    from .ops import stack

    rows = list(zip(*[g.unbind(0) for g in _seq(grad_outputs)]))
    results = []
    for k, row in enumerate(rows):
        last = k == len(rows) - 1
        results.append(grad(outputs, inputs, row, retain_graph=retain_graph if last else True,
                            create_graph=create_graph, allow_unused=allow_unused,
                            materialize_grads=materialize_grads))
    return tuple(None if col[0] is None else stack(col) for col in zip(*results))
