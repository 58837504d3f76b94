"""Pass 7, codegen: assemble the sweeps into a def, print it, compile it, register its source.

Three shapes of generated function, one per API:

* ``grad``: ``def df(x, w, dy=1.0)`` runs both sweeps and returns the gradients;
* ``value_and_grad``: the same, returning ``(y, gradients)``;
* ``vjp``: ``def f_vjp(x, w)`` runs the primal sweep and returns ``(y, pullback)``, where the
  nested ``pullback(dy)`` runs the adjoint sweep on the values it captured (as default
  arguments, so it can be called any number of times);
* ``adjoint``: ``grad`` for any result (no scalar check, a tuple of gradients), what a
  checkpointed call runs in the adjoint sweep (``callsite``);
* ``jvp`` (forward mode, ``generate_jvp``): ``def f_jvp(x, w, tx, tw)`` runs the primal with
  the tangents beside it and returns ``(y, ty)``. The tangent parameters are keyword-only when
  the user's parameters have defaults, ``*args`` or keyword-only parameters.

The source is registered with ``linecache`` under a ``<tangentish ...>`` file name, so
tracebacks and pdb show generated lines.
"""

from __future__ import annotations

import itertools
import linecache
import re
from typing import Any

import gast

from tangentish.compiler.activity import assignments
from tangentish.compiler.nodes import assign, call, const, load, names_in, statements, unparse
from tangentish.compiler.reverse import COMMENT, Adjoint, is_comment
from tangentish.runtime import adjoint_helpers as helpers

__all__ = ["generate", "generate_jvp", "compile_function", "FORMS"]

FORMS = ("grad", "value_and_grad", "vjp", "jvp", "adjoint")
_counter = itertools.count(1)


def _args(adj: Adjoint, extra: list[str]) -> gast.arguments:
    """The user's parameters (defaults evaluated), plus ``extra`` with default 1.0."""
    norm = adj.norm
    src = norm.node.args
    fn = norm.parsed.fn
    positional = src.posonlyargs + src.args
    defaults = list(fn.__defaults__ or ())
    kwdefaults = dict(fn.__kwdefaults__ or {})

    def value(v: Any, hint: str) -> gast.expr:
        if v is None or isinstance(v, (bool, int, float, str)):
            return const(v)
        return load(norm.namespace.ref(v, hint))

    default_nodes = [value(v, p.id) for p, v in
                     zip(positional[len(positional) - len(defaults):], defaults)]
    kwonly = [gast.Name(id=a.id, ctx=gast.Param(), annotation=None, type_comment=None)
              for a in src.kwonlyargs]
    kw_defaults = [value(kwdefaults[a.id], a.id) if a.id in kwdefaults else None
                   for a in src.kwonlyargs]
    args = [gast.Name(id=a.id, ctx=gast.Param(), annotation=None, type_comment=None)
            for a in positional]
    vararg = (gast.Name(id=src.vararg.id, ctx=gast.Param(), annotation=None, type_comment=None)
              if src.vararg is not None else None)
    extra_nodes = [gast.Name(id=e, ctx=gast.Param(), annotation=None, type_comment=None)
                   for e in extra]
    if vararg is not None or kwonly:
        kwonly += extra_nodes
        kw_defaults += [const(1.0)] * len(extra)
    else:
        if extra and not default_nodes and args:
            pass
        args += extra_nodes
        default_nodes += [const(1.0)] * len(extra)
    return gast.arguments(args=args, posonlyargs=[], vararg=vararg, kwonlyargs=kwonly,
                          kw_defaults=kw_defaults, kwarg=None, defaults=default_nodes)


