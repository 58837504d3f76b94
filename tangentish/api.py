"""The public functions of the source-transformation half: grad, value_and_grad, vjp, source.

``tg.grad(f)`` compiles lazily, on the first call, so decorated functions may use globals
defined later in their module. Code the compiler cannot transform goes to the tape when
``fallback="tape"`` (one TransformWarning naming file:line and the construct), or raises
TransformError with the same location when ``fallback="error"``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from tangentish.callables import NO_SELF, Transform, real_like, shift, unwrap
from tangentish.checking import gradcheck
from tangentish.checkpointing import checkpoint
from tangentish.compiler import shapes
from tangentish.compiler.cache import cached_compile
from tangentish.compiler.diagnostics import warn_fallback
from tangentish.compiler.pipeline import Compiled, Options, WrtError
from tangentish.compiler.resolve import kind_of
from tangentish.custom import defjvp, defvjp
from tangentish.errors import TransformError
from tangentish.runtime.adjoint_helpers import zero_grad
from tangentish.runtime.shared_writes import SharedWriteError
from tangentish.transforms import hessian, hvp, jacobian, jvp

__all__ = ["grad", "value_and_grad", "vjp", "source", "gradcheck", "jvp", "jacobian", "hessian",
           "hvp", "defvjp", "defjvp", "checkpoint"]

_FALLBACKS = ("tape", "error")


class _Transformed(Transform):
    """A gradient function: compiles ``fn`` on first use, then calls the generated code."""

    def __init__(self, fn: Callable[..., Any], wrt: Any, form: str, fallback: str,
                 options: Options):
        if fallback not in _FALLBACKS:
            raise ValueError(f"fallback must be one of {_FALLBACKS}, not {fallback!r}")
        if not callable(fn):
            raise TypeError(f"tg.{form} needs a function, got {type(fn).__name__}")
        #: a bound method's self, passed first to its generated gradient transformed again
        self._self: Any = NO_SELF
        #: a functools.partial's arguments, passed with every call: its function is compiled
        fn, self._bound, self._keywords, wrt = unwrap(fn, wrt)
        if isinstance(fn, _Transformed):  # tg.grad(tg.grad(f)): differentiate generated code
            compiled = fn.compiled()
            if compiled is not None:
                self._bound, self._keywords = fn._bound, fn._keywords  # the inner's partial
                wrt = shift(wrt, len(fn._bound))
                fn = compiled.function
                if compiled.has_self:  # its first parameter is self: positions move by one
                    self._self = compiled.bound_self
                    wrt = shift(wrt)
        self.fn, self.wrt, self.form = fn, wrt, form
        self.fallback, self.options = fallback, options
        self._compiled: Compiled | None = None
        self._tape_reason: TransformError | None = None
        #: per pattern of which positional arguments are Python numbers: code specialised to
        #: them (math instead of NumPy, no broadcasting bookkeeping)
        self._variants: dict[tuple, Compiled | _ByShape] = {}
        #: the code the last call ran (``source`` shows it)
        self._last: Compiled | None = None
        functools.update_wrapper(self, fn, updated=())

    def compiled(self) -> Compiled | None:
        """The generated function, or None when this gradient runs on the tape."""
        if self._compiled is None and self._tape_reason is None:
            try:
                self._compiled = cached_compile(self.fn, self.wrt, self.form, self.options)
            except TransformError as err:
                if self.fallback == "error":
                    raise
                warn_fallback(err)
                self._tape_reason = err
            except WrtError:
                raise
            except Exception as err:  # a compiler bug must not become a wrong gradient
                internal = TransformError(
                    f"tangentish internal compiler error ({type(err).__name__}: {err}); "
                    "please report it with the function's source")
                if self.fallback == "error":
                    raise internal from err
                warn_fallback(internal)
                self._tape_reason = internal
        return self._compiled

    @property
    def __tangentish_function__(self) -> Any:
        """The generated function, for the compiler to inline when this gradient is itself
        called inside a function being differentiated (None when it runs on the tape)."""
        compiled = self.compiled()
        if compiled is None or compiled.has_self or self._bound or self._keywords:
            return None
        return compiled.function

    @property
    def source(self) -> str:
        """The code the last call ran (specialised to its argument types and shapes), or
        the general code before any call."""
        compiled = self._last if self._last is not None else self.compiled()
        if compiled is None:
            return f"# computed by the tape: {self._tape_reason.reason}\n"
        return compiled.source

    def variant(self, args: tuple) -> Compiled | _ByShape | None:
        """The compiled code for these arguments: specialised where some are Python numbers,
        and to the pattern of the arrays' shapes where that removes broadcasting bookkeeping
        (then a ``_ByShape`` that picks the code per pattern)."""
        pattern = tuple(map(_is_number, args))
        entry = self._variants.get(pattern)
        if entry is not None:
            return entry
        if self._tape_reason is not None:
            return None
        shape_pattern = shapes.pattern(args) if self.form != "vjp" else ()
        if any(s for s in shape_pattern):  # some arrays (0-d ones have nothing to remove)
            entry = self._specialise_shapes(args, pattern, shape_pattern)
            if entry is not None:
                self._variants[pattern] = entry
                return entry
        compiled = self._number_variant(args, pattern)
        if compiled is not None:
            self._variants[pattern] = compiled
        return compiled

    def _number_variant(self, args: tuple, pattern: tuple) -> Compiled | None:
        """The code for this pattern of Python-number arguments, for any array shapes."""
        if self._compiled is None and any(pattern) and self.form != "vjp":
            direct = self._specialise_first(args, pattern)
            if direct is not None:
                return direct
        general = self._compiled or self.compiled()
        if general is None or not any(pattern) or self.form == "vjp":
            return general
        names = self._parameters(len(args))
        if names is None:
            return general
        # the general code is always right; specialising is only faster
        return self._compile_numbers(names, pattern) or general

    def _parameters(self, count: int) -> tuple[str, ...] | None:
        """The names of the first ``count`` parameters the caller's arguments bind, read from
        the general code once it exists (else from the user's function); None where positions
        do not map to names simply (``*args``, functions without source)."""
        general = self._compiled
        if general is not None:
            code, offset = general.function.__code__, 1 if general.has_self else 0
        else:
            fn = self.fn
            if self._self is not NO_SELF or not inspect.isfunction(fn) or kind_of(
                    fn) != "user":
                return None
            code, offset = fn.__code__, 0
            if count > code.co_argcount:
                return None
        if code.co_flags & inspect.CO_VARARGS:
            return None
        return code.co_varnames[offset:offset + count]

    def _specialise_first(self, args: tuple, pattern: tuple) -> Compiled | None:
        """A first call with Python numbers: compile the specialised code alone, naming the
        parameters from the user's function, rather than the general code first and then this
        (two compiles on the first call). None where that is unsure or fails: the general
        path then decides (and reports errors as usual)."""
        names = self._parameters(len(args))
        return None if names is None else self._compile_numbers(names, pattern)

    def _compile_numbers(self, names: tuple[str, ...], pattern: tuple) -> Compiled | None:
        """The code for this pattern of Python-number parameters, or None where compiling it
        fails (the caller runs the general code, which compiles again and reports errors)."""
        options = dataclasses.replace(self.options, scalars=_scalar_names(names, pattern))
        try:
            return cached_compile(self.fn, self.wrt, self.form, options)
        except Exception:  # noqa: BLE001 - specialising is only faster
            return None

    def _specialise_shapes(self, args: tuple, pattern: tuple, shape_pattern: tuple
                           ) -> Compiled | _ByShape | None:
        """Code specialised to the shape pattern of ``args`` (and to its Python numbers),
        compiled alone on a first call. When the shapes removed nothing it is the code for
        every shape (returned as is); otherwise a ``_ByShape`` holding it. None where that is
        unsure or fails: the number-pattern path then decides (and reports errors)."""
        names = self._parameters(len(args))
        if names is None and self._compiled is None and self.compiled() is not None:
            names = self._parameters(len(args))  # a method: its general code names them
        if names is None:
            return None
        options = dataclasses.replace(self.options, scalars=_scalar_names(names, pattern))
        compiled = self._compile_shaped(options, names, shape_pattern)
        if compiled is None or not compiled.shape_keyed:
            return compiled
        by_shape = _ByShape(self, options, names)
        by_shape.codes[shape_pattern] = compiled
        return by_shape

    def _compile_shaped(self, options: Options, names: tuple[str, ...],
                        shape_pattern: tuple) -> Compiled | None:
        known = tuple((n, s) for n, s in zip(names, shape_pattern) if s is not None)
        try:
            return cached_compile(self.fn, self.wrt, self.form,
                                  dataclasses.replace(options, shapes=known))
        except Exception:  # noqa: BLE001 - the general code is always right
            return None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._bound or self._keywords:
            args, kwargs = (*self._bound, *args), {**self._keywords, **kwargs}
        if self._self is not NO_SELF:
            args = (self._self, *args)
        compiled = self._variants.get(tuple(map(_is_number, args))) or self.variant(args)
        if type(compiled) is _ByShape:
            compiled = compiled.code(args)
        self._last = compiled
        if compiled is None:
            return _tape(self.form, self.fn, args, self.wrt, kwargs, self._tape_reason)
        if self.form != "vjp":
            _check_float_args(compiled, args, kwargs)
        try:
            out = _run(compiled, args, kwargs)
        except SharedWriteError as err:  # ``a += g`` into a shared array: the tape follows it
            if self.fallback == "error":
                raise
            warn_fallback(err)
            return _tape(self.form, self.fn, args, self.wrt, kwargs, err)
        except (TypeError, ValueError):
            if not compiled.augmented:
                raise
            # its ``+=`` met a sum the buffer cannot hold: the same code with add_into calls
            compiled = self._without_augment(compiled)
            out = _run(compiled, args, kwargs)
        if self.form == "vjp":
            return out
        return _writable(_in_argument_dtypes(out, compiled, self.form, args, kwargs))


    def _without_augment(self, compiled: Compiled) -> Compiled:
        """``compiled`` again without ``+=`` accumulation, put where it was used."""
        safe = cached_compile(self.fn, self.wrt, self.form,
                              dataclasses.replace(compiled.options, augment=False))
        for key, entry in list(self._variants.items()):
            if entry is compiled:
                self._variants[key] = safe
            elif type(entry) is _ByShape:
                entry.replace(compiled, safe)
        self._last = safe
        return safe


def _run(compiled: Compiled, args: tuple, kwargs: dict) -> Any:
    if compiled.has_self:
        return compiled.function(compiled.bound_self, *args, **kwargs)
    return compiled.function(*args, **kwargs)


#: most shape patterns one gradient compiles code for; calls with further patterns run the
#: general code
SHAPE_VARIANTS = 8


class _ByShape:
    """The code for one pattern of Python-number arguments, per shape pattern of the arrays.

    A specialised code runs only on calls whose pattern it was compiled for (the pattern is
    the promise its shapes rely on); past ``SHAPE_VARIANTS`` patterns, and where specialising
    fails, calls run the general code for the number pattern.
    """

    def __init__(self, owner: _Transformed, options: Options, names: tuple[str, ...]):
        self.owner, self.options, self.names = owner, options, names
        self.codes: dict[tuple, Compiled] = {}
        self.general: Compiled | None = None
        #: the code for each tuple of the arguments' exact shapes met so far (the pattern of
        #: eight arrays costs 2.4 us to compute; their shapes, a lookup, 0.6 us)
        self.seen: dict[tuple, Compiled | None] = {}

    def code(self, args: tuple) -> Compiled | None:
        exact = _exact_shapes(args)
        if exact is not None:
            compiled = self.seen.get(exact)
            if compiled is not None:
                return compiled
        compiled = self.by_pattern(args)
        if exact is not None and len(self.seen) < _SEEN_SHAPES:
            self.seen[exact] = compiled
        return compiled

    def replace(self, old: Compiled, new: Compiled) -> None:
        for table in (self.codes, self.seen):
            for key, entry in table.items():
                if entry is old:
                    table[key] = new

    def by_pattern(self, args: tuple) -> Compiled | None:
        key = shapes.pattern(args)
        compiled = self.codes.get(key)
        if compiled is not None:
            return compiled
        if len(self.codes) < SHAPE_VARIANTS:
            compiled = self.owner._compile_shaped(self.options, self.names, key)
            if compiled is not None:
                self.codes[key] = compiled
                return compiled
        if self.general is None:
            self.general = self.owner._number_variant(args, tuple(map(_is_number, args)))
        return self.general


#: exact shape tuples remembered per ``_ByShape`` (varying batch sizes: then the pattern)
_SEEN_SHAPES = 64


def _exact_shapes(args: tuple) -> tuple | None:
    """Every argument's shape (None for the Python numbers, which sit at the same positions
    in every call a ``_ByShape`` serves); None when some argument has none (a dict, a list):
    then only the pattern tells."""
    out = []
    for a in args:
        kind = type(a)
        if kind is float or kind is int:
            out.append(None)
            continue
        shape = getattr(a, "shape", None)
        if type(shape) is not tuple:
            return None
        out.append(shape)
    return tuple(out)


def _scalar_names(names: tuple[str, ...], pattern: tuple) -> tuple[str, ...]:
    return tuple(p for p, is_number in zip(names, pattern) if is_number)


def _in_argument_dtypes(out: Any, compiled: Compiled, form: str, args: tuple,
                        kwargs: dict) -> Any:
    """Each gradient in its argument's floating dtype (float32 in, float32 out)."""
    value, grads = out if form == "value_and_grad" else (None, out)
    values = [_argument(name, pos, args, kwargs) for name, pos in _wrt_slots(compiled)]
    if compiled.single:
        grads = _cast_like(grads, values[0])
    else:
        grads = tuple(_cast_like(g, v) for g, v in zip(grads, values))
    return (value, grads) if form == "value_and_grad" else grads


