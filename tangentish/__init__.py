"""tangentish: automatic differentiation of Python/NumPy by source transformation.

``tg.grad`` turns a Python function into readable adjoint source; a PyTorch-style tape
(``tg.tensor(..., requires_grad=True)``, ``loss.backward()``) computes the same gradients for
code the compiler cannot transform.
"""

from tangentish import runtime
from tangentish.checking import GradcheckError, gradcheck
from tangentish.errors import MissingRuleError, TransformError, TransformWarning

__version__ = "0.1.0"

__all__ = [
    "runtime",
    "gradcheck",
    "GradcheckError",
    "TransformError",
    "TransformWarning",
    "MissingRuleError",
]
