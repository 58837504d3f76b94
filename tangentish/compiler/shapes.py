"""Symbolic shapes of the normalized primal, for code specialised to a pattern of array shapes.

A call's arrays are described by the *pattern* of their shapes (``pattern``): each dimension is
``"1"`` when it is 1, else a symbol naming the first argument dimension of that size, so ode's
``y`` (4,), ``a`` (4, 4), ``b`` (4,) is ``(("s0",), ("s0", "s0"), ("s0",))``, and a batch of 16
or of 32 gives the same pattern. Two different symbols are two different sizes, neither 1, so
broadcasting is decided exactly: equal symbols stay, ``"1"`` against ``s`` gives ``s``.

``infer`` gives every variable the one shape all its assignments produce (a flow-insensitive
fixed point, which covers loops: a name whose shape changes from one trip to the next has two
shapes and is unknown). ``shape_of`` reads the shape of an expression, adjoint rules included,
so ``reverse`` can drop ``unbroadcast(g, x)`` where g already has x's shape. Anything these
rules do not model is unknown (None), and the dynamic code stays.

>>> pattern((np.zeros(4), np.zeros((4, 4)), np.zeros((1, 4)), 2.0))
(('s0',), ('s0', 's0'), ('1', 's0'), ())
>>> broadcast(("1", "s0"), ("s1", "s0")), broadcast(("s0",), ("s1",))
(('s1', 's0'), None)
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Mapping
from typing import Any

import gast
import numpy as np

from tangentish.compiler.hoist import scalar_names
from tangentish.compiler.normalize import Normalized
from tangentish.compiler.ops import op_of
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime.accumulate import add_into, subtract_into
from tangentish.runtime.backend import is_array
from tangentish.runtime.support import reduced_size, unbroadcast, unreduce

__all__ = ["Shape", "pattern", "broadcast", "matmul", "infer", "shape_of", "elementwise", "reduced",
           "resolve"]

#: a tuple of "1" and symbols; None where unknown
Shape = tuple[str, ...]

_SYMBOLS = tuple(f"s{k}" for k in range(32))
_ONE = "1"
_PENDING = object()  # no assignment of the name has produced a shape yet

_ELEMENTWISE = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
                operator.floordiv, operator.mod, operator.neg, operator.pos, np.where,
                add_into, subtract_into}
_MATMUL = {operator.matmul, np.matmul, np.dot}
_REDUCTIONS = {np.sum, np.mean, np.max, np.min, np.prod, np.amax, np.amin}
#: helpers whose result has the shape of their argument ``k`` (``unbroadcast(g, x)``: x's,
#: also for a number x)
_SHAPED_LIKE = {unbroadcast: 1, unreduce: 1, helpers.zero_grad: 0}
#: helpers that return a Python number (``np.mean``'s adjoint divides by ``reduced_size``)
_NUMBERS = {reduced_size}
#: array constructors: of a shape argument, and of another array's shape
_CREATED = {np.zeros, np.ones, np.empty, np.full}
_CREATED_LIKE = {np.zeros_like, np.ones_like, np.empty_like, np.full_like}
_GAST_OPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
             gast.Div: operator.truediv, gast.Pow: operator.pow, gast.FloorDiv: operator.floordiv,
             gast.Mod: operator.mod, gast.MatMult: operator.matmul}


def pattern(args: tuple) -> tuple:
    """The shape pattern of a call's arguments: a Shape per array or Python number; for a dict
    or list of them, ``("dict", ((key, Shape), ...))`` or ``("list", (Shape, ...))``, so
    ``params["W"]`` has a known shape too; None for anything else."""
    sizes: dict[int, str] = {}
    out = []
    for a in args:
        kind = type(a)
        if kind is np.ndarray:  # the common case first: no further type tests
            out.append(_dims(a.shape, sizes))
        elif kind is dict:
            out.append(_leaves("dict", a, sizes))
        elif kind is list or kind is tuple:
            out.append(_leaves("list", a, sizes))
        else:
            out.append(_leaf(a, sizes))
    return tuple(out)


#: containers with more leaves than this are not specialised (the pattern costs per leaf)
_MAX_LEAVES = 64


def _leaves(kind: str, container: Any, sizes: dict[int, str]) -> tuple | None:
    if len(container) > _MAX_LEAVES:
        return None
    if kind == "list":
        return kind, tuple(_leaf(v, sizes) for v in container)
    if not all(type(k) is str or type(k) is int for k in container):
        return None
    return kind, tuple((k, _leaf(v, sizes)) for k, v in container.items())


def _leaf(a: Any, sizes: dict[int, str]) -> Shape | None:
    kind = type(a)
    if kind is np.ndarray:
        return _dims(a.shape, sizes)
    if kind is float or kind is int:
        return ()
    if is_array(a) and kind is not bool:
        return _dims(tuple(a.shape), sizes)
    return None


def _dims(shape: tuple, sizes: dict[int, str]) -> Shape:
    dims = []
    for n in shape:
        if n == 1:
            dims.append(_ONE)
        else:
            symbol = sizes.get(n)
            if symbol is None:
                k = len(sizes)
                symbol = sizes[n] = _SYMBOLS[k] if k < len(_SYMBOLS) else f"s{k}"
            dims.append(symbol)
    return tuple(dims)


def _is_container(shape: Any) -> bool:
    return type(shape) is tuple and len(shape) == 2 and shape[0] in ("dict", "list")


def broadcast(*shapes: Shape | None) -> Shape | None:
    """NumPy's broadcasting on symbolic shapes; None when any is unknown or they clash."""
    if any(s is None for s in shapes):
        return None
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(ndim):
        dim = _ONE
        for s in shapes:
            d = s[i - ndim + len(s)] if i - ndim + len(s) >= 0 else _ONE
            if d == _ONE or d == dim:
                continue
            if dim != _ONE:
                return None  # two different sizes: NumPy raises; let it, at run time
            dim = d
        out.append(dim)
    return tuple(out)