def _wrt_slots(compiled: Compiled) -> list[tuple[str, int | None]]:
    """Each differentiated parameter with its position among the call's arguments (None for
    an element of ``*args``): worked out once per compiled function, not on every call."""
    slots = compiled.__dict__.get("_wrt_slots")
    if slots is None:
        offset = 1 if compiled.has_self else 0
        params = compiled.function.__code__.co_varnames[offset:]
        slots = [(name, params.index(name) if name in params else None)
                 for name in compiled.wrt]
        compiled.__dict__["_wrt_slots"] = slots
    return slots


def _argument(name: str, pos: int | None, args: tuple, kwargs: dict) -> Any:
    """The value the caller gave for a parameter (None: a default, or part of ``*args``)."""
    if kwargs and name in kwargs:
        return kwargs[name]
    if pos is None or pos >= len(args):
        return None
    return args[pos]


def _cast_like(g: Any, x: Any) -> Any:
    if type(x) is float:  # a Python float's gradient is a float too (DESIGN.md: the
        g = real_like(g, x)  # argument's structure), however the code computed it
        return float(g) if isinstance(g, np.floating) or (
            type(g) is np.ndarray and g.shape == ()) else g
    if type(x) is np.ndarray and isinstance(g, np.generic):  # a 0-d array's: a 0-d array
        g = np.asarray(g)
    if type(g) is np.ndarray and type(x) is np.ndarray:  # the common case, read directly
        if g.dtype == x.dtype or x.dtype.kind not in "fc":
            return g
        if g.dtype.kind == "c" and x.dtype.kind == "f":  # complex values on the way: as JAX,
            g = g.real  # a real argument's gradient is the real part
        return g.astype(x.dtype)
    if isinstance(x, dict) and isinstance(g, dict):
        return type(g)((k, _cast_like(v, x.get(k))) for k, v in g.items())
    if isinstance(x, (list, tuple)) and isinstance(g, (list, tuple)):
        items = [_cast_like(a, b) for a, b in zip(g, x)]
        return type(g)(*items) if hasattr(g, "_fields") else type(g)(items)
    dtype, gdtype = getattr(x, "dtype", None), getattr(g, "dtype", None)
    if dtype is not None and gdtype is not None and gdtype != dtype and np.dtype(
            dtype).kind in "fc" and hasattr(g, "astype"):
        return real_like(g, x).astype(dtype)
    return g




