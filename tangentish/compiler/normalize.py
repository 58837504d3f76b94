"""Pass 3, normalize: one primitive per statement, calls to user functions inlined.

Expressions are flattened into assignments whose right-hand side does one thing, on names and
constants; each records what it does as an ``Op`` (see ``ops``). Methods become the NumPy
functions they stand for, loops become ``for`` over ``range``, comprehensions become loops,
``x[i] = v`` becomes ``x = index_set(x, i, v)``, and user functions, nested functions and
lambdas are inlined with their locals renamed. Returns, breaks and continues are made
structured by ``jumps.absorb``.

>>> import numpy as np
>>> def f(x, w):
...     return np.sum(np.tanh(x @ w))
>>> from tangentish.compiler.nodes import unparse
>>> print(unparse(normalize_function(f).node))
def f(x, w):
    _t1 = x @ w
    _t2 = np.tanh(_t1)
    y = np.sum(_t2)
    return y
"""

from __future__ import annotations

import builtins
import copy
import inspect
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy as np

from tangentish.compiler import jumps
from tangentish.compiler.diagnostics import error_at, first_unsupported
from tangentish.compiler.hoist import hoist_invariants
from tangentish.compiler.namespace import Namespace
from tangentish.compiler.naming import Namer
from tangentish.compiler.nodes import assign, attr, call, const, load, names_in, store
from tangentish.compiler.ops import Op, set_op
from tangentish.compiler.parse import Parsed, parse
from tangentish.compiler.resolve import UNRESOLVED, Scope, kind_of, local_names
from tangentish.compiler.ssa import rename_straight_line
from tangentish.errors import TransformError
from tangentish.runtime import adjoint_helpers as helpers

__all__ = ["Normalized", "normalize", "normalize_function", "index_value", "METHODS"]

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
    gast.Pow: operator.pow, gast.MatMult: operator.matmul, gast.BitAnd: operator.and_,
    gast.BitOr: operator.or_, gast.BitXor: operator.xor, gast.LShift: operator.lshift,
    gast.RShift: operator.rshift,
}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Invert: operator.invert}

#: ``x.name(...)`` on an array value -> the NumPy function it stands for.
METHODS: dict[str, Callable[..., Any]] = {
    name: getattr(np, name) for name in (
        "sum", "mean", "max", "min", "prod", "std", "var", "dot", "transpose", "reshape",
        "ravel", "squeeze", "clip", "cumsum", "cumprod", "copy", "conj", "swapaxes", "trace",
        "diagonal", "argmax", "argmin", "round", "repeat", "take", "all", "any", "nonzero",
        "sort", "argsort", "flatten", "real", "imag")
    if hasattr(np, name)
}
METHODS["flatten"] = np.ravel
_PACKED = {"reshape", "transpose"}  # x.reshape(2, 3) is np.reshape(x, (2, 3))
_ATTR_PRIMS = {"T": np.transpose, "real": np.real, "imag": np.imag}
_INERT_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "flags", "device"}
_HELPER_METHODS = {"astype": helpers.astype, "item": helpers.item}
_BUILTIN_MAP = {builtins.abs: np.abs}


@dataclass
class Normalized:
    """The normalized function and what later passes need to know about it."""

    parsed: Parsed
    node: gast.FunctionDef
    namer: Namer
    namespace: Namespace
    #: the variable holding the returned value
    result: str
    #: the parameters, in order (positional, then keyword-only)
    params: list[str] = field(default_factory=list)
    vararg: str | None = None


def normalize_function(fn: Callable[..., Any]) -> Normalized:
    """Parse, resolve and normalize ``fn`` (the front end in one call)."""
    parsed = parse(fn)
    return normalize(parsed, Scope(parsed))


def normalize(parsed: Parsed, scope: Scope, call_site_fallback: bool = False) -> Normalized:
    """Normalize a parsed function (see the module docstring).

    With ``call_site_fallback``, a call to a user function that cannot be inlined (recursion,
    unsupported syntax inside it) stays an ``opaque`` call for ``Reverser.opaque_call`` to
    handle, instead of raising TransformError for the whole function.
    """
    found = first_unsupported(parsed.node)
    if found is not None:
        node, words = found
        raise error_at(parsed.where(node), f"tangentish cannot transform {words}")
    node = parsed.node
    namer = Namer(local_names(node))
    ns = Namespace(namer)
    ctx = _Context(namer, ns, [parsed.fn], call_site_fallback)
    args = node.args
    if args.kwarg is not None:
        raise error_at(parsed.where(args.kwarg), "tangentish cannot transform **kwargs parameters")
    params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
    result = _result_name(node, params, namer)
    body_fn = _Function(ctx, parsed, scope, None, {}, result)
    body, result = rename_straight_line(body_fn.body(node.body), params, result, namer)
    body = hoist_invariants(body)
    new = gast.FunctionDef(name=node.name, args=node.args, body=body + [gast.Return(gload(result))],
                           decorator_list=[], returns=None, type_comment=None, type_params=[])
    gast.copy_location(new, node)
    vararg = args.vararg.id if args.vararg is not None else None
    return Normalized(parsed, new, namer, ns, result, params, vararg)


def _result_name(node: gast.FunctionDef, params: list[str], namer: Namer) -> str:
    """``y`` unless the function ends in its only ``return name`` of a non-parameter local."""
    returns = [n for n in gast.walk(node) if isinstance(n, gast.Return)]
    last = node.body[-1] if node.body else None
    if (len(returns) == 1 and last is returns[0] and isinstance(last.value, gast.Name)
            and last.value.id not in params):
        return last.value.id
    return namer.synthetic("y")