def matmul(a: Shape | None, b: Shape | None) -> Shape | None:
    """``a @ b`` (and ``np.dot``) for 1-D and 2-D operands; None otherwise."""
    if a is None or b is None or not a or not b or len(a) > 2 or len(b) > 2:
        return None
    inner_b = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner_b:
        return None
    return a[:-1] + b[1:] if len(b) == 2 else a[:-1]


def _reduce(x: Shape | None, axis: Any, keepdims: Any) -> Shape | None:
    if axis is None and keepdims is False:
        return ()  # a full reduction is one number, whatever it reduced
    if x is None or not isinstance(keepdims, bool):
        return None
    if axis is None:
        axes = set(range(len(x)))
    else:
        items = axis if isinstance(axis, tuple) else (axis,)
        if not all(isinstance(i, int) and not isinstance(i, bool) and -len(x) <= i < len(x)
                   for i in items):
            return None
        axes = {i % len(x) for i in items}
    if keepdims:
        return tuple(_ONE if i in axes else d for i, d in enumerate(x))
    return tuple(d for i, d in enumerate(x) if i not in axes)


def reduced(x: Shape | None, axis: gast.expr, keepdims: bool) -> Shape | None:
    """The shape of a reduction of an ``x``-shaped array over the literal ``axis``."""
    return _reduce(x, _literal(axis), keepdims)


def _literal(node: gast.expr) -> Any:
    """The Python value of a constant argument (an int, None, a bool, a tuple of ints)."""
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) and isinstance(
            node.operand, gast.Constant) and type(node.operand.value) is int:
        return -node.operand.value  # ``x[:-1]``
    if isinstance(node, gast.Tuple) and all(isinstance(e, gast.Constant) for e in node.elts):
        return tuple(e.value for e in node.elts)
    return _NOT_LITERAL


_NOT_LITERAL = object()


def resolve(func: gast.expr, objects: Mapping[str, Any]) -> Any:
    """The object a call's ``func`` names: a name, or an attribute of ``np``/``np.linalg``."""
    if isinstance(func, gast.Name):
        return objects.get(func.id)
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
        module = objects.get(func.value.id)
        if module is np or module is np.linalg:
            return getattr(module, func.attr, None)
    return None


