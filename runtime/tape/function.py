"""grad_fn nodes: one per recorded operation, named as torch names them.

An ``OpNode`` remembers a primitive, the arguments it ran on and its output, and sends
gradients back by calling the shared rule table (``runtime.rules.table.vjp_rule``); there is no
derivative written here. ``AccumulateGrad`` is the node of a leaf.
"""

from __future__ import annotations

import ast
import functools
import inspect
import operator
import textwrap
import weakref
from typing import Any

import numpy as np

from ..adjoint_helpers import _SHAPE_VIEWS, only_shape
from ..rules.table import vjp_rule

__all__ = ["Node", "OpNode", "AccumulateGrad", "torch_name", "node_class"]

#: Set by tensor.py once the class exists (the two modules import each other).
Tensor: type = None  # type: ignore[assignment]

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


_NONE: dict = {}  # shared "no hooks" until a node gets its own (most never do)


class Node:
    """A node of the backward graph (torch's ``grad_fn``)."""

    _pre_hooks: dict = _NONE   # output number -> tensor hooks
    _retain: dict = _NONE      # output number -> weakref of a retain_grad tensor
    _post_hooks: tuple | list = ()

    def __init__(self, next_functions=()):
        self.next_functions = tuple(next_functions)

    @property
    def metadata(self) -> dict:
        if "_metadata" not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def tensor_hooks(self, nr: int) -> list:
        """The (mutable) list of tensor hooks of output ``nr``."""
        if self._pre_hooks is _NONE:
            self._pre_hooks = {}
        return self._pre_hooks.setdefault(nr, [])

    def retain(self, nr: int, tensor) -> None:
        if self._retain is _NONE:
            self._retain = {}
        self._retain[nr] = weakref.ref(tensor)

    _torch_name = None

    def name(self) -> str:
        return self._torch_name or type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs)`` runs after this node computed its gradients."""
        from .hooks import RemovableHandle

        if not isinstance(self._post_hooks, list):
            self._post_hooks = []
        self._post_hooks.append(hook)
        return RemovableHandle(self._post_hooks, hook)

    def register_prehook(self, hook):
        """``hook(grad_outputs)`` runs before this node computes its gradients and may return
        replacements (a tuple). Kept beside the tensor hooks, under the key -1."""
        from .hooks import RemovableHandle

        hooks = self.tensor_hooks(-1)
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def release(self) -> None:
        """Free what backward needed (called after a backward without retain_graph)."""

    def set_output(self, out, multi=False) -> None:
        """A tensor now holds this node's result (in-place ops); only a recorded primitive's
        node keeps what it needs of it."""


class AccumulateGrad(Node):
    """The node of a leaf tensor: gradients arriving here are added to ``variable.grad``."""

    _torch_name = "torch::autograd::AccumulateGrad"  # name(); its repr says AccumulateGrad
    post_accumulate_hooks: tuple | list = ()  # register_post_accumulate_grad_hook

    def __init__(self, variable):
        super().__init__(())
        self.variable = variable


# ---------------------------------------------------------------- complex values


class COMPLEX:
    """Whether a complex value has been tracked yet (then ``OpNode.apply`` conjugates);
    set once, by ``mark_complex``, and never reset."""

    seen = False


def mark_complex(data) -> None:
    """Note a tracked value of a complex dtype (a leaf, a recorded result)."""
    if not COMPLEX.seen and getattr(data, "dtype", None) is not None and data.dtype.kind == "c":
        COMPLEX.seen = True


def _real_for(a, g):
    """A real argument's gradient is the real part of a complex one, as torch casts it: the
    imaginary part is no gradient, and kept it would enter a differentiable backward."""
    dtype = getattr(g, "dtype", None)
    if dtype is None or dtype.kind != "c":
        return g
    data = a._data if isinstance(a, Tensor) else a
    kind = getattr(getattr(data, "dtype", None), "kind", None)
    if kind is None:
        kind = "c" if isinstance(data, complex) or data is None else "f"
    return g if kind == "c" else np.real(g)


def conj(g):
    """The conjugate of a complex gradient (recorded when it is a Tensor); others unchanged."""
    dtype = getattr(g, "dtype", None)
    if dtype is None:
        return g.conjugate() if isinstance(g, complex) else g
    return np.conjugate(g) if dtype.kind == "c" else g


# ---------------------------------------------------------------- recorded operations


class OpNode(Node):
    """A primitive call ``out = prim(*args, **kwargs)`` whose VJP comes from the rule table.

    ``slots`` lists the data arguments as ``(position, index in a sequence argument or None)``,
    aligned with ``next_functions``; ``versions`` is ``(position, tensor, version when
    recorded)`` for every Tensor argument; ``raw_args``/``raw_kwargs`` the arguments as the
    primitive saw them (arrays); ``rules`` the table's per-argument VJP dict for the primitive
    (None when it has none yet: ``vjp_rule`` then says how to register one).
    """

    # defaults on the class: a node sets only what differs (``dispatch.record`` makes one per
    # operation, so every attribute written costs)
    _freed = False
    _used = None
    _multi = False
    _rules = None
    _bound = None  # the rule of each argument position, fixed when recorded (see keep_read)

    def __init__(self, prim, args, kwargs, slots, next_functions, versions, raw_args,
                 raw_kwargs, rules=None, out=None):
        self.next_functions = next_functions
        self.prim, self.args, self.kwargs, self.slots = prim, args, kwargs, slots
        self._raw_args, self._raw_kwargs = raw_args, raw_kwargs
        self._versions = versions
        if rules is not None:
            self._rules = rules
        if out is not None:  # one output Tensor (set_output, inlined)
            self._out_data = out._data
            self._out_vc = vc = out._vc
            self._out_version = vc.value

    def set_output(self, out, multi=False) -> None:
        """Record the op's output Tensor (or list of them, for several outputs): its array (a
        list of them) and version counter. Not the Tensor itself, which holds this node (no
        reference cycles for the garbage collector); ``output`` rebuilds it."""
        if multi:
            self._multi, self._out_type = True, type(out)
            self._out_data = [t._data for t in out]
            out = out[0]
        else:
            self._out_data = out._data
        self._out_vc = vc = out._vc
        self._out_version = vc.value

    @property
    def output(self):
        """The output Tensor(s): the kept arrays with this node as their history."""
        outs = []
        for nr, data in enumerate(self._out_data if self._multi else (self._out_data,)):
            t = Tensor._wrap(data)
            t._grad_fn, t._output_nr, t._vc = self, nr, self._out_vc
            outs.append(t)
        if not self._multi:
            return outs[0]
        return self._out_type(*outs) if hasattr(self._out_type, "_fields") else outs

    def keep_read(self, rules: dict, live: list) -> None:
        """Bind the rules this node will call (those of the ``live`` positions, from the table's
        ``rules``) and keep only what they read as data, as torch keeps only its saved
        tensors: an argument Tensor or the output that a rule reads only for its shape, dtype
        or library gives way to a zero-strided stand-in (one element of memory), so a loop's
        intermediate sums, biases added and the like are freed as soon as the user drops them.
        A missing rule leaves everything kept (the backward says how to register one)."""
        bound = [None] * len(self.args)
        for pos in live:
            rule = rules.get(pos)
            if rule is None:
                return
            bound[pos] = rule
        self._bound = bound = tuple(bound)
        self._used = used = params_read(bound, len(bound))
        args, raws, kept = None, self._raw_args, []
        for entry in self._versions:  # the Tensor arguments
            pos = entry[0]
            # a leaf (a parameter, an input) is the program's to free: nothing gained
            if pos in used or entry[1]._grad_fn is None or type(raws[pos]) is not np.ndarray:
                kept.append(entry)
                continue
            if args is None:
                args = list(self.args)
            args[pos], raws[pos] = None, _stand_in(raws[pos])
        if args is not None:
            self.args, self._versions = args, kept
        if "y" not in used and type(self._out_data) is np.ndarray:
            self._out_data = _stand_in(self._out_data)

    def keep_copies(self, positions) -> None:
        """Keep copies of the plain ndarray arguments at ``positions`` that the rules read (and
        of untracked Tensors of NumPy code under the fallback, dispatch._constant_array):
        NumPy code may update such an array in place after this op (``t += 1.0``), which the
        tape cannot see, and the gradient would read the new values (T10)."""
        used = self._saved_positions()
        hit = [p for p in positions if p in used]
        if not hit:
            return
        args, raws = list(self.args), list(self._raw_args)
        for p in hit:  # (an untracked Tensor of the fallback's NumPy code: its array)
            raws[p] = args[p] = raws[p].copy()
        self.args, self._raw_args = args, raws

    def _tensor_args(self):
        """The arguments as Tensors for a differentiable backward (stand-ins wrapped). A
        Tensor whose memory was replaced since (NumPy code's ``t += x``, ``np.sin(t, out=t)``,
        ``t.sort()`` under the compiler's fallback give it fresh memory) is read as recorded:
        its old array, hung from the node it came from then (create_graph read the new values:
        wrong jvp/hvp, T13). Elements of a sequence argument (``multi_dot([a, t])``) too."""
        out = []
        for pos, (a, r) in enumerate(zip(self.args, self._raw_args)):
            if a is None and r is not None:
                a = Tensor._wrap(r)
            elif _replaced(a, r):
                a = self._as_recorded(pos, None, r)
            elif type(a) in _SEQUENCES and type(r) in _SEQUENCES and any(
                    _replaced(e, d) for e, d in zip(a, r)):
                a = type(a)(self._as_recorded(pos, i, d) if _replaced(e, d) else e
                            for i, (e, d) in enumerate(zip(a, r)))
            out.append(a)
        return out

    def _tensor_kwargs(self):
        """The keywords for a differentiable backward: a Tensor among them whose memory was
        replaced since is read as recorded (a constant: keywords have no gradient slot)."""
        kwargs, raws = self.kwargs, self._raw_kwargs
        if any(_replaced(v, raws[k]) for k, v in kwargs.items()):
            return {k: Tensor._wrap(raws[k]) if _replaced(v, raws[k]) else v
                    for k, v in kwargs.items()}
        return kwargs

    def _as_recorded(self, pos, sub, r):
        """Array ``r`` (argument ``pos``, element ``sub`` of a sequence) as a Tensor with the
        history it had when this node recorded it."""
        t = Tensor._wrap(r)
        for (p, s), (node, nr) in zip(self.slots, self.next_functions):
            if p == pos and s == sub and node is not None:
                if type(node) is AccumulateGrad:
                    t._requires_grad, t._acc = True, node
                else:
                    t._grad_fn, t._output_nr = node, nr
                break
        return t

    def _rule(self, pos):
        rules = self._rules
        rule = rules.get(pos) if rules is not None else None
        return rule if rule is not None else vjp_rule(self.prim, pos)

    def _saved_positions(self) -> frozenset:
        """Argument positions (and "y") whose data the rules we will call read."""
        if self._used is None:
            rules, last = [], None
            for (pos, _), (nxt, _) in zip(self.slots, self.next_functions):
                if nxt is not None and pos != last:
                    rules.append(self._rule(pos))
                    last = pos
            self._used = params_read(tuple(rules), len(self.args))
        return self._used

    def check_saved(self) -> None:
        if not self._freed:  # the common case: nothing was modified since it was recorded
            for entry in self._versions:
                if entry[1]._vc.value != entry[2]:
                    break
            else:
                if self._multi or self._out_vc.value == self._out_version:
                    return
        used = self._saved_positions()
        if not used:
            return
        if self._freed:  # release() dropped what the rules read: tensors, and constants too
            raise RuntimeError(FREED)  # (x * 3 twice: dy * None otherwise; torch refuses too)
        saved = [entry for entry in self._versions if entry[0] in used]
        y_saved = "y" in used and not self._multi
        for _, tensor, version in saved:
            if tensor._vc.value != version:
                raise RuntimeError(_modified_message(tensor, version))
        if y_saved and self._out_vc.value != self._out_version:
            raise RuntimeError(_modified_message(self.output, self._out_version, self, 0))

    def apply(self, grads, create_graph):
        """The gradients of the inputs from those of the outputs, in torch's convention: for a
        complex value the gradient that flows is the conjugate of the table's cotangent (JAX's
        convention, which the compiler follows), so a real loss gives a complex leaf torch's
        ``.grad``, ``dL/dx + i dL/dy``. Hooks, ``backward(gradient=)`` and autograd.Function
        see torch's convention too; the compiler's fallback converts back (fallback.py)."""
        if not COMPLEX.seen:  # no complex value has been tracked: nothing to conjugate
            return self._vjp(grads, create_graph)
        grads = {nr: conj(g) for nr, g in grads.items()}
        outs = self._vjp(grads, create_graph)
        return [None if g is None else _real_for(self._input(slot), conj(g))
                for slot, g in zip(self.slots, outs)]

    def _input(self, slot):
        """The argument a gradient slot belongs to (None once released)."""
        pos, sub = slot
        a = self.args[pos] if self.args is not None else None
        return a if sub is None or a is None else a[sub]

    def _vjp(self, grads, create_graph):
        if self._freed:
            self.check_saved()
        else:  # check_saved's common case, inlined: nothing modified since recorded
            for entry in self._versions:
                if entry[1]._vc.value != entry[2]:
                    self.check_saved()
                    break
            else:
                if not self._multi and self._out_vc.value != self._out_version:
                    self.check_saved()
        if create_graph:
            args, y = self._tensor_args(), self.output
            kwargs = self._tensor_kwargs() if self.kwargs else self.kwargs
        else:
            args, kwargs = self._raw_args, self._raw_kwargs
            y = self._out_data
        if self._multi:  # several outputs: dy is a list too
            dy = [grads[i] if i in grads else np.zeros_like(o)
                  for i, o in enumerate(self._out_data)]
        else:
            dy = grads[0]
        bound = self._bound
        if bound is not None:  # rules bound when recorded: one per live slot, no sequences
            if len(bound) == 1 and bound[0] is not None:  # one argument (tanh, exp, sum...)
                return [bound[0](dy, y, *args, **kwargs)]
            return [None if nxt is None else bound[pos](dy, y, *args, **kwargs)
                    for (pos, _), (nxt, _) in zip(self.slots, self.next_functions)]
        out, called, last, g = [], [], None, None
        rules = self._rules
        # a sequence argument's slots are adjacent: one rule call serves them all
        for (pos, sub), (nxt, _) in zip(self.slots, self.next_functions):
            if nxt is None:
                out.append(None)
                continue
            if pos != last:
                rule = rules.get(pos) if rules is not None else None
                if rule is None:
                    rule = vjp_rule(self.prim, pos)  # registered since, or the error
                g = rule(dy, y, *args, **kwargs)
                called.append(rule)
                last = pos
            out.append(g if sub is None else g[sub])
        if self._used is None:  # what release() frees: found from the rules just called
            self._used = params_read(tuple(called), len(args))
        return out

    def release(self) -> None:
        """Drop the saved tensors (those the rules read as data); keep what is read only for
        its shape, so a node that saved nothing can run again, as in torch."""
        self._freed = True
        used = self._used if self._used is not None else self._saved_positions()
        if used:
            drop = _positions(used, len(self.args))
            if drop:
                args, raws = list(self.args), list(self._raw_args)
                for i in drop:
                    args[i] = raws[i] = None
                self.args, self._raw_args = args, raws
            if "y" in used and not self._multi:
                self._out_data = None


_SEQUENCES = (list, tuple)


def _replaced(a, recorded) -> bool:
    """Whether ``a`` is a Tensor whose memory is no longer the array an op recorded (NumPy
    code under the fallback updated it in place: ``_assign_result`` gave it fresh memory)."""
    return isinstance(a, Tensor) and recorded is not None and a._data is not recorded


def _stand_in(x):
    """``only_shape(x)`` for an ndarray, from its cache of shared views when it has one."""
    view = _SHAPE_VIEWS.get((x.shape, x.dtype))
    return view if view is not None else only_shape(x)


@functools.cache
def _positions(used: frozenset, nargs: int) -> tuple:
    """The argument positions among ``used`` (which may also hold "y")."""
    return tuple(i for i in range(nargs) if i in used)


@functools.cache
def params_read(rules: tuple, nargs: int) -> frozenset:
    """What a node calling ``rules`` (None for a slot not called) saves: the union of their
    ``data_params``."""
    return frozenset().union(*(data_params(rule, nargs) for rule in rules if rule is not None))


def _modified_message(tensor, version, node=None, nr=0) -> str:
    """torch's message. It names the tensor's grad_fn now, except for an op's own output,
    which is named after the op that produced it (``node``)."""
    what = f"[{tensor.type()} {list(tensor.shape)}]"
    if node is None:
        node, nr = tensor.grad_fn, tensor._output_nr
    if node is not None:
        name = node.name()
        base = name[: name.rfind("Backward")] if "Backward" in name else name
        what += f", which is output {nr} of {base},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {what} is at version {tensor._vc.value}; expected version {version} "
        "instead. Hint: enable anomaly detection to find the operation that failed to compute "
        "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


# ---------------------------------------------------------------- which inputs a rule reads

_SHAPE_ONLY_ATTRS = {"shape", "ndim", "dtype", "size"}
#: Calls that read an argument (at this position) only for its shape, dtype or library.
_SHAPE_ONLY_CALLS = {
    "shape": 0, "ndim": 0, "size": 0, "shape_of": 0, "dtype_of": 0, "kept_shape": 0,
    "reduced_size": 0, "empty_grad": 0, "zeros_like": 0, "ones_like": 0, "empty_like": 0,
    "zeros_like_tree": 0, "unbroadcast": 1, "unreduce": 1, "getitem_grad": 1,
    "broadcast_like": 1, "arange_like": 1, "fill_none": 1, "asarray_like": 1, "value_grad": 2,
    "untake_along_axis": 1,
}


@functools.cache
def data_params(rule, nargs: int) -> frozenset:
    """Which of ``y`` and the argument positions a rule reads as data (not only for a shape).

    This is what torch calls the saved tensors of a node: only those make a second backward
    fail once the graph is freed, and only those are checked for in-place modification.
    """
    try:
        params = list(inspect.signature(rule).parameters.values())
        tree = ast.parse(textwrap.dedent(inspect.getsource(rule)))
    except (TypeError, OSError, ValueError, SyntaxError):
        return frozenset({"y", *range(nargs)})
    names: dict[str, Any] = {}
    for i, p in enumerate(params[1:nargs + 2]):
        if p.kind == p.VAR_POSITIONAL:
            return frozenset({"y", *range(nargs)})
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names[p.name] = "y" if i == 0 else i - 1
    shape_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _SHAPE_ONLY_ATTRS:
            shape_only.add(id(node.value))
        elif isinstance(node, ast.Call):
            fname = getattr(node.func, "attr", getattr(node.func, "id", ""))
            pos = _SHAPE_ONLY_CALLS.get(fname)
            if pos is not None and len(node.args) > pos:
                shape_only.add(id(node.args[pos]))
    used = {names[n.id] for n in ast.walk(tree)
            if isinstance(n, ast.Name) and n.id in names and id(n) not in shape_only}
    return frozenset(used)


# ---------------------------------------------------------------- torch's names


@functools.cache
def node_class(name: str) -> type:
    """A subclass of OpNode called ``name``, so ``type(grad_fn).__name__`` reads as torch's
    (``torch::autograd::CopySlices`` is class ``CopySlices`` whose ``name()`` is the whole)."""
    return type(name.rpartition("::")[2], (OpNode,), {"__module__": __name__,
                                                        "_torch_name": name})


_NAMES = {
    np.add: "Add", operator.add: "Add", np.subtract: "Sub", operator.sub: "Sub",
    np.multiply: "Mul", operator.mul: "Mul", np.true_divide: "Div", operator.truediv: "Div",
    np.negative: "Neg", operator.neg: "Neg", np.absolute: "Abs", np.power: "Pow",
    operator.pow: "Pow", np.sqrt: "Sqrt", np.arcsin: "Asin", np.arccos: "Acos",
    np.arctan: "Atan", np.arcsinh: "Asinh", np.arccosh: "Acosh", np.arctanh: "Atanh",
    np.arctan2: "Atan2", np.log1p: "Log1P", np.expm1: "Expm1", np.reciprocal: "Reciprocal",
    np.maximum: "Maximum", np.minimum: "Minimum", np.where: "Where", np.clip: "Clamp",
    np.sum: "Sum", np.mean: "Mean", np.prod: "Prod", np.cumsum: "Cumsum", np.var: "Var",
    np.std: "Std", np.concatenate: "Cat", np.stack: "Stack", np.transpose: "Permute",
    np.reshape: "View", np.broadcast_to: "Expand", np.expand_dims: "Unsqueeze",
    np.squeeze: "Squeeze", np.linalg.norm: "LinalgVectorNorm", np.copy: "Clone",
    np.flip: "Flip", np.roll: "Roll", np.tile: "Repeat", np.trace: "Trace",
    np.outer: "Outer", np.einsum: "Einsum", np.linalg.inv: "LinalgInv",
    np.linalg.det: "LinalgDet", np.linalg.solve: "LinalgSolve",
    np.linalg.cholesky: "LinalgCholesky", np.swapaxes: "Transpose", np.square: "Pow",
}


ARG_DEPENDENT = {np.matmul, operator.matmul, np.dot, np.sum, np.mean, np.amax, np.amin, np.max,
                 np.min, np.power, operator.pow, np.clip, operator.getitem, np.fmod,
                 np.remainder, operator.mod}
_FIXED: dict = {}  # primitive -> name, for the primitives whose name needs no arguments


_PRODUCTS = {np.matmul, operator.matmul, np.dot}
_PRODUCT_NAMES = {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0"}
_SUM_NAMES = {(prim, full): f"{_NAMES[prim]}Backward{0 if full else 1}"
              for prim in (np.sum, np.mean) for full in (True, False)}


def torch_name(prim, args, kwargs) -> str:
    """torch's grad_fn name for ``prim(*args, **kwargs)``."""
    name = _FIXED.get(prim)
    if name is not None:
        return name
    if prim not in ARG_DEPENDENT:
        name = _NAMES.get(prim)
        if name is None:
            name = getattr(prim, "__name__", type(prim).__name__).strip("_")
            name = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
        _FIXED[prim] = name = f"{name}Backward0"
        return name
    if prim in _PRODUCTS:
        nd = (getattr(args[0], "ndim", 0), getattr(args[1], "ndim", 0))
        return _PRODUCT_NAMES.get(nd, "UnsafeViewBackward0")
    if prim in (np.sum, np.mean):
        full = kwargs.get("axis", args[1] if len(args) > 1 else None) is None
        return _SUM_NAMES[prim, full]
    if prim in (np.amax, np.amin, np.max, np.min):
        full = kwargs.get("axis", args[1] if len(args) > 1 else None) is None
        return ("Max" if prim in (np.amax, np.max) else "Min") + f"Backward{1 if full else 0}"
    if prim in (np.power, operator.pow):
        exponent_tensor = _array(args[1])
        base_tensor = _array(args[0])
        return f"PowBackward{2 if not base_tensor else 1 if exponent_tensor else 0}"
    if prim is np.clip:  # bounds given as tensors: the other overload
        tensors = any(_array(b) for b in args[1:3])
        return "ClampBackward0" if tensors else "ClampBackward1"
    if prim in (np.fmod, np.remainder, operator.mod):  # by a tensor: the other overload
        kind = "Fmod" if prim is np.fmod else "Remainder"
        return f"{kind}Backward{1 if _array(args[1]) else 0}"
    return _index_name(args[1])


def _array(a) -> bool:
    """An array operand (torch's Tensor overload), not a number (NumPy scalars included)."""
    return hasattr(a, "shape") and not isinstance(a, np.generic)


def _index_name(index) -> str:
    """torch applies a basic index part by part, left to right, and the result hangs from the
    last part that did something: ``x[:, 1]`` is a select, ``x[0, 1:]`` a slice."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(hasattr(p, "shape") or isinstance(p, list) for p in parts):
        return "IndexBackward0"
    for p in reversed(parts):
        if p is None:
            return "UnsqueezeBackward0"
        if isinstance(p, int):
            return "SelectBackward0"
        if isinstance(p, slice) and p != slice(None):
            return "SliceBackward0"
    return "SliceBackward0"

