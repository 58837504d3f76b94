"""Forward mode and second order on a generated program, checked against the reverse results.

* ``tg.jvp`` along a random direction ``v`` (one per differentiated argument) must equal
  ``<grad, v>`` from finite differences (loosely) and from the reverse-mode gradient (tightly);
* ``tg.hvp`` (forward over reverse) for the first differentiated float or array argument must
  equal central differences of the reverse-mode gradient along ``v``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from tests.fuzz.harness import (
    AD_ATOL,
    AD_RTOL,
    FD_ATOL,
    FD_RTOL,
    Case,
    Mismatch,
    known_bug,
    leaves,
)

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


def check_jvp(case: Case, reverse: list[list[np.ndarray]] | None) -> None:
    """``tg.jvp`` along a random direction against finite and reverse-mode gradients."""
    import tangentish as tg

    tangents = tuple(direction(case.args[p], seed=p) for p in case.wrt)
    try:
        value, out = tg.jvp(case.module.f, wrt=case.wrt)(copy.deepcopy(case.args), tangents)
    except Exception as exc:
        raise Mismatch(f"jvp raised {type(exc).__name__}: {exc}") from exc
    out = float(leaves(out)[0])
    if not np.isclose(float(leaves(value)[0]), case.value, rtol=AD_RTOL, atol=AD_ATOL):
        raise Mismatch(f"jvp returned the value {value!r}, f returns {case.value!r}")
    numeric = sum(_dot(n, t) for n, t in zip(case.numeric, tangents))
    scale = case.scale * max(1.0, sum(float(np.sum(np.abs(t))) for t in map(_flat, tangents)))
    if abs(out - numeric) > FD_ATOL * scale + FD_RTOL * abs(numeric):
        raise Mismatch(f"jvp vs finite differences: got {out!r}, expected {numeric!r}")
    if reverse is not None:
        exact = sum(_dot(g, t) for g, t in zip(reverse, tangents))
        if abs(out - exact) > AD_ATOL * scale + AD_RTOL * abs(exact):
            raise Mismatch(f"jvp vs compiled: got {out!r}, expected {exact!r}")


def _flat(x: Any) -> np.ndarray:
    return np.concatenate([np.ravel(leaf) for leaf in leaves(x)])


def check_hvp(case: Case) -> bool:
    """``tg.hvp`` for the first float/array argument in ``wrt``; False when there is none."""
    import tangentish as tg

    pos = next((p for p in case.wrt if isinstance(case.args[p], (float, np.ndarray))), None)
    if pos is None:
        return False
    x = case.args[pos]
    others = tuple(a for i, a in enumerate(case.args) if i != pos)
    v = direction(x, seed=100 + pos)
    try:
        got = tg.hvp(case.module.f, copy.deepcopy(x), v, args=copy.deepcopy(others), wrt=pos)
    except Exception as exc:
        raise Mismatch(f"hvp raised {type(exc).__name__}: {exc}") from exc
    grad = tg.grad(case.module.f, wrt=pos, fallback="error")

    def at(step: float) -> np.ndarray:
        args = list(copy.deepcopy(case.args))
        args[pos] = x + step * v
        return np.asarray(grad(*args), dtype=np.float64)

    want = (at(HVP_STEP) - at(-HVP_STEP)) / (2 * HVP_STEP)
    got = np.asarray(leaves(got)[0], dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    if got.shape != want.shape or not np.all(
            np.abs(got - want) <= FD_ATOL * scale + 1e-3 * np.abs(want)):
        raise Mismatch(f"hvp vs differences of the gradient, argument {pos}: got "
                       f"{got.tolist()}, expected {want.tolist()}")
    return True


def check_forward(case: Case, reverse: list[list[np.ndarray]] | None,
                  features: frozenset[str]) -> list[str]:
    """Both checks; returns the ids of open bugs that explain a failure, raises otherwise."""
    explained = []
    source = Path(case.module.__file__).read_text()
    for name, run in (("jvp", lambda: check_jvp(case, reverse)), ("hvp", lambda: check_hvp(case))):
        try:
            run()
        except Mismatch as failure:
            bug = known_bug(name, features, source, str(failure))
            if bug is None:
                raise
            explained.append(bug.id)
    return explained