@dataclass
class _Context:
    namer: Namer
    ns: Namespace
    #: functions being inlined, outermost first (a repeat is recursion)
    stack: list[Any]
    #: per-call-site fallback: a user call that cannot be inlined stays a call ("opaque" op
    #: whose ``index`` holds the TransformError) instead of failing the whole function
    call_site_fallback: bool = False
    untransformable: dict = field(default_factory=dict)


class _Function:
    """Normalizes the body of one function (the differentiated one, or an inlined callee)."""

    def __init__(self, ctx: _Context, parsed: Parsed, scope: Scope | None,
                 parent: _Function | None, rename: dict[str, gast.expr], result: str,
                 node: gast.FunctionDef | None = None):
        self.ctx, self.parsed, self.scope, self.parent = ctx, parsed, scope, parent
        self.node = node or parsed.node
        self.locals = local_names(self.node)
        self.rename = rename
        self.result = result
        self.local_fns: dict[str, gast.FunctionDef] = {}
        self.stores = _store_counts(self.node)
        self.loop_depth = 0
        self.done: str | None = None  # flag set by a return inside a loop
        self.returned_in_loop = False

    # ------------------------------------------------------------ names

    def where(self, node: gast.AST):
        return self.parsed.where(node)

    def fail(self, node: gast.AST, message: str) -> Exception:
        return error_at(self.where(node), message)

    def name(self, ident: str, node: gast.AST) -> gast.expr:
        """A Load of what ``ident`` means here: a (renamed) local, or a namespace reference."""
        if ident in self.locals:
            mapped = copy.deepcopy(self.rename.get(ident) or gload(ident))
            mapped.tg_gen = True
            return mapped
        if self.parent is not None:
            return self.parent.name(ident, node)
        obj = self.scope.lookup(ident) if self.scope else UNRESOLVED
        if obj is UNRESOLVED:
            raise self.fail(node, f"name '{ident}' is not defined")
        if inspect.ismodule(obj):
            return gload(self.ctx.ns.ref(obj, ident))
        return gload(self.ctx.ns.ref(obj, ident))

    def target(self, ident: str) -> str:
        mapped = self.rename.get(ident)
        if mapped is None:
            return ident
        if not isinstance(mapped, gast.Name):  # a constant parameter being assigned: renamed
            raise AssertionError("assigned parameters are always renamed")
        return mapped.id

    def resolve(self, node: gast.expr) -> Any:
        """The static object of a Name/Attribute chain through non-local names, or UNRESOLVED."""
        if isinstance(node, gast.Name):
            if node.id in self.locals:
                return UNRESOLVED
            if self.parent is not None:
                return self.parent.resolve(node)
            return self.scope.lookup(node.id) if self.scope else UNRESOLVED
        if isinstance(node, gast.Attribute):
            base = self.resolve(node.value)
            if base is UNRESOLVED:
                if (self.parsed.has_self and isinstance(node.value, gast.Name)
                        and self.parent is None and self.rename.get(node.value.id) is None
                        and node.value.id == self._self_param()):
                    return _bound_attr(self.parsed.bound_self, node.attr)
                return UNRESOLVED
            if inspect.ismodule(base) or inspect.isclass(base):
                return getattr(base, node.attr, UNRESOLVED)
        return UNRESOLVED

    def _self_param(self) -> str | None:
        args = self.node.args.posonlyargs + self.node.args.args
        return args[0].id if args else None

    def rewrite(self, expr: gast.expr) -> gast.expr:
        """A copy of an inert expression with every name mapped (locals renamed, globals ref'd)."""
        fn = self

        class _Rewriter(gast.NodeTransformer):
            def visit_Name(self, node):
                if _generated(node):
                    return node
                if isinstance(node.ctx, gast.Load):
                    return gast.copy_location(fn.name(node.id, node), node)
                if node.id in fn.rename:
                    mapped = fn.rename[node.id]
                    if isinstance(mapped, gast.Name):
                        return gast.copy_location(
                            gast.Name(id=mapped.id, ctx=node.ctx, annotation=None,
                                      type_comment=None), node)
                return node

        return _Rewriter().visit(copy.deepcopy(expr))

    # ------------------------------------------------------------ emitting

    def emit(self, out: list, target: str, value: gast.expr, op: Op, node: gast.AST) -> None:
        stmt = gast.copy_location(assign(target, value), node)
        out.append(set_op(stmt, op, self.where(node)))

    def atom(self, e: gast.expr, out: list) -> gast.expr:
        """``e`` as a Name or Constant, emitting the statements that compute it."""
        if isinstance(e, gast.Constant) or _generated(e):
            return e
        if isinstance(e, gast.Name) and isinstance(e.ctx, gast.Load):
            return self.name(e.id, e)
        if isinstance(e, gast.UnaryOp) and isinstance(e.operand, gast.Constant) and isinstance(
                e.op, (gast.USub, gast.UAdd)) and isinstance(e.operand.value, (int, float)):
            return const(-e.operand.value if isinstance(e.op, gast.USub) else e.operand.value)
        if _is_static(e, self):
            return self.rewrite(e)
        if isinstance(e, (gast.IfExp, gast.ListComp)) or (
                isinstance(e, gast.Call) and self.inlines(e)):
            t = self.ctx.namer.temp()
            self.into(e, t, out)
            return gload(t)
        value, op = self.value(e, out)  # operands first, so temporaries number in order
        t = self.ctx.namer.temp()
        self.emit(out, t, value, op, e)
        return gload(t)

    def inlines(self, e: gast.Call) -> bool:
        if isinstance(e.func, gast.Name) and e.func.id in self.local_fns_all():
            return True
        obj = self.resolve(e.func)
        return obj is not UNRESOLVED and kind_of(obj) == "user"

    def index(self, s: gast.expr, out: list) -> gast.expr:
        """A subscript's index: kept inline when simple, else computed into a temporary."""
        if _simple_index(s):
            return self.rewrite(s)
        t = self.ctx.namer.temp()
        self.emit(out, t, self.rewrite(s), Op("inert"), s)
        return gload(t)

    def index_value(self, idx: gast.expr) -> gast.expr:
        return index_value(idx, self.ctx.ns)

    # ------------------------------------------------------------ expressions

    def into(self, e: gast.expr, target: str, out: list) -> None:
        """Emit statements that compute ``e`` into the variable ``target``."""
        if isinstance(e, gast.IfExp):
            cond = self.cond(e.test, out)
            body, orelse = [], []
            self.into(e.body, target, body)
            self.into(e.orelse, target, orelse)
            out.append(gast.copy_location(gast.If(test=cond, body=body, orelse=orelse), e))
            return
        if isinstance(e, gast.ListComp):
            self.comprehension(e, target, out)
            return
        if isinstance(e, gast.Call):
            inlined = self.call_inline(e, target, out)
            if inlined:
                return
        value, op = self.value(e, out)
        if op.kind == "copy" and value.id == target:
            return  # x = x
        if target in names_in(value) and op.kind != "index_set":
            # The rule needs the old value of target: compute into a temporary, then copy.
            t = self.ctx.namer.temp()
            self.emit(out, t, value, op, e)
            self.emit(out, target, gload(t), Op("copy"), e)
            return
        self.emit(out, target, value, op, e)

    def cond(self, test: gast.expr, out: list) -> gast.expr:
        if _generated(test):
            return test
        if isinstance(test, gast.Name):
            return self.name(test.id, test)
        t = self.ctx.namer.synthetic("cond")
        self.emit(out, t, self.rewrite(test), Op("inert"), test)
        return gload(t)

    def value(self, e: gast.expr, out: list) -> tuple[gast.expr, Op]:
        """The one-operation right-hand side computing ``e`` (operands emitted into out)."""
        if isinstance(e, gast.Constant):
            return e, Op("const")
        if isinstance(e, gast.Name):
            ref = e if _generated(e) else self.name(e.id, e)
            return ref, Op("const" if ref.id in self.ctx.ns.objects else "copy")
        if _is_inert(e):
            return self.rewrite(e), Op("inert")
        if isinstance(e, gast.BinOp):
            a, b = self.atom(e.left, out), self.atom(e.right, out)
            prim = BINOPS[type(e.op)]
            return gast.BinOp(left=a, op=e.op, right=b), Op("call", prim, (a, b))
        if isinstance(e, gast.UnaryOp):
            a = self.atom(e.operand, out)
            return gast.UnaryOp(op=e.op, operand=a), Op("call", UNARYOPS[type(e.op)], (a,))
        if isinstance(e, gast.Subscript):
            x = self.atom(e.value, out)
            idx = self.index(e.slice, out)
            return gast.Subscript(value=x, slice=idx, ctx=gast.Load()), Op("getitem", index=idx)
        if isinstance(e, gast.Attribute):
            return self.attribute(e, out)
        if (isinstance(e, gast.List) and len(e.elts) == 2 and isinstance(e.elts[0], gast.Starred)
                and isinstance(e.elts[0].value, gast.Name)
                and not isinstance(e.elts[1], gast.Starred)):  # [*xs, v]: generated append
            xs, item = self.atom(e.elts[0].value, out), self.atom(e.elts[1], out)
            node = gast.List(elts=[gast.Starred(value=xs, ctx=gast.Load()), item],
                             ctx=gast.Load())
            return node, Op("append", args=(xs, item))
        if isinstance(e, (gast.Tuple, gast.List)):
            if any(isinstance(x, gast.Starred) for x in e.elts):
                raise self.fail(e, "tangentish cannot transform a starred element in a literal")
            elts = [self.atom(x, out) for x in e.elts]
            node = type(e)(elts=elts, ctx=gast.Load())
            return node, Op("build", args=tuple(elts))
        if isinstance(e, gast.Dict):
            if any(k is None for k in e.keys):
                raise self.fail(e, "tangentish cannot transform ** in a dict literal")
            keys = [self.index(k, out) for k in e.keys]
            vals = [self.atom(v, out) for v in e.values]
            return gast.Dict(keys=keys, values=vals), Op("build", args=tuple(vals),
                                                           index=tuple(keys))
        if isinstance(e, gast.Call):
            return self.call_value(e, out)
        if isinstance(e, gast.Lambda):
            raise self.fail(e, "tangentish cannot transform a lambda used as a value "
                               "(call it, or assign it to a name and call that)")
        raise self.fail(e, f"tangentish cannot transform a {type(e).__name__} expression")

    def _all_locals(self) -> set[str]:
        names = set(self.locals)
        if self.parent is not None:
            names |= self.parent._all_locals()
        return names

    def attribute(self, e: gast.Attribute, out: list) -> tuple[gast.expr, Op]:
        obj = self.resolve(e)
        if obj is not UNRESOLVED:  # np.pi, math.e, a module-level constant
            return self.static_ref(e, obj), Op("const")
        if e.attr in _INERT_ATTRS:
            return self.rewrite(e), Op("inert")
        x = self.atom(e.value, out)
        if e.attr in _ATTR_PRIMS:
            prim = _ATTR_PRIMS[e.attr]
            return call(attr(self.np(), prim.__name__), [x]), Op("call", prim, (x,))
        return attr(x, e.attr), Op("opaque", f".{e.attr}", (x,))

    def np(self) -> gast.expr:
        return gload(self.ctx.ns.module_ref(np))

    def static_ref(self, node: gast.expr, obj: Any) -> gast.expr:
        """Generated code's expression for a statically resolved Name/Attribute chain."""
        if isinstance(node, gast.Attribute):
            root = node
            while isinstance(root, gast.Attribute):
                root = root.value
            if isinstance(root, gast.Name) and inspect.ismodule(self.resolve(root)):
                return self.rewrite(node)
        preferred = getattr(obj, "__name__", None) if callable(obj) else None
        if not (isinstance(preferred, str) and preferred.isidentifier()):
            preferred = node.attr if isinstance(node, gast.Attribute) else node.id
        return gload(self.ctx.ns.ref(obj, preferred))

    # ------------------------------------------------------------ calls

    def call_args(self, e: gast.Call, out: list) -> tuple[list, list]:
        for a in e.args:
            if isinstance(a, gast.Starred):
                raise self.fail(a, "tangentish cannot transform *args in a call "
                                   "(pass the arguments one by one)")
        for k in e.keywords:
            if k.arg is None:
                raise self.fail(k.value, "tangentish cannot transform **kwargs in a call")
        args = [self.atom(a, out) for a in e.args]
        kws = [(k.arg, self.atom(k.value, out)) for k in e.keywords]
        return args, kws

    def call_inline(self, e: gast.Call, target: str, out: list) -> bool:
        """Inline ``e`` into ``target`` if it calls a user function; False otherwise."""
        func = e.func
        if isinstance(func, gast.Name) and func.id in self.local_fns_all():
            fdef, owner = self.find_local_fn(func.id)
            args, kws = self.call_args(e, out)
            self.inline(fdef, owner, None, args, kws, target, out, e)
            return True
        obj = self.resolve(func)
        if obj is UNRESOLVED or kind_of(obj) != "user":
            return False
        if not self.ctx.call_site_fallback:
            self.inline_user(obj, e, target, out)
            return True
        scratch: list = []
        try:
            self.inline_user(obj, e, target, scratch)
        except TransformError as err:
            self.ctx.untransformable[id(e)] = err
            return False
        out.extend(scratch)
        return True

    def inline_user(self, obj: Any, e: gast.Call, target: str, out: list) -> None:
        code = getattr(getattr(obj, "__func__", obj), "__code__", None)
        if code in [getattr(getattr(f, "__func__", f), "__code__", None) for f in self.ctx.stack]:
            raise self.fail(e, f"tangentish cannot transform recursion ({_fname(obj)} calls "
                               "itself)")
        parsed = parse(obj)
        found = first_unsupported(parsed.node)
        if found is not None:
            node, words = found
            raise error_at(parsed.where(node), f"tangentish cannot transform {words}")
        args, kws = self.call_args(e, out)
        if parsed.has_self:
            args = [gload(self.ctx.ns.ref(parsed.bound_self, "self_obj"))] + args
        self.ctx.stack.append(obj)
        try:
            self.inline(parsed.node, None, parsed, args, kws, target, out, e)
        finally:
            self.ctx.stack.pop()

    def local_fns_all(self) -> set[str]:
        names = set(self.local_fns)
        if self.parent is not None:
            names |= {n for n in self.parent.local_fns_all() if n not in self.locals}
        return names

    def find_local_fn(self, name: str) -> tuple[gast.FunctionDef, _Function]:
        if name in self.local_fns:
            return self.local_fns[name], self
        return self.parent.find_local_fn(name)

    def inline(self, fdef: gast.FunctionDef, owner: _Function | None, parsed: Parsed | None,
               args: list, kws: list, target: str, out: list, site: gast.Call) -> None:
        """Splice the body of ``fdef`` here, its parameters bound to ``args``, result in target."""
        fn_args = fdef.args
        if fn_args.kwarg is not None:
            raise self.fail(site, "tangentish cannot inline a function with **kwargs")
        positional = fn_args.posonlyargs + fn_args.args
        stores = _store_counts(fdef)
        bound: dict[str, gast.expr] = {}
        for p, a in zip(positional, args):
            bound[p.id] = a
        extra = args[len(positional):]
        if extra and fn_args.vararg is None:
            raise self.fail(site, f"too many arguments in a call to {fdef.name}")
        kwnames = {p.id for p in positional + fn_args.kwonlyargs}
        for k, v in kws:
            if k not in kwnames:
                raise self.fail(site, f"{fdef.name}() got an unexpected keyword argument '{k}'")
            bound[k] = v
        defaults = self._defaults(fdef, parsed, owner)
        for p in positional + fn_args.kwonlyargs:
            if p.id not in bound:
                if p.id not in defaults:
                    raise self.fail(site, f"{fdef.name}() missing argument '{p.id}'")
                bound[p.id] = defaults[p.id]
        pre: list = []
        if fn_args.vararg is not None:
            t = self.ctx.namer.fresh(fn_args.vararg.id)
            self.emit(pre, t, gast.Tuple(elts=list(extra), ctx=gast.Load()),
                      Op("build", args=tuple(extra)), site)
            bound[fn_args.vararg.id] = gload(t)
        rename: dict[str, gast.expr] = {}
        for local in sorted(local_names(fdef)):
            if local in bound and stores.get(local, 0) == 0:
                rename[local] = bound[local]
            else:
                rename[local] = gload(self.ctx.namer.fresh(local))
                if local in bound:
                    self.emit(pre, rename[local].id, bound[local],
                              Op("copy" if isinstance(bound[local], gast.Name) else "const"),
                              site)
        out.extend(pre)
        if parsed is not None:
            child = _Function(self.ctx, parsed, Scope(parsed), None, rename, target)
        else:
            child = _Function(self.ctx, self.parsed, None, owner, rename, target, node=fdef)
        out.extend(child.body(fdef.body))

    def _defaults(self, fdef: gast.FunctionDef, parsed: Parsed | None,
                  owner: _Function | None) -> dict[str, gast.expr]:
        """Default values of fdef's parameters as atoms."""
        a = fdef.args
        positional = a.posonlyargs + a.args
        out: dict[str, gast.expr] = {}
        if parsed is not None:  # a real function object: its evaluated defaults
            fn = parsed.fn
            values = fn.__defaults__ or ()
            for p, v in zip(positional[len(positional) - len(values):], values):
                out[p.id] = self.const_atom(v, p.id)
            for k, v in (fn.__kwdefaults__ or {}).items():
                out[k] = self.const_atom(v, k)
            return out
        # A nested def: defaults are expressions in the enclosing function.
        for p, d in zip(positional[len(positional) - len(a.defaults):], a.defaults):
            out[p.id] = owner.rewrite(d) if _is_static(d, owner) else owner.rewrite(d)
        for p, d in zip(a.kwonlyargs, a.kw_defaults):
            if d is not None:
                out[p.id] = owner.rewrite(d)
        return out

    def const_atom(self, value: Any, hint: str) -> gast.expr:
        if value is None or isinstance(value, (bool, int, float, str)):
            return const(value)
        return gload(self.ctx.ns.ref(value, hint))

    def call_value(self, e: gast.Call, out: list) -> tuple[gast.expr, Op]:
        func = e.func
        obj = self.resolve(func)
        if obj is UNRESOLVED and isinstance(func, gast.Attribute):
            return self.method(e, out)
        if obj is UNRESOLVED:  # a local variable holding a callable
            args, kws = self.call_args(e, out)
            return call(self.atom(func, out), args, kws), Op("opaque", _fname(func), tuple(args))
        obj = _BUILTIN_MAP.get(obj, obj)
        kind = kind_of(obj)
        if kind == "builtin":
            return self.rewrite(e), Op("inert")
        if obj in (np.array, np.asarray) and len(e.args) == 1 and not e.keywords and isinstance(
                e.args[0], (gast.List, gast.Tuple)):
            # np.array([a, b]) of values is np.stack([a, b]): a primitive with a rule
            items = [self.atom(a, out) for a in e.args[0].elts]
            lst = self.atom(gast.copy_location(gast.List(elts=items, ctx=gast.Load()), e), out)
            value = call(attr(self.np(), "stack"), [lst])
            return value, Op("call", np.stack, (lst,))
        if obj is builtins.sum:
            args, kws = self.call_args(e, out)
            ref = gload(self.ctx.ns.helper(helpers.list_sum))
            return call(ref, args, kws), Op("call", helpers.list_sum, tuple(args), tuple(kws))
        args, kws = self.call_args(e, out)
        ref = self.static_ref(func, obj) if obj is not np.abs or not isinstance(
            func, gast.Name) else attr(self.np(), "abs")
        value = call(ref, args, kws)
        if kind == "rule":
            return value, Op("call", obj, tuple(args), tuple(kws))
        reason = self.ctx.untransformable.get(id(e))
        return value, Op("opaque", obj, tuple(args), tuple(kws), index=reason)

    def method(self, e: gast.Call, out: list) -> tuple[gast.expr, Op]:
        func = e.func
        name = func.attr
        if name in ("keys", "values", "items") and not e.args:
            return self.rewrite(e), Op("inert")
        x = self.atom(func.value, out)
        args, kws = self.call_args(e, out)
        if name in _HELPER_METHODS:
            helper = _HELPER_METHODS[name]
            ref = gload(self.ctx.ns.helper(helper))
            return call(ref, [x, *args], kws), Op("call", helper, (x, *args), tuple(kws))
        prim = METHODS.get(name)
        if prim is None:
            return call(attr(x, name), args, kws), Op("opaque", f".{name}()", (x, *args))
        if name in _PACKED and len(args) > 1:
            args = [gast.Tuple(elts=args, ctx=gast.Load())]
        value = call(attr(self.np(), prim.__name__), [x, *args], kws)
        return value, Op("call", prim, (x, *args), tuple(kws))

    # ------------------------------------------------------------ statements

    def body(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        """Normalize a function body, then make its returns structured."""
        out: list = []
        for s in stmts:
            self.stmt(s, out)
        if self.done is not None:
            init = gast.copy_location(assign(self.done, const(False)), self.node)
            out.insert(0, set_op(init, Op("inert"), self.where(self.node)))
        out = jumps.strip(jumps.absorb(out), gast.Return)
        return out

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list = []
        for s in stmts:
            self.stmt(s, out)
        return out

    def stmt(self, s: gast.stmt, out: list) -> None:
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            raise self.fail(s, f"tangentish cannot transform a {type(s).__name__} statement")
        method(s, out)

    def stmt_Pass(self, s, out):
        pass

    def stmt_Expr(self, s, out):
        v = s.value
        if isinstance(v, gast.Constant):
            return  # docstrings and bare literals
        if (isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute)
                and v.func.attr == "append" and isinstance(v.func.value, gast.Name)
                and v.func.value.id in self._all_locals() and len(v.args) == 1):
            xs = self.name(v.func.value.id, v)
            item = self.atom(v.args[0], out)
            node = gast.List(elts=[gast.Starred(value=xs, ctx=gast.Load()), item],
                             ctx=gast.Load())
            self.emit(out, xs.id, node, Op("append", args=(xs, item)), s)
            return
        if isinstance(v, gast.Call):
            obj = self.resolve(v.func)
            if obj is not UNRESOLVED and kind_of(obj) == "user" or (
                    isinstance(v.func, gast.Name) and v.func.id in self.local_fns_all()):
                self.call_inline(v, self.ctx.namer.temp(), out)
                return
        stmt = gast.copy_location(gast.Expr(value=self.rewrite(v)), s)
        out.append(set_op(stmt, Op("inert"), self.where(s)))

    def stmt_Assert(self, s, out):
        node = gast.copy_location(
            gast.Assert(test=self.rewrite(s.test),
                        msg=self.rewrite(s.msg) if s.msg is not None else None), s)
        out.append(set_op(node, Op("inert"), self.where(s)))

    def stmt_Raise(self, s, out):
        node = gast.copy_location(
            gast.Raise(exc=self.rewrite(s.exc) if s.exc else None,
                       cause=self.rewrite(s.cause) if s.cause else None), s)
        out.append(set_op(node, Op("inert"), self.where(s)))

    def stmt_FunctionDef(self, s, out):
        if s.decorator_list:
            raise self.fail(s, "tangentish cannot transform a decorated nested function")
        self.local_fns[s.name] = s

    def stmt_AnnAssign(self, s, out):
        if s.value is not None:
            self.assign_to(s.target, s.value, out, s)

    def stmt_Assign(self, s, out):
        if (len(s.targets) == 1 and isinstance(s.targets[0], gast.Name)
                and isinstance(s.value, gast.Lambda)):
            ret = gast.copy_location(gast.Return(value=s.value.body), s.value.body)
            fdef = gast.FunctionDef(name=s.targets[0].id, args=s.value.args, body=[ret],
                                    decorator_list=[], returns=None, type_comment=None,
                                    type_params=[])
            self.local_fns[s.targets[0].id] = gast.copy_location(fdef, s)
            return
        first, *others = s.targets
        v = s.value
        if (isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute)
                and v.func.attr == "pop" and not v.args and not v.keywords
                and isinstance(v.func.value, gast.Name)
                and v.func.value.id in self._all_locals()):
            # v = xs.pop() (a stack in generated code): v = xs[-1]; xs = xs[:-1]
            xs = v.func.value
            last = gast.copy_location(gast.Subscript(value=xs, slice=const(-1),
                                                     ctx=gast.Load()), v)
            rest = gast.copy_location(gast.Subscript(
                value=xs, slice=gast.Slice(lower=None, upper=const(-1), step=None),
                ctx=gast.Load()), v)
            self.assign_to(first, last, out, s)
            self.into(rest, self.target(xs.id), out)
            for t in others:
                self.assign_to(t, first, out, s)
            return
        self.assign_to(first, s.value, out, s)
        for t in others:  # a = b = v: b copies a
            self.assign_to(t, first if isinstance(first, gast.Name) else s.value, out, s)

    def stmt_AugAssign(self, s, out):
        load_target = copy.deepcopy(s.target)
        for n in gast.walk(load_target):
            if hasattr(n, "ctx"):
                n.ctx = gast.Load()
        value = gast.copy_location(gast.BinOp(left=load_target, op=s.op, right=s.value), s)
        self.assign_to(s.target, value, out, s)

    def assign_to(self, target: gast.expr, value: gast.expr, out: list, s: gast.AST) -> None:
        if isinstance(target, gast.Name):
            self.into(value, self.target(target.id), out)
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.unpack(target, value, out, s)
        elif isinstance(target, gast.Subscript):
            base = target.value
            if not (isinstance(base, gast.Name) and base.id in self._all_locals()):
                raise self.fail(target, "tangentish can assign into a subscript of a local "
                                        "variable only (x[i] = v)")
            x = self.name(base.id, base)
            idx = self.index(target.slice, out)
            v = self.atom(value, out)
            ref = gload(self.ctx.ns.helper(helpers.index_set))
            idx = self.index_value(idx)
            self.emit(out, x.id, call(ref, [x, idx, v]), Op("index_set", args=(x, v), index=idx),
                      s)
        elif isinstance(target, gast.Attribute):
            raise self.fail(target, "tangentish cannot transform assignment to an attribute")
        else:
            raise self.fail(target, "tangentish cannot transform this assignment target")

    def unpack(self, target: gast.Tuple | gast.List, value: gast.expr, out: list,
               s: gast.AST) -> None:
        if any(isinstance(t, gast.Starred) for t in target.elts):
            raise self.fail(target, "tangentish cannot transform starred assignment")
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts):
            # a, b = b, a: evaluate every right-hand side before assigning any target.
            stored = names_in(target, gast.Store)
            temps = []
            for v in value.elts:
                if names_in(v) & stored:
                    t = self.ctx.namer.temp()
                    self.into(v, t, out)
                    temps.append(gload(t))
                else:
                    temps.append(v)
            for t, v in zip(target.elts, temps):
                self.assign_to(t, v, out, s)
            return
        whole = self.atom(value, out)
        if not isinstance(whole, gast.Name):
            raise self.fail(value, "tangentish cannot unpack a constant")
        for i, t in enumerate(target.elts):
            item = gast.copy_location(
                gast.Subscript(value=copy.deepcopy(whole), slice=const(i), ctx=gast.Load()), s)
            self._assign_item(t, item, out, s)

    def _assign_item(self, t, item, out, s):
        if isinstance(t, gast.Name):
            x = item.value
            self.emit(out, self.target(t.id), item, Op("getitem", index=item.slice), s)
            del x
        else:
            tmp = self.ctx.namer.temp()
            self.emit(out, tmp, item, Op("getitem", index=item.slice), s)
            self.assign_to(t, gload(tmp), out, s)

    def stmt_If(self, s, out):
        cond = self.cond(s.test, out)
        node = gast.If(test=cond, body=self.block(s.body), orelse=self.block(s.orelse))
        out.append(set_op(gast.copy_location(node, s), Op("inert"), self.where(s)))

    def stmt_Return(self, s, out):
        if s.value is None:
            raise self.fail(s, "tangentish needs the differentiated function to return a value")
        self.into(s.value, self.result, out)
        if self.loop_depth:
            if self.done is None:
                self.done = self.ctx.namer.fresh("done")
            self.emit(out, self.done, const(True), Op("inert"), s)
            self.returned_in_loop = True
            out.append(gast.copy_location(gast.Break(), s))
        else:
            out.append(gast.copy_location(gast.Return(value=None), s))

    def stmt_Break(self, s, out):
        out.append(gast.copy_location(gast.Break(), s))

    def stmt_Continue(self, s, out):
        out.append(gast.copy_location(gast.Continue(), s))

    def stmt_While(self, s, out):
        test = self.rewrite(s.test)
        body = self.loop_body(s.body)
        node = gast.copy_location(gast.While(test=test, body=body, orelse=[]), s)
        out.append(set_op(node, Op("inert"), self.where(s)))
        self.after_loop(s, out)

    def stmt_For(self, s, out):
        it = s.iter
        pre: list = []
        setup: list = []  # statements at the top of each iteration
        callee = self.resolve(it.func) if isinstance(it, gast.Call) else UNRESOLVED
        if callee is builtins.range:
            args = [self.atom(a, pre) for a in it.args]
            loop_var = self.loop_var(s.target, setup, s)
            rng = call(gload(self.ctx.ns.ref(range, "range")), args)
        else:
            seqs, targets = self._sequences(s, pre)
            if targets and targets[0] is None:  # enumerate: the user's index is the counter
                counter = self.loop_var(s.target.elts[0], setup, s)
                targets = targets[1:]
            else:
                counter = self.ctx.namer.fresh("i")
            if len(seqs) == 1:
                n = call(gload(self.ctx.ns.ref(len, "len")), [seqs[0][0]])
            else:
                n = call(gload(self.ctx.ns.ref(min, "min")),
                         [call(gload(self.ctx.ns.ref(len, "len")), [q]) for q, _ in seqs])
            rng = call(gload(self.ctx.ns.ref(range, "range")), [n])
            loop_var = counter
            for (seq, _), t in zip(seqs, targets):
                item = gast.copy_location(
                    gast.Subscript(value=copy.deepcopy(seq), slice=gload(counter),
                                   ctx=gast.Load()), s)
                if isinstance(t, tuple):  # for k, v in d.items(): k = keys[i]; v = d[k]
                    _, d, key_t, value_t = t
                    self._assign_item(key_t, item, setup, s)
                    key = self.name(key_t.id, key_t) if isinstance(key_t, gast.Name) else None
                    if key is None:
                        raise self.fail(key_t, "tangentish needs a plain name for a dict key")
                    value = gast.copy_location(gast.Subscript(value=copy.deepcopy(d), slice=key,
                                                              ctx=gast.Load()), s)
                    self._assign_item(value_t, value, setup, s)
                else:
                    self._assign_item(t, item, setup, s)
        out.extend(pre)
        self.loop_depth += 1
        body = setup + self.loop_body(s.body, extra=False)
        self.loop_depth -= 1
        body = jumps.strip(jumps.absorb(body), gast.Continue)
        node = gast.copy_location(
            gast.For(target=store(loop_var), iter=rng, body=body, orelse=[], type_comment=None),
            s)
        out.append(set_op(node, Op("inert"), self.where(s)))
        self.after_loop(s, out)

    def _sequences(self, s: gast.For, out: list) -> tuple[list, list]:
        """(sequence atom, is-dict-keys) per parallel iterable, and the target each binds."""
        it = s.iter
        callee = self.resolve(it.func) if isinstance(it, gast.Call) else UNRESOLVED
        target = s.target
        if callee is builtins.enumerate and len(it.args) == 1 and not it.keywords:
            if not (isinstance(target, gast.Tuple) and len(target.elts) == 2):
                raise self.fail(target, "tangentish needs 'for i, x in enumerate(...)'")
            seq = self.as_list(it.args[0], out, s)
            return [(seq, False)], [None, target.elts[1]]
        if callee is builtins.zip and not it.keywords:
            if not (isinstance(target, gast.Tuple) and len(target.elts) == len(it.args)):
                raise self.fail(target, "tangentish needs one loop target per zipped sequence")
            return [(self.as_list(a, out, s), False) for a in it.args], list(target.elts)
        if (isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute)
                and it.func.attr == "items" and not it.args):
            d = self.atom(it.func.value, out)
            keys = self.ctx.namer.synthetic("keys")
            self.emit(out, keys, call(gload(self.ctx.ns.ref(list, "list")), [d]), Op("inert"), s)
            if not (isinstance(target, gast.Tuple) and len(target.elts) == 2):
                raise self.fail(target, "tangentish needs 'for k, v in d.items()'")
            return [(gload(keys), True)], [("items", d, target.elts[0], target.elts[1])]
        return [(self.as_list(it, out, s), False)], [target]

    def as_list(self, e: gast.expr, out: list, s: gast.AST) -> gast.expr:
        x = self.atom(e, out)
        seq = self.ctx.namer.synthetic("items")
        ref = gload(self.ctx.ns.helper(helpers.as_list))
        self.emit(out, seq, call(ref, [x]), Op("iter", args=(x,)), s)
        return gload(seq)

    def loop_var(self, target: gast.expr, setup: list, s: gast.AST) -> str:
        """The name a range loop binds: the user's, unless it is also bound elsewhere."""
        if isinstance(target, gast.Name) and self.stores.get(target.id, 0) == 1 and (
                target.id not in self.rename or isinstance(self.rename[target.id], gast.Name)):
            return self.target(target.id)
        v = self.ctx.namer.fresh("i")
        self.assign_to(target, gload(v), setup, s)
        return v

    def loop_body(self, stmts: list, extra: bool = True) -> list:
        if extra:
            self.loop_depth += 1
        body = self.block(stmts)
        if extra:
            self.loop_depth -= 1
            body = jumps.strip(jumps.absorb(body), gast.Continue)
        return body

    def after_loop(self, s: gast.AST, out: list) -> None:
        """After a loop a return left: leave the enclosing loop too, or the function."""
        if not self.returned_in_loop or self.done is None:
            return
        jump = gast.Break() if self.loop_depth else gast.Return(value=None)
        node = gast.If(test=gload(self.done), body=[gast.copy_location(jump, s)], orelse=[])
        out.append(set_op(gast.copy_location(node, s), Op("inert"), self.where(s)))
        if not self.loop_depth:
            self.returned_in_loop = False

    def comprehension(self, e: gast.ListComp, target: str, out: list) -> None:
        """``[f(x) for x in xs if c]`` as a loop appending to a list."""
        acc = self.ctx.namer.temp()
        self.emit(out, acc, gast.List(elts=[], ctx=gast.Load()), Op("build"), e)
        saved = dict(self.rename)
        for gen in e.generators:
            for n in names_in(gen.target, gast.Store):
                self.rename[n] = gload(self.ctx.namer.fresh(n))
        try:
            inner = gast.Expr(value=call(attr(gload("__acc__"), "append"), [e.elt]))
            body: list = [inner]
            for gen in reversed(e.generators):
                for cond in reversed(gen.ifs):
                    body = [gast.If(test=cond, body=body, orelse=[])]
                body = [gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                                 type_comment=None)]
            for n in gast.walk(body[0]):
                gast.copy_location(n, e)
            self.rename["__acc__"] = gload(acc)
            self.locals = self.locals | {"__acc__"}
            self.stores = dict(self.stores)
            for gen in e.generators:
                for n in names_in(gen.target, gast.Store):
                    self.stores[n] = 1
            self.stmt(body[0], out)
        finally:
            self.rename = saved
        self.emit(out, target, gload(acc), Op("copy"), e)