def _writable(tree: Any) -> Any:
    """Gradients the caller may update in place: copy read-only views (a broadcast seed)."""
    kind = type(tree)
    if kind is float:
        return tree
    if kind is np.ndarray:
        return tree if tree.flags.writeable else tree.copy()
    flags = getattr(tree, "flags", None)
    if flags is not None:
        return tree.copy() if not getattr(flags, "writeable", True) else tree
    if isinstance(tree, tuple) and not hasattr(tree, "_fields"):
        return tuple(_writable(t) for t in tree)
    if isinstance(tree, list):
        return [_writable(t) for t in tree]
    if isinstance(tree, dict):
        return type(tree)((k, _writable(v)) for k, v in tree.items())
    return tree


def _check_float_args(compiled: Compiled, args: tuple, kwargs: dict) -> None:
    for name, pos in _wrt_slots(compiled):
        if not (kwargs and name in kwargs) and (pos is None or pos >= len(args)):
            continue  # an element of *args, or a default
        value = _argument(name, pos, args, kwargs)
        if type(value) is float:
            continue
        if type(value) is np.ndarray:  # the common case, without the generic checks
            if value.dtype.kind in "biu":
                _integer_argument(name, value)
            continue
        if isinstance(value, (str, bytes)) or value is None:
            raise TypeError(
                f"cannot differentiate with respect to argument '{name}': it is "
                f"{type(value).__name__ if value is not None else 'None'}; tg.grad "
                "differentiates floats, arrays, and dict/list/tuple nests of them")
        if _is_integer(value):
            _integer_argument(name, value)


