"""Pass 5 (forward mode), forward: tangent statements interleaved with the primal.

After every active assignment the pass emits the tangent of its target, the sum of the inlined
JVP rules of its primitive applied to the tangents of its operands:

    z = x @ w                  z = x @ w
    h = np.tanh(z)     ->      # tangent of: z = x @ w
                               tz = tx @ w + x @ tw
                               h = np.tanh(z)
                               # tangent of: h = np.tanh(z)
                               th = tz * (1 - h * h)

The primal runs once, in order, so no stack is needed and control flow keeps its shape as is:
an ``if`` runs the tangents of the branch taken, a loop computes tangents iteration by
iteration, ``break`` leaves with them.

Which tangents hold a value is tracked statically, like the adjoints of ``reverse``: a value
computed from constants has no tangent (zero, and no code). Where paths join with different
tangents, the missing one is set to zeros (``zero_tangent``) on the path that lacks it; a
loop's tangents are made the same at its head on every iteration by a fixed point.

A variable given a constant inside a branch or loop gets its zero tangent right there, where it
surely exists (``tt = zero_tangent(t)``): a later join may not know whether it does.

>>> import numpy as np
>>> from tangentish.compiler import activity
>>> from tangentish.compiler.normalize import normalize_function
>>> from tangentish.compiler.nodes import unparse
>>> def f(x):
...     return np.sin(x) * x
>>> norm = normalize_function(f)
>>> tan = forward(norm, activity.analyze(norm, ["x"]), ["x"])
>>> print("\\n".join(unparse(s) for s in tan.body))
_t1 = np.sin(x)
'\\x00tg-comment\\x00tangent of: _t1 = np.sin(x)'
t_t1 = tx * np.cos(x)
y = _t1 * x
'\\x00tg-comment\\x00tangent of: y = _t1 * x'
ty = t_t1 * x + _t1 * tx
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import gast
import numpy as np

from tangentish.compiler.activity import _SEQUENCE_PRIMS, Activity
from tangentish.compiler.diagnostics import error_at
from tangentish.compiler.inline import inline_rule, keyword_operand
from tangentish.compiler.nodes import assign, call, load, unparse
from tangentish.compiler.normalize import Normalized
from tangentish.compiler.ops import Op, op_of, set_op, shape_only_arg
from tangentish.compiler.reverse import comment
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime import forward_helpers
from tangentish.runtime.rules import table
from tangentish.runtime.rules.shape import restack

__all__ = ["Tangent", "Forwarder", "forward"]


@dataclass
class Tangent:
    """The tangent function's body, ready for codegen to assemble into a def."""

    norm: Normalized
    #: primal and tangent statements, interleaved (without the final return)
    body: list[gast.stmt]
    #: per differentiated parameter, the name of its tangent parameter
    params: dict[str, str]
    #: the tangent of the result
    result: gast.expr
    #: variables with a tangent
    active: set[str] = field(default_factory=set)


def forward(norm: Normalized, act: Activity, wrt: list[str]) -> Tangent:
    return Forwarder(norm, act).run(wrt)


@dataclass
class _Loop:
    """The tangents live at a loop's head (the current guess) and those seen at its breaks."""

    entry: set[str]
    breaks: list[set[str]] = field(default_factory=list)