class _Shapes:
    """``shape_of``'s walk: ``env`` gives names' shapes, ``ints`` names holding Python ints."""

    def __init__(self, env: Mapping[str, Any], objects: Mapping[str, Any], ints: set[str],
                 containers: Mapping[str, tuple] | None = None):
        self.env, self.objects, self.ints = env, objects, ints
        #: names bound once to a size of an argument (``n = x.shape[0]``): its symbol
        self.dims: dict[str, str] = {}
        #: names bound once to an array's ``.shape``: that shape
        self.shapes: dict[str, tuple] = {}
        #: dict and list arguments: their leaves' shapes (``pattern``)
        self.containers = containers or {}

    def of(self, node: gast.expr) -> Any:
        """A Shape, None (unknown) or _PENDING (an operand has no shape yet)."""
        if isinstance(node, gast.Name):
            if node.id in self.env:
                return self.env[node.id]
            value = self.objects.get(node.id, _NOT_LITERAL)
            return () if _is_number(value) else None
        if isinstance(node, gast.Constant):
            return () if _is_number(node.value) else None
        if isinstance(node, gast.BinOp):
            fn = _GAST_OPS.get(type(node.op))
            return self.apply(fn, [node.left, node.right], []) if fn else None
        if isinstance(node, gast.UnaryOp):
            return self.of(node.operand) if isinstance(node.op, (gast.USub, gast.UAdd)) else None
        if isinstance(node, gast.Call):
            fn = resolve(node.func, self.objects)
            return self.apply(fn, node.args, node.keywords) if fn is not None else None
        if isinstance(node, gast.Attribute) and node.attr == "T":
            x = self.of(node.value)
            return x if x is None or x is _PENDING else x[::-1]
        if isinstance(node, gast.Attribute) and node.attr in ("size", "ndim"):
            return self.count(node.value)
        if isinstance(node, gast.Subscript):
            if isinstance(node.value, gast.Attribute) and node.value.attr == "shape":
                return self.count(node.value.value) if self.is_int(node.slice) else None
            if isinstance(node.value, gast.Name) and node.value.id in self.shapes:
                return () if self.is_int(node.slice) else None  # _t1 = x.shape; _t1[-1]
            return self.subscript(node)
        return None

    def created(self, shape: gast.expr) -> Any:
        """The shape ``np.zeros(shape)`` makes: ``x.shape``, a size the arguments' pattern
        names (``x.shape[0]``, a name holding one, 1), or a tuple of those."""
        if isinstance(shape, gast.Attribute) and shape.attr == "shape":
            return self.of(shape.value)
        if isinstance(shape, gast.Name) and shape.id in self.shapes:
            return self.shapes[shape.id]
        sizes = shape.elts if isinstance(shape, gast.Tuple) else [shape]
        dims = [self.dim(d) for d in sizes]
        if _PENDING in dims:
            return _PENDING
        return None if None in dims else tuple(dims)

    def dim(self, node: gast.expr) -> Any:
        """The symbolic size ``node`` holds (``x.shape[-1]``, a name ``infer`` saw bound to
        one, the literal 1), else None."""
        if isinstance(node, gast.Name):
            return self.dims.get(node.id)
        if isinstance(node, gast.Constant):
            return _ONE if type(node.value) is int and node.value == 1 else None
        if not (isinstance(node, gast.Subscript) and type(_literal(node.slice)) is int):
            return None
        value, i = node.value, _literal(node.slice)
        if isinstance(value, gast.Attribute) and value.attr == "shape":
            x = self.of(value.value)
        elif isinstance(value, gast.Name) and value.id in self.shapes:  # _t1 = x.shape
            x = self.shapes[value.id]
        else:
            return None
        if x is None or x is _PENDING:
            return x
        return x[i] if -len(x) <= i < len(x) else None

    def shape_tuple(self, node: gast.expr) -> Any:
        """The shape ``x.shape`` holds, for an ``x`` of known shape, or a tuple of sizes
        (``(n, 1)``) would give an array (else None)."""
        if isinstance(node, gast.Tuple) or isinstance(node, gast.Attribute) and (
                node.attr == "shape"):
            return self.created(node)
        return None

    def count(self, array: gast.expr) -> Any:
        """``()`` for ``x.shape[0]``, ``x.size``, ``x.ndim`` of an array of known shape (an int;
        of anything else, who knows)."""
        x = self.of(array)
        return x if x is None or x is _PENDING else ()

    def apply(self, fn: Any, args: list, keywords: list) -> Any:
        if any(isinstance(a, gast.Starred) for a in args):
            return None
        if fn in _SHAPED_LIKE:
            k = _SHAPED_LIKE[fn]
            return self.of(args[k]) if len(args) > k else None
        if fn in _NUMBERS:
            return ()
        if fn is helpers.as_list and len(args) == 1:  # a loop over an array's rows: the list
            return self.of(args[0])  # is indexed like the array (``x = _t1[i]``); else unknown
        if fn in _CREATED_LIKE and args and not any(k.arg == "shape" for k in keywords):
            return self.of(args[0])
        if fn in _CREATED and args:
            return self.created(args[0])
        shapes = [self.of(a) for a in args]
        if _PENDING in shapes:
            return _PENDING
        if fn in _MATMUL and len(args) == 2 and not keywords:
            if fn is np.dot and () in shapes:
                return broadcast(*shapes)  # np.dot of a number multiplies
            return matmul(*shapes)
        if elementwise(fn, len(args)) and not keywords:
            return broadcast(*shapes)
        if fn in _REDUCTIONS and args:
            return self.reduction(shapes[0], args, keywords)
        if fn is np.transpose and len(args) == 1 and not keywords:
            return None if shapes[0] is None else shapes[0][::-1]
        return None

    def reduction(self, x: Shape | None, args: list, keywords: list) -> Shape | None:
        given = {"axis": args[1]} if len(args) == 2 else {}
        if len(args) > 2:
            return None
        for k in keywords:
            if k.arg not in ("axis", "keepdims") or k.arg in given:
                return None
            given[k.arg] = k.value
        axis = _literal(given["axis"]) if "axis" in given else None
        keepdims = _literal(given["keepdims"]) if "keepdims" in given else False
        return _reduce(x, axis, keepdims)

    def subscript(self, node: gast.Subscript) -> Any:
        """``x[i]`` with an int ``i`` drops the first dimension, ``x[1:]`` and ``x[:, :-1]``
        shorten theirs (``_sliced``); ``params["W"]`` of a dict argument is that leaf's shape,
        ``xs[i]`` of a list argument its element's (one shape for all, unless i is a
        constant); other indices: unknown."""
        index, value = node.slice, node.value
        if isinstance(value, gast.Name) and value.id in self.containers:
            return self.leaf(self.containers[value.id], index, self.is_int(index))
        items = index.elts if isinstance(index, gast.Tuple) else [index]
        x = self.of(value)
        new_axes = sum(isinstance(i, gast.Constant) and i.value is None for i in items)
        if x is _PENDING or x is None or len(items) - new_axes > len(x):
            return x if x is _PENDING else None
        dims, rest = [], list(x)
        for item in items:
            if isinstance(item, gast.Constant) and item.value is None:  # np.newaxis
                dims.append(_ONE)
                continue
            dim = rest.pop(0)
            if self.is_int(item):
                continue
            dim = _sliced(dim, item) if isinstance(item, gast.Slice) else None
            if dim is None:
                return None
            dims.append(dim)
        return tuple(dims) + tuple(rest)

    def is_int(self, index: gast.expr) -> bool:
        if isinstance(index, (gast.Constant, gast.UnaryOp)):
            return type(_literal(index)) is int  # x[0], x.shape[-1]
        return isinstance(index, gast.Name) and index.id in self.ints

    def leaf(self, container: tuple, index: gast.expr, is_int: bool) -> Shape | None:
        kind, items = container
        key = index.value if isinstance(index, gast.Constant) else None
        if kind == "dict":
            return next((s for k, s in items if type(k) is type(key) and k == key), None)
        if not is_int or not items:
            return None
        if key is None:  # an int variable: any element
            return items[0] if all(s == items[0] for s in items) else None
        return items[key] if -len(items) <= key < len(items) else None


