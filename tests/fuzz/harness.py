"""Runs one generated program through every differentiator and says whether they agree.

The program is written to a real module file and imported, so the compiler reads it with
``inspect.getsource`` exactly as it reads user code. Gradients come from

* ``compiled``: ``tg.value_and_grad(f, wrt, fallback="error")``, the source transformation;
* ``vjp``: ``tg.vjp(f, *args, fallback="error")`` pulled back from 1.0 (its own generated code);
* ``duck``: ``compiled`` on the test-only duck array that refuses conversion to NumPy like CuPy
  (for programs whose primal runs on it);
* ``tape``: ``grad_via_tape(f, args, wrt)``, the dynamic tape the compiler falls back to;
* ``autograd``: HIPS autograd on the same source with ``np`` bound to ``autograd.numpy``, a
  check on the generator itself (skipped for subscript writes, which autograd cannot do);

and each is compared with central finite differences in float64. The automatic methods must
also agree with each other to near machine precision, which catches errors too small for
finite differences to see.

Finite differences are an oracle only where the function is tame. A program is rejected when
its differences at two steps (1e-6 and 1e-5) disagree, since the truncation error grows as the
step squared; and a disagreement with the 1e-6 differences counts as a mismatch only when a
Richardson extrapolation (steps 1e-5 and 5e-6, error of order step**4) confirms it.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.util
import re
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tangentish.checking import numerical_grad
from tangentish.errors import TransformError

#: Where generated modules are written (one directory per test session).
_MODULE_DIR = Path(tempfile.mkdtemp(prefix="tangentish-fuzz-"))

#: Finite differences against automatic gradients: ``|g - n| <= ATOL * scale + RTOL * |n|``.
FD_RTOL, FD_ATOL = 1e-4, 1e-5
#: Two automatic methods against each other (both exact up to rounding).
AD_RTOL, AD_ATOL = 1e-8, 1e-10

#: Step of the finite-difference oracle, and the 10x larger one that checks it: where the two
#: agree, the oracle's truncation error is under a hundredth of the tolerance.
FD_STEP, FD_CHECK_STEP = 1e-6, 1e-5

#: A branch condition closer than this to flipping at the drawn inputs is rejected.
MIN_MARGIN = 1e-3
#: Values and gradients above this are rejected: finite differences lose their digits.
MAX_MAGNITUDE = 1e4


class Mismatch(AssertionError):
    """Two differentiators disagree, or one of them failed on a valid program."""


def load_module(source: str, path: Path | None = None, tag: str = "") -> Any:
    """Import ``source`` as a real module (written to ``path`` or a fresh temporary file)."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:16]
    if path is None:
        path = _MODULE_DIR / f"fuzz_{digest}.py"
        if not path.exists():
            path.write_text(source)
    name = f"tangentish_fuzz{tag}_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # inspect.getsource looks the module up here
    spec.loader.exec_module(module)
    return module


def writes_subscripts(source: str) -> bool:
    """Whether the program assigns into an array element (autograd cannot differentiate that)."""
    return any(isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
               for node in ast.walk(ast.parse(source)))


