"""Directional finite differences over nests of arrays: the oracle of the forward-mode and
second-order tests (a JVP is a derivative along one direction)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tangentish.checking import _flatten, _to_host


def positions(case) -> tuple[int, ...]:
    """A corpus case's ``wrt`` as argument positions."""
    params = list(inspect.signature(case.fn).parameters)
    wrt = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    return tuple(params.index(w) if isinstance(w, str) else w for w in wrt)


def random_like(x: Any, rng: np.random.Generator) -> Any:
    """A random direction with the structure of ``x`` (floats stay floats)."""
    leaves, build = _flatten(x)
    return build([rng.standard_normal(np.shape(leaf)) if np.ndim(leaf) else
                  float(rng.standard_normal()) for leaf in leaves])


def shifted(x: Any, t: Any, eps: float) -> Any:
    """``x + eps * t`` leaf by leaf."""
    lx, build = _flatten(x)
    lt, _ = _flatten(t)
    return build([a + eps * b for a, b in zip(lx, lt)])


def directional(f: Callable[..., Any], args: Sequence[Any], pos: Sequence[int],
                tangents: Sequence[Any], eps: float = 1e-6) -> list[np.ndarray]:
    """Central differences of ``f`` along ``tangents`` (one per position), as host leaves."""

    def at(e: float) -> list[np.ndarray]:
        moved = list(args)
        for p, t in zip(pos, tangents):
            moved[p] = shifted(args[p], t, e)
        return [_to_host(leaf) for leaf in _flatten(f(*moved))[0]]

    return [(a - b) / (2 * eps) for a, b in zip(at(eps), at(-eps))]


def assert_close(got: Any, expected: Any, rtol: float, atol: float) -> None:
    """Two nests (or a nest and a list of host leaves) agree leaf by leaf."""
    lg = [_to_host(leaf) for leaf in _flatten(got)[0]]
    le = expected if isinstance(expected, list) else [_to_host(x) for x in
                                                       _flatten(expected)[0]]
    assert len(lg) == len(le), f"{len(lg)} leaves against {len(le)}"
    for g, e in zip(lg, le):
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
