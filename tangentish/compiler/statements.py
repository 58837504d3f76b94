"""Normalizing statements (part of normalize): assignments, branches, loops, jumps.

Assignment forms become one target each (``a, b = b, a`` through temporaries, ``x[i] = v`` as
``x = index_set(x, i, v)``, ``xs.append(v)`` as ``xs = [*xs, v]``); ``if`` tests get a name; every
``for`` becomes a loop over ``range`` (sequences through ``as_list``, ``enumerate``, ``zip``,
``reversed``, ``d.items()``); comprehensions become loops; a ``return`` inside a loop sets a flag
and breaks; ``jumps.absorb`` then makes every jump the last statement of its branch.
"""

from __future__ import annotations

import builtins

import gast

from tangentish.compiler import jumps
from tangentish.compiler.calls import mutation
from tangentish.compiler.nodes import (
    assign,
    attr,
    call,
    clone,
    const,
    generated,
    gload,
    names_in,
    store,
    unparse,
)
from tangentish.compiler.ops import Op, set_op
from tangentish.compiler.resolve import UNRESOLVED, kind_of
from tangentish.runtime import adjoint_helpers as helpers
from tangentish.runtime.shared_writes import check_unshared

__all__ = ["StatementsMixin"]

#: values that are new objects, never a view of an array (arithmetic, constants)
_FRESH = (gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare)


def _base(target: gast.expr) -> str | None:
    """The name a subscript store writes into (``y`` for ``y[0]`` or ``y[0][1]``)."""
    if not isinstance(target, gast.Subscript):
        return None
    while isinstance(target, (gast.Subscript, gast.Attribute)):
        target = target.value
    return target.id if isinstance(target, gast.Name) else None


