"""Pass 5, reverse: the primal sweep and the adjoint sweep of a normalized function.

For every active assignment, in reverse order, the adjoint sweep adds the inlined VJP rules of
its primitive to the adjoints of its operands:

    z = x @ w                  # grad of: h = np.tanh(z)
    h = np.tanh(z)     ->      dz = dh * (1.0 - h * h)
                               # grad of: z = x @ w
                               dw = x.T @ dz

Control flow keeps its shape. An ``if`` is replayed on the same condition variable; a ``for``
over ``range`` runs backwards over the same range (cut to the trip count when it may break); a
``while`` counts its trips and the adjoint loops that many times. A variable overwritten while
its old value is still needed by the adjoint sweep is pushed onto a plain list in the primal
sweep and popped back in the adjoint sweep (``stack.append(h)`` / ``h = stack.pop()``), so the
adjoint sweep always sees the values the primal saw.

Adjoints are assigned on their first contribution and accumulated after (never accumulated into
zeros). The set of adjoints holding a value is tracked statically; where control flow joins
paths that disagree, the missing adjoint is set to zeros on the path that lacks it. Every
overwritten value is pushed here; ``optimize`` drops the pushes the adjoint sweep never reads.

Hook for issue 5 (per-call-site fallback, custom call adjoints): ``Reverser.opaque_call`` is
called for an ``opaque`` op whose result is active. The default raises TransformError; a
subclass may return ``(primal_statements, contributions)`` instead, where contributions is a
list of ``(operand_name, adjoint_expression)`` evaluated in the adjoint sweep.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gast
import numpy as np

from tangentish.compiler import shapes
from tangentish.compiler.activity import Activity, assignments
from tangentish.compiler.diagnostics import Location, error_at
from tangentish.compiler.hoist import scalar_names
from tangentish.compiler.inline import inline_rule, keyword_operand
from tangentish.compiler.nodes import (
    Transformer,
    assign,
    attr,
    call,
    clone,
    const,
    expr_stmt,
    index_value,
    load,
    unparse,
)
from tangentish.compiler.normalize import Normalized
from tangentish.compiler.ops import Op, op_of, shape_only_arg
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime.rules import table
from tangentish.runtime.rules.linalg import matmul_grad_a, matmul_grad_b
from tangentish.runtime.support import unbroadcast

__all__ = ["Adjoint", "Reverser", "reverse", "COMMENT", "comment", "is_comment"]

#: Prefix of the string constants that codegen turns into ``# ...`` comment lines.
COMMENT = "\x00tg-comment\x00"

#: NumPy functions whose ``math`` twin is total on floats (no domain or overflow errors)
_MATH = {"sin": "sin", "cos": "cos", "tan": "tan", "tanh": "tanh", "arctan": "atan"}

#: adjoint helpers of ``a @ b`` that ``_Simplify.vector_product`` writes out for 1-d operands
_VECTOR_PRODUCTS = (matmul_grad_a, matmul_grad_b)

_SCALAR_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.vdot, np.linalg.norm}


def comment(text: str) -> gast.Expr:
    return expr_stmt(const(COMMENT + text))


def is_comment(s: gast.stmt) -> bool:
    """Is ``s`` a comment ``comment`` made (codegen renders it as ``# text``)?"""
    return (isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant)
            and isinstance(s.value.value, str) and s.value.value.startswith(COMMENT))


@dataclass
class Adjoint:
    """Both sweeps of one function, ready for codegen to assemble into a def."""

    norm: Normalized
    primal: list[gast.stmt]
    adjoint: list[gast.stmt]
    #: the adjoint of the result (the ``dy`` parameter of the generated function)
    seed: str
    #: per parameter: the expression of its gradient after the adjoint sweep
    grads: dict[str, gast.expr]
    #: the stack list's name, or None when nothing is pushed
    stack: str | None
    #: variables set to None before the primal, since the stack may save them undefined
    preset: list[str] = field(default_factory=list)
    result_is_scalar: bool = False
    #: variables with an adjoint
    active: set[str] = field(default_factory=set)
    #: some ``unbroadcast`` was dropped on the strength of ``Reverser.shapes``: this code is
    #: right only for the shape pattern it was compiled for
    shape_keyed: bool = False
    #: symbolic shapes of the primal's names in code for a shape pattern (``shapes.infer``)
    shapes: dict[str, Any] | None = None
    #: variables holding Python floats in code specialised to them (their adjoints too)
    scalars: set[str] = field(default_factory=set)