class _Probe(ast.NodeTransformer):
    """Rewrites ``a > b`` / ``a < b`` (chained too) into ``_compare(a, b, op)``, and the kinks
    ``abs(a)``, ``max(a, b)``, ``min(a, b)``, ``max([a, b, c])``, ``np.max([a, b], axis=0)``,
    ``np.min``, ``np.clip``, ``t.sort()`` into ``_abs``/``_max``/``_min``/``_npmax``/``_npmin``/
    ``_npclip``/``_sort``, so margins can be recorded."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("abs", "max", "min"):
            node.func = ast.Name("_" + func.id, ast.Load())
        elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
              and func.value.id == "np" and func.attr in ("max", "min", "amax", "amin", "clip")):
            node.func = ast.Name("_np" + func.attr.lstrip("a"), ast.Load())
        elif isinstance(func, ast.Attribute) and func.attr == "sort" and not node.args:
            node.args, node.func = [func.value], ast.Name("_sort", ast.Load())
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if not all(isinstance(op, (ast.Gt, ast.Lt)) for op in node.ops):
            return node
        # Every pair of a chain is probed (they have no side effects), then and-ed.
        operands = [node.left, *node.comparators]
        calls = [ast.Call(ast.Name("_compare", ast.Load()),
                          [a, b, ast.Constant(">" if isinstance(op, ast.Gt) else "<")], [])
                 for a, b, op in zip(operands, operands[1:], node.ops)]
        test = calls[0] if len(calls) == 1 else ast.BoolOp(ast.And(), calls)
        return ast.copy_location(test, node)


def condition_margin(source: str, args: tuple[Any, ...], name: str = "f") -> float:
    """The smallest ``|a - b|`` over every comparison and kink evaluated when calling
    ``name(*args)``."""
    margins = [np.inf]

    def _compare(a: Any, b: Any, op: str) -> bool:
        if not (isinstance(a, int) and isinstance(b, int)):  # loop counters compare exactly
            margins.append(abs(float(a) - float(b)))
        return a > b if op == ">" else a < b

    def _kink(a: Any, b: Any) -> None:
        margins.append(float(np.min(np.abs(np.asarray(a) - np.asarray(b)))))

    def _abs(a: Any) -> Any:
        _kink(a, 0.0)
        return abs(a)

    def _gap(values: Any, axis: Any = None) -> None:
        # The two largest (or smallest) along the reduced axis must be apart.
        a = np.sort(np.asarray(values, dtype=np.float64), axis=axis)
        if a.size > 1:
            a = a.ravel() if axis is None else np.moveaxis(a, axis, -1)
            margins.append(float(np.min(np.abs(np.diff(a, axis=-1)))))

    def _max(*args: Any) -> Any:
        _gap(args[0] if len(args) == 1 else args)
        return max(*args)

    def _min(*args: Any) -> Any:
        _gap(args[0] if len(args) == 1 else args)
        return min(*args)

    def _npmax(values: Any, axis: Any = None, keepdims: bool = False) -> Any:
        _gap(values, axis)
        return np.max(values, axis=axis, keepdims=keepdims)

    def _npmin(values: Any, axis: Any = None, keepdims: bool = False) -> Any:
        _gap(values, axis)
        return np.min(values, axis=axis, keepdims=keepdims)

    def _npclip(a: Any, a_min: Any = None, a_max: Any = None) -> Any:
        for bound in (a_min, a_max):  # the kinks: a at either bound
            if bound is not None:
                _kink(a, bound)
        return np.clip(a, a_min, a_max)

    def _sort(array: Any) -> None:
        _gap(array, -1)
        array.sort()

    tree = ast.fix_missing_locations(_Probe().visit(ast.parse(source)))
    namespace: dict[str, Any] = {"_compare": _compare, "_abs": _abs, "_max": _max,
                                 "_min": _min, "_npmax": _npmax, "_npmin": _npmin,
                                 "_npclip": _npclip, "_sort": _sort}
    exec(compile(tree, "<fuzz probe>", "exec"), namespace)
    namespace[name](*copy.deepcopy(args))
    return min(margins)


# ---------------------------------------------------------------------- differentiators


def _compiled(module: Any, args: tuple[Any, ...], wrt: tuple[int, ...],
              fallback: str = "error") -> tuple[Any, Any]:
    import tangentish as tg

    value, grads = tg.value_and_grad(module.f, wrt=wrt, fallback=fallback)(*args)
    return value, tuple(grads)


def _compiled_duck(module: Any, args: tuple[Any, ...], wrt: tuple[int, ...]) -> tuple[Any, Any]:
    """The compiled gradient on the duck array, which refuses implicit conversion to NumPy as
    CuPy does: generated code must stay in the arrays' own library."""
    import tangentish as tg
    from tangentish.runtime.shared_writes import SharedWriteError
    from tests.duck import duck, host

    try:
        primal = module.f(*duck(copy.deepcopy(args)))
    except (TypeError, AttributeError):
        return None, None  # the program itself cannot run on a duck array (math.sin, t.sort())
    if not np.allclose(float(host(primal)), float(module.f(*copy.deepcopy(args))),
                       rtol=AD_RTOL, atol=AD_ATOL):
        # It means something else there: ``a += b`` on an element read as a 0-d array writes
        # into it (as on CuPy), where NumPy's scalar is immutable.
        return None, None
    try:
        value, grads = tg.value_and_grad(module.f, wrt=wrt, fallback="error")(*duck(args))
    except SharedWriteError:
        # An element read is a 0-d view there (as on CuPy), and ``a0 += a0`` in a helper given
        # it writes into memory another name shares: refused clearly (C19), not a wrong number.
        return None, None
    return host(value), tuple(host(grads))


