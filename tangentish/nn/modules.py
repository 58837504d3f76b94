"""A small ``torch.nn``: Parameter, Module, Linear, Sequential, activations and losses.

Enough for the training loops of tutorials (``model = nn.Sequential(nn.Linear(2, 8),
nn.Tanh(), nn.Linear(8, 1))``, ``nn.MSELoss()``, ``optim.SGD(model.parameters(), ...)``);
every computation is tape operations, so gradients come from the shared rule table.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from tangentish.runtime.tape.factories import _rng
from tangentish.runtime.tape.tensor import Tensor

from . import functional as F

__all__ = ["Parameter", "Module", "Linear", "Sequential", "ReLU", "Tanh", "Sigmoid",
           "MSELoss", "CrossEntropyLoss"]


class Parameter(Tensor):
    """A leaf Tensor that a Module lists among its ``parameters()``."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        t = object.__new__(cls)
        array = np.zeros(0, dtype=np.float32) if data is None else (
            data.detach()._data if isinstance(data, Tensor) else np.asarray(data))
        t._init(array, requires_grad)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Holds parameters and submodules as attributes; calling it runs ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        for name, p in self._parameters.items():
            yield prefix + name, p
        for name, m in self._modules.items():
            yield from m.named_parameters(prefix + name + ".")

    def parameters(self) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters())

    def children(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def train(self, mode: bool = True):
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def state_dict(self) -> OrderedDict:
        return OrderedDict((k, v.detach()) for k, v in self.named_parameters())

    def load_state_dict(self, state: dict) -> None:
        for name, p in self.named_parameters():
            p.data.copy_(state[name])

    def __repr__(self):
        inner = "".join(f"\n  ({k}): " + repr(m).replace("\n", "\n  ")
                        for k, m in self._modules.items())
        return f"{type(self).__name__}({self.extra_repr()}{inner}{chr(10) if inner else ''})"

    def extra_repr(self) -> str:
        return ""


class Linear(Module):
    """``y = x @ weight.T + bias``, initialized as torch does (uniform in +-1/sqrt(in))."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features) if in_features else 0.0
        dt = np.float32 if dtype is None else np.dtype(getattr(dtype, "dtype", dtype))
        draw = _rng().uniform
        self.weight = Parameter(draw(-bound, bound, (out_features, in_features)).astype(dt))
        self.bias = Parameter(draw(-bound, bound, out_features).astype(dt)) if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sequential(Module):
    """Modules applied one after the other."""

    def __init__(self, *modules: Module):
        super().__init__()
        for i, m in enumerate(modules):
            setattr(self, str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)


def _activation(name: str, fn):
    return type(name, (Module,), {"forward": lambda self, x: fn(x),
                                  "__doc__": f"``{fn.__name__}`` as a module."})


ReLU = _activation("ReLU", F.relu)
Tanh = _activation("Tanh", F.tanh)
Sigmoid = _activation("Sigmoid", F.sigmoid)


class MSELoss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):  # noqa: A002
        return F.mse_loss(input, target, self.reduction)


class CrossEntropyLoss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):  # noqa: A002
        return F.cross_entropy(input, target, self.reduction)
