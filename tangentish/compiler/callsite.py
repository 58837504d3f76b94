"""Call sites whose derivative is a pullback: helpers left to the tape, and checkpoints.

Two kinds of ``opaque`` call keep the generated code of the function around them:

* a **tape site**, a user helper normalize could not inline (recursion, ``try``, a generator;
  ``fallback="tape"``). The primal sweep runs it on the tape and keeps its pullback; the
  adjoint sweep applies the pullback::

      helper_pullback = tape_vjp(helper, h, _t1)
      _t2 = helper_pullback.value
      ...
      # grad of: _t2 = helper(h, _t1)   (on the tape)
      dh, d_t1 = helper_pullback(d_t2)

* a **checkpoint**, ``tg.checkpoint(step)(h, x)``. The primal sweep calls ``step`` plainly;
  the adjoint sweep runs ``step``'s own generated adjoint (both sweeps) on its inputs there,
  recomputing its internals (see ``tangentish.checkpointing``)::

      # grad of: _t2 = step(h, _t1)   (checkpointed: recomputed here)
      dh, d_t1 = dstep(h, _t1, dy=d_t2)

Forward mode asks the tape for a tape site's tangent (``tape_jvp``) and ``step``'s generated
JVP for a checkpoint's. A function with tape sites warns once, naming the first site's helper
line and construct.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import gast

from tangentish.checkpointing import Checkpointed
from tangentish.compiler import reverse as rev
from tangentish.compiler.activity import Activity
from tangentish.compiler.diagnostics import error_at
from tangentish.compiler.forward import Forwarder, Tangent
from tangentish.compiler.nodes import assign, attr, call, load, unparse
from tangentish.compiler.normalize import Normalized
from tangentish.compiler.ops import Op, op_of, set_op
from tangentish.compiler.sites import site_kind
from tangentish.errors import TransformError, TransformWarning
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime import callsite as runtime

__all__ = ["SiteReverser", "SiteForwarder", "reverse", "forward"]


def _name(fn: Any) -> str:
    name = getattr(fn, "__name__", None) or "helper"
    return name if name.isidentifier() else "helper"


class SiteReverser(rev.Reverser):
    """The reverse pass, with tape sites and checkpoints handled at their call."""

    def __init__(self, norm: Normalized, act: Activity, scalars: set[str] | None = None,
                 known: dict[str, Any] | None = None):
        super().__init__(norm, act, scalars, known)
        #: id of the statement -> why its callee runs on the tape
        self.tape_sites: dict[int, TransformError] = {}
        self._unused: str | None = None

    def site(self, s: gast.stmt) -> str | None:
        if not isinstance(s, gast.Assign):
            return None
        op = op_of(s)
        kind = site_kind(op)
        if kind and s.targets[0].id in self.act.active and self.active_args(op):
            for k, v in op.keywords:
                if isinstance(v, gast.Name) and v.id in self.act.active:
                    raise error_at(getattr(s, "tg_loc", None),
                                   f"tangentish cannot differentiate keyword argument {k} of "
                                   f"{_name(_callee(op))} (pass it by position)")
            return kind
        return None

    def pullback(self, s: gast.Assign, op: Op) -> str:
        return self.loop_name(s, _name(_callee(op)) + "_pullback")

    def primal(self, s: gast.stmt, in_loop: bool) -> list[gast.stmt]:
        kind = self.site(s)
        if kind is None:
            return super().primal(s, in_loop)
        name, op = s.targets[0].id, op_of(s)
        out: list[gast.stmt] = []
        if self.saves(s, in_loop):
            out.append(self.push(name, id(s)))
        if kind == "checkpoint":
            return out + [s]
        self.tape_sites[id(s)] = op.index
        pb = self.pullback(s, op)
        if in_loop:  # one pullback per iteration: the adjoint sweep pops them back
            out.append(self.push(pb, ("pullback", id(s))))
            self.undefined_in_loop.add(pb)
        fn = load(self.ns.ref(op.obj, _name(op.obj)))
        value = call(self.helper(runtime.tape_vjp), [fn, *copy.deepcopy(list(op.args))],
                     copy.deepcopy(list(op.keywords)))
        loc = getattr(s, "tg_loc", None)
        run = set_op(gast.copy_location(assign(pb, value), s), Op("opaque", runtime.tape_vjp),
                     loc)
        get = set_op(gast.copy_location(assign(name, attr(load(pb), "value")), s), Op("inert"),
                     loc)
        return out + [run, get]

    def adjoint_assign(self, s: gast.Assign, init: set[str], in_loop: bool) -> list[gast.stmt]:
        kind = self.site(s)
        if kind is None:
            return super().adjoint_assign(s, init, in_loop)
        name, op = s.targets[0].id, op_of(s)
        pb = self.pullback(s, op)
        out: list[gast.stmt] = []
        if name in init:
            body: list[gast.stmt] = []
            dy: gast.expr = load(self.d(name))
            if name in self.act.subscripted:
                dy = call(self.helper(helpers.complete_grad), [dy, load(name)])
            positions = list(range(len(op.args)))
            if kind == "checkpoint":  # dh, dx = dstep(h, x, dy=d_t2): recomputed here
                adjoint, seed, positions = self.checkpoint_adjoint(s, op)
                value = call(load(self.ns.ref(adjoint, "d" + _name(op.obj.fn))),
                             copy.deepcopy(list(op.args)),
                             copy.deepcopy(list(op.keywords)) + [(seed, dy)])
            else:
                value = call(load(pb), [dy])
            before = set(init)
            self.unpack(body, init, [op.args[i] for i in positions], value)
            if name in self.maybe:  # the adjoint may be None (zero) on some paths
                test = gast.Compare(left=load(self.d(name)), ops=[gast.IsNot()],
                                    comparators=[gast.Constant(value=None, kind=None)])
                fresh = sorted(init - before)
                self.maybe.update(fresh)
                body = [gast.If(test=test, body=body, orelse=[
                    assign(self.d(n), gast.Constant(value=None, kind=None)) for n in fresh])]
            how = "on the tape" if kind == "tape" else "checkpointed: recomputed here"
            out.append(rev.comment(f"grad of: {unparse(s)}   ({how})"))
            out.extend(body)
            init.discard(name)
        if kind == "tape" and in_loop:
            out.append(self.pop(pb, ("pullback", id(s))))
        if self.saves(s, in_loop):
            out.append(self.pop(name, id(s)))
        return out

    def unpack(self, body: list, init: set[str], operands: list, value: gast.expr) -> None:
        """``da, db = pullback(dy)``, one gradient per operand: straight into adjoints that
        hold nothing yet, through a temporary into the others (then accumulated)."""
        targets: list[str] = []
        later: list[tuple[str, str]] = []
        for a in operands:
            if not (isinstance(a, gast.Name) and a.id in self.act.active):
                if self._unused is None:
                    self._unused = self.namer.fresh("_")
                targets.append(self._unused)
            elif a.id not in init:
                targets.append(self.d(a.id))
                init.add(a.id)
            else:
                temp = self.namer.fresh(self.d(a.id))
                targets.append(temp)
                later.append((a.id, temp))
        store = [gast.Name(id=t, ctx=gast.Store(), annotation=None, type_comment=None)
                 for t in targets]
        body.append(gast.Assign(targets=[gast.Tuple(elts=store, ctx=gast.Store())], value=value,
                                type_comment=None))
        for operand, temp in later:
            self.accumulate(body, init, operand, load(temp))

    def checkpoint_adjoint(self, s: gast.Assign, op: Op) -> tuple[Any, str, list[int]]:
        """The checkpointed function's generated adjoint (``def dstep(h, x, dy)``: both sweeps,
        a gradient per active argument), its seed's name, and those arguments' positions."""
        from tangentish.compiler.cache import cached_compile
        from tangentish.compiler.pipeline import Options

        positions = [i for i, a in enumerate(op.args)
                     if isinstance(a, gast.Name) and a.id in self.act.active]
        try:
            compiled = cached_compile(op.obj.fn, tuple(positions), "adjoint",
                                      Options(call_site_fallback=True))
        except TransformError as err:
            raise error_at(getattr(s, "tg_loc", None),
                           f"tangentish cannot checkpoint {_name(op.obj.fn)}: {err.reason}"
                           ) from err
        if compiled.has_self:
            raise error_at(getattr(s, "tg_loc", None),
                           "tangentish cannot checkpoint a bound method (checkpoint a function)")
        code = compiled.function.__code__
        seed = code.co_varnames[code.co_argcount + code.co_kwonlyargcount - 1]
        return compiled.function, seed, positions


def _callee(op: Op) -> Any:
    return op.obj.fn if isinstance(op.obj, Checkpointed) else op.obj


class SiteForwarder(Forwarder):
    """The forward pass, with tangents of tape sites and checkpoints at their call."""

    def __init__(self, norm: Normalized, act: Activity):
        super().__init__(norm, act)
        self.tape_sites: dict[int, TransformError] = {}

    def tangent_value(self, s: gast.Assign, op: Op) -> gast.expr | None:
        kind = site_kind(op)
        if kind is None:
            return super().tangent_value(s, op)
        # keywords first: a call whose only active values are keywords has a tangent too
        if op.keywords and any(self.operand(v) is not None for _, v in op.keywords):
            raise error_at(getattr(s, "tg_loc", None), "tangentish cannot differentiate a "
                           f"keyword argument of {_name(_callee(op))} (pass it by position)")
        if not any(self.operand(a) is not None for a in op.args):
            return None
        args = gast.Tuple(elts=copy.deepcopy(list(op.args)), ctx=gast.Load())
        tangents = gast.Tuple(elts=[self.dense(a) for a in op.args], ctx=gast.Load())
        if kind == "tape":
            self.tape_sites[id(s)] = op.index
            fn = load(self.ns.ref(op.obj, _name(op.obj)))
            return call(self.helper(runtime.tape_jvp), [fn, args, tangents],
                        copy.deepcopy(list(op.keywords)))
        if op.keywords:
            raise error_at(getattr(s, "tg_loc", None), "tangentish cannot checkpoint a call "
                           "with keyword arguments in forward mode (pass them by position)")
        from tangentish.transforms import JVP

        jvp = JVP(op.obj.fn, tuple(range(len(op.args))))
        value = call(load(self.ns.ref(jvp, _name(op.obj.fn) + "_jvp")), [args, tangents])
        return gast.Subscript(value=value, slice=gast.Constant(value=1, kind=None),
                              ctx=gast.Load())


def reverse(norm: Normalized, act: Activity, wrt: list[str],
            scalars: set[str] | None = None, known: dict[str, Any] | None = None
            ) -> rev.Adjoint:
    """``reverse.reverse`` with call sites handled here; warns once about tape sites."""
    reverser = SiteReverser(norm, act, scalars, known)
    adj = reverser.run(wrt)
    _warn(norm, list(reverser.tape_sites.values()))
    return adj


def forward(norm: Normalized, act: Activity, wrt: list[str]) -> Tangent:
    forwarder = SiteForwarder(norm, act)
    tan = forwarder.run(wrt)
    _warn(norm, list(forwarder.tape_sites.values()))
    return tan


#: (function's code, helper file, helper line) already warned about: specialised variants and
#: forward mode compile the same function again
_warned: set[tuple] = set()


def _warn(norm: Normalized, sites: list[TransformError]) -> None:
    if not sites:
        return
    first = sites[0]
    key = (getattr(norm.parsed.fn, "__code__", None), first.filename, first.lineno)
    if key in _warned:
        return
    _warned.add(key)
    others = f" (and {len(sites) - 1} more call site(s))" if len(sites) > 1 else ""
    helper = first.function or "the helper"
    name = norm.parsed.name
    where = f"{first.filename}:{first.lineno}" if first.filename else "unknown location"
    message = (f"{where}: {first.reason}; {helper} runs on the tape at its call in "
               f"{name}{others}, the rest of {name} stays compiled")
    # Shown as coming from the helper's line, like a SyntaxWarning
    warnings.warn_explicit(message, TransformWarning, first.filename or "<unknown>",
                           first.lineno or 0)
