"""Checks one rule-table entry against central finite differences (float64).

A ``Case`` names a primitive, how to draw its arguments, and which arguments to differentiate.
Family test modules list cases; ``test_rules.py`` runs every case on every backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tangentish.checking import numerical_grad
from tangentish.runtime.rules import table


@dataclass
class Case:
    primitive: Callable[..., Any]
    args: Callable[[np.random.Generator], tuple]
    kwargs: dict = field(default_factory=dict)
    wrt: tuple[int, ...] = (0,)
    id: str = ""
    rtol: float = 1e-5
    atol: float = 1e-6

    def __post_init__(self):
        if not self.id:
            name = table.lookup(self.primitive).name if table.lookup(self.primitive) else str(
                self.primitive)
            extra = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
            self.id = f"{name}({extra})" if extra else name


def _flat(y):
    if isinstance(y, (tuple, list)):
        return [np.asarray(v, dtype=np.float64) for v in y]
    return [np.asarray(y, dtype=np.float64)]


def _like(template, rng):
    if isinstance(template, (tuple, list)):
        return type(template)(_like(t, rng) for t in template)
    if np.ndim(template) == 0 and not isinstance(template, np.ndarray):
        return float(rng.standard_normal())
    return rng.standard_normal(np.shape(template))


def _dot(a, b):
    return sum(float(np.sum(x * y)) for x, y in zip(_flat(a), _flat(b)))


def _copy(x):
    if isinstance(x, (tuple, list)):
        return type(x)(_copy(v) for v in x)
    return x.copy() if isinstance(x, np.ndarray) else x


def _primal(f, args):
    """``f(*args)`` on copies, so in-place primitives (``operator.iadd``) leave args intact.

    A named tuple result (``np.linalg.eigh``'s) comes back as a plain tuple: rules index it.
    """
    y = f(*_copy(args))
    return tuple(y) if isinstance(y, tuple) else y


def check_vjp(case: Case, rng: np.random.Generator, to=lambda x: x, back=lambda x: x) -> None:
    args = case.args(rng)
    f = lambda *a: case.primitive(*_copy(a), **case.kwargs)
    y = _primal(f, args)
    dy = _like(y, rng)
    for i in case.wrt:
        rule = table.vjp_rule(case.primitive, i)
        got = rule(to(dy), to(y) if not isinstance(y, (float, int)) else y,
                   *[to(a) for a in args], **case.kwargs)
        assert_same_library(got, to(args[i]))
        got = np.asarray(back(got), dtype=np.float64)
        numeric, _ = numerical_grad(lambda *a: _dot(f(*a), dy), args, i)
        expect = numeric[0]
        assert got.shape == expect.shape, f"{case.id}: vjp[{i}] shape {got.shape} != {expect.shape}"
        np.testing.assert_allclose(got, expect, rtol=case.rtol, atol=case.atol,
                                   err_msg=f"{case.id}: vjp for argument {i}")


def check_jvp(case: Case, rng: np.random.Generator, to=lambda x: x, back=lambda x: x,
              eps: float = 1e-6) -> None:
    args = case.args(rng)
    f = lambda *a: case.primitive(*_copy(a), **case.kwargs)
    y = _primal(f, args)
    for i in case.wrt:
        rule = table.jvp_rule(case.primitive, i)
        dx = _like(args[i], rng)
        got = rule(to(dx), to(y) if not isinstance(y, (float, int)) else y,
                   *[to(a) for a in args], **case.kwargs)
        plus, minus = list(args), list(args)
        plus[i] = _shift(args[i], dx, eps)
        minus[i] = _shift(args[i], dx, -eps)
        expect = [(p - m) / (2 * eps) for p, m in zip(_flat(f(*plus)), _flat(f(*minus)))]
        got_flat = [np.asarray(back(g), dtype=np.float64) for g in
                    (got if isinstance(got, (tuple, list)) else [got])]
        for g, e in zip(got_flat, expect):
            np.testing.assert_allclose(np.broadcast_to(g, e.shape), e, rtol=case.rtol,
                                       atol=case.atol, err_msg=f"{case.id}: jvp for argument {i}")


def _shift(x, dx, eps):
    if isinstance(x, (tuple, list)):
        return type(x)(_shift(a, d, eps) for a, d in zip(x, dx))
    return x + eps * dx


def assert_same_library(result, like) -> None:
    """A rule's result lives in the input's array library (never silently converted)."""
    from tests.duck import DuckArray

    results = result if isinstance(result, (tuple, list)) else [result]
    likes = like if isinstance(like, (tuple, list)) else [like] * len(results)
    for r, l in zip(results, likes):
        if isinstance(l, DuckArray):
            assert isinstance(r, DuckArray), f"rule returned {type(r).__name__} for a duck array"
