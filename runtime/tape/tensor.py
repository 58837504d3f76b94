"""``Tensor``: an array (NumPy or CuPy) plus what autograd needs to know about it.

Every operation goes through ``dispatch.apply``; in-place operations go through
``Tensor._inplace``, which checks torch's leaf rule, records the op on a snapshot of the old
value and bumps the version counter that saved-tensor checks read.
"""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from ..support import index_set
from . import dtypes as _dt
from .dispatch import apply, array_function, array_ufunc, binary, raw, unary
from .function import AccumulateGrad, Node, mark_complex
from .grad_mode import _state as _grad_state
from .grad_mode import is_grad_enabled
from .grad_mode import no_grad as _no_grad
from .hooks import RemovableHandle, VersionCounter
from .methods import ShapeAndReductionMethods, _dims
from .ndarray_members import NdarrayMembers
from .printing import tensor_repr
from .views import VIEW_OF_LEAF, after_write, check_view_inplace, rebind, write_fresh

__all__ = ["Tensor", "TapeWarning"]


class TapeWarning(UserWarning):
    """The tape computed a gradient that may miss part of the function."""


LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
NOT_FLOAT = "only Tensors of floating point dtype can require gradients"
NONLEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If "
    "you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. "
    "See github.com/pytorch/pytorch/pull/30531 for more information."
)
NUMPY_REQUIRES_GRAD = ("Can't call numpy() on Tensor that requires grad. "
                       "Use tensor.detach().numpy() instead.")

DETACH_VIEW = (
    "Can't detach views in-place. Use detach() instead. If you are using "
    "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, "
    "gradients are views of DDP buckets, and hence detach_() cannot be called on these "
    "gradients. To fix this error, please refer to the Optimizer.zero_grad() function in "
    "torch/optim/optimizer.py as the solution.")

GRAD_DTYPE = (
    "The gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can "
    "set the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
    "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break "
    "downstream systems that assume they match.")

#: C++ names of the element types, as torch's messages spell them
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}


def _c_name(dtype) -> str:
    return _C_NAMES.get(np.dtype(dtype).name, np.dtype(dtype).name)


OVERLAPPING = ("unsupported operation: more than one element of the written-to tensor refers "
               "to a single memory location. Please clone() the tensor before performing the "
               "operation.")

_new = object.__new__


def _host(a):
    """A NumPy copy of any array, for printing and ``.tolist()`` (explicit, like ``.cpu()``)."""
    if type(a) is np.ndarray:
        return a
    if hasattr(a, "__tangentish_host__"):
        return a.__tangentish_host__()
    if type(a).__module__.startswith("cupy"):
        return a.get()
    return np.asarray(a)


class _SizeInt(int):
    """``t.size`` is NumPy's element count and torch's ``t.size()``/``t.size(dim)`` at once."""

    def __new__(cls, n, shape):
        obj = super().__new__(cls, n)
        obj._shape = shape
        return obj

    def __call__(self, dim=None):
        return self._shape if dim is None else self._shape[dim]


