"""The compiler as one list of passes: parse -> resolve -> normalize -> activity -> reverse ->
optimize -> codegen. ``compile_gradient`` runs them; ``cache`` remembers the result.

Each pass is a module with one job and a docstring example:

1. ``parse``: source -> gast FunctionDef with the file's line numbers;
2. ``resolve``: free names -> objects (closures, globals, builtins);
3. ``normalize``: one primitive per statement (with ``statements``, ``calls``, ``jumps``,
   ``ssa``, ``hoist``), user functions inlined, jumps structured;
4. ``activity``: which variables need an adjoint (and, for Python-number arguments, which
   hold scalars); before it ``cse`` computes repeated values once, after it ``shift`` takes
   the shift of a stable logsumexp out of the active set;
5. ``reverse``: the primal and adjoint sweeps (rules inlined by ``inline``);
6. ``optimize``: unused stack pushes, dead code and single-use temporaries removed, subscript
   adjoints accumulated in place; then ``defer`` (a loop's matrix-product adjoints formed
   once after it), ``transposes`` (a loop-fixed matrix transposed once before it), ``fuse``
   (elementwise temporaries folded back into their reader, with ``scale``), ``comments``
   (each ``# grad of:`` quotes the primal line as it finally reads) and ``release``
   (``del`` after an array's last read);
7. ``codegen``: the def for grad / value_and_grad / vjp, compiled, source in linecache.

Forward mode (``form="jvp"``) runs ``forward`` instead of ``reverse``, then ``optimize`` and
``codegen`` the same way. Both sweeps run through ``callsite``, whose subclasses give a pullback
to helpers left to the tape and to ``tg.checkpoint`` calls; with ``checkpoint=True``,
``outline`` turns loop bodies into checkpointed functions between parse and normalize.

Issue 5 (forward mode, higher order) plugs in beside ``reverse``: ``front_end`` gives the
normalized function and its Scope-resolved namespace; ``inline.inline_rule`` inlines JVP rules
the same way VJP rules are inlined; generated functions are ordinary Python, so
``compile_gradient`` accepts them again (their source is in linecache and in
``fn.__tangentish_source__``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tangentish import custom
from tangentish.compiler import (
    activity,
    callsite,
    codegen,
    comments,
    cse,
    defer,
    fuse,
    inplace,
    optimize,
    outline,
    release,
    shapes,
    shift,
    transposes,
)
from tangentish.compiler.diagnostics import error_at
from tangentish.compiler.normalize import Normalized, normalize
from tangentish.compiler.parse import parse
from tangentish.compiler.resolve import Scope, kind_of
from tangentish.compiler.seeds import reduced_seeds

__all__ = ["WrtError", "PASSES", "Options", "Compiled", "front_end", "resolve_wrt",
           "compile_gradient"]

PASSES = ("parse", "resolve", "normalize", "activity", "reverse", "optimize", "codegen")


class WrtError(ValueError):
    """``wrt`` names no parameter of the function (a usage error, not a transform failure)."""


@dataclass(frozen=True)
class Options:
    optimize: bool = True
    verbose: int = 0
    #: keep untransformable user calls as calls for ``Reverser.opaque_call`` (issue 5)
    call_site_fallback: bool = False
    #: ``tg.grad(checkpoint=True)``: loop bodies outlined and checkpointed (``outline``)
    checkpoint: bool = False
    #: parameters that are Python numbers in this specialisation (``math``, no unbroadcast)
    scalars: tuple[str, ...] = ()
    #: (parameter, symbolic shape) in code specialised to a shape pattern (``shapes``)
    shapes: tuple[tuple[str, Any], ...] = ()
    #: in such code, private adjoints are accumulated by ``+=`` statements rather than
    #: ``add_into`` calls (``inplace.augment_statements``); off for code that then raised
    augment: bool = True


@dataclass
class Compiled:
    """A generated function and what the API needs to call it."""

    function: Callable[..., Any]
    source: str
    #: parameter names differentiated, in the order gradients are returned
    wrt: list[str]
    #: True when the user asked for one gradient (not a tuple)
    single: bool
    #: a bound method's self, passed as the first argument
    bound_self: Any = None
    has_self: bool = False
    #: globals and closure cells read at compile time (``resolve.still_valid`` checks them)
    reads: list = field(default_factory=list)
    #: the differentiated function, kept alive so the ids in the cache key stay its own
    origin: Any = None
    #: compiled for ``Options.shapes`` and relying on them: run it on that pattern only
    shape_keyed: bool = False
    #: accumulates with ``+=`` (a complex or wider contribution raises: rerun ``options``
    #: with ``augment=False``)
    augmented: bool = False
    options: Any = None


def front_end(fn: Callable[..., Any], call_site_fallback: bool = False,
              checkpoint: bool = False) -> Normalized:
    """Passes 1-3: parse, resolve and normalize ``fn`` (``checkpoint``: outline its loops)."""
    if kind_of(fn) == "rule":  # tg.grad of a function with its own rules: differentiate a call
        fn = custom.calling(fn)
    parsed = parse(fn)
    scope = Scope(parsed)
    if checkpoint:
        outline.checkpoint_loops(parsed, scope)
    return normalize(parsed, scope, call_site_fallback)


def resolve_wrt(norm: Normalized, wrt: Any, form: str) -> tuple[list[str], bool]:
    """``wrt`` (positions and/or names) as parameter names; True for a single gradient.

    A position past the named ones, in a function with ``*args``, is ``"args[k]"``.
    """
    offset = 1 if norm.parsed.has_self else 0
    a = norm.node.args
    positional = [p.id for p in a.posonlyargs + a.args][offset:]
    if form == "vjp":  # every argument; ``*args`` as one spread entry, ``"*args"``
        return positional + [f"*{norm.vararg}"] * (norm.vararg is not None), False
    names_ok = set(positional) | {p.id for p in a.kwonlyargs} | ({norm.vararg} - {None})
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise WrtError("wrt=() asks for no gradient; name at least one argument")
    names = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise WrtError(f"wrt must be a position or a parameter name, not {w!r}")
        if isinstance(w, int):
            if 0 <= w < len(positional) or (w < 0 and -len(positional) <= w):
                names.append(positional[w])
            elif w >= len(positional) and norm.vararg is not None:
                names.append(f"{norm.vararg}[{w - len(positional)}]")
            else:
                raise WrtError(f"wrt={w} is out of range for {norm.parsed.name}, which takes "
                               f"{len(positional)} argument(s) by position")
        elif w in names_ok:
            names.append(w)
        else:
            raise WrtError(f"wrt={w!r}: {norm.parsed.name} has no parameter named {w!r}")
    return names, single


def _vararg_items(adj: Any, names: list[str]) -> None:
    """``args[k]`` gradients: element k of the gradient of the ``*args`` tuple; ``*args`` (a
    pullback's): the whole gradient, completed to the tuple's length and spread, one entry per
    argument the call passed there (a pullback is compiled once for any number of them)."""
    import gast

    from tangentish.compiler.nodes import call, const, load
    from tangentish.runtime import adjoint_helpers as helpers

    for name in names:
        if name.startswith("*"):
            base = name[1:]
            ref = adj.norm.namespace.helper(helpers.complete_grad)
            g = adj.grads[base]
            if not (isinstance(g, gast.Call) and isinstance(g.func, gast.Name)
                    and g.func.id == ref):  # reverse.run completes it in the general code
                g = call(load(ref), [g, load(base)])
            adj.grads[name] = gast.Starred(value=g, ctx=gast.Load())
        elif name.endswith("]") and "[" in name:
            base, k = name[:-1].split("[")
            ref = load(adj.norm.namespace.helper(helpers.item_grad))
            adj.grads[name] = call(ref, [adj.grads[base], load(base), const(int(k))])


def _no_vararg_items(norm: Normalized, names: list[str]) -> None:
    """Forward mode has no tangent for elements of ``*args`` (the tuple's tangent is never
    built from them): refuse, so the tape computes it, rather than return zero tangents."""
    items = [n for n in names if "[" in n]
    if items:
        vararg = norm.parsed.node.args.vararg
        raise error_at(norm.parsed.where(vararg or norm.parsed.node),
                       f"tangentish cannot push tangents through elements of *{norm.vararg} "
                       f"({', '.join(items)}) in forward mode (tg.jvp, tg.hvp, tg.hessian, "
                       "tg.jacobian(mode='forward')); name the parameters instead")


def compile_gradient(fn: Callable[..., Any], wrt: Any, form: str, options: Options) -> Compiled:
    """Run every pass on ``fn`` and return the generated function of ``form``."""
    norm = front_end(fn, options.call_site_fallback, options.checkpoint)
    names, single = resolve_wrt(norm, wrt, form)
    if options.optimize:
        cse.eliminate(norm)
    params = list(dict.fromkeys(n.split("[")[0].lstrip("*") for n in names))  # args[k], *args
    seeds = params
    if form == "vjp" and isinstance(wrt, tuple):  # integer arguments get zeros, no adjoint
        named = [n for n in names if not n.startswith("*")]
        seeds = list(dict.fromkeys(  # positions past the named parameters are in ``*args``
            named[i] if i < len(named) else norm.vararg for i in wrt))
    act = activity.analyze(norm, seeds)
    if options.optimize:
        shift.drop_shifts(norm, act)
    shape_keyed = augmented = False
    if form == "jvp":
        _no_vararg_items(norm, names)
        tan = callsite.forward(norm, act, names)
        if options.optimize:
            tan = optimize.optimize_tangent(tan)
        fdef = codegen.generate_jvp(tan)
    else:
        scalars = activity.scalar_vars(norm, set(options.scalars)) if options.scalars else set()
        known = shapes.infer(norm, dict(options.shapes)) if options.shapes else None
        adj = callsite.reverse(norm, act, params, scalars, known)
        shape_keyed = adj.shape_keyed
        _vararg_items(adj, names)
        if options.optimize:
            adj = optimize.optimize(adj)
            defer.defer_products(adj)
            transposes.hoist_transposes(adj)
            comments.requote(adj, fuse.fuse(adj))
            if adj.shapes and form != "vjp":  # a gradient's seed is a number
                shape_keyed |= reduced_seeds(adj, adj.shapes, adj.shapes.get(norm.result))
            if form == "grad" and adj.result_is_scalar:
                optimize.drop_unread_result(adj)
            if form != "vjp":  # a pullback keeps what it reads
                release.release(adj)
            if options.augment and shape_keyed and form != "vjp":
                augmented = inplace.augment_statements(adj)
        fdef = codegen.generate(adj, form, names, single)
    source = codegen.to_source(fdef)
    if options.verbose:
        print(source)
    label = f"{form} of {norm.parsed.name}"
    function = codegen.compile_function(source, fdef.name, norm.namespace.objects, label)
    return Compiled(function, source, names, single, norm.parsed.bound_self,
                    norm.parsed.has_self, norm.reads, fn, shape_keyed, augmented, options)
