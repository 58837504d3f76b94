"""``autograd.Function``: user-written forward and backward, recorded as one node.

As in torch, the ``ctx`` a forward receives *is* the graph node (``grad_fn``), an instance of
a class named ``<Function>Backward`` made for each subclass.
"""

from __future__ import annotations

import numpy as np

from .dispatch import raw
from .engine import edge
from .function import FREED, Node, _modified_message
from .grad_mode import is_grad_enabled, no_grad
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` may store for ``backward``."""

    def save_for_backward(self, *tensors):
        self._saved = [(t, t._vc.value if isinstance(t, Tensor) else None) for t in tensors]

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError(FREED)
        for t, version in self._saved:
            if isinstance(t, Tensor) and t._vc.value != version:
                raise RuntimeError(_modified_message(t, version))
        return tuple(t for t, _ in self._saved)

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool):
        self._materialize = value


class BackwardNode(FunctionCtx, Node):
    """The node (and ctx) of one ``Function.apply`` call."""

    _function: type = None  # set on each subclass

    def __init__(self, args):

        tensors = [a for a in args if isinstance(a, Tensor)]
        super().__init__([edge(t) if t.requires_grad else (None, 0) for t in tensors])
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        self._tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self._saved, self._dirty, self._non_diff, self._materialize = [], (), set(), True
        self._outputs = []   # (shape, dtype, array-like) of each output, for zero gradients

    def apply(self, grads, create_graph):
        gs = []
        for nr, (_shape, like) in enumerate(self._outputs):
            if like is None:
                gs.append(None)
                continue
            g = grads.get(nr)
            if g is None and self._materialize:
                g = np.zeros_like(like)
            gs.append(g if g is None or isinstance(g, Tensor) else Tensor._wrap(g))
        result = self._function.backward(self, *gs)
        if not isinstance(result, tuple):
            result = (result,)
        out = []
        for pos, (nxt, _) in zip(self._tensor_positions, self.next_functions):
            g = result[pos] if pos < len(result) else None
            if nxt is None or g is None:
                out.append(None)
            else:
                out.append(g if create_graph else raw(g))
        return out

    def release(self) -> None:
        self._saved = None


class Function:
    """Subclass with ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` static
    methods; call ``.apply(*args)``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._backward_cls = type(f"{cls.__name__}Backward", (BackwardNode,),
                                 {"_function": cls, "__module__": cls.__module__})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._backward_cls(args)
        with no_grad():
            if _has_setup_context(cls):
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        record = is_grad_enabled() and any(ctx.needs_input_grad)
        outputs = output if isinstance(output, tuple) else (output,)
        wrapped = []
        for nr, o in enumerate(outputs):
            if not isinstance(o, Tensor):
                wrapped.append(o)
                ctx._outputs.append((None, None))
                continue
            if any(o is a for a in args) and o not in ctx._dirty:
                o = Tensor._wrap(o._data)        # an input returned as is: a new alias
            if record and id(o) not in ctx._non_diff and o._data.dtype.kind in "fc":
                o._grad_fn, o._output_nr = ctx, nr
            ctx._outputs.append((tuple(o.shape), o._data))
            wrapped.append(o)
        return tuple(wrapped) if isinstance(output, tuple) else wrapped[0]


def _has_setup_context(cls) -> bool:
    return "setup_context" in {k for c in cls.__mro__ if c is not Function for k in vars(c)}


def once_differentiable(fn):
    """torch's decorator for backwards that are not themselves differentiable: no-op here."""
    return fn
