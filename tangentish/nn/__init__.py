"""``tg.nn``: ``functional`` and a few modules (Linear, Sequential, activations, losses)."""

from . import functional
from .modules import (
    CrossEntropyLoss,
    Linear,
    Module,
    MSELoss,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)

__all__ = ["functional", "Parameter", "Module", "Linear", "Sequential", "ReLU", "Tanh",
           "Sigmoid", "MSELoss", "CrossEntropyLoss"]