class Forwarder(gast.NodeTransformer):
    """Visits the normalized body in order; each visit returns the statements it becomes.

    ``live`` holds the variables whose tangent has a value, ``defined`` those certainly
    assigned (only those get zero tangents where paths join).
    """

    def __init__(self, norm: Normalized, act: Activity):
        self.norm, self.act = norm, act
        self.namer, self.ns = norm.namer, norm.namespace
        self.live: set[str] = set()
        self.defined: set[str] = set()
        self.loops: list[_Loop] = []
        self.depth = 0  # how many branches and loop bodies enclose the current statement
        self.built: set[str] = set()  # lists and tuples made by a display ([a, b])

    def t(self, name: str) -> str:
        return self.namer.tangent(name)

    def run(self, wrt: list[str]) -> Tangent:
        norm = self.norm
        self.defined = set(norm.params) | ({norm.vararg} - {None})
        self.live = {p for p in wrt if p in self.act.active or p == norm.result}
        body = self.block(norm.node.body[:-1])  # the final ``return result``
        if norm.result in self.live:
            result: gast.expr = load(self.t(norm.result))
        else:
            result = call(self.helper(forward_helpers.zero_tangent), [load(norm.result)])
        params = {p: self.t(p) for p in wrt}
        return Tangent(norm, body, params, result, set(self.act.active))

    def helper(self, fn) -> gast.expr:
        return load(self.ns.helper(fn))

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for s in stmts:
            new = self.visit(s)
            out.extend(new if isinstance(new, list) else [new])
        return out

    def zeros(self, names: set[str], defined: set[str]) -> list[gast.stmt]:
        """``tname = zero_tangent(name)`` for each of ``names`` that certainly exists.

        A variable that may not exist on this path needs nothing: its tangent is only ever
        read beside the variable itself, which would fail first.
        """
        return [assign(self.t(n), call(self.helper(forward_helpers.zero_tangent), [load(n)]))
                for n in sorted(names & defined)]

    # ------------------------------------------------------------ assignments

    def visit_Assign(self, s: gast.Assign) -> list[gast.stmt]:
        name = s.targets[0].id
        self.defined.add(name)
        op = op_of(s)
        value = None
        if name in self.act.active and op is not None:
            value = self.tangent_value(s, op)
        reads_old = value is not None and any(
            isinstance(n, gast.Name) and n.id == name for n in gast.walk(s.value))
        if value is None and name in self.act.active and self.depth:
            # A zero tangent in a branch or loop: written out here, where the variable surely
            # exists, since a later join may not know whether it does.
            value = call(self.helper(forward_helpers.zero_tangent), [load(name)])
        if value is None:
            self.live.discard(name)
            return [s]
        self.live.add(name)
        tangent = set_op(assign(self.t(name), value), Op("inert"), getattr(s, "tg_loc", None))
        tangent.tg_tangent = True  # for optimize: its comment goes when it goes
        tangent = gast.copy_location(tangent, s)
        if reads_old:
            # ``xs = [*xs, v]`` (generated code read again) overwrites an input of its own
            # tangent: the tangent must read the old ``xs``, so it goes first.
            return [comment("tangent of: " + unparse(s)), tangent, s]
        return [s, comment("tangent of: " + unparse(s)), tangent]

    def operand(self, a: gast.expr) -> gast.expr | None:
        """The tangent of an operand, or None when it has none (a constant, an inactive value)."""
        if isinstance(a, gast.Name) and a.id in self.live:
            return load(self.t(a.id))
        return None

    def dense(self, a: gast.expr) -> gast.expr:
        """The tangent of an operand, zeros where it has none (for building containers)."""
        t = self.operand(a)
        if t is not None:
            return t
        return call(self.helper(forward_helpers.zero_tangent), [copy.deepcopy(a)])

    def tangent_value(self, s: gast.Assign, op: Op) -> gast.expr | None:
        """The expression of the target's tangent, or None when it is zero."""
        kind = op.kind
        if kind == "copy":
            return self.operand(s.value)
        if kind == "call" and op.obj is helpers.index_set:  # generated code, read again
            kind, op = "index_set", Op("index_set", args=(op.args[0], op.args[2]),
                                       index=op.args[1])
        elif kind == "call" and op.obj is helpers.as_list:
            kind, op = "iter", Op("iter", args=op.args)
        elif kind == "call":
            return self.call_tangent(s, op)
        if kind == "getitem":
            tx = self.operand(s.value.value)
            if tx is None:
                return None
            return gast.Subscript(value=tx, slice=copy.deepcopy(s.value.slice), ctx=gast.Load())
        if not any(self.operand(a) is not None for a in op.args):
            return None
        if kind == "build":
            node = copy.deepcopy(s.value)
            if isinstance(node, gast.Dict):
                node.values = [self.dense(a) for a in op.args]
            else:
                node.elts = [self.dense(a) for a in op.args]
                self.built.add(s.targets[0].id)
            return node
        if kind == "append":
            xs, item = op.args
            return gast.List(elts=[gast.Starred(value=self.dense(xs), ctx=gast.Load()),
                                   self.dense(item)], ctx=gast.Load())
        if kind == "index_set":
            x, v = op.args
            return call(self.helper(helpers.index_set),
                        [self.dense(x), copy.deepcopy(op.index), self.dense(v)])
        if kind == "iter":
            return call(self.helper(helpers.as_list), [self.dense(op.args[0])])
        if kind == "opaque":
            self.opaque(s, op)
        return None

    def call_tangent(self, s: gast.Assign, op: Op) -> gast.expr | None:
        entry = table.lookup(op.obj)
        if entry is None or entry.nondiff:
            return None
        y = load(s.targets[0].id)
        positional = list(op.args)
        keywords = dict(op.keywords)
        terms: list[gast.expr] = []
        for i, a in enumerate(positional):
            ta = self.operand(a)
            if ta is None:
                continue
            if a.id in self.built and _takes_lists_as_arrays(op.obj):
                # np.multiply([a, b], c) takes the list as an array: so must its rule the
                # list of tangents (``[da, db] * c`` would be Python's list repetition)
                ta = call(self.helper(restack), [ta, load(a.id)])
            terms.append(self.rule_term(s, op, entry, i, [ta, y, *positional], keywords))
        for k, v in op.keywords:
            tv = self.operand(v)
            if tv is None:
                continue
            bound = keyword_operand(entry, positional, keywords, k)
            if bound is None:
                raise self.missing_rule(s, op, k)
            i, args, rest = bound
            terms.append(self.rule_term(s, op, entry, i, [tv, y, *args], rest))
        terms = [t for t in terms if t is not None]
        if not terms:
            return None
        total = terms[0]
        structured = (s.targets[0].id in self.act.structured | self.act.subscripted
                      or _runtime_helper(op.obj))
        for term in terms[1:]:
            if structured:  # containers and sparse adjoints: + would concatenate
                total = call(self.helper(helpers.add_grad), [total, term])
            else:
                total = gast.BinOp(left=total, op=gast.Add(), right=term)
        return total

    def rule_term(self, s, op, entry, i, args, keywords) -> gast.expr | None:
        rule = entry.jvp.get(i)
        if shape_only_arg(op.obj, entry, i, "jvp"):  # read only for its shape
            return None
        if rule is None:
            raise self.missing_rule(s, op, i)
        return inline_rule(rule, args, keywords, self.ns)

    def missing_rule(self, s: gast.Assign, op: Op, arg: int | str) -> Exception:
        name = table._qualname(op.obj)
        return error_at(getattr(s, "tg_loc", None),
                        f"tangentish cannot differentiate argument {arg} of {name} in forward "
                        f"mode: it has no JVP rule (register one with tg.defjvp({name}, ...))")

    def opaque(self, s: gast.Assign, op: Op) -> None:
        if op.index is not None:  # a user function normalize could not inline: say why
            raise op.index
        what = op.obj if isinstance(op.obj, str) else table._qualname(op.obj)
        raise error_at(getattr(s, "tg_loc", None),
                       f"tangentish cannot differentiate a call to {what}: it has no "
                       "derivative rule and no Python source")

    # ------------------------------------------------------------ control flow

    def visit_If(self, s: gast.If) -> list[gast.stmt]:
        live, defined = set(self.live), set(self.defined)
        self.depth += 1
        body = self.block(s.body)
        paths = [(body, self.live, self.defined)]
        self.live, self.defined = set(live), set(defined)
        orelse = self.block(s.orelse)
        self.depth -= 1
        paths.append((orelse, self.live, self.defined))
        # A branch that ends in break leaves the loop (its tangents were made the loop's
        # there): only the branches that fall through meet after the if.
        through = [p for p in paths if not _exits(p[0])] or paths
        joined = set().union(*(p[1] for p in through))
        for block, live_there, defined_there in through:
            block.extend(self.zeros(joined - live_there, defined_there))
        self.live = joined
        self.defined = set.intersection(*(p[2] for p in through))
        node = gast.If(test=s.test, body=body, orelse=orelse)
        return [gast.copy_location(node, s)]

    def visit_Break(self, s: gast.Break) -> list[gast.stmt]:
        loop = self.loops[-1]
        loop.breaks.append(set(self.live))
        out = self.zeros(loop.entry - self.live, self.defined)
        self.live = set(loop.entry)  # what the loop's exit sees from here
        return out + [s]

    def loop(self, s: gast.For | gast.While) -> list[gast.stmt]:
        before, defined = set(self.live), set(self.defined)
        inside = defined | ({s.target.id} if isinstance(s, gast.For) else set())
        # Grow the tangents live at the head until one pass of the body (and every break)
        # stays inside them; the last pass is built against that final set.
        entry = set(before)
        while True:
            loop = _Loop(set(entry))
            self.loops.append(loop)
            self.live, self.defined = set(entry), set(inside)
            self.depth += 1
            body = self.block(s.body)
            self.depth -= 1
            self.loops.pop()
            ends = set() if _exits(body) else self.live
            out = ends.union(*loop.breaks)
            if out <= entry:
                break
            entry |= out
        if not _exits(body):
            body.extend(self.zeros(entry - self.live, self.defined))
        pre = self.zeros(entry - before, defined)
        self.live, self.defined = entry, defined  # the loop may run zero times
        if isinstance(s, gast.For):
            node = gast.For(target=s.target, iter=s.iter, body=body, orelse=[],
                            type_comment=None)
        else:
            node = gast.While(test=s.test, body=body, orelse=[])
        return pre + [gast.copy_location(node, s)]

    visit_For = loop
    visit_While = loop

    def generic_visit(self, node):
        return node  # pass-through statements (print, assert, raise) have no tangent


def _exits(block: list[gast.stmt]) -> bool:
    """Does ``block`` always end in a break (jumps are last in their branch after normalize)?"""
    if not block:
        return False
    last = block[-1]
    if isinstance(last, gast.Break):
        return True
    return isinstance(last, gast.If) and _exits(last.body) and _exits(last.orelse)


def _takes_lists_as_arrays(obj) -> bool:
    """A NumPy function (or ufunc method) that converts a list argument to an array, unlike
    the joins (np.stack) and user rules, which may take lists of arrays of any shapes."""
    if obj in _SEQUENCE_PRIMS:
        return False
    module = getattr(obj, "__module__", None) or ""
    return isinstance(obj, np.ufunc) or isinstance(getattr(obj, "__self__", None), np.ufunc) \
        or module == "numpy" or module.startswith("numpy.")


def _runtime_helper(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith("tangentish.runtime")