def _vjp(module: Any, args: tuple[Any, ...], wrt: tuple[int, ...],
         fallback: str = "error") -> tuple[Any, Any]:
    import tangentish as tg

    value, pullback = tg.vjp(module.f, *args, fallback=fallback)
    grads = pullback(1.0)
    return value, tuple(grads[pos] for pos in wrt)


def _tape(module: Any, args: tuple[Any, ...], wrt: tuple[int, ...]) -> tuple[Any, Any]:
    from tangentish.runtime.tape.fallback import value_and_grad_via_tape

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value, grads = value_and_grad_via_tape(module.f, args, wrt)
    if any("Python number" in str(w.message) for w in caught):
        # ``float(x)`` of a differentiated value: the tape says it cannot follow that path
        # (a TapeWarning at the line), so its gradient is not a claim to check.
        return None, None
    return value, tuple(grads)


class _Functional(ast.NodeTransformer):
    """``a += b`` -> ``a = a + b``: the same thing for unaliased arrays, and what autograd needs
    (NumPy's in-place ``ndarray.__iadd__`` refuses autograd's boxes). Also ``a.dot(b)`` ->
    ``np.dot(a, b)``, ``float(a)`` and ``a.item()`` -> ``a``, ``np.copy(a)`` and ``a.copy()`` ->
    ``a * 1.0`` (autograd's boxes have none of these), and a list given to a NumPy function
    ``np.max([a, b])`` -> ``np.max(np.array([a, b]))`` (autograd's ``np.array`` boxes it)."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        numpy = isinstance(node.func, ast.Attribute) and (
            isinstance(node.func.value, ast.Name) and node.func.value.id == "np")
        method = isinstance(node.func, ast.Attribute) and not numpy
        if method and node.func.attr == "dot":
            dot = ast.Attribute(ast.Name("np", ast.Load()), "dot", ast.Load())
            return ast.copy_location(ast.Call(dot, [node.func.value, *node.args], []), node)
        if method and node.func.attr == "item" and not node.args:
            return node.func.value
        if (method and node.func.attr == "copy" and not node.args) or (
                numpy and node.func.attr == "copy"):
            copied = node.func.value if method else node.args[0]
            return ast.copy_location(ast.BinOp(copied, ast.Mult(), ast.Constant(1.0)), node)
        if numpy and node.func.attr not in ("stack", "concatenate", "array"):
            array = ast.Attribute(ast.Name("np", ast.Load()), "array", ast.Load())
            node.args = [ast.Call(array, [a], []) if isinstance(a, ast.List) else a
                         for a in node.args]
        if isinstance(node.func, ast.Name) and node.func.id == "float":
            return node.args[0]
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.target, ast.Name):
            return node
        value = ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value)
        return ast.copy_location(ast.Assign([node.target], value), node)


def _autograd(module: Any, args: tuple[Any, ...], wrt: tuple[int, ...]) -> tuple[Any, Any]:
    import autograd
    import autograd.numpy as anp

    # A functional twin of the same file, with its global ``np`` swapped for autograd's.
    path = Path(module.__file__)
    tree = ast.fix_missing_locations(_Functional().visit(ast.parse(path.read_text())))
    twin = load_module(ast.unparse(tree), tag="_autograd")
    twin.np = anp
    if hasattr(twin, "math"):
        twin.math = anp  # math.sin -> anp.sin: autograd cannot see through the math module
    with warnings.catch_warnings():  # a constant program is valid; autograd warns about it
        warnings.simplefilter("ignore", UserWarning)
        return None, tuple(autograd.grad(twin.f, argnum=pos)(*args) for pos in wrt)


def available_methods() -> dict[str, Callable[..., tuple[Any, ...]]]:
    """The differentiators present in this checkout (the compiler and tape land separately)."""
    import tangentish as tg

    methods: dict[str, Callable[..., tuple[Any, ...]]] = {"autograd": _autograd}
    if hasattr(tg, "grad"):
        methods["compiled"] = _compiled
    if hasattr(tg, "vjp"):
        methods["vjp"] = _vjp
    if hasattr(tg, "grad"):
        methods["duck"] = _compiled_duck
    try:
        from tangentish.runtime.tape.fallback import value_and_grad_via_tape  # noqa: F401

        methods["tape"] = _tape
    except ImportError:
        pass
    return methods


# ---------------------------------------------------------------------- comparison


def leaves(x: Any) -> list[np.ndarray]:
    """Leaves of a dict/list/tuple nest as float64 host arrays, in insertion order."""
    if isinstance(x, dict):
        return [leaf for k in x for leaf in leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in leaves(v)]
    unwrap = getattr(x, "__tangentish_host__", None)
    if unwrap is not None:
        x = unwrap()
    return [np.asarray(x, dtype=np.float64)]


@dataclass
class Case:
    """A loaded program with its finite-difference gradients."""

    module: Any
    args: tuple[Any, ...]
    wrt: tuple[int, ...]
    value: float
    numeric: list[list[np.ndarray]]  # per wrt position, per leaf, at FD_STEP
    margin: float
    #: The program has a construct the compiler refuses (tests/fuzz/idioms.py, FALLS_BACK):
    #: a TransformError, then the tape with a TransformWarning, is the expected path.
    falls_back: bool = False
    coarse: list[list[np.ndarray]] = field(default_factory=list)  # the same at FD_CHECK_STEP
    #: some intermediate overflowed to inf: a reverse sweep then meets 0 * inf = nan where the
    #: differences of the (finite) result stay finite, so they are no oracle there
    overflows: bool = False
    _extrapolated: list[list[np.ndarray]] | None = None

    @property
    def scale(self) -> float:
        return max([1.0] + [float(np.max(np.abs(n), initial=0.0))
                            for per in self.numeric for n in per])

    @property
    def well_conditioned(self) -> bool:
        """Smooth enough at the inputs for finite differences to be a trustworthy oracle."""
        return (self.margin > MIN_MARGIN and not self.overflows and np.isfinite(self.value)
                and abs(self.value) < MAX_MAGNITUDE and self.scale < MAX_MAGNITUDE
                and self.steps_agree)

    @property
    def steps_agree(self) -> bool:
        """The differences at FD_STEP and FD_CHECK_STEP agree to the comparison's tolerance: a
        curvature filter (the third derivative sets both truncation errors)."""
        return all(agree(c, n, FD_RTOL, FD_ATOL * self.scale)
                   for cs, ns in zip(self.coarse, self.numeric) for c, n in zip(cs, ns))

    def extrapolated(self) -> list[list[np.ndarray]]:
        """Richardson's extrapolation of the differences at FD_CHECK_STEP and half of it,
        ``(4 D(h/2) - D(h)) / 3``, which cancels the step**2 error term. Computed on demand to
        confirm a disagreement with the plain differences."""
        if self._extrapolated is None:
            half = [numerical_grad(self.module.f, copy.deepcopy(self.args), pos,
                                   eps=FD_CHECK_STEP / 2)[0] for pos in self.wrt]
            self._extrapolated = [[(4 * h - c) / 3 for h, c in zip(hs, cs)]
                                  for hs, cs in zip(half, self.coarse)]
        return self._extrapolated


def prepare(source: str, args: tuple[Any, ...], wrt: tuple[int, ...],
            path: Path | None = None, falls_back: bool = False) -> Case:
    module = load_module(source, path)
    margin = condition_margin(source, args)
    used = read_only(copy.deepcopy(args))
    # The generator's promise (no aliasing, in-place only on owned arrays), checked: a write
    # through any view of an argument fails on read-only memory, even one that stores the
    # values already there (c21: ``t = z.reshape(3, 2).T; t[0] = 0.0`` with ``z`` zeros).
    try:
        with np.errstate(over="raise"):
            value = float(module.f(*used))
        overflows = False
    except (FloatingPointError, OverflowError):
        value, overflows = float(module.f(*copy.deepcopy(args))), True
    except ValueError as exc:
        if "read-only" not in str(exc):
            raise
        raise AssertionError(
            f"generator bug: the program writes into its arguments ({exc})") from exc
    # Lists and dicts given as arguments must not grow or get new entries either.
    assert _same(used, args), "generator bug: the program mutates its own arguments"

    def differences(step: float) -> list[list[np.ndarray]]:
        return [numerical_grad(module.f, copy.deepcopy(args), pos, eps=step)[0] for pos in wrt]

    return Case(module, args, wrt, value, differences(FD_STEP), margin, falls_back,
                coarse=differences(FD_CHECK_STEP), overflows=overflows)


def read_only(x: Any) -> Any:
    """``x`` (a nest of dicts, lists and tuples) with every ndarray leaf made read-only."""
    if isinstance(x, dict):
        return {k: read_only(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(read_only(v) for v in x)
    if isinstance(x, np.ndarray):
        x.flags.writeable = False
    return x


def agree(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> bool:
    """``|got - want| <= atol + rtol * |want|`` everywhere, with equal shapes."""
    return got.shape == want.shape and bool(
        np.all(np.abs(got - want) <= atol + rtol * np.abs(want)))


def _compare(label: str, got: list[np.ndarray], want: list[np.ndarray], rtol: float,
             atol: float) -> None:
    if len(got) != len(want):
        raise Mismatch(f"{label}: {len(got)} gradient leaves, expected {len(want)}")
    for k, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape:
            raise Mismatch(f"{label} leaf {k}: shape {g.shape}, expected {w.shape}")
        if not agree(g, w, rtol, atol):
            raise Mismatch(f"{label} leaf {k}: got {g.tolist()}, expected {w.tolist()}")


@dataclass(frozen=True)
class OpenBug:
    """A reported, not yet fixed bug. A failure of one of ``methods`` is counted
    (``hypothesis.event``) instead of failing the run when the program has one of ``features``
    (if given), its source matches ``source`` (if given) and the failure message matches
    ``message`` (if given). Each entry is in /work/wt/BUGS.md and docs/reliability.md; delete
    it when the fix lands."""

    id: str
    methods: frozenset[str]
    features: frozenset[str] = frozenset()
    source: str = ""
    message: str = ""

    @property
    def event(self) -> str:
        return f"failure explained by open bug {self.id}"

    def explains(self, method: str, features: frozenset[str], source: str, failure: str) -> bool:
        return (method in self.methods
                and (not self.features or bool(self.features & features))
                and (not self.source or re.search(self.source, source) is not None)
                and (not self.message or re.search(self.message, failure) is not None))


#: Program features autograd cannot differentiate: in-place calls, ``np.average`` (no VJP for
#: its values), ``np.clip`` with active bounds and operands by parameter name
#: (``np.dot(v, b=w)``) (tests/fuzz/reductions.py).
NO_AUTOGRAD = frozenset({"inplace_call", "average", "clip", "by_name"})

TAPE, COMPILER = frozenset({"tape"}), frozenset({"compiled", "vjp", "duck"})

OPEN_BUGS: tuple[OpenBug, ...] = (
    OpenBug("R2 (duck only: a duck value written into a NumPy constant makes index_set's result "
            "a duck array, which NumPy's list functions then refuse; the primal kept NumPy's)",
            frozenset({"duck"}), features=frozenset({"fancy_write", "subscript_write"}),
            source=r"np\.(mean|stack|sum|concatenate)\(\[", message="Implicit conversion"),
)


def known_bug(method: str, features: frozenset[str], source: str, failure: str) -> OpenBug | None:
    return next((bug for bug in OPEN_BUGS if bug.explains(method, features, source, failure)),
                None)


def check(case: Case, methods: dict[str, Callable[..., tuple[Any, ...]]],
          features: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Differentiate with every method; raise Mismatch on any error or disagreement.

    Returns the gradients per method, and under ``"events"`` what to count: open bugs that
    explain a failure (only possible for programs whose ``features`` match an entry) and
    disagreements of the plain differences that the extrapolated oracle overruled.
    """
    source = Path(case.module.__file__).read_text()
    results: dict[str, Any] = {"events": []}
    for name, method in methods.items():
        if name == "autograd" and (writes_subscripts(source) or features & NO_AUTOGRAD):
            continue
        try:
            got = _run_method(case, name, method, results["events"])
            if got is not None:
                results[name] = got
        except Mismatch as failure:
            bug = known_bug(name, features, source, str(failure))
            if bug is None:
                raise
            results["events"].append(bug.event)
    names = sorted(k for k in results if k != "events")
    for a, b in zip(names, names[1:]):
        try:
            for pos, got, want in zip(case.wrt, results[a], results[b]):
                _compare(f"{a} vs {b}, argument {pos}", got, want, AD_RTOL,
                         AD_ATOL * case.scale)
        except Mismatch as failure:
            # Too small for finite differences to see, but one side has a known bug.
            bug = (known_bug(a, features, source, str(failure))
                   or known_bug(b, features, source, str(failure)))
            if bug is None:
                raise
            results["events"].append(bug.event)
    return results


