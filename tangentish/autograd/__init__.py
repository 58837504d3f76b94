"""``tg.autograd``: torch.autograd's names over the tape (runtime/tape)."""

from tangentish.runtime.tape.autograd_api import backward, grad
from tangentish.runtime.tape.custom import Function, FunctionCtx, once_differentiable
from tangentish.runtime.tape.grad_mode import enable_grad, no_grad, set_grad_enabled

from . import functional
from .anomaly import detect_anomaly, set_detect_anomaly
from .variable import Variable

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "Variable",
           "functional", "no_grad", "enable_grad", "set_grad_enabled", "detect_anomaly",
           "set_detect_anomaly"]
