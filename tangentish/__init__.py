"""tangentish: automatic differentiation of Python/NumPy by source transformation.

``tg.grad`` turns a Python function into readable adjoint source; a PyTorch-style tape
(``tg.tensor(..., requires_grad=True)``, ``loss.backward()``) computes the same gradients for
code the compiler cannot transform.
"""

from tangentish import autograd, nn, optim, runtime  # autograd, nn, optim: torch's names
from tangentish.api import *  # noqa: F403  (the compiler's public functions; see api.__all__)
from tangentish.api import __all__ as _api_names
from tangentish.errors import MissingRuleError, TransformError, TransformWarning
from tangentish.runtime.buffers import release as release_buffers
from tangentish.runtime.tape import *  # noqa: F403  (the tape's public names)
from tangentish.runtime.tape import __all__ as _tape_names

__version__ = "0.1.0"

__all__ = [
    "runtime",
    "autograd",
    "optim",
    "nn",
    "TransformError",
    "TransformWarning",
    "MissingRuleError",
    "release_buffers",
    *_api_names,
    *_tape_names,
]
