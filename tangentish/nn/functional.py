"""``tg.nn.functional``: activations and losses over tape Tensors, as torch.nn.functional."""

from __future__ import annotations

import numpy as np

from tangentish.runtime.tape.dispatch import apply
from tangentish.runtime.tape.ops import log_softmax, relu, sigmoid, softmax, tanh

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "mse_loss",
           "nll_loss", "cross_entropy"]


def linear(input, weight, bias=None):  # noqa: A002
    """``input @ weight.T + bias``."""
    out = input @ weight.t()
    return out if bias is None else out + bias


def _reduce(loss, reduction, name):
    """The loss reduced, its last node named as torch names the whole loss."""
    if reduction == "none":
        return loss
    return apply(np.mean if reduction == "mean" else np.sum, loss, name=name)


def mse_loss(input, target, reduction="mean"):  # noqa: A002
    return _reduce((input - target) ** 2, reduction, "MseLossBackward0")


def nll_loss(input, target, reduction="mean"):  # noqa: A002
    """Negative log-likelihood of class ``target[i]`` in row ``i`` of log-probabilities."""
    from tangentish.runtime.tape.factories import arange

    picked = input[arange(input.shape[0]), target]
    return _reduce(-picked, reduction, "NllLossBackward0")


def cross_entropy(input, target, reduction="mean"):  # noqa: A002
    return nll_loss(log_softmax(input, dim=1), target, reduction)