def _sliced(dim: str, index: gast.Slice) -> str | None:
    """The length of ``x[a:b]`` along a dimension of symbolic length ``dim``, for a start >= 0
    and a stop < 0 or absent (``x[1:]``, ``x[:-1]``, ``x[2:-2]``: the ends of a stencil),
    written ``"s0-2"``: the same size however it was sliced, so ``x[1:] - x[:-1]`` is known
    not to broadcast. Like any symbol it may be 1, which broadcasting here never assumes
    it is not: two different symbols are unknown, not an error. Other slices: None."""
    lower, upper, step = (_literal(e) if e is not None else None
                          for e in (index.lower, index.upper, index.step))
    start, stop = lower or 0, upper or 0
    if step not in (None, 1) or dim == _ONE or not all(
            type(v) is int for v in (start, stop)) or start < 0 or stop > 0:
        return None
    base, _, cut = dim.partition("-")
    cut = int(cut or 0) + start - stop
    return f"{base}-{cut}" if cut else base


def elementwise(fn: Any, nargs: int) -> bool:
    """Is ``fn(*args)`` with ``nargs`` positional arguments elementwise with broadcasting
    (``np.where`` of one argument is a tuple of index arrays, not)?"""
    if fn is np.where:
        return nargs == 3
    return nargs > 0 and (fn in _ELEMENTWISE or isinstance(fn, np.ufunc) and fn.nin == nargs
                          and fn.nout == 1)