def _run_method(case: Case, name: str, method: Callable[..., tuple[Any, ...]],
                events: list[str]) -> Any:
    snapshot = copy.deepcopy(case.args)
    try:
        value, grads = method(case.module, snapshot, case.wrt)
    except TransformError as exc:
        if case.falls_back and name == "duck":
            events.append(f"duck: refused ({_gist(exc)})")  # the tape is checked on NumPy
            return None
        if not (case.falls_back and name in FALLS_BACK_TO_TAPE):
            raise Mismatch(f"{name} raised {type(exc).__name__}: {exc}") from exc
        events.append(f"{name}: refused ({_gist(exc)}), runs on the tape")
        snapshot = copy.deepcopy(case.args)
        value, grads = _on_the_tape(case, name, method, snapshot, exc, events)
    except (RuntimeError, TypeError) as exc:
        if not (case.falls_back and name == "tape" and _gist(exc)):
            raise Mismatch(f"{name} raised {type(exc).__name__}: {exc}") from exc
        events.append(f"tape: clear error ({type(exc).__name__}: {_gist(exc)})")
        return None
    except Exception as exc:
        raise Mismatch(f"{name} raised {type(exc).__name__}: {exc}") from exc
    if grads is None:  # the method does not apply to this program
        return None
    if value is not None and not np.allclose(float(leaves(value)[0]), case.value,
                                             rtol=AD_RTOL, atol=AD_ATOL):
        raise Mismatch(f"{name} returned the value {leaves(value)[0]!r}, f returns {case.value!r}")
    if len(grads) != len(case.wrt):
        raise Mismatch(f"{name} returned {len(grads)} gradients for wrt={case.wrt}")
    _assert_unmutated(name, snapshot, case.args)
    if name in KIND_KEEPING:
        _assert_kinds(name, grads, case)
    got_all = [leaves(g) for g in grads]
    for k, (pos, got) in enumerate(zip(case.wrt, got_all)):
        label = f"{name} vs finite differences, argument {pos}"
        try:
            _compare(label, got, case.numeric[k], FD_RTOL, FD_ATOL * case.scale)
        except Mismatch:
            # Only a disagreement the extrapolated oracle confirms is a mismatch.
            _compare(f"{label} (confirmed by Richardson extrapolation)", got,
                     case.extrapolated()[k], FD_RTOL, FD_ATOL * case.scale)
            events.append(f"{name}: differences at step {FD_STEP} overruled by extrapolation")
    return got_all


