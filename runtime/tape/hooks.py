"""Bookkeeping beside the engine: hook handles and version counters.

A ``VersionCounter`` is shared by a tensor and the tensors that alias its memory for autograd
(``detach()``); in-place operations bump it, and a node refuses to backward when a tensor it
saved has moved on since it was saved (torch's "modified by an inplace operation" error).
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["RemovableHandle", "VersionCounter", "run_tensor_hooks", "fresh_grad", "unshared"]

#: Set by tensor.py once the class exists (the two modules import each other).
Tensor: type = None  # type: ignore[assignment]


class VersionCounter:
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0

    def bump(self) -> None:
        self.value += 1


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook out again."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def run_tensor_hooks(hooks: list, grad):
    """Each hook sees the gradient and may return a replacement (torch's tensor hooks) of the
    same shape and dtype."""
    for hook in list(hooks):
        new = hook(grad)
        if new is not None:
            _check_hook_result(hook, grad, new)
            grad = new
    return grad


def _check_hook_result(hook, old, new) -> None:
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Tensor, but hook '{name}' returned "
                        f"'{type(new).__name__}'")  # (torch's wording differs by version)
    if new._data.dtype != old._data.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was "
                           f"torch.{old.dtype.legacy} got torch.{new.dtype.legacy})")
    if tuple(new.shape) != tuple(old.shape):
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def run_node_pre_hooks(hooks: list, grads: dict, create_graph: bool) -> dict:
    """``grad_fn.register_prehook`` hooks: each sees the tuple of output gradients and may
    return a replacement tuple."""
    count = max(grads, default=-1) + 1
    for hook in list(hooks):
        given = tuple(_as_tensor(grads.get(nr)) for nr in range(count))
        new = hook(given)
        if new is None:
            continue
        if len(new) != count:
            raise RuntimeError(f"hook '{getattr(hook, '__name__', 'hook')}' has returned an "
                               f"incorrect number of values (got {len(new)}, but expected "
                               f"{count})")
        grads = {nr: (g if create_graph else g._data) for nr, g in enumerate(new)
                 if g is not None}
    return grads


def _as_tensor(g):
    return g if g is None or isinstance(g, Tensor) else Tensor._wrap(g)


def run_post_hooks(node, outs, grads, create_graph: bool):
    """``grad_fn.register_hook`` hooks: ``hook(grad_inputs, grad_outputs)``, which may return
    replacement ``grad_inputs``."""
    for hook in list(node._post_hooks):
        given = tuple(_as_tensor(g) for g in outs)
        new = hook(given, tuple(_as_tensor(g) for _, g in sorted(grads.items())))
        if new is None:
            continue
        if len(new) != len(outs):
            raise RuntimeError(f"hook '{getattr(hook, '__name__', 'hook')}' has returned an "
                               f"incorrect number of values (got {len(new)}, but expected "
                               f"{len(outs)})")
        outs = [g if g is None or create_graph else g._data for g in new]
    return outs


# ---------------------------------------------------------------- used by the engine


def add_grad(grads: dict, nr: int, g) -> None:
    """Sum gradients that reach the same output from several paths (never in place)."""
    grads[nr] = g if nr not in grads else grads[nr] + g


def run_pre_hooks(node, grads: dict, create_graph: bool) -> dict:
    """Tensor hooks of each output, then ``retain_grad``, as torch runs them."""

    for nr in list(grads):
        hooks = node._pre_hooks.get(nr)
        if hooks:
            g = grads[nr]
            wrapped = g if isinstance(g, Tensor) else Tensor._wrap(g)
            new = run_tensor_hooks(hooks, wrapped)
            grads[nr] = new if create_graph else new._data
        ref = node._retain.get(nr)
        tensor = ref() if ref is not None else None
        if tensor is not None:
            accumulate_into(tensor, grads[nr], create_graph)
    hooks = node._pre_hooks.get(-1)  # the node's own pre-hooks run last, as torch runs them
    if hooks:
        grads = run_node_pre_hooks(hooks, grads, create_graph)
    return grads


def accumulate_into(tensor, g, create_graph: bool) -> None:
    """``tensor.grad += g`` with torch's rules: a fresh copy first, in place after (unless
    ``create_graph``, where the sum is out of place and stays differentiable)."""

    if isinstance(g, Tensor):
        if g.shape != tensor.shape or g.dtype != tensor.dtype:
            g = g.expand(tensor.shape).to(tensor.dtype)
        if tensor._grad is None:
            tensor._grad = g if create_graph else Tensor._wrap(fresh_grad(g._data, tensor))
        else:
            tensor._grad = tensor._grad + g
        return
    g = fresh_grad(g, tensor)
    if tensor._grad is None:
        tensor._grad = Tensor._wrap(g)
    elif create_graph:
        tensor._grad = tensor._grad + Tensor._wrap(g)
    else:
        tensor._grad._data += g
        tensor._grad._vc.bump()


#: CPython before 3.14 counts every reference (3.14 skips some made from local variables), so
#: a count can say that nothing but the caller holds an array.
_COUNTS_REFERENCES = sys.implementation.name == "cpython" and sys.version_info < (3, 14)


def unshared(g, tensor) -> bool:
    """Whether ``g`` may be handed out as ``tensor``'s gradient as it is, as HIPS autograd hands
    out its gradients: a writable ndarray of the tensor's shape and dtype that owns its memory
    and that nothing but the caller holds (a product a rule returned, a sum the engine made).
    A seed, a gradient also given to another input, a view of anything: copied (fresh_grad),
    which on big parameters costs fresh pages (a third of mlp 256's gradient)."""
    return (_COUNTS_REFERENCES and type(g) is np.ndarray and g.base is None
            and g.flags.writeable and g.flags.c_contiguous and g.shape == tensor._data.shape
            and g.dtype == tensor._data.dtype
            and sys.getrefcount(g) <= 3)  # the caller's name, this parameter, the call's own


def fresh_grad(g, tensor):
    """A writable copy of ``g`` with the tensor's shape and dtype (gradients may alias)."""
    data = tensor._data
    if type(g) is np.ndarray and g.shape == data.shape:  # the common case
        return g.astype(data.dtype, copy=True)
    if isinstance(g, (np.generic, int, float)):
        g = np.asarray(g)
    if tuple(g.shape) != tuple(tensor.shape):
        g = np.broadcast_to(g, tuple(tensor.shape))
    return g.astype(tensor._data.dtype, copy=True)