class Tensor(ShapeAndReductionMethods, NdarrayMembers):
    """A multi-dimensional array that can record the operations applied to it."""

    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_output_nr", "_grad", "_vc",
                 "_acc", "_hooks", "_view", "_has_views", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, *args, **kwargs):
        """``Tensor(data)`` or ``Tensor(*sizes)``: float32, as torch's legacy constructor."""
        from .factories import tensor

        if len(args) == 1 and not isinstance(args[0], int):
            data = tensor(args[0], dtype=kwargs.pop("dtype", _dt.float32), **kwargs)
        else:
            data = tensor(np.zeros(_dims(args), dtype=np.float32), **kwargs)
        self._init(data._data)

    def _init(self, data, requires_grad=False):
        self._data = data
        self._requires_grad = requires_grad
        self._grad_fn = None
        self._output_nr = 0
        self._grad = None
        self._vc = VersionCounter()
        self._acc = None
        self._hooks = None
        self._view = None  # (base, primitive, other args, kwargs) when sharing base's memory
        self._has_views = False

    @classmethod
    def _wrap(cls, data, requires_grad=False):
        """A Tensor around ``data`` without copying (internal constructor; ``_init`` inlined,
        as every operation makes one)."""
        t = _new(cls)
        t._data = data
        t._requires_grad = requires_grad
        t._grad_fn = t._grad = t._acc = t._hooks = t._view = None
        t._output_nr = 0
        t._vc = VersionCounter()
        t._has_views = False
        return t

    # ------------------------------------------------------------ autograd attributes

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad or self._grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, value):
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(NOT_FLOAT)
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self) -> Node | None:
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad(self):
        if self._grad_fn is not None and not self.retains_grad:
            warnings.warn(NONLEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_c_name(value._data.dtype)}'"
                    f" to a tensor with grad_dtype '{self.dtype.legacy[:-6]}'. " + GRAD_DTYPE)
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a "
                    f"tensor of size '{list(self.shape)}'. Please ensure that the gradient and "
                    "the tensor are the same size")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        node = self._grad_fn
        return node is not None and node._retain.get(self._output_nr) is not None

    def retain_grad(self):
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        self._grad_fn.retain(self._output_nr, self)

    def _accumulator(self) -> AccumulateGrad:
        if self._acc is None:
            self._acc = AccumulateGrad(self)
            mark_complex(self._data)
            if self._hooks is not None:
                self._acc._pre_hooks = {0: self._hooks}
        return self._acc

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after a backward accumulated into this leaf's ``.grad``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        acc = self._accumulator()
        if not acc.post_accumulate_hooks:
            acc.post_accumulate_hooks = []
        acc.post_accumulate_hooks.append(hook)
        return RemovableHandle(acc.post_accumulate_hooks, hook)

    def register_hook(self, hook):
        """``hook(grad)`` runs when the gradient of this tensor is computed; it may return a
        replacement gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            hooks = self._grad_fn.tensor_hooks(self._output_nr)
        else:
            if self._hooks is None:
                self._hooks = []
                self._accumulator()._pre_hooks = {0: self._hooks}
            hooks = self._hooks
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd_api import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A leaf sharing this tensor's memory and version counter, outside the graph."""
        t = Tensor._wrap(self._data)
        t._vc = self._vc
        return t

    def detach_(self):
        if self._view is not None:
            raise RuntimeError(DETACH_VIEW)
        if self._grad_fn is not None and self._output_nr is not None:
            self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = raw(value)

    @property
    def _base(self):
        return None

    @property
    def _version(self) -> int:
        """How many in-place operations changed this memory (torch's ``t._version``)."""
        return self._vc.value

    # ------------------------------------------------------------ array attributes

    @property
    def shape(self) -> _dt.Size:
        return _dt.Size(self._data.shape)

    @property
    def size(self):
        return _SizeInt(math.prod(self._data.shape), self.shape)

    @property
    def dtype(self) -> _dt.DType:
        return _dt.to_dtype(self._data.dtype)

    @property
    def device(self) -> _dt.device:
        if type(self._data).__module__.startswith("cupy"):
            return _dt.device("cuda", self._data.device.id)
        return _dt.device("cpu")

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return math.prod(self._data.shape)

    nelement = numel

    def element_size(self) -> int:
        return self._data.dtype.itemsize

    itemsize = property(element_size)

    @property
    def nbytes(self) -> int:
        return self.numel() * self._data.dtype.itemsize

    @property
    def real(self):
        return self if self._data.dtype.kind != "c" else apply(np.real, self)

    @property
    def imag(self):
        return unary(np.imag, self)

    def conj(self):
        return self if self._data.dtype.kind != "c" else apply(np.conjugate, self)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def type(self, dtype=None):
        if dtype is not None:
            return self.to(dtype)
        prefix = "torch.cuda." if self.is_cuda else "torch."
        return prefix + self.dtype.legacy

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self):
        node = self._grad_fn
        return tensor_repr(
            _host(self._data), dtype_name=self.dtype.name, device=str(self.device),
            default_dtype=self._data.dtype in (_dt.get_default_dtype().dtype, np.int64,
                                               np.bool_),
            grad_fn_name=type(node).__name__ if node is not None else None,
            requires_grad=self.requires_grad)

    __str__ = __repr__

    def __hash__(self):
        return id(self)

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        t = Tensor._wrap(self._data.copy(), self._requires_grad)
        if self._grad is not None:
            t._grad = Tensor._wrap(self._grad._data.copy())
        memo[id(self)] = t
        return t

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    # ------------------------------------------------------------ conversions

    def item(self, *index):
        if index:  # NumPy's a.item(i) (the fallback's NumPy code)
            self._warn_leaving_graph("item()")
            return _host(self._data).item(*index)
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted "
                               "to Scalar")
        self._warn_leaving_graph("item()")
        return _host(self._data).reshape(()).item()

    def tolist(self):
        self._warn_leaving_graph("tolist()")
        return _host(self._data).tolist()

    def _warn_leaving_graph(self, what: str) -> None:
        """Under the compiler's fallback, a Python number made from a Tensor that requires
        grad is a path the gradient cannot follow (``math.sin(x)``, ``float(loss)``): say so
        at the user's line rather than return a gradient that silently misses it."""
        if _grad_state.fallback and self.requires_grad:
            warnings.warn(
                f"{what} of a value being differentiated turns it into a Python number, which "
                "the tape cannot follow: the gradient misses this path (use NumPy functions, "
                "e.g. np.sin instead of math.sin, and keep values as arrays)",
                TapeWarning, stacklevel=3)

    def numpy(self, force=False):
        if self.requires_grad and not force:
            raise RuntimeError(NUMPY_REQUIRES_GRAD)
        if self.is_cuda and not force:
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                            "Tensor.cpu() to copy the tensor to host memory first.")
        return _host(self._data) if force else np.asarray(self._data)

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise RuntimeError(NUMPY_REQUIRES_GRAD)
        a = np.asarray(self._data)
        return a if dtype is None else a.astype(dtype)

    def __float__(self):
        self._warn_leaving_graph("float()")
        return float(_host(self._data).reshape(()).item()) if self.numel() == 1 else float(
            self.item())

    def __int__(self):
        return int(_host(self._data).reshape(()).item()) if self.numel() == 1 else int(
            self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return array_function(func, types, args, kwargs)

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``; differentiable."""
        dtype, dev = kwargs.get("dtype"), kwargs.get("device")
        for a in args:
            if isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif isinstance(a, (str, _dt.device)):
                dev = a
            elif a is not None:
                dtype = a
        from .structural import cast

        return cast(self, None if dtype is None else _dt.to_dtype(dtype),
                    None if dev is None else _dt.device(dev))

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def bool(self):
        return self.to(_dt.bool)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        return self.to(dtype=dtype)  # (a string is a dtype here, never a device)

    def type_as(self, other):
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from .factories import tensor

        return tensor(data, dtype or self.dtype, device or self.device, requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from .factories import zeros

        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                     requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from .factories import ones

        return ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from .factories import full

        return full(size, fill_value, dtype or self.dtype, device or self.device, requires_grad)

    def contiguous(self, memory_format=None):
        return self

    def clone(self, memory_format=None):
        from .structural import clone

        return clone(self)

    def copy(self, order="C"):
        return self.clone()

    # ------------------------------------------------------------ in-place machinery

    def _check_inplace(self):
        if not is_grad_enabled():
            return
        if self._grad_fn is None and self._requires_grad:
            raise RuntimeError(LEAF_INPLACE)
        if self._view is not None:
            check_view_inplace(self)

    def _assign_result(self, result):
        """Make this tensor hold ``result`` (a Tensor computed from its old value)."""
        if isinstance(result, Tensor) and result._grad_fn is not None:
            self._check_inplace()
            if _grad_state.fallback and self._view is None and not self._has_views:
                # NumPy code updating an array its backward still needs (t = np.exp(x);
                # t *= 2): fresh memory for the new values keeps the saved ones intact
                self._data, self._vc = result._data, VersionCounter()
            elif _grad_state.fallback:  # and its memory shared with views: all move (T4b)
                write_fresh(self, result._data)
            else:
                self._write(result._data)
            rebind(self, result)
            if self._view is not None or self._has_views:
                after_write(self)
        elif self._grad_fn is not None and is_grad_enabled():
            # constant values written over a value with a history (np.multiply(c, 2.0, out=t)
            # under the fallback): the old history must get nothing, so the write is recorded
            # as a selection that takes all of the new values (it kept the old grad_fn: the
            # gradient flowed on into what t no longer holds)
            self._assign_result(apply(np.where, np.ones(self.shape, bool), raw(result), self))
        else:
            self._write(raw(result))

    def _write(self, value):
        try:
            if self._data.ndim == 0 and isinstance(self._data, np.ndarray):
                self._data[()] = value
            else:
                self._data[...] = value
        except ValueError as e:  # NumPy's read-only broadcast views (expand)
            if "read-only" not in str(e):
                raise
            raise RuntimeError(OVERLAPPING) from None
        self._vc.bump()

    def _add_at(self, index, value):
        np.add.at(self._data, index, value)
        self._vc.bump()

    def _snapshot(self):
        """The current value as its own tensor, so a recorded op keeps the pre-update value
        (without a copy where ``_assign_result`` gives the new value fresh memory)."""
        fresh = _grad_state.fallback and self._view is None and not self._has_views
        t = Tensor._wrap(self._data if fresh else self._data.copy(), self._requires_grad)
        t._grad_fn, t._output_nr = self._grad_fn, self._output_nr
        if self._grad_fn is None and self._requires_grad:
            t._acc = self._accumulator()
        return t

    def _inplace(self, prim, *args, name=None, **kwargs):
        recording = is_grad_enabled() and (
            self.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args))
        if not recording:
            out = prim(self._data, *[raw(a) for a in args], **kwargs)
            if prim is not index_set:
                _check_writable(self, out, args)
            self._write(out)
            return self
        self._check_inplace()
        result = apply(prim, self._snapshot(), *args, name=name, **kwargs)
        if prim is not index_set:
            _check_writable(self, result._data, args)
        self._assign_result(result)
        return self

    def _inplace_call(self, fn, *args, **kwargs):
        """``x.fn_(...)`` for a function of the tape (``sigmoid_``, ``masked_fill_``...): the
        out-of-place result written back, recorded as ``_inplace`` records a primitive."""
        recording = is_grad_enabled() and (
            self.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args))
        if not recording:
            with _no_grad():
                out = fn(Tensor._wrap(self._data), *args, **kwargs)
            _check_writable(self, out._data, args)
            self._write(out._data)
            return self
        self._check_inplace()
        result = fn(self._snapshot(), *args, **kwargs)
        _check_writable(self, result._data, args)
        self._assign_result(result)
        return self

    def __setitem__(self, index, value):
        """``x[index] = value``: the table's ``index_set``, recorded as torch names it: a write
        through a view (``x[0]``, ``x[:, 1]``) is CopySlices, one by an index array or mask
        alone is IndexPutBackward0 (and torch's leaf message differs the same way)."""
        index = _index(index if _grad_state.fallback else _torch_index(index))
        advanced = _advanced_only(index)
        if (not advanced and is_grad_enabled() and self._grad_fn is None
                and self._requires_grad):
            raise RuntimeError(VIEW_OF_LEAF)
        self._inplace(index_set, index, value, name="IndexPutBackward0" if advanced
                      else "torch::autograd::CopySlices")

    def add_(self, other, *, alpha=1):
        return self._inplace(np.add, other if alpha == 1 else other * alpha)

    def sub_(self, other, *, alpha=1):
        return self._inplace(np.subtract, other if alpha == 1 else other * alpha)

    def mul_(self, other):
        return self._inplace(np.multiply, other)

    def div_(self, other):
        return self._inplace(np.true_divide, other)

    def pow_(self, other):
        return self._inplace(np.power, other)

    def neg_(self):
        return self._inplace(np.negative)

    def exp_(self):
        return self._inplace(np.exp)

    def sqrt_(self):
        return self._inplace(np.sqrt)

    def clamp_(self, min=None, max=None):  # noqa: A002
        return self._inplace(np.clip, min, max)

    def zero_(self):
        return self.fill_(0, name="ZeroBackward0")

    def fill_(self, value, *, name=None):
        """Every element set to ``value``: what flowed through the old value stops here."""
        if is_grad_enabled() and (self.requires_grad or (
                isinstance(value, Tensor) and value.requires_grad)):
            name = name or ("FillBackward3" if isinstance(value, Tensor) else "FillBackward2")
            return self._inplace(index_set, Ellipsis, value, name=name)
        self._write(raw(value))
        return self

    def copy_(self, src, non_blocking=False):
        """This tensor's values replaced by ``src``'s (cast, broadcast): gradients flow to
        ``src``, none to what this tensor held before."""
        src_grad = isinstance(src, Tensor) and src.requires_grad
        if is_grad_enabled() and (self.requires_grad or src_grad):
            value = src.to(self.dtype) if isinstance(src, Tensor) else src
            return self._inplace(index_set, Ellipsis, value,
                                 name="torch::autograd::CopyBackwards")
        self._write(raw(src))
        return self

    def uniform_(self, a=0.0, b=1.0):
        from .factories import _rng

        return self.fill_(_rng().uniform(a, b, self.shape).astype(self._data.dtype))

    def normal_(self, mean=0.0, std=1.0):
        from .factories import _rng

        return self.fill_(_rng().normal(mean, std, self.shape).astype(self._data.dtype))

    def _augmented(self, prim, other):
        """``x op= y``: in place, as torch; but NumPy code run for the compiler's fallback
        rebinds a 0-d value (it stands for a NumPy or Python scalar, which are immutable)."""
        if _grad_state.fallback and self._data.ndim == 0:
            return apply(prim, self, other)
        return self._inplace(prim, other)

    def __iadd__(self, other):
        return self._augmented(np.add, other)

    def __isub__(self, other):
        return self._augmented(np.subtract, other)

    def __imul__(self, other):
        return self._augmented(np.multiply, other)

    def __itruediv__(self, other):
        return self._augmented(np.true_divide, other)

    def __ipow__(self, other):
        return self._augmented(np.power, other)

    # ------------------------------------------------------------ operators

    def __add__(self, other):
        return binary(np.add, self, other)

    def __radd__(self, other):
        return binary(np.add, self, other)

    def __sub__(self, other):
        return binary(np.subtract, self, other)

    def __rsub__(self, other):
        return apply(np.subtract, other, self, name="RsubBackward1")

    def __mul__(self, other):
        return binary(np.multiply, self, other)

    def __rmul__(self, other):
        return binary(np.multiply, self, other)

    def __truediv__(self, other):
        return binary(np.true_divide, self, other)

    def __rtruediv__(self, other):
        # torch computes ``2 / t`` as ``t.reciprocal() * 2``
        return apply(np.true_divide, other, self, name="MulBackward0")

    def __floordiv__(self, other):
        return binary(np.floor_divide, self, other)

    def __mod__(self, other):
        return binary(np.remainder, self, other)

    def __pow__(self, other):
        if type(other) in (int, float) and other == 2 and self._data.dtype.kind == "f":
            # NumPy's square gives x ** 2 exactly; its rule is one product, where the general
            # power rule pays for a where and a pow over the whole array (torch's name kept)
            return apply(np.square, self, name="PowBackward0")
        return binary(np.power, self, other)

    def __rpow__(self, other):
        return binary(np.power, other, self)

    def __matmul__(self, other):
        return binary(np.matmul, self, other)

    def __rmatmul__(self, other):
        return binary(np.matmul, other, self)

    def __neg__(self):
        return unary(np.negative, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return unary(np.absolute, self)

    def __invert__(self):
        return unary(np.invert, self)

    def __and__(self, other):
        return apply(np.logical_and if self._data.dtype == bool else np.bitwise_and, self, other)

    def __or__(self, other):
        return apply(np.logical_or if self._data.dtype == bool else np.bitwise_or, self, other)

    def __xor__(self, other):
        return apply(np.logical_xor if self._data.dtype == bool else np.bitwise_xor, self, other)

    def __eq__(self, other):
        return binary(np.equal, self, other)

    def __ne__(self, other):
        return binary(np.not_equal, self, other)

    def __lt__(self, other):
        return binary(np.less, self, other)

    def __le__(self, other):
        return binary(np.less_equal, self, other)

    def __gt__(self, other):
        return binary(np.greater, self, other)

    def __ge__(self, other):
        return binary(np.greater_equal, self, other)

    def __getitem__(self, index):
        index = _index(index if _grad_state.fallback else _torch_index(index))
        if not _grad_state.fallback and (isinstance(index, int) or (
                isinstance(index, tuple) and index and all(isinstance(i, int) for i in index))):
            # NumPy returns a copy (a scalar) for x[0]; torch a 0-d view, so x[0].add_(1)
            # writes into x. An Ellipsis asks NumPy for the view. NumPy code run for the
            # compiler's fallback keeps NumPy's meaning.
            index = (*(index if isinstance(index, tuple) else (index,)), Ellipsis)
        return apply(operator.getitem, self, index)

    # ------------------------------------------------------------ elementwise and algebra

    def __getattr__(self, name):
        from . import ops

        if name.startswith("_"):
            raise AttributeError(f"'Tensor' object has no attribute '{name}'")
        inplace = name.endswith("_")
        base = name[:-1] if inplace else name
        func = getattr(ops, base, None)
        if func is None or base not in ops.METHODS:
            raise AttributeError(f"'Tensor' object has no attribute '{name}'")
        if inplace:  # torch's in-place spelling of a method: sigmoid_, masked_fill_, lerp_...
            return lambda *args, **kwargs: self._inplace_call(func, *args, **kwargs)
        return lambda *args, **kwargs: func(self, *args, **kwargs)


def _index(index):
    """An index with Tensors replaced by their arrays (indices are never differentiated)."""
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        return [_index(i) for i in index]
    return index


def _torch_index(index):
    """torch's reading of an index where NumPy's differs: a list holding a sequence, slice,
    None, Ellipsis or Tensor is a tuple (``x[[[0, 1], [1, 0]]]`` is ``x[[0, 1], [1, 0]]``, as
    NumPy read it before 1.23), and a 0-d integer Tensor is an int (a view, as ``x[1]``)."""
    if type(index) is list and len(index) < 32 and any(
            isinstance(i, (list, tuple, slice, Tensor)) or i is None or i is Ellipsis
            for i in index):
        index = tuple(index)
    if isinstance(index, tuple):
        return tuple(_int_of_0d(i) for i in index)
    return _int_of_0d(index)


def _int_of_0d(i):
    if isinstance(i, Tensor) and i._data.ndim == 0 and i._data.dtype.kind in "iu":
        return int(i.item())
    return i


def _advanced_only(index) -> bool:
    """An index made only of index arrays or masks (``x[[0, 2]]``, ``x[x > 0]``): torch's
    ``index_put_``, not a write through a view."""
    parts = index if isinstance(index, tuple) else (index,)
    return bool(parts) and all(
        isinstance(p, list) or (getattr(p, "ndim", 0) > 0 and hasattr(p, "dtype"))
        for p in parts)


def _check_writable(t, out, args) -> None:
    """torch's checks on an in-place result: it keeps the tensor's shape (no broadcasting of
    the output) and its dtype may be cast into the tensor's (no float into an int tensor)."""
    shape = getattr(out, "shape", ())
    if tuple(shape) != tuple(t._data.shape):
        raise RuntimeError(f"output with shape {list(t._data.shape)} doesn't match the "
                           f"broadcast shape {list(shape)}")
    have, want = np.dtype(getattr(out, "dtype", type(out))), t._data.dtype
    if have != want and not np.can_cast(have, want, "same_kind"):
        if have.kind == "f" and not any(isinstance(a, Tensor) and a._data.dtype == have
                                         for a in args):
            have = _dt.get_default_dtype().dtype  # a Python float: torch's default dtype
        raise RuntimeError(f"result type {_dt.to_dtype(have).legacy[:-6]} can't be cast to "
                           f"the desired output type {_dt.to_dtype(want).legacy[:-6]}")


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)



def _wire() -> None:
    """Hand the class to the modules that need it but cannot import this one."""
    from . import dispatch, function, hooks, structural

    for module in (dispatch, function, hooks, structural):
        module.Tensor = Tensor
    dispatch._wrap = Tensor._wrap


_wire()