def _integer_argument(name: str, value: Any) -> None:
    raise TypeError(
        f"cannot differentiate with respect to argument '{name}': it is an integer "
        f"({_describe(value)}); pass a float (e.g. {name}=float(...) or .astype(float))")


def _is_number(value: Any) -> bool:
    return type(value) is float or type(value) is int


def _is_integer(value: Any) -> bool:
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return True
    dtype = getattr(value, "dtype", None)
    return dtype is not None and getattr(value, "shape", None) is not None and np.dtype(
        dtype).kind in "biu"


def _describe(value: Any) -> str:
    dtype = getattr(value, "dtype", None)
    return f"dtype {dtype}" if dtype is not None else repr(value)


def _tape(form: str, fn: Callable[..., Any], args: tuple, wrt: Any, kwargs: dict,
          reason: TransformError | None) -> Any:
    try:
        from tangentish.runtime.tape import fallback as tape_fallback
    except ImportError:
        raise TransformError(
            "tape fallback not available yet; the compiler could not transform this "
            f"function: {reason}") from reason
    if form != "vjp" and _recording(args, wrt):
        return _nested_tape(form, fn, args, wrt, kwargs)
    if form == "grad":
        return tape_fallback.grad_via_tape(fn, args, wrt, kwargs)
    if form == "value_and_grad":
        return tape_fallback.value_and_grad_via_tape(fn, args, wrt, kwargs)
    if kwargs:  # a partial's keywords
        fn = functools.partial(fn, **kwargs)
    return tape_fallback.vjp_via_tape(fn, *args)