def _is_number(value: Any) -> bool:
    return type(value) is float or type(value) is int


def shape_of(node: gast.expr, env: Mapping[str, Any], objects: Mapping[str, Any],
             ints: set[str] = frozenset()) -> Shape | None:
    """The shape of expression ``node`` given its names' shapes (None where unknown)."""
    shape = _Shapes(env, objects, ints).of(node)
    return None if shape is _PENDING else shape


def infer(norm: Normalized, known: Mapping[str, Shape | None]) -> dict[str, Shape]:
    """Every variable of ``norm`` with a known shape, given the parameters' shapes ``known``.

    Optimistic: a name has no shape until an assignment gives it one; a second, different
    shape makes it unknown. Names bound any other way (unpacking, ``for`` over other than
    ``range``, ``*args``) are unknown.
    """
    body = norm.node.body
    params = set(norm.params) | ({norm.vararg} - {None})
    objects = norm.namespace.objects
    numbers = scalar_names(body, sorted(params))
    env: dict[str, Any] = {p: known.get(p) for p in params}
    assigns: list[tuple[str, gast.expr]] = []
    loop_targets: set[str] = set()
    simple: set[int] = set()  # the target nodes of the assignments and loops modelled here
    for node in gast.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(node, gast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], gast.Name) and op_of(node) is not None:
            assigns.append((node.targets[0].id, node.value))
            simple.add(id(node.targets[0]))
        elif isinstance(node, gast.For) and isinstance(node.target, gast.Name) and isinstance(
                node.iter, gast.Call) and resolve(node.iter.func, objects) is range:
            loop_targets.add(node.target.id)
            simple.add(id(node.target))
    other = {node.id for node in gast.walk(gast.Module(body=body, type_ignores=[]))
             if isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del))
             and id(node) not in simple}
    assigned = {name for name, _ in assigns}
    ints = (loop_targets - assigned - other - params) | numbers
    for name in assigned - params:
        env[name] = _PENDING
    for name in ints:
        env[name] = ()
    for name in other | (loop_targets - ints):
        env[name] = None
    containers = {p: env[p] for p in params - assigned - other if _is_container(env[p])}
    for p in params:  # a dict or list is not an array (and one rebound in the body: unknown)
        if _is_container(env[p]):
            env[p] = None
    walker = _Shapes(env, objects, ints, containers)
    stores = Counter(name for name, _ in assigns)
    once = {name for name, count in stores.items() if count == 1} - other
    changed = True
    while changed:
        changed = False
        for name, value in assigns:
            dim = walker.dim(value) if name in once else None
            if dim is not None and dim is not _PENDING and walker.dims.get(name) != dim:
                walker.dims[name], changed = dim, True
            held = walker.shape_tuple(value) if name in once else None
            if held is not None and held is not _PENDING and walker.shapes.get(name) != held:
                walker.shapes[name], changed = held, True
            if name in numbers or env[name] is None:
                continue
            shape = walker.of(value)
            if shape is _PENDING or shape == env[name]:
                continue
            env[name] = shape if env[name] is _PENDING else None
            changed = True
    return {name: s for name, s in env.items() if s is not None and s is not _PENDING}

