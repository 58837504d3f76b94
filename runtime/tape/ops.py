"""``tg.sin``, ``tg.matmul``, ``tg.cat``...: torch's functions, each one ``apply`` of a NumPy
primitive (or a few, for functions NumPy lacks such as ``softmax``), named as torch names them.

Methods of the same name (``t.exp()``) come from here through ``Tensor.__getattr__``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from ..rules.tape_extras import sigmoid as _sigmoid
from . import linalg, torch_grads
from .dispatch import apply, raw
from .engine import edge
from .function import Node
from .gathers import (  # noqa: F401  (functions and methods of this module)
    count_nonzero,
    diff,
    frac,
    gather,
    index_add,
    index_fill,
    index_put,
    index_select,
    logcumsumexp,
    masked_select,
    movedim,
    nonzero,
    repeat_interleave,
    scatter,
    scatter_add,
    take_along_dim,
)
from .grad_mode import is_grad_enabled
from .methods import _axis, _extreme, _reduce
from .tensor import Tensor

# ---------------------------------------------------------------- elementwise, one argument

_UNARY = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
    "atan": np.arctan, "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh,
    "acosh": np.arccosh, "atanh": np.arctanh, "exp": np.exp, "exp2": np.exp2,
    "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p,
    "sqrt": np.sqrt, "abs": np.absolute, "absolute": np.absolute, "neg": np.negative,
    "negative": np.negative, "square": np.square, "reciprocal": np.reciprocal,
    "sign": np.sign, "floor": np.floor, "ceil": np.ceil, "round": np.round,
    "trunc": np.trunc, "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
    "logical_not": np.logical_not,
}


def _unary(name, prim):
    def op(input, *, out=None):  # noqa: A002
        result = apply(prim, input)
        return result if out is None else out.copy_(result)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}(input)`` elementwise, recorded as ``np.{prim.__name__}``."
    return op


for _name, _prim in _UNARY.items():
    globals()[_name] = _unary(_name, _prim)


def _piecewise_constant(name, prim):
    """``sign``, ``floor``, ``round``...: NumPy's primitive, tracked as torch tracks it (the
    result requires grad and sends back zeros; the table marks them non-differentiable)."""
    torch_name = f"{name.capitalize()}Backward0"

    def op(input, *, out=None, decimals=0):  # noqa: A002
        result = apply(prim, input) if not decimals else apply(prim, input, decimals)
        result = _zero_gradient(result, (input,), torch_name)
        return result if out is None else out.copy_(result)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{name}(input)`` elementwise; its gradient is zero."
    return op


def _zero_gradient(result, inputs, name):
    """``result`` tied to the tensors among ``inputs`` that require grad by a node sending them
    zeros (torch tracks piecewise-constant functions; the rule table does not)."""
    tracked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if tracked and result._grad_fn is None and is_grad_enabled() and (
            result._data.dtype.kind in "fc"):
        result._grad_fn = _ZeroGradient(tracked, name)
    return result


class _ZeroGradient(Node):
    def __init__(self, inputs, name):
        super().__init__([edge(t) for t in inputs])
        self._torch_name = name
        self.likes = [np.zeros_like(t._data, shape=()) for t in inputs]  # array library kept
        self.shapes = [tuple(t.shape) for t in inputs]

    def apply(self, grads, create_graph):
        zeros = [np.broadcast_to(z, s).copy() for z, s in zip(self.likes, self.shapes)]
        return [Tensor._wrap(z) for z in zeros] if create_graph else zeros


for _name in ("sign", "floor", "ceil", "round", "trunc"):
    globals()[_name] = _piecewise_constant(_name, _UNARY[_name])


def relu(input):  # noqa: A002
    """max(x, 0) with gradient 0 at 0, as torch."""
    return apply(np.where, raw(input) > 0, input, 0, name="ReluBackward0")


def sigmoid(input):  # noqa: A002
    return apply(_sigmoid, input, name="SigmoidBackward0")


def rsqrt(input):  # noqa: A002
    return apply(np.true_divide, 1, np.sqrt(input), name="RsqrtBackward0")


def softmax(input, dim=None, dtype=None):  # noqa: A002
    e = np.exp(input - raw(input).max(axis=dim, keepdims=True))
    return apply(np.true_divide, e, e.sum(dim, keepdim=True), name="SoftmaxBackward0")


def log_softmax(input, dim=None, dtype=None):  # noqa: A002
    z = input - raw(input).max(axis=dim, keepdims=True)
    return apply(np.subtract, z, np.log(np.exp(z).sum(dim, keepdim=True)),
                 name="LogSoftmaxBackward0")


def logsumexp(input, dim, keepdim=False):  # noqa: A002
    m = raw(input).max(axis=dim, keepdims=True)
    m = np.where(np.isinf(m), 0, m)  # all -inf (or an inf): no shift, as torch (not nan)
    s = np.log(np.exp(input - m).sum(dim, keepdim=True))
    if keepdim:
        return apply(np.add, s, m, name="LogsumexpBackward0")
    return apply(np.squeeze, s + m, dim, name="LogsumexpBackward0")


# ---------------------------------------------------------------- elementwise, two arguments


def add(input, other, *, alpha=1, out=None):  # noqa: A002
    result = apply(np.add, input, other if alpha == 1 else other * alpha)
    return result if out is None else out.copy_(result)


def sub(input, other, *, alpha=1):  # noqa: A002
    return apply(np.subtract, input, other if alpha == 1 else other * alpha)


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    term = tensor1 * tensor2 if value == 1 else value * tensor1 * tensor2
    return apply(np.add, input, term, name="AddcmulBackward0")


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    term = tensor1 / tensor2 if value == 1 else value * tensor1 / tensor2
    return apply(np.add, input, term, name="AddcdivBackward0")


def lerp(input, end, weight):  # noqa: A002
    return apply(np.add, input, weight * (end - input), name="LerpBackward0")


subtract = sub


def mul(input, other):  # noqa: A002
    return apply(np.multiply, input, other)


multiply = mul


def div(input, other, *, rounding_mode=None):  # noqa: A002
    if rounding_mode is None:
        return apply(np.true_divide, input, other)
    if rounding_mode == "floor":
        out = apply(np.floor_divide, input, other)
    else:  # "trunc": integers stay integers, as torch's
        out = apply(np.trunc, apply(np.true_divide, input, other))
        dtypes = [getattr(raw(a), "dtype", None) or np.asarray(a).dtype for a in (input, other)]
        if builtins.all(d.kind in "iub" for d in dtypes):
            out = out.to(np.result_type(*dtypes))
    return _zero_gradient(out, (input, other), "DivBackward2")


divide = true_divide = div


def pow(input, exponent):  # noqa: A001, A002
    return apply(np.power, input, exponent)


def atan2(input, other):  # noqa: A002
    """torch's ``atan2``: its gradient at the origin is 0 (torch_grads), not NumPy's nan."""
    return apply(torch_grads.atan2, input, other, name="Atan2Backward0")


arctan2 = atan2


def hypot(input, other):  # noqa: A002
    return apply(np.hypot, input, other)


def logaddexp(input, other):  # noqa: A002
    return apply(np.logaddexp, input, other)


def logical_and(input, other):  # noqa: A002
    return apply(np.logical_and, input, other)


def logical_or(input, other):  # noqa: A002
    return apply(np.logical_or, input, other)


def logical_xor(input, other):  # noqa: A002
    return apply(np.logical_xor, input, other)


def maximum(input, other):  # noqa: A002
    return apply(np.maximum, input, other)


def minimum(input, other):  # noqa: A002
    return apply(np.minimum, input, other)


def remainder(input, other):  # noqa: A002
    return apply(np.remainder, input, other)


def fmod(input, other):  # noqa: A002
    return apply(np.fmod, input, other)


def eq(input, other):  # noqa: A002
    return apply(np.equal, input, other)


def ne(input, other):  # noqa: A002
    return apply(np.not_equal, input, other)


def lt(input, other):  # noqa: A002
    return apply(np.less, input, other)


def le(input, other):  # noqa: A002
    return apply(np.less_equal, input, other)


def gt(input, other):  # noqa: A002
    return apply(np.greater, input, other)


def ge(input, other):  # noqa: A002
    return apply(np.greater_equal, input, other)


less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def equal(input, other) -> bool:  # noqa: A002
    return input.shape == other.shape and builtins.bool(np.all(raw(input) == raw(other)))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:  # noqa: A002
    return builtins.bool(np.allclose(raw(input), raw(other), rtol, atol, equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return apply(np.isclose, input, other, rtol, atol, equal_nan)


def where(condition, input=None, other=None):  # noqa: A002
    if input is None:
        return tuple(Tensor._wrap(i) for i in np.nonzero(raw(condition)))
    return apply(np.where, raw(condition), input, other)


def clamp(input, min=None, max=None):  # noqa: A001, A002
    return apply(np.clip, input, min, max)


clip = clamp


def masked_fill(input, mask, value):  # noqa: A002
    return apply(np.where, raw(mask), value, input,
                 name="MaskedFillBackward1" if isinstance(value, Tensor) else "MaskedFillBackward0")


# ---------------------------------------------------------------- reductions


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):  # noqa: A001, A002
    return _reduce(np.sum, input, _axis(dim, axis), keepdim, dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):  # noqa: A002
    return _reduce(np.mean, input, _axis(dim, axis), keepdim, dtype)


def prod(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    return input.prod(dim, keepdim, dtype)


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None):  # noqa: A002
    return input.var(dim, unbiased, keepdim, correction=correction)


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None):  # noqa: A002
    return input.std(dim, unbiased, keepdim, correction=correction)


def max(input, dim=None, keepdim=False):  # noqa: A001, A002
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    return _extreme(np.max, np.argmax, input, dim, keepdim, None, None)


def min(input, dim=None, keepdim=False):  # noqa: A001, A002
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    return _extreme(np.min, np.argmin, input, dim, keepdim, None, None)


def amax(input, dim=None, keepdim=False):  # noqa: A002
    return input.amax(dim, keepdim)


def amin(input, dim=None, keepdim=False):  # noqa: A002
    return input.amin(dim, keepdim)


def median(input, dim=None, keepdim=False):  # noqa: A002
    return input.median(dim, keepdim)


def argmax(input, dim=None, keepdim=False):  # noqa: A002
    return input.argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):  # noqa: A002
    return input.argmin(dim, keepdim)


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    return input.sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    return input.argsort(dim, descending, stable)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    return input.topk(k, dim, largest, sorted)


def cumsum(input, dim):  # noqa: A002
    return input.cumsum(dim)


def norm(input, p="fro", dim=None, keepdim=False):  # noqa: A002
    return input.norm(p, dim, keepdim)


def all(input, dim=None, keepdim=False):  # noqa: A001, A002
    return input.all(dim, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001, A002
    return input.any(dim, keepdim)


# ---------------------------------------------------------------- linear algebra


def matmul(input, other):  # noqa: A002
    return apply(np.matmul, input, other)


mm = bmm = mv = dot = matmul


def outer(input, vec2):  # noqa: A002
    return apply(np.outer, input, vec2)


ger = outer


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return apply(np.einsum, equation, *operands)


def trace(input):  # noqa: A002
    return apply(np.trace, input)


def det(input):  # noqa: A002
    return linalg.det(input)


def inverse(input):  # noqa: A002
    return linalg.inv(input)


def logdet(input):  # noqa: A002
    sign, logabs = linalg.slogdet(input)
    return np.log(sign) + logabs


def pinverse(input):  # noqa: A002
    return linalg.pinv(input)


def tensordot(a, b, dims=2):
    return apply(np.tensordot, a, b, dims)


# ---------------------------------------------------------------- shape


def cat(tensors: Sequence, dim=0, *, axis=None):
    return apply(np.concatenate, list(tensors), axis=_axis(dim, axis))


concat = concatenate = cat


def stack(tensors: Sequence, dim=0):
    return apply(np.stack, list(tensors), axis=dim)


def hstack(tensors: Sequence):
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence):
    return cat([t if t.ndim > 1 else t.reshape(1, -1) for t in tensors], 0)


def reshape(input, shape):  # noqa: A002
    return input.reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    return input.flatten(start_dim, end_dim)


def transpose(input, dim0, dim1):  # noqa: A002
    return input.transpose(dim0, dim1)


swapaxes = transpose


def permute(input, dims):  # noqa: A002
    return input.permute(dims)


def t(input):  # noqa: A002
    return input.t()


def squeeze(input, dim=None):  # noqa: A002
    return input.squeeze(dim)


def unsqueeze(input, dim):  # noqa: A002
    return input.unsqueeze(dim)


def flip(input, dims):  # noqa: A002
    return input.flip(dims)


def broadcast_to(input, shape):  # noqa: A002
    return input.expand(shape)


def split(tensor, split_size_or_sections, dim=0):
    n = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
    starts = np.cumsum([0, *sizes[:-1]]).tolist()
    return tuple(tensor.narrow(dim, s, k) for s, k in zip(starts, sizes))


def chunk(input, chunks, dim=0):  # noqa: A002
    n = input.shape[dim]
    return split(input, -(-n // chunks), dim)


def clone(input):  # noqa: A002
    return input.clone()


def detach(input):  # noqa: A002
    return input.detach()


def numel(input) -> int:  # noqa: A002
    return input.numel()


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:  # noqa: A002
    return input.is_floating_point()


# ---------------------------------------------------------------- the rest of the rule table

#: NumPy names whose torch namesake means something else (torch.repeat is np.tile, torch.sort
#: returns indices too...) or that create arrays rather than compute on them.
_NOT_EXPORTED = {"repeat", "sort", "argsort", "unique", "array", "asarray", "asanyarray",
                 "ascontiguousarray", "copy", "split", "real", "imag", "svd"}


def _numpy_primitive(prim, name):
    def op(*args, **kwargs):
        return apply(prim, *args, **kwargs)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``np.{name}`` on Tensors (NumPy's signature), recorded for autograd."
    return op


def _export_table() -> list[str]:
    """Every other NumPy primitive the rule table knows, under its NumPy name (``tg.roll``,
    ``tg.tril``, ``tg.kron``...), so the whole table is reachable as functions."""
    from ..rules import table
    from .factories import __all__ as factory_names

    taken = set(globals()) | set(factory_names) | _NOT_EXPORTED
    names = []
    for entry in table.registered():
        name = entry.name[3:] if entry.name.startswith("np.") else ""
        if not entry.vjp or not name.isidentifier() or name in taken:
            continue
        globals()[name] = _numpy_primitive(entry.primitive, name)
        names.append(name)
    return names


_TABLE_NAMES = _export_table()

#: Names that are also Tensor methods (``t.exp()``, ``t.clamp(min=0)``, ``t.mm(w)``).
METHODS = frozenset([*_TABLE_NAMES,
    *_UNARY, "relu", "sigmoid", "rsqrt", "softmax", "log_softmax", "add", "sub", "subtract",
    "mul", "multiply", "div", "divide", "true_divide", "pow", "atan2", "arctan2", "hypot",
    "logaddexp", "maximum", "minimum", "remainder", "fmod", "eq", "ne", "lt", "le", "gt", "ge",
    "less", "less_equal", "greater", "greater_equal", "not_equal", "equal", "allclose",
    "isclose", "clamp", "clip", "masked_fill", "matmul", "mm", "bmm", "mv", "dot", "outer",
    "ger", "trace", "tensordot", "det", "inverse", "logdet", "pinverse", "addcmul", "addcdiv",
    "lerp", "gather", "index_add", "index_select", "scatter", "scatter_add", "take_along_dim",
    "index_put", "nonzero", "masked_select", "index_fill", "movedim", "moveaxis", "frac",
    "count_nonzero", "repeat_interleave", "diff", "logcumsumexp", "logical_and", "logical_or",
    "logical_xor",
])

__all__ = sorted(
    [*METHODS, "logsumexp", "sum", "mean", "prod", "var", "std", "max", "min", "amax", "amin",
     "argmax", "argmin", "cumsum", "sort", "argsort", "topk", "norm", "all", "any", "einsum",
     "cat", "concat", "median",
     "concatenate", "stack", "hstack", "vstack", "reshape", "flatten", "transpose", "swapaxes",
     "permute", "t", "squeeze", "unsqueeze", "flip", "broadcast_to", "split", "chunk", "clone",
     "detach", "numel", "is_tensor", "is_floating_point", "where", "rsqrt"])