def _fill(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """Python needs a statement in every block: ``pass`` where a sweep left one empty."""
    for s in stmts:
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                _fill(getattr(s, field))
        if isinstance(s, gast.If) and not s.body:
            if s.orelse:  # if c: pass / else: ...  reads better as  if not c: ...
                s.test = gast.UnaryOp(op=gast.Not(), operand=s.test)
                s.body, s.orelse = s.orelse, []
            else:
                s.body = [gast.Pass()]
        elif isinstance(s, (gast.For, gast.While)) and not s.body:
            s.body = [gast.Pass()]
    return stmts or [gast.Pass()]


def _grads_value(adj: Adjoint, wrt: list[str], single: bool) -> gast.expr:
    values = [adj.grads[p] for p in wrt]
    if single:
        return values[0]
    return gast.Tuple(elts=values, ctx=gast.Load())


def _prologue(adj: Adjoint) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    for name in adj.preset:
        out.append(assign(name, const(None)))
    if adj.stack is not None:
        out.append(assign(adj.stack, gast.List(elts=[], ctx=gast.Load())))
    return out


def generate(adj: Adjoint, form: str, wrt: list[str], single: bool) -> gast.FunctionDef:
    """The generated function's tree for ``form`` (one of FORMS)."""
    norm = adj.norm
    ns, namer = norm.namespace, norm.namer
    base = norm.node.name if norm.node.name.isidentifier() else "f"
    result = load(norm.result)
    body: list[gast.stmt] = [gast.Expr(value=const(COMMENT + "primal"))]
    if form == "vjp":
        # The pullback's default arguments must exist even on paths that never bound them.
        bound = set(norm.params) | {adj.stack} | {s.targets[0].id for s in adj.primal
                                                  if isinstance(s, gast.Assign)}
        adj.preset = sorted(set(adj.preset) | (set(_captured(adj)) - bound))
    else:
        adj.preset = sorted(set(adj.preset) | _unbound_on_some_path(adj))
    body += _prologue(adj) + adj.primal
    if form in ("grad", "value_and_grad") and not adj.result_is_scalar:
        body.append(gast.Expr(value=call(load(ns.helper(helpers.check_scalar)),
                                         [result, const(base)])))
    if form == "grad" and all(is_comment(s) for s in body[1:]):
        body = body[1:]  # a gradient that needs nothing of the primal (``np.sum(x * x)``)
    if form == "vjp":
        captured = _captured(adj)
        inner_args = gast.arguments(
            args=[gast.Name(id=n, ctx=gast.Param(), annotation=None, type_comment=None)
                  for n in [adj.seed, *captured]],
            posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
            defaults=[load(n) for n in captured])
        inner_body: list[gast.stmt] = []
        if adj.stack is not None:
            # popping must not consume the captured stack: the pullback may be called again
            inner_body.append(assign(adj.stack, call(load(ns.ref(list, "list")),
                                                     [load(adj.stack)])))
        inner_body += adj.adjoint
        inner_body.append(gast.Return(value=gast.Tuple(
            elts=[adj.grads[p] for p in wrt], ctx=gast.Load())))
        pullback = namer.fresh("pullback")
        body.append(gast.FunctionDef(name=pullback, args=inner_args, body=_fill(inner_body),
                                     decorator_list=[], returns=None, type_comment=None,
                                     type_params=[]))
        body.append(gast.Return(value=gast.Tuple(elts=[result, load(pullback)],
                                                 ctx=gast.Load())))
        name = namer.fresh(base + "_vjp")
        args = _args(adj, [])
    else:
        restored = set()
        for s in adj.adjoint:
            restored |= names_in(s, gast.Store)
        if form == "value_and_grad" and norm.result in restored:
            # the adjoint sweep pops the result's old values back: keep the value first
            value = namer.fresh("value")
            body.append(assign(value, result))
            result = load(value)
        body += adj.adjoint
        grads = _grads_value(adj, wrt, single)
        if form == "value_and_grad":
            grads = gast.Tuple(elts=[result, grads], ctx=gast.Load())
        body.append(gast.Return(value=grads))
        name = namer.fresh(base + "_value_and_grad" if form == "value_and_grad" else "d" + base)
        args = _args(adj, [adj.seed])
    fdef = gast.FunctionDef(name=name, args=args, body=_fill(body), decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    return fdef


def generate_jvp(tan: Any) -> gast.FunctionDef:
    """The tree of ``def f_jvp(x, ..., tx, ...)`` for a ``forward.Tangent``."""
    norm = tan.norm
    base = norm.node.name if norm.node.name.isidentifier() else "f"
    args = _args(tan, [])
    tangents = [gast.Name(id=t, ctx=gast.Param(), annotation=None, type_comment=None)
                for t in tan.params.values()]
    if args.defaults or args.vararg is not None or args.kwonlyargs:
        args.kwonlyargs += tangents
        args.kw_defaults += [None] * len(tangents)
    else:
        args.args += tangents
    body = tan.body + [gast.Return(value=gast.Tuple(elts=[load(norm.result), tan.result],
                                                    ctx=gast.Load()))]
    return gast.FunctionDef(name=norm.namer.fresh(base + "_jvp"), args=args, body=_fill(body),
                            decorator_list=[], returns=None, type_comment=None, type_params=[])


def _unbound_on_some_path(adj: Adjoint) -> set[str]:
    """Names the primal binds only inside an ``if`` or a loop that top-level adjoint code reads
    (``dm = zero_grad(m)`` before a reverse loop that may run no step): preset to None, so the
    path that never bound them does not raise ``UnboundLocalError`` where nothing needs them."""
    norm = adj.norm
    top = set(norm.params) | {adj.stack} | set(adj.preset)
    for s in adj.primal:
        top |= names_in(s, gast.Store) if not isinstance(s, (gast.If, gast.For, gast.While)) \
            else set()
    nested = {n for s in adj.primal if isinstance(s, (gast.If, gast.For, gast.While))
              for n in names_in(s, gast.Store)} - top
    if not nested:
        return set()
    reads: set[str] = set()
    for s in adj.adjoint:
        if isinstance(s, (gast.If, gast.While)):
            reads |= names_in(s.test)
        elif isinstance(s, gast.For):
            reads |= names_in(s.iter)
        else:
            reads |= names_in(s)
    for g in adj.grads.values():
        reads |= names_in(g)
    return nested & reads


def _captured(adj: Adjoint) -> list[str]:
    """Primal values the pullback assigns and also reads first: passed as default arguments.

    Everything else the pullback reads is a plain closure read, looked up when (and only if)
    it runs, so a value the primal defined on one path only is never touched on the other.
    """
    norm = adj.norm
    defined = set(norm.params) | set(adj.preset)
    if norm.vararg:
        defined.add(norm.vararg)
    for s in assignments(adj.primal):
        defined.add(s.targets[0].id)
    for node in statements(adj.primal):
        if isinstance(node, gast.For):
            defined.add(node.target.id)
    if adj.stack is not None:
        defined.add(adj.stack)
    assigned: set[str] = set()
    for s in adj.adjoint:
        assigned |= names_in(s, gast.Store)
    loads = _loads_outside_own_loop(adj.adjoint)
    for g in adj.grads.values():
        loads |= names_in(g)
    names = (assigned & loads & defined) - {adj.seed}
    if adj.stack is not None:
        names.add(adj.stack)
    return sorted(names)


def _loads_outside_own_loop(stmts: list[gast.stmt], bound: frozenset = frozenset()) -> set[str]:
    """Names loaded, except a reverse loop's variable inside that loop (it sets them)."""
    out: set[str] = set()
    for s in stmts:
        if isinstance(s, gast.For):
            out |= names_in(s.iter) - bound
            out |= _loads_outside_own_loop(s.body, bound | {s.target.id})
        elif isinstance(s, (gast.If, gast.While)):
            out |= names_in(s.test) - bound
            out |= _loads_outside_own_loop(s.body, bound)
            out |= _loads_outside_own_loop(s.orelse, bound)
        else:
            out |= names_in(s) - bound
    return out


def to_source(fdef: gast.FunctionDef) -> str:
    """Source text of a generated def, comment markers turned into comment lines."""
    text = unparse(gast.Module(body=[fdef], type_ignores=[]))
    out = []
    for line in text.splitlines():
        match = _COMMENT_LINE.match(line)
        if match:
            out.append(f"{match.group(1)}# {_unescape(match.group(3))}")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


_COMMENT_LINE = re.compile(r"""^(\s*)('|"|\'\'\'|\"\"\")\\x00tg-comment\\x00(.*)\2$""")


def _unescape(text: str) -> str:
    return re.sub(r"\\(['\\])", r"\1", text)


def compile_function(source: str, name: str, namespace: dict[str, Any], label: str) -> Any:
    """Compile generated source, register it with linecache, and return the function."""
    filename = f"<tangentish {label} #{next(_counter)}>"
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    code = compile(source, filename, "exec")
    scope = dict(namespace)
    exec(code, scope)  # noqa: S102  (the generated source, shown to the user by tg.source)
    fn = scope[name]
    fn.__tangentish_source__ = source
    return fn