def _recording(args: tuple, wrt: Any) -> bool:
    """Whether an outer tape records this call (``tg.grad(tg.grad(f))`` with both on the
    tape): the differentiated arguments are Tensors that require grad."""
    from tangentish.runtime.tape.tensor import Tensor

    entries = wrt if isinstance(wrt, (tuple, list)) else (wrt,)
    return all(isinstance(w, int) and -len(args) <= w < len(args) for w in entries) and any(
        isinstance(args[w], Tensor) and args[w].requires_grad for w in entries)


def _nested_tape(form: str, fn: Callable[..., Any], args: tuple, wrt: Any,
                 kwargs: dict) -> Any:
    """The gradient as a differentiable function of the outer tape's Tensors (create_graph):
    detached leaves would hand the outer tape a constant, so its derivative would be zero."""
    from tangentish.runtime.callsite import tape_vjp

    pullback = tape_vjp(fn, *args, **kwargs)
    grads = pullback(1.0)
    many = isinstance(wrt, (tuple, list))
    result = tuple(grads[w] for w in wrt) if many else grads[wrt]
    return (pullback.value, result) if form == "value_and_grad" else result


def _decorator(form: str, f: Callable[..., Any] | None, wrt: Any, optimize: bool,
               fallback: str, verbose: int, checkpoint: bool = False) -> Any:
    options = Options(optimize=optimize, verbose=verbose, call_site_fallback=fallback == "tape",
                      checkpoint=checkpoint)
    if f is None:  # @tg.grad(wrt=(0, 1))
        return lambda fn: _Transformed(fn, wrt, form, fallback, options)
    if isinstance(f, (int, str, tuple, list)):
        raise TypeError(f"tg.{form}'s first argument is the function; pass wrt={f!r} by name")
    transformed = _Transformed(f, wrt, form, fallback, options)
    if verbose:
        transformed.compiled()
    return transformed


