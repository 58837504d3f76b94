"""Forward mode and second order on a generated program, checked against the reverse results.

* ``tg.jvp`` along a random direction ``v`` (one per differentiated argument) must equal
  ``<grad, v>`` from finite differences (loosely) and from the reverse-mode gradient (tightly);
* ``tg.hvp`` (forward over reverse) for the first differentiated float or array argument must
  equal central differences of the reverse-mode gradient along ``v``.

As for gradients (harness.py), a disagreement with plain differences counts only when a
Richardson extrapolation of differences at two other steps confirms it.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from tangentish.errors import TransformError
from tests.fuzz.harness import (
    AD_ATOL,
    AD_RTOL,
    FD_ATOL,
    FD_RTOL,
    FD_STEP,
    Case,
    Mismatch,
    agree,
    known_bug,
    leaves,
)

#: What forward mode may raise on a program with a construct the compiler refuses.
CLEAR_ERRORS = (TransformError, RuntimeError, TypeError)

#: Step of the central differences of the gradient for Hessian-vector products.
HVP_STEP = 1e-5


def direction(value: Any, seed: int) -> Any:
    """A tangent with ``value``'s structure: fixed pseudo-random entries in [-1, 1]."""
    rng = np.random.default_rng(seed)

    def build(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: build(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(build(v) for v in x)
        if isinstance(x, np.ndarray):
            return rng.uniform(-1.0, 1.0, x.shape)
        return float(rng.uniform(-1.0, 1.0))

    return build(value)


def _dot(grads: list[np.ndarray], tangent: Any) -> float:
    return float(sum(np.sum(g * t) for g, t in zip(grads, leaves(tangent))))


def check_jvp(case: Case, reverse: list[list[np.ndarray]] | None) -> list[str]:
    """``tg.jvp`` along a random direction against finite and reverse-mode gradients; returns
    the events to count (the extrapolated oracle overruling the plain one)."""
    import tangentish as tg

    tangents = tuple(direction(case.args[p], seed=p) for p in case.wrt)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value, out = tg.jvp(case.module.f, wrt=case.wrt)(copy.deepcopy(case.args), tangents)
    except Exception as exc:
        raise Mismatch(f"jvp raised {type(exc).__name__}: {exc}") from exc
    if any("Python number" in str(w.message) for w in caught):
        # On the tape (a partial or a callable instance), ``float(x)`` is not followed, and the
        # tape says so with a TapeWarning: as for the tape's gradient (harness._tape).
        return ["jvp: on the tape, float() of a differentiated value not followed (warned)"]
    out = float(leaves(out)[0])
    if not np.isclose(float(leaves(value)[0]), case.value, rtol=AD_RTOL, atol=AD_ATOL):
        raise Mismatch(f"jvp returned the value {value!r}, f returns {case.value!r}")
    scale = case.scale * max(1.0, sum(float(np.sum(np.abs(t))) for t in map(_flat, tangents)))
    events = []
    numeric = sum(_dot(n, t) for n, t in zip(case.numeric, tangents))
    if abs(out - numeric) > FD_ATOL * scale + FD_RTOL * abs(numeric):
        better = sum(_dot(n, t) for n, t in zip(case.extrapolated(), tangents))
        if abs(out - better) > FD_ATOL * scale + FD_RTOL * abs(better):
            raise Mismatch(f"jvp vs finite differences: got {out!r}, expected {numeric!r} "
                           f"(extrapolated: {better!r})")
        events.append(f"jvp: differences at step {FD_STEP} overruled by extrapolation")
    if reverse is not None:
        exact = sum(_dot(g, t) for g, t in zip(reverse, tangents))
        if abs(out - exact) > AD_ATOL * scale + AD_RTOL * abs(exact):
            raise Mismatch(f"jvp vs compiled: got {out!r}, expected {exact!r}")
    return events


def _flat(x: Any) -> np.ndarray:
    return np.concatenate([np.ravel(leaf) for leaf in leaves(x)])


def check_hvp(case: Case) -> list[str]:
    """``tg.hvp`` for the first float/array argument in ``wrt`` (if any); returns the events to
    count (the extrapolated oracle overruling the plain one)."""
    import tangentish as tg

    pos = next((p for p in case.wrt if isinstance(case.args[p], (float, np.ndarray))), None)
    if pos is None:
        return []
    x = case.args[pos]
    others = tuple(a for i, a in enumerate(case.args) if i != pos)
    v = direction(x, seed=100 + pos)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = tg.hvp(case.module.f, copy.deepcopy(x), v, args=copy.deepcopy(others),
                         wrt=pos)
    except Exception as exc:
        raise Mismatch(f"hvp raised {type(exc).__name__}: {exc}") from exc
    if any("Python number" in str(w.message) for w in caught):
        return ["hvp: on the tape, float() of a differentiated value not followed (warned)"]
    # The gradient the harness already compiled (the same wrt: a cache hit, no new compile).
    grad = tg.value_and_grad(case.module.f, wrt=case.wrt,
                             fallback="tape" if case.falls_back else "error")
    k = case.wrt.index(pos)

    def at(step: float) -> np.ndarray:
        args = list(copy.deepcopy(case.args))
        args[pos] = x + step * v
        return np.asarray(grad(*args)[1][k], dtype=np.float64)

    def differences(step: float) -> np.ndarray:
        return (at(step) - at(-step)) / (2 * step)

    want = differences(HVP_STEP)
    got = np.asarray(leaves(got)[0], dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    if agree(got, want, 1e-3, FD_ATOL * scale):
        return []
    # Richardson: (4 D(h) - D(2h)) / 3 cancels the step**2 term of the plain differences.
    better = (4 * want - differences(2 * HVP_STEP)) / 3
    if not agree(got, better, 1e-3, FD_ATOL * scale):
        raise Mismatch(f"hvp vs differences of the gradient, argument {pos}: got "
                       f"{got.tolist()}, expected {want.tolist()} (extrapolated: "
                       f"{better.tolist()})")
    return [f"hvp: differences at step {HVP_STEP} overruled by extrapolation"]


def check_forward(case: Case, reverse: list[list[np.ndarray]] | None,
                  features: frozenset[str], hessian: bool = True) -> list[str]:
    """Both checks (``tg.hvp`` only with ``hessian``); returns the events to count (open bugs
    that explain a failure, overruled plain differences), raises on any other failure."""
    events = []
    source = Path(case.module.__file__).read_text()
    checks = [("jvp", lambda: check_jvp(case, reverse)), ("hvp", lambda: check_hvp(case))]
    for name, run in checks[:2 if hessian else 1]:
        try:
            events += run()
        except CLEAR_ERRORS as exc:
            if not case.falls_back:
                raise
            events.append(f"{name}: clear error ({type(exc).__name__})")  # the tape's gradient
        except Mismatch as failure:
            if case.falls_back and isinstance(failure.__cause__, CLEAR_ERRORS):
                # A construct the compiler refuses: forward mode may refuse it too, clearly.
                events.append(f"{name}: clear error ({type(failure.__cause__).__name__})")
                continue
            bug = known_bug(name, features, source, str(failure))
            if bug is None:
                raise
            events.append(bug.event)
    return events
