"""Run the one NumPy source of a workload on another array library.

``rebind(fn, ns)`` returns ``fn``'s own code object with the global ``np`` bound to ``ns``: HIPS
autograd's ``autograd.numpy``, ``jax.numpy``, or ``torch_numpy()``, a handful of NumPy-named
functions over torch. The workloads are never copied per tool.
"""

from __future__ import annotations

import types


def rebind(fn, ns):
    """``fn`` with the global name ``np`` looked up in ``ns`` instead."""
    scope = dict(fn.__globals__)
    scope["np"] = ns
    out = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
    out.__qualname__ = fn.__qualname__
    return out


def torch_numpy():
    """The NumPy names the workloads use, with NumPy's keywords, implemented with torch."""
    import torch

    def _dims(axis):
        return () if axis is None else axis

    def sum_(x, axis=None, keepdims=False):
        if axis is None and not keepdims:
            return torch.sum(x)
        return torch.sum(x, dim=_dims(axis), keepdim=keepdims)

    def max_(x, axis=None, keepdims=False):
        return torch.amax(x, dim=_dims(axis), keepdim=keepdims)

    def mean(x, axis=None, keepdims=False):
        if axis is None and not keepdims:
            return torch.mean(x)
        return torch.mean(x, dim=_dims(axis), keepdim=keepdims)

    def transpose(x, axes=None):
        return x.permute(*axes) if axes is not None else x.permute(*reversed(range(x.dim())))

    return types.SimpleNamespace(
        sin=torch.sin, cos=torch.cos, tanh=torch.tanh, exp=torch.exp, log=torch.log,
        sqrt=torch.sqrt, sum=sum_, max=max_, mean=mean, transpose=transpose,
    )
