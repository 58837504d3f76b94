"""Pass 3, normalize: one primitive per statement, calls to user functions inlined.

Expressions (this module), statements (``statements``) and calls (``calls``) are flattened
into assignments whose right-hand side does one thing, on names and constants; each records
what it does as an ``Op`` (see ``ops``). Methods become the NumPy functions they stand for,
loops become ``for`` over ``range``, comprehensions become loops, ``x[i] = v`` becomes
``x = index_set(x, i, v)``, and user functions, nested functions and lambdas are inlined with
their locals renamed. Returns, breaks and continues are made structured by ``jumps.absorb``.

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

import inspect
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy as np

from tangentish.compiler.aliasing import check_writes
from tangentish.compiler.calls import METHODS, CallsMixin, is_static
from tangentish.compiler.diagnostics import error_at, first_unsupported
from tangentish.compiler.hoist import hoist_invariants
from tangentish.compiler.namespace import Namespace
from tangentish.compiler.naming import Namer
from tangentish.compiler.nodes import (
    Transformer,
    assign,
    attr,
    call,
    clone,
    const,
    generated,
    gload,
    index_value,
    names_in,
    scan,
    store_counts,
)
from tangentish.compiler.ops import Op, set_op
from tangentish.compiler.parse import Parsed, parse
from tangentish.compiler.resolve import UNRESOLVED, Scope, kind_of, local_names
from tangentish.compiler.ssa import rename_straight_line
from tangentish.compiler.statements import StatementsMixin

__all__ = ["Normalized", "normalize", "normalize_function", "index_value", "METHODS"]

BINOPS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
    gast.Pow: operator.pow, gast.MatMult: operator.matmul, gast.BitAnd: operator.and_,
    gast.BitOr: operator.or_, gast.BitXor: operator.xor, gast.LShift: operator.lshift,
    gast.RShift: operator.rshift,
}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Invert: operator.invert}

_ATTR_PRIMS = {"T": np.transpose, "real": np.real, "imag": np.imag}
_INERT_ATTRS = {"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "flags", "device"}


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
    #: (where, name, object) of every global and closure name the compiled code depends on
    reads: list = field(default_factory=list)


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
    check_writes(parsed)  # a write through shared memory (a view)
    node = parsed.node
    names = local_names(node)  # (one walk: _result_name and the body's _Function reuse it)
    namer = Namer(names)
    ns = Namespace(namer)
    ctx = _Context(namer, ns, [parsed.fn], call_site_fallback)
    ctx.scopes.append(scope)
    args = node.args
    if args.kwarg is not None:
        raise error_at(parsed.where(args.kwarg), "tangentish cannot transform **kwargs parameters")
    params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
    result = _result_name(node, params, namer, names)
    body_fn = _Function(ctx, parsed, scope, None, {}, result, names=names)
    vararg_name = args.vararg.id if args.vararg is not None else None
    body, result = rename_straight_line(body_fn.body(node.body), params, result, namer)
    body = hoist_invariants(body, params + ([vararg_name] if vararg_name else []))
    new = gast.FunctionDef(name=node.name, args=node.args, body=body + [gast.Return(gload(result))],
                           decorator_list=[], returns=None, type_comment=None, type_params=[])
    gast.copy_location(new, node)
    vararg = args.vararg.id if args.vararg is not None else None
    reads = [r for scope in ctx.scopes for r in scope.reads]
    return Normalized(parsed, new, namer, ns, result, params, vararg, reads)


def _result_name(node: gast.FunctionDef, params: list[str], namer: Namer,
                 names: set[str]) -> str:
    """``y`` unless the function ends in its only ``return name`` of a non-parameter local (not
    of a global: ``SCALE = SCALE`` in generated code would be an unbound local)."""
    returns = [n for n in scan(node) if isinstance(n, gast.Return)]
    last = node.body[-1] if node.body else None
    if (len(returns) == 1 and last is returns[0] and isinstance(last.value, gast.Name)
            and last.value.id not in params and last.value.id in names):
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
    #: every Scope used, so the cache can check their names still mean the same objects
    scopes: list = field(default_factory=list)


class _Function(CallsMixin, StatementsMixin):
    """Normalizes the body of one function (the differentiated one, or an inlined callee)."""

    def __init__(self, ctx: _Context, parsed: Parsed, scope: Scope | None,
                 parent: _Function | None, rename: dict[str, gast.expr], result: str,
                 node: gast.FunctionDef | None = None, names: set[str] | None = None):
        self.ctx, self.parsed, self.scope, self.parent = ctx, parsed, scope, parent
        self.node = node or parsed.node
        self.locals = local_names(self.node) if names is None else names
        self.rename = rename
        self.result = result
        self.local_fns: dict[str, gast.FunctionDef] = {}
        self.stores = store_counts(self.node)
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
            mapped = clone(self.rename.get(ident) or gload(ident))
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
            if isinstance(base, np.ufunc):  # np.add.reduce: a method with a rule, or nothing
                method = getattr(base, node.attr, UNRESOLVED)
                return method if kind_of(method) == "rule" else UNRESOLVED
        return UNRESOLVED

    def _self_param(self) -> str | None:
        args = self.node.args.posonlyargs + self.node.args.args
        return args[0].id if args else None

    def rewrite(self, expr: gast.expr) -> gast.expr:
        """A copy of an inert expression with every name mapped (locals renamed, globals ref'd)."""
        return _Rewriter(self).visit(clone(expr))

    # ------------------------------------------------------------ emitting

    def emit(self, out: list, target: str, value: gast.expr, op: Op, node: gast.AST) -> None:
        stmt = gast.copy_location(assign(target, value), node)
        out.append(set_op(stmt, op, self.where(node)))

    def atom(self, e: gast.expr, out: list) -> gast.expr:
        """``e`` as a Name or Constant, emitting the statements that compute it."""
        if isinstance(e, gast.Constant) or generated(e):
            return e
        if isinstance(e, gast.Name) and isinstance(e.ctx, gast.Load):
            return self.name(e.id, e)
        if isinstance(e, gast.UnaryOp) and isinstance(e.operand, gast.Constant) and isinstance(
                e.op, (gast.USub, gast.UAdd)) and isinstance(e.operand.value, (int, float)):
            return const(-e.operand.value if isinstance(e.op, gast.USub) else e.operand.value)
        if is_static(e, self):
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
        # a slice is not a value on its own: k:k + 3 becomes slice(k, k + 3)
        self.emit(out, t, index_value(self.rewrite(s), self.ctx.ns), Op("inert"), s)
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
        if generated(test):
            return test
        if isinstance(test, gast.Name):
            return self.name(test.id, test)
        t = self.ctx.namer.synthetic("cond")
        self.emit(out, t, self.rewrite(self.inline_local_calls(test, out)), Op("inert"), test)
        return gload(t)

    def inline_local_calls(self, e: gast.expr, out: list) -> gast.expr:
        """``e`` with each call of a local function (a nested def or lambda) computed into a
        temporary first: an inert expression is copied into generated code whole, and the
        local function's definition is not there (it is inlined at each call)."""
        return _Inliner(self, out).visit(clone(e))

    def value(self, e: gast.expr, out: list) -> tuple[gast.expr, Op]:
        """The one-operation right-hand side computing ``e`` (operands emitted into out)."""
        if isinstance(e, gast.Constant):
            return e, Op("const")
        if isinstance(e, gast.Name):
            ref = e if generated(e) else self.name(e.id, e)
            if isinstance(ref, gast.Constant):  # an inlined parameter bound to a constant
                return ref, Op("const")
            return ref, Op("const" if ref.id in self.ctx.ns.objects else "copy")
        if _is_inert(e):
            return self.rewrite(self.inline_local_calls(e, out)), Op("inert")
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







def _bound_attr(obj: Any, name: str) -> Any:
    value = getattr(obj, name, UNRESOLVED)
    return value if inspect.ismethod(value) else UNRESOLVED




def _is_inert(e: gast.expr) -> bool:
    """Expressions whose value never carries a gradient, kept whole in generated code."""
    if isinstance(e, (gast.Compare, gast.BoolOp, gast.JoinedStr)):
        return True
    return isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.Not)




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


class _Rewriter(Transformer):
    """``_Function.rewrite``: every name of an inert expression mapped."""

    def __init__(self, fn: _Function):
        self.fn = fn

    def visit_Name(self, node):
        fn = self.fn
        if generated(node):
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


class _Inliner(Transformer):
    """``_Function.inline_local_calls``: each call of a local function computed first."""

    def __init__(self, fn: _Function, out: list):
        self.fn, self.out = fn, out

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, gast.Name) and node.func.id in self.fn.local_fns_all():
            return self.fn.atom(node, self.out)
        return node
