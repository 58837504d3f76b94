"""Forward mode and higher order, built from generated code: jvp, jacobian, hessian, hvp.

``jvp`` compiles ``f`` with the forward pass (``form="jvp"``): the generated ``f_jvp`` runs the
primal with the tangents beside it. Everything else composes generated functions, because they
are ordinary Python that the compiler transforms again:

* ``jacobian(f, mode="reverse")``: one pullback of ``tg.vjp`` per output element (rows);
* ``jacobian(f, mode="forward")``: all input elements' unit seeds pushed through ``f_jvp`` in
  one call, as a ``Batched`` stack of tangents, where every operation of the tangent code has a
  batched meaning (elementwise arithmetic, matmul, sums, reshapes: see ``batched``); otherwise,
  one call per seed (a Python loop). ``jac.vectorised`` says which the last call did. The
  batched attempt runs the primal once more when it falls back;
* ``hessian(f)``: forward over reverse, the Jacobian of the generated gradient ``df`` computed
  with ``df_jvp``, the forward pass applied to the adjoint code;
* ``hvp(f, x, v)``: one ``df_jvp`` call with tangent ``v``, never forming the Hessian.

A functools.partial, a callable instance or a bound method (and partials of those) is compiled
through the function underneath, its bound arguments passed with each call, as in ``tg.grad``
(``callables.unwrap``).

Jacobians and Hessians are of arrays and scalars: ``out.shape + x.shape`` for a Jacobian,
``x.shape + x.shape`` for a Hessian. ``jvp`` and ``hvp`` take any nest of arrays.

With ``fallback="tape"`` (the default) code the compiler cannot transform runs on the tape, as
for ``tg.grad``: a helper it cannot inline is a per-call-site tape call inside the generated
code (``jvp``, ``jacobian``); a function it cannot transform at all, or whose gradient cannot be
transformed again (``hessian``, ``hvp``), is computed on the tape as a whole. One
TransformWarning names file:line and the construct; results have the compiled path's
structure, dtype and array library. ``fallback="error"`` raises the TransformError instead.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from tangentish.batched import Batched
from tangentish.callables import NO_SELF, Transform, shift, unwrap
from tangentish.compiler.cache import cached_compile
from tangentish.compiler.diagnostics import warn_fallback
from tangentish.compiler.pipeline import Compiled, Options, WrtError
from tangentish.errors import TransformError
from tangentish.runtime.backend import is_array
from tangentish.runtime.shared_writes import SharedWriteError

__all__ = ["jvp", "jacobian", "hessian", "hvp", "JVP"]

_MODES = ("reverse", "forward")
_FALLBACKS = ("tape", "error")


def _check_fallback(fallback: str) -> None:
    if fallback not in _FALLBACKS:
        raise ValueError(f"fallback must be one of {_FALLBACKS}, not {fallback!r}")


def _generated(f: Callable[..., Any], wrt: Any = 0) -> tuple[Callable[..., Any], tuple, dict,
                                                              Any]:
    """``(function, leading arguments, keywords, wrt)`` to compile and call for ``f``: under a
    functools.partial or a callable instance, the function they call (``callables.unwrap``);
    for a ``tg.grad`` result, its generated function (so it is transformed again), led by the
    ``self`` and partial arguments the gradient calls it with. ``wrt`` moves past the leading
    arguments."""
    fn, bound, keywords, wrt = unwrap(f, wrt)
    compiled = getattr(fn, "compiled", None)
    if isinstance(fn, Transform) and callable(compiled) and hasattr(fn, "_bound"):
        c = compiled()
        if c is not None:
            inner = (*((c.bound_self,) if c.has_self else ()),
                     *((fn._self,) if fn._self is not NO_SELF else ()), *fn._bound)
            return (c.function, (*inner, *bound), {**fn._keywords, **keywords},
                    shift(wrt, len(inner)))
    return fn, bound, keywords, wrt


def _plain(f: Callable[..., Any]) -> Callable[..., Any]:
    """``f`` as one plain function or a partial of one: a ``tg.grad`` result as its generated
    function (with the arguments it is called with bound), so it is transformed again."""
    fn, leading, keywords, _ = _generated(f)
    return functools.partial(fn, *leading, **keywords) if leading or keywords else fn


class JVP(Transform):
    """``f``'s forward-mode derivative: ``JVP(f, wrt)(primals, tangents)`` ->
    ``(value, tangent_out)``, one tangent per ``wrt`` position. ``tg.source`` shows the code."""

    def __init__(self, f: Callable[..., Any], wrt: tuple[int, ...] | int = 0,
                 fallback: str = "tape"):
        if not callable(f):
            raise TypeError(f"tg.jvp needs a function, got {type(f).__name__}")
        _check_fallback(fallback)
        #: a partial's arguments (and a generated gradient's self) go in before the primals
        self.fn, self.leading, self.keywords, self.wrt = _generated(f, wrt)
        self.fallback = fallback
        self._compiled: Compiled | None = None
        self._tape_reason: TransformError | None = None

    def compiled(self) -> Compiled | None:
        """The generated forward-mode code, or None when this JVP runs on the tape."""
        if self._compiled is None and self._tape_reason is None:
            try:
                self._compiled = cached_compile(self.fn, self.wrt, "jvp",
                                                Options(call_site_fallback=self.fallback
                                                        == "tape"))
            except WrtError:
                raise
            except TransformError as err:
                self._to_tape(err)
            except Exception as err:  # a compiler bug must not become a wrong derivative
                self._to_tape(TransformError(
                    f"tangentish internal compiler error in forward mode ({type(err).__name__}: "
                    f"{err}); please report it with the function's source"), err)
        return self._compiled

    def _to_tape(self, err: TransformError, cause: Exception | None = None) -> None:
        if self.fallback == "error":
            raise err from cause
        warn_fallback(err)
        self._tape_reason = err

    @property
    def __tangentish_source__(self) -> str:
        compiled = self.compiled()
        if compiled is None:
            return f"# computed by the tape: {self._tape_reason.reason}\n"
        return compiled.source

    def __call__(self, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
        if not isinstance(tangents, (tuple, list)):
            tangents = (tangents,)
        compiled = self.compiled()
        if compiled is None:
            return self._tape(tuple(primals), tuple(tangents))
        fn = compiled.function
        names = list(inspect.signature(fn).parameters)[-len(compiled.wrt):]
        kwargs = dict(zip(names, tangents))
        if self.keywords:
            kwargs = {**self.keywords, **kwargs}
        if compiled.has_self:
            primals = (compiled.bound_self, *self.leading, *primals)
        elif self.leading:
            primals = (*self.leading, *primals)
        try:
            return fn(*primals, **kwargs)
        except SharedWriteError as err:  # ``a += g`` into a shared array: the tape follows it
            if self.fallback == "error":
                raise
            warn_fallback(err)
            return self._tape(tuple(primals), tuple(tangents))

    def _tape(self, primals: tuple, tangents: tuple) -> tuple[Any, Any]:
        """The whole function on the tape; arguments not differentiated are held fixed."""
        from tangentish.runtime.callsite import jvp_via_tape

        args, fn, keywords = (*self.leading, *primals), self.fn, self.keywords
        wrt = self.wrt if isinstance(self.wrt, tuple) else (self.wrt,)
        slots = tuple(_slot(fn, w, keywords, len(args)) for w in wrt)

        def along(*moving: Any) -> Any:
            full, named = list(args), dict(keywords)
            for slot, a in zip(slots, moving):
                if isinstance(slot, str):
                    named[slot] = a
                else:
                    full[slot] = a
            return fn(*full, **named)

        held = tuple(keywords[s] if isinstance(s, str) else args[s] for s in slots)
        return jvp_via_tape(along, held, tangents)


def _slot(fn: Callable[..., Any], w: Any, keywords: dict, count: int) -> int | str:
    """Where a ``wrt`` entry's value is: a position among the ``count`` arguments, or the name
    of a keyword bound by a partial."""
    if isinstance(w, str):
        if w in keywords:
            return w
        w = list(inspect.signature(fn).parameters).index(w)
    return w % count


def jvp(f: Callable[..., Any], primals: tuple | list | None = None,
        tangents: tuple | list | None = None, *, wrt: Any = None,
        fallback: str = "tape") -> Any:
    """``(f(*primals), J @ tangents)`` by generated forward-mode code (one tangent per primal,
    each of its primal's structure).

    Without primals, ``tg.jvp(f, wrt=0)`` returns the forward-mode function itself,
    ``jf(primals, tangents)`` with one tangent per ``wrt`` position, for ``tg.source(jf)``.
    """
    if primals is None and tangents is None:
        return JVP(f, 0 if wrt is None else wrt, fallback)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("tg.jvp(f, primals, tangents) takes tuples: tg.jvp(f, (x,), (tx,))")
    if len(primals) != len(tangents):
        raise ValueError(f"tg.jvp got {len(primals)} primal(s) but {len(tangents)} tangent(s)")
    return JVP(f, tuple(range(len(primals))), fallback)(tuple(primals), tuple(tangents))


# ---------------------------------------------------------------- jacobians


def _basis(x: Any) -> list[Any]:
    """The unit seeds of ``x``'s elements, each of x's shape, in x's own array library."""
    if not is_array(x):
        return [1.0]
    n = int(np.prod(x.shape))
    eye = np.eye(n, dtype=x.dtype) if isinstance(x, np.ndarray) else np.eye(n, dtype=x.dtype,
                                                                             like=x)
    return [np.reshape(eye[k], x.shape) for k in range(n)]


def _assemble(parts: list[Any], inner: Any, outer: Any, axis: int) -> Any:
    """Rows (axis 0) or columns (axis -1) of a Jacobian, shaped ``outer.shape + inner.shape``."""
    if not is_array(inner) and not is_array(outer):
        return parts[0]
    parts = [p if is_array(p) else np.asarray(p) for p in parts]
    stacked = np.stack(parts, axis=axis)
    return np.reshape(stacked, tuple(np.shape(outer)) + tuple(np.shape(inner)))


def _positions(f: Callable[..., Any], wrt: Any) -> tuple[tuple[int, ...], bool]:
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    signature = inspect.signature(f).parameters
    params = list(signature)
    pos = []
    for w in items:
        if isinstance(w, str):
            if w not in params:
                raise WrtError(f"wrt={w!r}: {getattr(f, '__name__', f)} has no parameter "
                               f"named {w!r}")
            if signature[w].kind is inspect.Parameter.KEYWORD_ONLY:
                # a partial's bound keyword among them: no position to put a column's seed in
                raise WrtError(f"wrt={w!r}: tg.jacobian differentiates positional arguments, "
                               f"and {w!r} is keyword-only (bound by a partial?)")
            w = params.index(w)
        pos.append(w)
    return tuple(pos), single


def jacobian(f: Callable[..., Any], wrt: Any = 0, mode: str = "reverse", *,
             fallback: str = "tape") -> Callable[..., Any]:
    """The Jacobian of ``f`` with respect to argument(s) ``wrt``, shaped ``out + in``.

    ``mode="reverse"`` pulls back one unit cotangent per output element (best for few
    outputs); ``mode="forward"`` pushes one unit tangent per input element (best for few
    inputs), vectorised over all seeds at once where the tangent code allows.
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, not {mode!r}")
    _check_fallback(fallback)
    fn = _plain(f)
    positions, single = _positions(fn, wrt)

    def jac(*args: Any) -> Any:
        args = tuple(args)
        wrt_pos = tuple(p % len(args) for p in positions)
        if mode == "reverse":
            out = _reverse_jacobian(fn, args, wrt_pos, fallback)
        else:
            parts = [_forward_jacobian(fn, args, p, fallback) for p in wrt_pos]
            out = tuple(j for j, _ in parts)
            jac.vectorised = all(v for _, v in parts)
        return out[0] if single else out

    jac.vectorised = False  # forward mode: did the last call run all seeds in one batch?
    jac.__name__ = f"jacobian_{getattr(fn, '__name__', 'f')}"
    jac.__doc__ = f"Jacobian of {getattr(fn, '__name__', 'f')} ({mode} mode)."
    return jac


def _reverse_jacobian(fn: Callable[..., Any], args: tuple, wrt: tuple[int, ...],
                      fallback: str = "error") -> tuple:
    from tangentish.api import value_and_grad, vjp

    value = fn(*args)
    if not is_array(value) or value.size == 1:  # one row: the gradient itself
        _, grads = value_and_grad(fn, wrt=wrt, fallback=fallback)(*args)
        rows = [dict(zip(wrt, grads))]
    else:
        value, pullback = vjp(fn, *args, fallback=fallback)
        rows = [pullback(seed) for seed in _basis(value)]
    return tuple(_assemble([r[p] for r in rows], args[p], value, axis=0) for p in wrt)


def _forward_jacobian(fn: Callable[..., Any], args: tuple, p: int,
                      fallback: str = "error") -> tuple[Any, bool]:
    """The Jacobian by columns, and whether it came from one batched call (else a loop)."""
    push = JVP(fn, p, fallback)
    compiled = push.compiled()  # compile errors are the user's, not a reason to loop
    x = args[p]
    seeds = _basis(x)
    if len(seeds) > 1 and compiled is not None:  # the tape pushes one seed at a time
        try:
            value, stacked = push(args, (Batched(np.stack(seeds)),))
        except Exception:  # an operation with no batched meaning: one call per seed instead
            stacked = None
        if isinstance(stacked, Batched):
            columns = np.moveaxis(stacked.data, 0, -1)
            return np.reshape(columns, tuple(np.shape(value)) + tuple(np.shape(x))), True
    columns = []
    for seed in seeds:
        value, column = push(args, (seed,))
        columns.append(column)
    return _assemble(columns, x, value, axis=-1), False


# ---------------------------------------------------------------- second order


def _grad_function(f: Callable[..., Any], wrt: int) -> Callable[..., Any]:
    from tangentish.api import grad

    return grad(_plain(f), wrt=wrt, fallback="error")


def _second_order(compiled: Callable[[], Any], tape: Callable[[], Any], fallback: str) -> Any:
    """``compiled()`` (generated code all the way: the gradient transformed again), or, with
    ``fallback="tape"``, ``tape()`` where the gradient or its forward pass cannot be
    generated (a helper left to the tape in the gradient cannot be transformed again)."""
    try:
        return compiled()
    except TransformError as err:
        if fallback == "error":
            raise
        warn_fallback(err)
        return tape()


def hessian(f: Callable[..., Any], wrt: int = 0, *, fallback: str = "tape") -> Callable[..., Any]:
    """The Hessian of scalar ``f`` with respect to argument ``wrt`` (``x.shape + x.shape``),
    forward over reverse: the forward pass applied to the generated gradient."""
    if not isinstance(wrt, int):
        raise TypeError("tg.hessian takes one argument position as wrt")
    _check_fallback(fallback)

    def hess(*args: Any) -> Any:
        args = tuple(args)
        p = wrt % len(args)

        def generated() -> Any:
            h, hess.vectorised = _forward_jacobian(_grad_function(f, p), args, p)
            return h

        def on_tape() -> Any:
            hess.vectorised = False
            return _hessian_via_tape(f, args, p)

        return _second_order(generated, on_tape, fallback)

    hess.vectorised = False  # did the last call push all seeds through df_jvp at once?
    hess.__name__ = f"hessian_{getattr(f, '__name__', 'f')}"
    return hess


def _hessian_via_tape(f: Callable[..., Any], args: tuple, p: int) -> Any:
    """The Hessian column by column, one tape Hessian-vector product per unit seed."""
    from tangentish.runtime.callsite import hvp_via_tape

    x = args[p]
    columns = [hvp_via_tape(f, args, p, seed) for seed in _basis(x)]
    return _assemble(columns, x, x, axis=-1)


def hvp(f: Callable[..., Any], x: Any, v: Any, args: tuple = (), wrt: int = 0, *,
        fallback: str = "tape") -> Any:
    """The Hessian of scalar ``f`` at ``x`` times ``v`` (``x``'s structure), without forming the
    Hessian: one call of the forward-mode code of ``f``'s generated gradient.

    ``args`` are the other arguments of ``f``, held fixed; ``x`` goes in at position ``wrt``.
    """
    from tangentish.runtime.callsite import hvp_via_tape

    _check_fallback(fallback)
    full = (*args[:wrt], x, *args[wrt:])

    def generated() -> Any:
        return JVP(_grad_function(f, wrt), wrt, "error")(full, (v,))[1]

    return _second_order(generated, lambda: hvp_via_tape(f, full, wrt, v), fallback)