#: Methods that take the tape when the compiler refuses a construct (``fallback="tape"``).
FALLS_BACK_TO_TAPE = ("compiled", "vjp")


def _gist(exc: BaseException) -> str:
    """The first words of an error: few enough distinct ones to count as events."""
    return " ".join(str(exc).split()[:7])


def _on_the_tape(case: Case, name: str, method: Callable[..., tuple[Any, ...]], args: Any,
                 refusal: TransformError, events: list[str]) -> tuple[Any, Any]:
    """``method`` again with ``fallback="tape"``: it must warn (TransformWarning) and then give
    the right gradient, or raise a clear RuntimeError/TypeError (counted, not a failure)."""
    from tangentish.compiler import diagnostics
    from tangentish.errors import TransformWarning

    # It warns once per file, line and construct in a process: forget that the refusal (just
    # raised with fallback="error") was seen, so this call must warn.
    refused = getattr(refusal, "filename", None), getattr(refusal, "lineno", None)
    diagnostics._warned.discard((refused[0] or "", refused[1] or 0, refusal.reason))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, grads = method(case.module, args, case.wrt, fallback="tape")
        except (RuntimeError, TypeError) as exc:
            if not _gist(exc):
                raise Mismatch(f"{name} on the tape raised an empty {type(exc).__name__}") from exc
            events.append(f"{name}: clear error on the tape ({type(exc).__name__}: {_gist(exc)})")
            value = grads = None
        except Exception as exc:
            raise Mismatch(f"{name} on the tape raised {type(exc).__name__}: {exc}") from exc
    if not any(issubclass(w.category, TransformWarning) for w in caught):
        if refusal.function in (None, "f", "_f", "__call__", "<lambda>"):
            raise Mismatch(f"{name} fell back to the tape without a TransformWarning")
        # Refused in a helper: f compiles and calls it on the tape (call-site fallback), which
        # warns only where its result is needed.
        events.append(f"{name}: call-site fallback for a helper, no warning")
    if any("Python number" in str(w.message) for w in caught):
        return None, None  # float(x) on the tape: not followed, and it says so (see _tape)
    return value, grads


#: Methods whose gradients have their arguments' kinds (DESIGN.md: a Python float's gradient
#: is a float, an array's an array of its shape, found by fuzz4: A1).
KIND_KEEPING = ("compiled", "vjp")


def _assert_kinds(name: str, grads: Any, case: Case) -> None:
    for pos, grad in zip(case.wrt, grads):
        arg = case.args[pos]
        if isinstance(arg, np.ndarray):
            ok = isinstance(grad, np.ndarray) and grad.shape == arg.shape
        elif isinstance(arg, float):
            ok = isinstance(grad, float)  # np.float64 is one
        else:
            continue  # containers: their leaves are compared
        if not ok:
            raise Mismatch(f"{name}: the gradient of argument {pos} ({type(arg).__name__}) is "
                           f"a {type(grad).__name__} {np.shape(grad)}")


def _same(used: Any, original: Any) -> bool:
    got, want = leaves(used), leaves(original)
    return len(got) == len(want) and all(
        g.shape == w.shape and np.array_equal(g, w) for g, w in zip(got, want))


def _assert_unmutated(name: str, used: Any, original: Any) -> None:
    if not _same(used, original):
        raise Mismatch(f"{name} mutated the caller's arguments")