class StatementsMixin:
    """The statement-handling half of ``normalize._Function``."""


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

    def stmt_Delete(self, s, out):
        # ``del name`` only frees memory early (generated gradients do it): nothing to transform
        if not all(isinstance(t, gast.Name) for t in s.targets):
            raise self.fail(s, "tangentish cannot transform a del of an item or an attribute")

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
            func = v.func
            changed = mutation(v, self.resolve(func.value) if isinstance(
                func, gast.Attribute) and func.attr == "at" else obj)
            if changed is not None:  # y.fill(0.0), np.put(y, i, v), np.add.at(y, i, v)
                raise self.fail(v, f"tangentish cannot transform {changed}; assign a new "
                                   "value instead")
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
        self.check_shared(s, out)
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
        self.check_shared(s, out)
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

    def check_shared(self, s, out):
        """``check_unshared(a, (y,), ...)`` before a write that shares memory with a name read
        later if its values are arrays (``compiler/aliasing.py``): known only at run time."""
        guards = self.parsed.extra.get("shared_updates", {}).get((s.lineno, s.col_offset), ())
        for root, names, where, update in guards:
            self.emit_check(self.name(root, s), [self.name(n, s) for n in names], where,
                            update, out, s)

    def emit_check(self, value, others, where, update, out, s):
        others = gast.Tuple(elts=others, ctx=gast.Load())
        check = call(gload(self.ctx.ns.helper(check_unshared)),
                     [value, others, const(where)] + ([const(update)] if update else []))
        out.append(set_op(gast.copy_location(gast.Expr(value=check), s), Op("inert"),
                          self.where(s)))

    def stmt_AugAssign(self, s, out):
        self.check_shared(s, out)
        load_target = clone(s.target)
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
        elif isinstance(target, gast.Subscript) and isinstance(target.value, gast.Subscript):
            # x[i][j] = v: inner = x[i]; inner[j] = v; x[i] = inner
            inner = self.ctx.namer.temp()
            self.into(clone(target.value), inner, out)
            self.assign_to(gast.Subscript(value=gload(inner), slice=target.slice,
                                          ctx=gast.Store()), value, out, s)
            self.assign_to(target.value, gload(inner), out, s)
        elif isinstance(target, gast.Subscript):
            base = target.value
            if isinstance(base, gast.Name) and generated(base):  # a temporary made above
                x = base
                idx = self.index(target.slice, out)
                v = self.atom(value, out)
                ref = gload(self.ctx.ns.helper(helpers.index_set))
                idx = self.index_value(idx)
                self.emit(out, x.id, call(ref, [x, idx, v]),
                          Op("index_set", args=(x, v), index=idx), s)
                return
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
            bases = [_base(t) for t in target.elts]
            temps = []
            for k, v in enumerate(value.elts):
                # y[0], y[1] = y[1], y[0]: a value that may be a view (a row of y, or a name for
                # one) must not share memory with an array another part writes (NumPy would
                # read the write); the functional code reads it before (C22)
                others = [b for j, b in enumerate(bases) if b and j != k and (
                    j < k or not bases[k])] if not isinstance(v, _FRESH) else []
                if names_in(v) & stored or others:
                    t = self.ctx.namer.temp()
                    self.into(v, t, out)
                    temps.append(gload(t))
                    where = f"{unparse(target)} = {unparse(value)} (line {s.lineno})"
                    for b in dict.fromkeys(others):  # (a list's slots are not its items)
                        self.emit_check(self.name(b, s), [gload(t)], where, None, out, s)
                else:
                    temps.append(v)
            for t, v in zip(target.elts, temps):
                self.assign_to(t, v, out, s)
            return
        whole = self.atom(value, out)
        if not isinstance(whole, gast.Name):
            raise self.fail(value, "tangentish cannot unpack a constant")
        items = [gast.copy_location(gast.Subscript(value=clone(whole), slice=const(i),
                                                   ctx=gast.Load()), s)
                 for i in range(len(target.elts))]
        bases = [_base(t) for t in target.elts]
        if any(bases) and not isinstance(value, _FRESH):
            for t, item in zip(target.elts, self._unshared_items(target, value, items, bases,
                                                                  out, s)):
                self.assign_to(t, item, out, s)
            return
        for t, item in zip(target.elts, items):
            self._assign_item(t, item, out, s)

    def _unshared_items(self, target, value, items, bases, out, s):
        """X[0], X[1] = X[::-1]: Python takes every item out first, and NumPy's items are views
        (rows) that see the stores before theirs, so both rows end up the old X[1]; the
        functional code reads them all before. An item that may share memory with an array
        another part writes gets ``check_unshared`` (the call then runs on the tape), as in the
        tuple form above (C22); the checks come before any store, which rebinds the name."""
        temps = []
        for item in items:
            t = self.ctx.namer.temp()
            self.emit(out, t, item, Op("getitem", index=item.slice), s)
            temps.append(gload(t))
        where = f"{unparse(target)} = {unparse(value)} (line {s.lineno})"
        for k, t in enumerate(temps):
            others = [b for j, b in enumerate(bases) if b and j != k and (j < k or not bases[k])]
            for b in dict.fromkeys(others):
                self.emit_check(self.name(b, s), [clone(t)], where, None, out, s)
        return temps

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
        if any(isinstance(c, gast.Call) and isinstance(c.func, gast.Name)
               and c.func.id in self.local_fns_all() for c in gast.walk(s.test)):
            # The test calls a local function, inlined as statements: they must run before
            # every trip, so ``while t: body`` becomes ``while True: if not t: break; body``.
            guard = gast.If(test=gast.UnaryOp(op=gast.Not(), operand=s.test),
                            body=[gast.copy_location(gast.Break(), s)], orelse=[])
            loop = gast.While(test=gast.Constant(value=True, kind=None),
                              body=[gast.copy_location(guard, s)] + s.body, orelse=s.orelse)
            return self.stmt_While(gast.copy_location(loop, s), out)
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
                first, *others = self._counter_targets
                counter = self.loop_var(first, setup, s)
                for t in others:  # enumerate(enumerate(x)): each index is the counter
                    self.assign_to(t, gload(counter), setup, s)
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
                    gast.Subscript(value=clone(seq), slice=gload(counter),
                                   ctx=gast.Load()), s)
                if isinstance(t, tuple):  # for k, v in d.items(): k = keys[i]; v = d[k]
                    _, d, key_t, value_t = t
                    self._assign_item(key_t, item, setup, s)
                    key = self.name(key_t.id, key_t) if isinstance(key_t, gast.Name) else None
                    if key is None:
                        raise self.fail(key_t, "tangentish needs a plain name for a dict key")
                    value = gast.copy_location(gast.Subscript(value=clone(d), slice=key,
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
        """(sequence atom, is-dict-keys) per parallel iterable, and the target each binds; a
        leading None target stands for the loop counter's targets (``enumerate``'s index),
        listed in ``self._counter_targets``."""
        self._counter_targets: list = []
        seqs, targets = self._parallel(s.iter, s.target, out, s)
        if self._counter_targets:
            return seqs, [None, *targets]
        return seqs, targets

    def _parallel(self, it: gast.expr, target: gast.expr, out: list,
                  s: gast.AST) -> tuple[list, list]:
        """The sequences ``it`` walks in step and the target each item binds: ``zip`` and
        ``enumerate`` nest (``for i, (w, v) in enumerate(zip(ws, x))``), so each level adds
        its sequences or the counter; ``reversed`` and ``.items()`` are one sequence each."""
        callee = self.resolve(it.func) if isinstance(it, gast.Call) else UNRESOLVED
        if callee is builtins.enumerate and len(it.args) == 1 and not it.keywords:
            if not (isinstance(target, gast.Tuple) and len(target.elts) == 2):
                raise self.fail(target, "tangentish needs 'for i, x in enumerate(...)'")
            self._counter_targets.append(target.elts[0])
            return self._parallel(it.args[0], target.elts[1], out, s)
        if callee is builtins.reversed and len(it.args) == 1 and not it.keywords:
            seq = self.as_list(it.args[0], out, s)
            backwards = self.ctx.namer.synthetic("backwards")
            ref = gload(self.ctx.ns.helper(helpers.reversed_list))
            self.emit(out, backwards, call(ref, [seq]), Op("call", helpers.reversed_list, (seq,)),
                      s)
            return [(gload(backwards), False)], [target]
        if callee is builtins.zip and not it.keywords:
            if not (isinstance(target, gast.Tuple) and len(target.elts) == len(it.args)):
                raise self.fail(target, "tangentish needs one loop target per zipped sequence")
            seqs: list = []
            targets: list = []
            for a, t in zip(it.args, target.elts):
                more, bound = self._parallel(a, t, out, s)
                seqs += more
                targets += bound
            return seqs, targets
        if (isinstance(it, gast.Call) and isinstance(it.func, gast.Attribute)
                and it.func.attr == "items" and not it.args):
            d = self.atom(it.func.value, out)
            keys = self.ctx.namer.synthetic("keys")
            ref = gload(self.ctx.ns.helper(helpers.keys_of))
            self.emit(out, keys, call(ref, [d]), Op("inert"), s)
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

