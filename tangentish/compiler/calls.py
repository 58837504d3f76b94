"""Normalizing calls (part of normalize): primitives, methods, builtins, inlined functions.

A call to a primitive of the rule table stays a call (``Op("call")``); ``x.sum(axis=0)``
becomes ``np.sum(x, axis=0)``; a few builtins map to NumPy (``abs``, two-argument ``max``);
a call to a user function, a nested function or a lambda is inlined: its body is normalized
in place, its parameters bound to the arguments (substituted where never reassigned), its
locals renamed, its result assigned to the call's target. Anything else is ``opaque``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import gast
import numpy as np

from tangentish.compiler.aliasing import check_writes
from tangentish.compiler.diagnostics import error_at, first_unsupported
from tangentish.compiler.nodes import attr, call, const, gload, store_counts
from tangentish.compiler.ops import Op
from tangentish.compiler.parse import Parsed, parse
from tangentish.compiler.resolve import UNRESOLVED, Scope, kind_of, local_names
from tangentish.compiler.sites import CHECKPOINT_USE, checkpoint_call, is_checkpoint
from tangentish.errors import TransformError
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime.rules import shape as shape_rules

__all__ = ["CallsMixin", "METHODS", "is_static"]

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
_HELPER_METHODS = {"astype": shape_rules.astype, "item": helpers.item}

#: Methods that change their object in place (arrays, lists, dicts). Generated code would
#: differentiate the values as if they had not changed, so each sends the function to the tape.
MUTATING_METHODS = frozenset({
    "fill", "sort", "put", "itemset", "resize", "partition", "setfield", "byteswap",
    "extend", "insert", "pop", "remove", "reverse", "clear", "update", "setdefault", "popitem",
})
#: NumPy functions that write into an argument.
MUTATING_FUNCTIONS = frozenset({np.put, np.copyto, np.place, np.putmask, np.fill_diagonal,
                                np.put_along_axis})


def mutation(e: gast.Call, obj: Any) -> str | None:
    """What in-place update the call ``e`` (calling ``obj``) makes, or None."""
    if any(k.arg == "out" for k in e.keywords):
        return "a call with out= (it writes into an existing array)"
    if obj in MUTATING_FUNCTIONS:
        return f"np.{obj.__name__} (it writes into its first argument)"
    func = e.func
    if isinstance(func, gast.Attribute):
        if func.attr == "at" and isinstance(obj, np.ufunc):
            return f"np.{obj.__name__}.at (it writes into its first argument)"
        if func.attr in MUTATING_METHODS and (obj is UNRESOLVED or obj is None):
            return f".{func.attr}() (it changes its object in place)"
    return None
_BUILTIN_MAP = {builtins.abs: np.abs,
                # generated code transformed again: the functional form of an in-place helper
                helpers.getitem_accumulate: helpers.getitem_add}


class CallsMixin:
    """The call-handling half of ``normalize._Function``."""

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
        if is_checkpoint(self.resolve(func)):
            raise self.fail(e, CHECKPOINT_USE)
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
            if getattr(err, "whole_function", False):  # a write the caller would miss (aliasing)
                raise
            self.ctx.untransformable[id(e)] = err
            return False
        out.extend(scratch)
        return True

    def inline_user(self, obj: Any, e: gast.Call, target: str, out: list) -> None:
        code = getattr(getattr(obj, "__func__", obj), "__code__", None)
        if code in [getattr(getattr(f, "__func__", f), "__code__", None) for f in self.ctx.stack]:
            raise self.fail(e, f"tangentish cannot transform recursion ({_fname(obj)} calls "
                               "itself)")
        try:
            parsed = parse(obj)
        except TransformError as err:  # no source: say so at the call
            raise self.fail(e, err.reason) from None
        found = first_unsupported(parsed.node)
        if found is not None:
            node, words = found
            raise error_at(parsed.where(node), f"tangentish cannot transform {words}")
        check_writes(parsed, inlined=True)  # a write through shared memory (a view)
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

    def find_local_fn(self, name: str) -> tuple[gast.FunctionDef, Any]:
        if name in self.local_fns:
            return self.local_fns[name], self
        return self.parent.find_local_fn(name)

    def inline(self, fdef: gast.FunctionDef, owner: Any, parsed: Parsed | None,
               args: list, kws: list, target: str, out: list, site: gast.Call) -> None:
        """Splice the body of ``fdef`` here, its parameters bound to ``args``, result in target."""
        fn_args = fdef.args
        if fn_args.kwarg is not None:
            raise self.fail(site, "tangentish cannot inline a function with **kwargs")
        positional = fn_args.posonlyargs + fn_args.args
        stores = store_counts(fdef)
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
            scope = Scope(parsed)
            self.ctx.scopes.append(scope)
            child = type(self)(self.ctx, parsed, scope, None, rename, target)
        else:
            child = type(self)(self.ctx, self.parsed, None, owner, rename, target, node=fdef)
        out.extend(child.body(fdef.body))

    def _defaults(self, fdef: gast.FunctionDef, parsed: Parsed | None,
                  owner: Any) -> dict[str, gast.expr]:
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
            out[p.id] = owner.rewrite(d) if is_static(d, owner) else owner.rewrite(d)
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
        checkpointed = checkpoint_call(e, self.resolve)
        if checkpointed is not None:  # the plain call here; callsite handles its adjoint
            args, kws = self.call_args(e, out)
            fn = checkpointed.fn
            ref = gload(self.ctx.ns.ref(fn, getattr(fn, "__name__", "checkpointed")))
            return call(ref, args, kws), Op("opaque", checkpointed, tuple(args), tuple(kws))
        obj = self.resolve(func)
        if is_checkpoint(obj):  # tg.checkpoint(fn) not called at once, or fn not resolvable
            raise self.fail(e, CHECKPOINT_USE)
        changed = mutation(e, self.resolve(func.value) if _ufunc_method(func) else obj)
        if changed is not None:
            raise self.fail(e, f"tangentish cannot transform {changed}; assign a new value "
                               "instead")
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
        if obj in (builtins.max, builtins.min) and len(e.args) == 2 and not e.keywords:
            # max(a, b) of two numbers or arrays: np.maximum / np.minimum, which have rules
            prim = np.maximum if obj is builtins.max else np.minimum
            args, _ = self.call_args(e, out)
            return call(attr(self.np(), prim.__name__), args), Op("call", prim, tuple(args))
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



def _ufunc_method(func: gast.expr) -> bool:
    """``np.add.at``: an attribute ``at`` of something else (the ufunc)."""
    return isinstance(func, gast.Attribute) and func.attr == "at"


def _fname(obj: Any) -> str:
    if isinstance(obj, gast.AST):
        from tangentish.compiler.nodes import unparse

        return unparse(obj)
    return getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)


def is_static(e: gast.expr, fn: Any) -> bool:
    """Module constants like ``np.pi``/``math.e``: referenced in place, never a temporary."""
    return isinstance(e, gast.Attribute) and not callable(fn.resolve(e)) and fn.resolve(
        e) is not UNRESOLVED and isinstance(fn.resolve(e), (int, float, complex))