class _Push(gast.Expr):
    """Marker: ``stack.append(name)`` (kept only if the adjoint sweep reads ``name``)."""


class _Pop(gast.Assign):
    """Marker: ``name = stack.pop()``."""


def reverse(norm: Normalized, act: Activity, wrt: list[str],
            scalars: set[str] | None = None, known: dict[str, Any] | None = None) -> Adjoint:
    """Both sweeps; ``scalars`` (from ``activity.scalar_vars``) specialises scalar code, and
    ``known`` (from ``shapes.infer``) code for a shape pattern."""
    return Reverser(norm, act, scalars, known).run(wrt)


class _Simplify(Transformer):
    """``Reverser.simplify``'s rewrite (module level: a class defined per call costs ~8 us).

    ``unbroadcast(g, x)`` becomes ``g`` when every operand is a scalar, when x is ``operand``
    and the other operands are numbers (``same``), or when ``env`` (symbolic shapes, in code
    specialised to a shape pattern) shows g already has x's shape.
    """

    def __init__(self, namespace: Any, operand: str, scalar: bool, same: bool,
                 env: dict[str, Any] | None, in_loop: bool = True):
        self.namespace, self.objects = namespace, namespace.objects
        self.operand, self.scalar, self.same, self.env = operand, scalar, same, env
        self.in_loop = in_loop
        #: whether a drop relied on ``env``
        self.by_shape = False

    def visit_Call(self, node):
        self.generic_visit(node)
        func, objects, scalar = node.func, self.objects, self.scalar
        if (isinstance(func, gast.Name) and objects.get(func.id) is unbroadcast
                and len(node.args) == 2 and not node.keywords):
            if self.drops(*node.args):
                return node.args[0]
            summed = self.sum_to(*node.args)
            if summed is not None:
                return summed
        if (self.env is not None and isinstance(func, gast.Name) and len(node.args) == 3
                and objects.get(func.id) in _VECTOR_PRODUCTS and not node.keywords):
            product = self.vector_product(objects[func.id], *node.args)
            if product is not None:
                return product
        if (scalar and isinstance(func, gast.Attribute)
                and isinstance(func.value, gast.Name)
                and objects.get(func.value.id) is np and func.attr in _MATH):
            node.func = attr(load(self.namespace.module_ref(math)), _MATH[func.attr])
        return node

    def vector_product(self, fn: Any, g: gast.expr, a: gast.expr, b: gast.expr
                       ) -> gast.expr | None:
        """``matmul_grad_a/b(g, a, b)`` of a product with a 1-d operand, as the expression a
        person writes (``g[:, None] * b``, ``g @ a``): no helper call deciding it per call.
        Matrix-matrix products keep the helper (its in-place BLAS path)."""
        ranks = tuple(None if s is None else len(s) for s in (
            shapes.shape_of(a, self.env, self.objects), shapes.shape_of(b, self.env, self.objects)))
        if ranks not in ((2, 1), (1, 2), (1, 1)):
            return None
        self.by_shape = True
        if ranks == (1, 1):  # a scalar product: each operand's adjoint is g times the other
            return gast.BinOp(left=g, op=gast.Mult(), right=b if fn is matmul_grad_a else a)
        matrix_vector = ranks == ((1, 2) if fn is matmul_grad_a else (2, 1))
        if matrix_vector and not self.in_loop:
            # once, outside a loop: the helper, which streams a large matrix with the faster
            # kernel (logreg's X.T @ d); in a loop the call layer is what costs (ode's 4 x 4)
            return None
        if fn is matmul_grad_a:  # (m, k) @ (k,): outer(g, b); (k,) @ (k, n): b @ g
            return gast.BinOp(left=_column(g), op=gast.Mult(), right=b) if ranks == (2, 1) \
                else gast.BinOp(left=b, op=gast.MatMult(), right=g)
        return gast.BinOp(left=g, op=gast.MatMult(), right=a) if ranks == (2, 1) \
            else gast.BinOp(left=_column(a), op=gast.Mult(), right=g)

    def sum_to(self, g: gast.expr, x: gast.expr) -> gast.expr | None:
        """``unbroadcast(g, x)`` with both shapes known and different, as the one sum a person
        writes: ``g.sum(axis=0)`` for a bias row, ``keepdims=True`` for a (1, n) one (the
        method: ``np.sum``'s dispatch costs about 1 us more on NumPy arrays)."""
        if self.env is None:
            return None
        xs = shapes.shape_of(x, self.env, self.objects)
        gs = shapes.shape_of(g, self.env, self.objects)
        if not xs or gs is None or shapes.broadcast(gs, xs) != gs:  # x: () stays (0-d arrays)
            return None
        lead = len(gs) - len(xs)
        ones = [i for i, d in enumerate(xs) if d == "1" and gs[i + lead] != "1"]
        if lead and ones or not (lead or ones):
            return None
        axes = list(range(lead)) if lead else ones
        axis = const(axes[0]) if len(axes) == 1 else gast.Tuple(
            elts=[const(a) for a in axes], ctx=gast.Load())
        keywords = [("axis", axis)] + ([("keepdims", const(True))] if ones else [])
        self.by_shape = True
        if isinstance(g, gast.UnaryOp) and isinstance(g.op, gast.USub):  # negate the sum
            return gast.UnaryOp(op=gast.USub(), operand=call(attr(g.operand, "sum"), [],
                                                                keywords))
        return call(attr(g, "sum"), [], keywords)

    def drops(self, g: gast.expr, x: gast.expr) -> bool:
        if isinstance(x, gast.Name) and (self.scalar or self.same and x.id == self.operand):
            return True
        if self.env is None:
            return False
        shape = shapes.shape_of(x, self.env, self.objects)
        if shape is None or shapes.shape_of(g, self.env, self.objects) != shape:
            return False
        self.by_shape = True
        return True


