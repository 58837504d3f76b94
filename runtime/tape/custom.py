"""``autograd.Function``: user-written forward and backward, recorded as one node.

As in torch, the ``ctx`` a forward receives *is* the graph node (``grad_fn``), an instance of
a class named ``<Function>Backward`` made for each subclass.
"""

from __future__ import annotations

import functools

import numpy as np

from ..support import unbroadcast
from .dispatch import raw
from .engine import edge
from .function import FREED, Node, _modified_message, mark_complex
from .grad_mode import is_grad_enabled, no_grad
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` may store for ``backward``."""

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        # the node that made each tensor, as torch's message names it (an output's: this one),
        # and its array: NumPy code under the fallback may give the tensor fresh memory later
        self._saved = [(t, t._vc.value, t._grad_fn, t._output_nr, t._data) if t is not None
                       else (t, None, None, 0, None) for t in tensors]

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError(FREED)
        for t, version, node, nr, _ in self._saved:
            if t is not None and t._vc.value != version:
                raise RuntimeError(_modified_message(t, version, node, nr))
        return tuple(t if t is None or t._data is data else _as_saved(t, node, nr, data)
                     for t, _, node, nr, data in self._saved)

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool):
        self._materialize = value


def _as_saved(t, node, nr, data):
    """Saved tensor ``t`` as it was saved, when NumPy code under the compiler's fallback has
    since updated it in place (fresh memory and a new history, ``Tensor._assign_result``):
    the saved array, hung from the node that made it then (T13: backward read new values)."""
    saved = Tensor._wrap(data)
    if node is not None:
        saved._grad_fn, saved._output_nr = node, nr
    elif t._grad_fn is None and t._requires_grad:  # a leaf (its .data replaced since)
        saved._requires_grad, saved._acc = True, t._accumulator()
    return saved


class BackwardNode(FunctionCtx, Node):
    """The node (and ctx) of one ``Function.apply`` call."""

    _function: type = None  # set on each subclass

    def __init__(self, args):

        tensors = [a for a in args if isinstance(a, Tensor)]
        super().__init__([edge(t) if t.requires_grad else (None, 0) for t in tensors])
        self.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        self._tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self._input_shapes = [tuple(t.shape) for t in tensors]
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
        expected = len(self.needs_input_grad)
        if len(result) > expected and all(g is None for g in result[expected:]):
            result = result[:expected]
        if len(result) != expected:
            raise RuntimeError(f"function {type(self).__name__} returned an incorrect number "
                               f"of gradients (expected {expected}, got {len(result)})")
        out = []
        for pos, (nxt, _), shape in zip(self._tensor_positions, self.next_functions,
                                        self._input_shapes):
            g = result[pos]
            if nxt is None or g is None:
                out.append(None)
                continue
            if tuple(np.shape(g)) != shape:
                g = self._sum_to(g, pos, shape)
            out.append(g if create_graph else raw(g))
        return out

    def _sum_to(self, g, pos, shape):
        """torch accepts a gradient of a shape the input broadcasts to, summed back."""
        have = tuple(np.shape(g))
        lead = len(have) - len(shape)
        if lead < 0 or any(s != 1 and s != h for s, h in zip(shape, have[lead:])):
            raise RuntimeError(f"Function {type(self).__name__} returned an invalid gradient "
                               f"at index {pos} - got {list(have)} but expected shape "
                               f"compatible with {list(shape)}")
        return unbroadcast(g, np.zeros(shape, dtype=bool))

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
            if any(o is a for a in args) and not any(o is d for d in ctx._dirty):
                o = Tensor._wrap(o._data)        # an input returned as is: a new alias
            if record and id(o) not in ctx._non_diff and o._data.dtype.kind in "fc":
                o._grad_fn, o._output_nr = ctx, nr
                mark_complex(o._data)
                ctx._saved = [(t, v, ctx, nr, d) if t is o else (t, v, n, k, d)
                              for t, v, n, k, d in ctx._saved]
            ctx._outputs.append((tuple(o.shape), o._data))
            wrapped.append(o)
        return tuple(wrapped) if isinstance(output, tuple) else wrapped[0]


def _has_setup_context(cls) -> bool:
    return "setup_context" in {k for c in cls.__mro__ if c is not Function for k in vars(c)}


ONCE = "trying to differentiate twice a function that was marked with @once_differentiable"


class _DelayedError(Node):
    """What a ``once_differentiable`` backward's results hang from under ``create_graph``:
    differentiating them again raises."""

    _torch_name = "torch::autograd::Error"

    def apply(self, grads, create_graph):
        raise RuntimeError(ONCE)


def once_differentiable(fn):
    """torch's decorator for a backward that is not itself differentiable: it runs without
    recording, and when a gradient it received requires grad (``create_graph``) its results
    are tied to a node that refuses a second differentiation."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not is_grad_enabled():
            return outputs
        tracked = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        if not tracked:
            return outputs
        node = _DelayedError([edge(a) for a in tracked])
        single = not isinstance(outputs, tuple)
        tied = []
        for o in ((outputs,) if single else outputs):
            if isinstance(o, Tensor):
                o = Tensor._wrap(o._data)
                o._grad_fn = node
            tied.append(o)
        return tied[0] if single else tuple(tied)

    return wrapper