def grad(f: Callable[..., Any] | None = None, wrt: Any = 0, *, optimize: bool = True,
         fallback: str = "tape", verbose: int = 0, checkpoint: bool = False) -> Any:
    """The gradient of scalar-valued ``f`` with respect to ``wrt``, as generated Python.

    ``wrt`` is a position, a parameter name, or a tuple of them (then a tuple of gradients is
    returned, also of length one). Each gradient has the structure of its argument.
    ``checkpoint=True`` recomputes each loop iteration in the adjoint sweep instead of storing
    its intermediates (see ``tg.checkpoint``).
    """
    return _decorator("grad", f, wrt, optimize, fallback, verbose, checkpoint)


def value_and_grad(f: Callable[..., Any] | None = None, wrt: Any = 0, *,
                   optimize: bool = True, fallback: str = "tape", verbose: int = 0,
                   checkpoint: bool = False) -> Any:
    """Like ``grad``, returning ``(f(*args), gradient)``."""
    return _decorator("value_and_grad", f, wrt, optimize, fallback, verbose, checkpoint)


def vjp(f: Callable[..., Any], *args: Any, fallback: str = "tape") -> tuple[Any, Any]:
    """``(f(*args), pullback)``; ``pullback(cotangent)`` returns one gradient per argument
    (zeros for integer arguments, which carry no gradient), real for a real argument as in
    ``tg.grad``."""
    value, pullback = raw_vjp(f, *args, fallback=fallback)
    return value, lambda cotangent: tuple(map(_cotangent, pullback(cotangent), args))


def _cotangent(g: Any, x: Any) -> Any:
    """An argument's cotangent as ``tg.vjp`` gives it: zeros for an integer one (an element
    of ``*args`` is differentiated with the tuple), real for a real one."""
    return zero_grad(x) if _is_integer(x) else real_like(g, x)


def raw_vjp(f: Callable[..., Any], *args: Any, fallback: str = "tape") -> tuple[Any, Any]:
    """``vjp`` keeping the imaginary parts of real arguments' cotangents: the reverse-mode
    Jacobian of a complex function of real arguments is built from them."""
    floats = tuple(i for i, a in enumerate(args) if not _is_integer(a))
    options = Options(call_site_fallback=fallback == "tape")
    transformed = _Transformed(f, floats, "vjp", fallback, options)
    value, pullback = transformed(*args)
    start = len(transformed._bound)  # a partial's bound arguments get none
    stop = start + len(args)  # nor do parameters left at their defaults
    return value, lambda cotangent: tuple(pullback(cotangent)[start:stop])


def source(df: Any) -> str:
    """The generated source of a function made by ``tg.grad``/``tg.value_and_grad``: the code
    its last call ran (specialised to that call's argument types and shapes), or the general
    code before any call."""
    if isinstance(df, _Transformed):
        return df.source
    text = getattr(df, "__tangentish_source__", None)
    if text is None:
        raise TypeError(f"{getattr(df, '__name__', df)!r} was not made by tangentish")
    return text