class Reverser:
    """Builds the two sweeps; subclass to handle opaque calls (see the module docstring)."""

    def __init__(self, norm: Normalized, act: Activity, scalars: set[str] | None = None,
                 known: dict[str, Any] | None = None):
        self.norm, self.act = norm, act
        #: variables known to hold scalars (Python-float specialisation), else empty
        self.scalars: set[str] = set(scalars or ())
        #: symbolic shapes of variables (code specialised to a shape pattern), else empty
        self.shapes: dict[str, Any] = dict(known or {})
        self.shape_keyed = False
        self.namer, self.ns = norm.namer, norm.namespace
        self.stack_name: str | None = None
        self._names: dict[tuple[int, str], str] = {}
        # First definitions outside loops overwrite nothing: they push nothing. Variables first
        # assigned inside a loop may be pushed before they exist: they are preset to None.
        self.first_defs: set[int] = set()
        #: names some assignment may push before they exist (preset to None if pushed)
        self.undefined_in_loop: set[str] = set()
        #: whether the statement whose adjoint is being written is in a loop
        self.in_loop = False
        params = set(norm.params) | ({norm.vararg} - {None})
        #: names holding Python numbers (``dt = 0.01``, ``n = x.shape[0]``): ``x * dt`` keeps
        #: x's shape
        self.numbers = scalar_names(norm.node.body, sorted(params))
        self._scan(norm.node.body, set(params), False)
        # Names assigned on every path to each if statement: a zero adjoint for them can be
        # made with zero_grad(name); for the others it is None ("maybe" adjoints).
        self.defined_at: dict[int, set[str]] = {}
        self._definite(norm.node.body, set(params))
        self.maybe: set[str] = set()

    # ------------------------------------------------------------ helpers

    def d(self, name: str) -> str:
        return self.namer.adjoint(name)

    def helper(self, fn: Callable[..., Any]) -> gast.expr:
        return load(self.ns.helper(fn))

    def loop_name(self, node: gast.AST, base: str) -> str:
        """One name per loop and purpose, stable across the fixed-point iterations."""
        key = (id(node), base)
        if key not in self._names:
            self._names[key] = self.namer.fresh(base)
        return self._names[key]

    def stack(self) -> str:
        if self.stack_name is None:
            self.stack_name = self.namer.fresh("stack")
        return self.stack_name

    def zero(self, name: str) -> gast.stmt:
        if name in self.scalars:
            return assign(self.d(name), const(0.0))
        return assign(self.d(name), call(self.helper(helpers.zero_grad), [load(name)]))

    def accumulate(self, out: list, init: set[str], name: str, value: gast.expr) -> None:
        dname = self.d(name)
        if name not in init:
            out.append(assign(dname, value))
            init.add(name)
        elif name in self.act.structured or name in self.maybe:
            out.append(assign(dname, call(self.helper(helpers.add_grad), [load(dname), value])))
        else:
            out.append(assign(dname, gast.BinOp(left=load(dname), op=gast.Add(), right=value)))

    # ------------------------------------------------------------ driver

    def run(self, wrt: list[str]) -> Adjoint:
        norm = self.norm
        body = norm.node.body[:-1]  # the final ``return result``
        init = {norm.result}
        primal, adjoint, init = self.block(body, init, in_loop=False)
        pushed: set[str] = set()
        primal, adjoint = _plain(primal, pushed), _plain(adjoint, pushed)
        grads: dict[str, gast.expr] = {}
        for p in wrt:
            if p in init:
                g: gast.expr = load(self.d(p))
                if p in self.act.structured or p in self.maybe or self.may_be_container(p):
                    g = call(self.helper(helpers.complete_grad), [g, load(p)])
            elif p in self.scalars:
                g = const(0.0)
            else:
                g = call(self.helper(helpers.zero_grad), [load(p)])
            grads[p] = g
        return Adjoint(norm, primal, adjoint, self.d(norm.result), grads,
                       self.stack_name if pushed else None,
                       sorted(pushed & self.undefined_in_loop), self.scalar_result(body),
                       set(self.act.active), self.shape_keyed, self.shapes or None,
                       set(self.scalars))

    def may_be_container(self, param: str) -> bool:
        """Whether ``param`` may be a list, tuple or dict at call time. NumPy may take one
        whole (``np.max(xs, axis=0)``): its adjoint is then one array, which ``complete_grad``
        splits into the argument's structure. Only code specialised to the argument being a
        number or an array (its shape known) can leave that out."""
        if param in self.scalars:
            return False
        shape = self.shapes.get(param)
        return not (isinstance(shape, tuple) and all(isinstance(d, str) for d in shape))

    def scalar_result(self, body: list[gast.stmt]) -> bool:
        if self.norm.result in self.scalars:
            return True
        if self.shapes.get(self.norm.result) == ():  # a number for this shape pattern only
            self.shape_keyed = True
            return True
        for s in assignments(body):
            if s.targets[0].id == self.norm.result:
                op = op_of(s)
                if not (op.kind == "call" and op.obj in _SCALAR_REDUCTIONS and len(op.args) == 1
                        and not op.keywords) and op.obj is not helpers.item:
                    return False
        return True

    # ------------------------------------------------------------ statements

    def block(self, stmts: list[gast.stmt], init: set[str], in_loop: bool
              ) -> tuple[list[gast.stmt], list[gast.stmt], set[str]]:
        """(primal, adjoint, adjoints initialised before the block) for ``stmts``.

        ``init`` is the set of variables whose adjoint holds a value after the block.
        """
        init = set(init)
        primal: list[gast.stmt] = []
        for s in stmts:
            primal.extend(self.primal(s, in_loop))
        adjoint: list[gast.stmt] = []
        for s in reversed(stmts):
            adjoint.extend(self.adjoint(s, init, in_loop))
        return primal, adjoint, init

    def _scan(self, stmts: list[gast.stmt], seen: set[str], in_loop: bool) -> None:
        for s in stmts:
            if isinstance(s, gast.Assign):
                name = s.targets[0].id
                if not in_loop and name not in seen:
                    self.first_defs.add(id(s))
                seen.add(name)
            elif isinstance(s, gast.If):
                before = set(seen)
                self._scan(s.body, seen, in_loop)
                self._scan(s.orelse, before, in_loop)
                seen |= before
            elif isinstance(s, (gast.For, gast.While)):
                if isinstance(s, gast.For):
                    seen.add(s.target.id)
                self._scan(s.body, seen, True)

    def _definite(self, stmts: list[gast.stmt], defined: set[str]) -> set[str]:
        for s in stmts:
            if isinstance(s, gast.Assign):
                if s.targets[0].id not in defined and id(s) not in self.first_defs:
                    # a push here may find it undefined
                    self.undefined_in_loop.add(s.targets[0].id)
                defined.add(s.targets[0].id)
            elif isinstance(s, gast.If):
                self.defined_at[id(s)] = set(defined)
                a = self._definite(s.body, set(defined))
                b = self._definite(s.orelse, set(defined))
                defined |= a & b
            elif isinstance(s, (gast.For, gast.While)):
                self._definite(s.body, set(defined) | (
                    {s.target.id} if isinstance(s, gast.For) else set()))
        return defined

    def saves(self, s: gast.Assign, in_loop: bool) -> bool:
        """Does this assignment overwrite a value the adjoint sweep may need back?"""
        if getattr(s, "tg_nosave", False):
            return False
        return in_loop or id(s) not in self.first_defs

    def primal(self, s: gast.stmt, in_loop: bool) -> list[gast.stmt]:
        if isinstance(s, gast.Assign):
            name = s.targets[0].id
            out: list[gast.stmt] = []
            if self.saves(s, in_loop):
                out.append(self.push(name, id(s)))
            op = op_of(s)
            if op.kind == "opaque" and name in self.act.active and self.active_args(op):
                stmts, _ = self.opaque_call(s, op)
                return out + stmts
            return out + [self.scalar_primal(s, op)]
        if isinstance(s, gast.If):
            node = gast.If(test=s.test, body=self.primal_block(s.body, in_loop),
                           orelse=self.primal_block(s.orelse, in_loop))
            return [gast.copy_location(node, s)]
        if isinstance(s, gast.For):
            body = self.primal_block(s.body, True)
            pre: list[gast.stmt] = []
            if _breaks(s.body):
                trips = self.loop_name(s, "trips")
                pre = self.trips_reset(trips, s, in_loop)
                inc = _inert(assign(trips, gast.BinOp(left=load(trips), op=gast.Add(),
                                                      right=const(1))), s)
                inc.tg_nosave = True
                body = [inc] + body
            node = gast.For(target=s.target, iter=s.iter, body=body, orelse=[],
                            type_comment=None)
            node.tg_loop = id(s)  # pairs the primal loop with its reverse (see optimize)
            # the loop rebinds its counter, and so does its reverse loop: the value it had
            # before is pushed, for what runs after the reverse loop (an outer loop's next
            # reverse step reads x[j] of the value the inner loop left; prune_stack drops
            # the pair where nothing reads it)
            for name in _counter_names(s):
                self.undefined_in_loop.add(name)
                pre.append(self.push(name, ("counter", name, id(s))))
            return pre + [gast.copy_location(node, s)]
        if isinstance(s, gast.While):
            trips = self.loop_name(s, "trips")
            pre = self.trips_reset(trips, s, in_loop)
            inc = _inert(assign(trips, gast.BinOp(left=load(trips), op=gast.Add(),
                                                  right=const(1))), s)
            inc.tg_nosave = True
            body = [inc] + self.primal_block(s.body, True)
            return pre + [gast.copy_location(gast.While(test=s.test, body=body, orelse=[]), s)]
        return [s]

    def trips_reset(self, trips: str, s: gast.AST, in_loop: bool) -> list[gast.stmt]:
        """``trips = 0`` before a loop; inside an outer loop the old count is pushed."""
        reset = _inert(assign(trips, const(0)), s)
        if not in_loop:
            return [reset]
        self.undefined_in_loop.add(trips)
        return [self.push(trips, ("trips", id(s))), reset]

    def push(self, name: str, site: Any) -> gast.stmt:
        """``stack.append(name)``; ``site`` pairs it with its pop (see optimize.prune_stack)."""
        node = _Push(value=call(attr(load(self.stack()), "append"), [load(name)]))
        node.tg_site = site
        return node

    def pop(self, name: str, site: Any) -> gast.stmt:
        node = self._pop(name)
        node.tg_site = site
        return node

    def _pop(self, name: str) -> gast.stmt:
        return _Pop(targets=[gast.Name(id=name, ctx=gast.Store(), annotation=None,
                                       type_comment=None)],
                    value=call(attr(load(self.stack()), "pop"), []), type_comment=None)

    def primal_block(self, stmts: list[gast.stmt], in_loop: bool) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            out.extend(self.primal(s, in_loop))
        return out

    def adjoint(self, s: gast.stmt, init: set[str], in_loop: bool) -> list[gast.stmt]:
        if isinstance(s, gast.Assign):
            return self.adjoint_assign(s, init, in_loop)
        if isinstance(s, gast.If):
            return self.adjoint_if(s, init, in_loop)
        if isinstance(s, (gast.For, gast.While)):
            return self.adjoint_loop(s, init, in_loop)
        return []  # break, print, assert, raise: nothing to undo

    def adjoint_assign(self, s: gast.Assign, init: set[str], in_loop: bool) -> list[gast.stmt]:
        self.in_loop = in_loop  # read by ``simplify``
        name = s.targets[0].id
        out: list[gast.stmt] = []
        if name in self.act.active and name in init:
            op = op_of(s)
            body: list[gast.stmt] = []
            before = set(init)
            self.contributions(s, op, init, body)
            if body and name in self.maybe:
                test = gast.Compare(left=load(self.d(name)), ops=[gast.IsNot()],
                                    comparators=[const(None)])
                fresh = sorted(init - before)  # assigned only when the guard holds
                self.maybe.update(fresh)
                body = [gast.If(test=test, body=body,
                                orelse=[assign(self.d(n), const(None)) for n in fresh])]
            if body:
                out.append(comment("grad of: " + unparse(self.scalar_primal(s, op))))
                out.extend(body)
        if self.saves(s, in_loop):
            out.append(self.pop(name, id(s)))
        return out

    def contributions(self, s: gast.Assign, op: Op, init: set[str], out: list) -> None:
        """Add the adjoint of ``s``'s operands to ``out``; reset the target's adjoint."""
        name = s.targets[0].id
        dt = load(self.d(name))
        active = self.act.active
        kind = op.kind
        keep_target = False
        if kind == "copy":
            self.accumulate(out, init, s.value.id, dt) if s.value.id in active else None
        elif kind == "call":
            self.call_contributions(s, op, init, out)
        elif kind == "getitem":
            x = s.value.value
            if isinstance(x, gast.Name) and x.id in active:
                idx = index_value(s.value.slice, self.ns)
                self.accumulate(out, init, x.id,
                                call(self.helper(helpers.subscript_grad), [dt, load(x.id), idx]))
        elif kind == "build":
            keys = op.index if op.index is not None else [const(i) for i in range(len(op.args))]
            for key, a in zip(keys, op.args):
                if isinstance(a, gast.Name) and a.id in active:
                    g = call(self.helper(helpers.item_grad), [dt, load(name), clone(key)])
                    self.accumulate(out, init, a.id, g)
        elif kind == "append":
            xs, item = op.args
            if isinstance(item, gast.Name) and item.id in active:
                g = call(self.helper(helpers.item_grad), [dt, load(name), const(-1)])
                self.accumulate(out, init, item.id, g)
            g = call(self.helper(helpers.drop_last), [dt])
            if xs.id == name:
                out.append(assign(self.d(name), g))
                keep_target = True
            elif xs.id in active:
                self.accumulate(out, init, xs.id, g)
        elif kind == "index_set":
            x, v = op.args
            idx = op.index
            if isinstance(v, gast.Name) and v.id in active:
                g = call(self.helper(helpers.value_grad), [dt, clone(idx), v])
                self.accumulate(out, init, v.id, g)
            g = call(self.helper(helpers.zero_at), [dt, clone(idx)])
            if x.id == name:
                out.append(assign(self.d(name), g))
                keep_target = True
            elif x.id in active:
                self.accumulate(out, init, x.id, g)
        elif kind == "iter":
            (x,) = op.args
            if x.id in active:
                self.accumulate(out, init, x.id,
                                call(self.helper(helpers.as_list_grad), [dt, load(x.id)]))
        elif kind == "opaque" and self.active_args(op):
            _, contribs = self.opaque_call(s, op)
            for operand, g in contribs:
                self.accumulate(out, init, operand, g)
        if not keep_target:
            init.discard(name)

    def call_contributions(self, s: gast.Assign, op: Op, init: set[str], out: list) -> None:
        name = s.targets[0].id
        entry = table.lookup(op.obj)
        if entry is None or entry.nondiff:
            return
        dy: gast.expr = load(self.d(name))
        if name in self.act.subscripted:  # a tuple-valued primitive, unpacked: make it dense
            dy = call(self.helper(helpers.complete_grad), [dy, load(name)])
        keywords = dict(op.keywords)
        positional = list(op.args)
        for i, a in enumerate(positional):
            if not (isinstance(a, gast.Name) and a.id in self.act.active):
                continue
            rule = entry.vjp.get(i)
            if shape_only_arg(op.obj, entry, i, "vjp"):  # read only for its shape
                continue
            if rule is None:
                raise self.missing_rule(s, op, i)
            g = inline_rule(rule, [dy, load(name), *positional], keywords, self.ns)
            g = self.simplify(g, op, a.id, name)
            self.accumulate(out, init, a.id, g)
        for k, v in op.keywords:
            if isinstance(v, gast.Name) and v.id in self.act.active:
                bound = keyword_operand(entry, positional, keywords, k)
                if bound is None:
                    raise self.missing_rule(s, op, k)
                i, args, rest = bound
                rule = entry.vjp.get(i)
                if rule is None:
                    raise self.missing_rule(s, op, i)
                g = inline_rule(rule, [dy, load(name), *args], rest, self.ns)
                self.accumulate(out, init, v.id, g)

    def active_args(self, op: Op) -> list[str]:
        values = list(op.args) + [v for _, v in op.keywords]
        return [v.id for v in values if isinstance(v, gast.Name) and v.id in self.act.active]

    def scalar_primal(self, s: gast.Assign, op: Op) -> gast.Assign:
        """In code specialised to scalars, ``np.sin(x)`` of a float is ``math.sin(x)``: the
        same number, without NumPy's per-call cost."""
        func = s.value.func if isinstance(s.value, gast.Call) else None
        if not (self.scalars and op.kind == "call" and isinstance(func, gast.Attribute)
                and isinstance(op.obj, np.ufunc) and func.attr in _MATH
                and getattr(np, func.attr, None) is op.obj
                and all(self.is_scalar(a) for a in op.args) and not op.keywords):
            return s
        new = clone(s)
        new.value.func = attr(load(self.ns.module_ref(math)), _MATH[func.attr])
        return new

    def is_scalar(self, node: gast.expr) -> bool:
        if isinstance(node, gast.Constant):
            return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
        return isinstance(node, gast.Name) and node.id in self.scalars

    def simplify(self, g: gast.expr, op: Op, operand: str, target: str) -> gast.expr:
        """Drop ``unbroadcast(e, x)`` where shapes provably agree; math for scalar code.

        Shapes agree when every other operand of an elementwise op is a number (``x * 2.0``,
        ``x * dt`` where ``dt = 0.01``), when every operand is a scalar (where NumPy's
        functions on floats also become ``math``'s), or, in code specialised to a shape
        pattern, when the symbolic shapes of e and x are equal.
        """
        elementwise = op.obj not in (operator.matmul, np.matmul) and not op.keywords and (
            isinstance(op.obj, np.ufunc) or getattr(op.obj, "__module__", None) in (
                "math", "_operator"))
        same = scalar = False
        if elementwise:
            others = [a for a in op.args if not (isinstance(a, gast.Name) and a.id == operand)]
            same = all(isinstance(a, gast.Constant) and self.is_scalar(a)
                       or isinstance(a, gast.Name) and a.id in self.numbers for a in others)
            scalar = bool(self.scalars) and all(self.is_scalar(a) for a in op.args)
        env = None
        if self.shapes:
            env = self.shapes
            # dy has its primal's shape; the seed is the caller's, except a gradient's: shape
            # variants are compiled for tg.grad and value_and_grad only, whose seed is a number
            # for a result known to be one (``unbroadcast(dy, _t2)`` of ``_t2 + _t4``: dy)
            if target in env and (target != self.norm.result or env[target] == ()):
                env = {**env, self.d(target): env[target]}
        if not (same or scalar or env):
            return g
        rewrite = _Simplify(self.ns, operand, scalar, same, env, self.in_loop)
        g = rewrite.visit(g)
        self.shape_keyed |= rewrite.by_shape
        return g

    def missing_rule(self, s: gast.Assign, op: Op, arg: int | str) -> Exception:
        name = table._qualname(op.obj)
        return error_at(getattr(s, "tg_loc", None),
                        f"tangentish cannot differentiate argument {arg} of {name}: it has no "
                        f"derivative rule (register one with tg.defvjp({name}, ...))")

    def opaque_call(self, s: gast.Assign, op: Op
                    ) -> tuple[list[gast.stmt], list[tuple[str, gast.expr]]]:
        """An active call with no rule and no source: the per-call-site fallback hook."""
        what = op.obj if isinstance(op.obj, str) else table._qualname(op.obj)
        loc: Location | None = getattr(s, "tg_loc", None)
        if op.index is not None:  # a user function normalize could not inline: say why
            raise op.index
        raise error_at(loc, f"tangentish cannot differentiate a call to {what}: it has no "
                            "derivative rule and no Python source; register one with "
                            f"tg.defvjp({what}, ...)")

    def adjoint_if(self, s: gast.If, init: set[str], in_loop: bool) -> list[gast.stmt]:
        _, body, init_body = self.block(s.body, init, in_loop)
        _, orelse, init_else = self.block(s.orelse, init, in_loop)
        defined = self.defined_at.get(id(s), set())
        for names, block in ((init_body - init_else, orelse), (init_else - init_body, body)):
            for name in sorted(names):
                if name in defined:
                    block.append(self.zero(name))
                else:  # the primal value may not exist on this path: None stands for zero
                    block.append(assign(self.d(name), const(None)))
                    self.maybe.add(name)
        init.clear()
        init.update(init_body | init_else)
        if not body and not orelse:
            return []
        return [gast.copy_location(gast.If(test=s.test, body=body, orelse=orelse), s)]

    def adjoint_loop(self, s: gast.For | gast.While, init: set[str], in_loop: bool
                     ) -> list[gast.stmt]:
        # The adjoints live at the loop head must be the same on every iteration: grow the set
        # until the body's output is inside it.
        entry = set(init)
        while True:
            _, body, out = self.block(s.body, entry, in_loop=True)
            if out <= entry:
                break
            entry |= out
        for name in sorted(entry - out):
            body.append(self.zero(name))
        pre = [self.zero(name) for name in sorted(entry - init)]
        init.clear()
        init.update(entry)
        counted = isinstance(s, gast.While) or _breaks(s.body)
        post = [self.pop(self.loop_name(s, "trips"), ("trips", id(s)))] if counted and in_loop \
            else []
        if isinstance(s, gast.For):  # the counter's value before the loop (see primal)
            post = [self.pop(name, ("counter", name, id(s)))
                    for name in reversed(_counter_names(s))] + post
        if not body:
            return pre + post
        if isinstance(s, gast.For):
            rng = s.iter
            if _breaks(s.body):
                trips = self.loop_name(s, "trips")
                rng = gast.Subscript(value=clone(rng), slice=gast.Slice(
                    lower=None, upper=load(trips), step=None), ctx=gast.Load())
            it = call(load(self.ns.ref(reversed, "reversed")), [clone(rng)])
            loop = gast.For(target=clone(s.target), iter=it, body=body, orelse=[],
                            type_comment=None)
            loop.tg_loop = id(s)
        else:
            trips = self.loop_name(s, "trips")
            target = gast.Name(id=self.loop_name(s, "_"), ctx=gast.Store(), annotation=None,
                               type_comment=None)
            loop = gast.For(target=target, iter=call(load(self.ns.ref(range, "range")),
                                                     [load(trips)]),
                            body=body, orelse=[], type_comment=None)
        return pre + [gast.copy_location(loop, s)] + post


