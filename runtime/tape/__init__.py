"""The dynamic tape: Tensor, grad_fn nodes, the backward engine, grad modes.

PyTorch's autograd names and semantics over NumPy (CPU) and CuPy (GPU) arrays. Every
differentiable operation goes through ``dispatch.apply``, whose nodes call the shared rule
table in ``runtime/rules``; docs/tape.md tells how it works and where it differs from torch.
"""

from . import linalg
from .dtypes import (
                     DType,
                     Size,
                     bool,
                     complex64,
                     complex128,
                     device,
                     double,
                     float,
                     float16,
                     float32,
                     float64,
                     get_default_dtype,
                     half,
                     int8,
                     int16,
                     int32,
                     int64,
                     long,
                     set_default_dtype,
                     uint8,
)
from .dtypes import int as int  # noqa: PLC0414  (torch.int is int32)
from .factories import *  # noqa: F403
from .factories import __all__ as _factory_names
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F403
from .ops import __all__ as _op_names
from .printing import set_printoptions
from .tensor import TapeWarning, Tensor

dtype = DType

__all__ = [
    "Tensor", "TapeWarning", "DType", "dtype", "Size", "device", "linalg", "set_printoptions",
    "bool", "complex64", "complex128", "double", "float", "float16", "float32", "float64",
    "half", "int", "int8", "int16", "int32", "int64", "long", "uint8",
    "get_default_dtype", "set_default_dtype",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
    *_factory_names, *_op_names,
]
