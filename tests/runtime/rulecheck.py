"""Checks one rule-table entry against central finite differences (float64).

A ``Case`` names a primitive, how to draw its arguments, and which arguments to differentiate.
Family test modules list cases; ``test_rules.py`` runs every case on every backend.

Arguments and outputs may be lists or tuples (``np.concatenate([a, b])``, ``np.split``): a rule
for a sequence argument returns a list of cotangents, and ``None`` in a cotangent or tangent
list means "no gradient here" (``dy_none`` / ``dx_none`` exercise that on purpose).
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
    #: Positions in a list/tuple output whose cotangent is passed as None (unused outputs).
    dy_none: tuple[int, ...] = ()
    #: Positions in a list/tuple argument whose tangent is passed as None (inactive inputs).
    dx_none: tuple[int, ...] = ()

    def __post_init__(self):
        if not self.id:
            name = table.lookup(self.primitive).name if table.lookup(self.primitive) else str(
                self.primitive)
            extra = ",".join(f"{k}={v}" for k, v in self.kwargs.items())
            self.id = f"{name}({extra})" if extra else name


def _tree(fn, x):
    """``fn`` on every leaf of a list/tuple nest (backends convert single arrays only)."""
    if isinstance(x, (tuple, list)):
        return type(x)(_tree(fn, v) for v in x)
    return fn(x)


def _flat(y):
    if isinstance(y, (tuple, list)):
        return [None if v is None else np.asarray(v, dtype=np.float64) for v in y]
    return [np.asarray(y, dtype=np.float64)]


def _like(template, rng):
    if isinstance(template, (tuple, list)):
        return type(template)(_like(t, rng) for t in template)
    if np.ndim(template) == 0 and not isinstance(template, np.ndarray):
        return float(rng.standard_normal())
    return rng.standard_normal(np.shape(template))


def _dot(a, b):
    return sum(float(np.sum(x * y)) for x, y in zip(_flat(a), _flat(b)) if y is not None)


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


def _drop(values, positions):
    if not positions:
        return values
    return type(values)(None if k in positions else v for k, v in enumerate(values))


def _leaves(x):
    if isinstance(x, (tuple, list)):
        return [leaf for v in x for leaf in _leaves(v)]
    return [x]


def check_vjp(case: Case, rng: np.random.Generator, to=lambda x: x, back=lambda x: x) -> None:
    args = case.args(rng)
    f = lambda *a: case.primitive(*_copy(a), **case.kwargs)
    y = _primal(f, args)
    dy = _drop(_like(y, rng), case.dy_none)
    for i in case.wrt:
        rule = table.vjp_rule(case.primitive, i)
        got = rule(_tree(to, dy), _tree(to, y), *[_tree(to, a) for a in args], **case.kwargs)
        assert_same_library(got, _tree(to, args[i]))
        numeric, _ = numerical_grad(lambda *a: _dot(f(*a), dy), args, i)
        got = _leaves(_tree(back, got))
        assert len(got) == len(numeric), f"{case.id}: vjp[{i}] has {len(got)} leaves"
        for g, expect in zip(got, numeric):
            # None is "no gradient": the numeric gradient must then be zero.
            g = np.zeros_like(expect) if g is None else np.asarray(g, dtype=np.float64)
            assert g.shape == expect.shape, (
                f"{case.id}: vjp[{i}] shape {g.shape} != {expect.shape}")
            np.testing.assert_allclose(g, expect, rtol=case.rtol, atol=case.atol,
                                       err_msg=f"{case.id}: vjp for argument {i}")


def check_jvp(case: Case, rng: np.random.Generator, to=lambda x: x, back=lambda x: x,
              eps: float = 1e-6) -> None:
    args = case.args(rng)
    f = lambda *a: case.primitive(*_copy(a), **case.kwargs)
    y = _primal(f, args)
    for i in case.wrt:
        rule = table.jvp_rule(case.primitive, i)
        dx = _like(args[i], rng)
        if isinstance(dx, (tuple, list)):
            dx = _drop(dx, case.dx_none)
        got = rule(_tree(to, dx), _tree(to, y), *[_tree(to, a) for a in args], **case.kwargs)
        plus, minus = list(args), list(args)
        plus[i] = _shift(args[i], dx, eps)
        minus[i] = _shift(args[i], dx, -eps)
        expect = [None if p is None else (p - m) / (2 * eps)  # None: an output with no value
                  for p, m in zip(_flat(f(*plus)), _flat(f(*minus)))]
        got_flat = got if isinstance(got, (tuple, list)) else [got]
        assert len(got_flat) == len(expect), f"{case.id}: jvp[{i}] has {len(got_flat)} outputs"
        for g, e in zip(got_flat, expect):
            if e is None:
                assert g is None, f"{case.id}: jvp[{i}] gave a tangent for an output that is None"
                continue
            g = np.zeros_like(e) if g is None else np.asarray(back(g), dtype=np.float64)
            np.testing.assert_allclose(np.broadcast_to(g, e.shape), e, rtol=case.rtol,
                                       atol=case.atol, err_msg=f"{case.id}: jvp for argument {i}")


def _shift(x, dx, eps):
    if dx is None:
        return x
    if isinstance(x, (tuple, list)):
        return type(x)(_shift(a, d, eps) for a, d in zip(x, dx))
    return x + eps * dx


def assert_same_library(result, like) -> None:
    """A rule's result lives in the input's array library (never silently converted)."""
    from tests.duck import DuckArray

    results = result if isinstance(result, (tuple, list)) else [result]
    likes = like if isinstance(like, (tuple, list)) else [like] * len(results)
    for r, l in zip(results, likes):
        if isinstance(l, DuckArray) and r is not None:
            assert isinstance(r, DuckArray), f"rule returned {type(r).__name__} for a duck array"