def index_value(idx: gast.expr, ns: Namespace) -> gast.expr:
    """An index as a value (``1:`` becomes ``slice(1, None)``), to pass to a helper."""
    if isinstance(idx, gast.Slice):
        parts = [copy.deepcopy(p) if p is not None else const(None)
                 for p in (idx.lower, idx.upper, idx.step)]
        if idx.step is None:
            parts = parts[:2]
        return call(gload(ns.ref(slice, "slice")), parts)
    if isinstance(idx, gast.Tuple):
        return gast.Tuple(elts=[index_value(p, ns) for p in idx.elts], ctx=gast.Load())
    return copy.deepcopy(idx)


def gload(name: str) -> gast.Name:
    """A Load of a name the normalizer made (already mapped: never looked up again)."""
    node = load(name)
    node.tg_gen = True
    return node


def _generated(node: gast.AST) -> bool:
    return getattr(node, "tg_gen", False)


def _bound_attr(obj: Any, name: str) -> Any:
    value = getattr(obj, name, UNRESOLVED)
    return value if inspect.ismethod(value) else UNRESOLVED


def _fname(obj: Any) -> str:
    if isinstance(obj, gast.AST):
        from tangentish.compiler.nodes import unparse

        return unparse(obj)
    return getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)


def _store_counts(node: gast.FunctionDef) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sub in gast.walk(node):
        if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Store):
            counts[sub.id] = counts.get(sub.id, 0) + 1
        elif isinstance(sub, gast.AugAssign) and isinstance(sub.target, gast.Name):
            pass
    return counts


def _is_inert(e: gast.expr) -> bool:
    """Expressions whose value never carries a gradient, kept whole in generated code."""
    if isinstance(e, (gast.Compare, gast.BoolOp, gast.JoinedStr)):
        return True
    return isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.Not)


def _is_static(e: gast.expr, fn: _Function) -> bool:
    """Module constants like ``np.pi``/``math.e``: referenced in place, never a temporary."""
    return isinstance(e, gast.Attribute) and not callable(fn.resolve(e)) and fn.resolve(
        e) is not UNRESOLVED and isinstance(fn.resolve(e), (int, float, complex))


def _simple_index(s: gast.expr) -> bool:
    if isinstance(s, (gast.Name, gast.Constant)):
        return True
    if isinstance(s, gast.Slice):
        return all(p is None or _simple_index(p) for p in (s.lower, s.upper, s.step))
    if isinstance(s, gast.Tuple):
        return all(_simple_index(p) for p in s.elts)
    if isinstance(s, gast.UnaryOp) and isinstance(s.op, gast.USub):
        return isinstance(s.operand, gast.Constant)
    return False


del math