def _counter_names(s: gast.For) -> list[str]:
    """The names a ``for`` statement binds (``j``; ``j, w`` of ``enumerate``)."""
    return [n.id for n in gast.walk(s.target) if isinstance(n, gast.Name)]


def _column(g: gast.expr) -> gast.expr:
    """``g[:, None]``."""
    index = gast.Tuple(elts=[gast.Slice(lower=None, upper=None, step=None), const(None)],
                       ctx=gast.Load())
    return gast.Subscript(value=g, slice=index, ctx=gast.Load())


def _plain(stmts: list[gast.stmt], pushed: set[str]) -> list[gast.stmt]:
    """Push and pop markers as ordinary statements tagged ``tg_push``/``tg_pop`` (the name), so
    optimize can drop the ones whose value the adjoint sweep never reads."""
    out: list[gast.stmt] = []
    for s in stmts:
        if isinstance(s, _Push):
            name, site = s.value.args[0].id, s.tg_site
            s = expr_stmt(s.value)
            s.tg_push, s.tg_site = name, site
            pushed.add(name)
        elif isinstance(s, _Pop):
            name, site = s.targets[0].id, s.tg_site
            s = assign(name, s.value)
            s.tg_pop, s.tg_site = name, site
        elif isinstance(s, (gast.If, gast.For, gast.While)):
            s.body, s.orelse = _plain(s.body, pushed), _plain(s.orelse, pushed)
        out.append(s)
    return out


def _breaks(stmts: list[gast.stmt]) -> bool:
    for s in stmts:
        if isinstance(s, gast.Break):
            return True
        if isinstance(s, gast.If) and (_breaks(s.body) or _breaks(s.orelse)):
            return True
    return False


def _inert(stmt: gast.Assign, like: gast.AST) -> gast.Assign:
    stmt.tg_op = Op("inert")
    stmt.tg_loc = getattr(like, "tg_loc", None)
    return gast.copy_location(stmt, like)
