"""``tg.optim``: SGD (with momentum) and Adam over tape Tensors, with torch's update rules."""

from .optimizer import SGD, Adam, Optimizer

__all__ = ["Optimizer", "SGD", "Adam"]
