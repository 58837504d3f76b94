"""Rule cases for runtime/rules/elementwise.py, and the domains the property tests draw from.

``SPECS`` says, for every elementwise primitive, where each argument is drawn from so that the
function is smooth there (positive for log, |x| < 1 for arcsin, ...). ``CASES`` turns each spec
into fixed-shape cases for test_rules.py; test_elementwise_properties.py draws shapes instead.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tangentish.runtime.rules.elementwise import csign, csign_grad
from tests.runtime.rulecheck import Case

# ---------------------------------------------------------------- domains: (rng, shape) -> values


def real(rng, shape):
    return rng.standard_normal(shape)


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def unit(rng, shape):
    """Inside (-1, 1), away from the ends where arcsin's derivative blows up."""
    return rng.uniform(-0.9, 0.9, shape)


def above_one(rng, shape):
    return rng.uniform(1.1, 3.0, shape)


def nonzero(rng, shape):
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)


def exponent(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def lower(rng, shape):
    """A lower clip bound that a standard normal crosses often."""
    return rng.uniform(-1.0, -0.2, shape)


def upper(rng, shape):
    return rng.uniform(0.2, 1.0, shape)


def boolean(rng, shape):
    return rng.random(shape) < 0.5


def small_int(rng, shape):
    return rng.integers(-3, 4, shape)


#: Domains of arguments that carry no gradient.
NONDIFF_DOMAINS = (boolean, small_int)


@dataclass(frozen=True)
class Spec:
    """One primitive: a domain per positional argument and how it may be called.

    ``arrays``: takes arrays (every NumPy function and Python operator); ``floats``: takes Python
    floats (operators, builtins, ``math``). ``inplace``: the first argument receives the result,
    so it must already have the broadcast shape.
    """

    primitive: Callable[..., Any]
    domains: tuple[Callable[..., Any], ...]
    arrays: bool = True
    floats: bool = False
    inplace: bool = False

    @property
    def wrt(self) -> tuple[int, ...]:
        return tuple(i for i, d in enumerate(self.domains) if d not in NONDIFF_DOMAINS)

    @property
    def name(self) -> str:
        return Case(self.primitive, lambda rng: ()).id


def _numpy(primitive, *domains):
    return Spec(primitive, domains)


def _operator(primitive, *domains, inplace=False):
    return Spec(primitive, domains, floats=True, inplace=inplace)


def _math(primitive, *domains):
    return Spec(primitive, domains, arrays=False, floats=True)


R, P, U = real, positive, unit

SPECS = [
    # unary NumPy
    *(_numpy(f, R) for f in (
        np.negative, np.positive, np.absolute, np.fabs, np.exp, np.expm1, np.exp2,
        np.square, np.sin, np.cos, np.arctan, np.sinh, np.cosh, np.tanh, np.arcsinh,
        np.deg2rad, np.radians, np.rad2deg, np.degrees, np.sinc, np.conjugate, np.real,
        np.imag)),
    _numpy(np.tan, U),
    # abs's helpers: piecewise constant for real x (complex x: test_complex_abs.py)
    _numpy(csign, nonzero),
    _numpy(csign_grad, R, nonzero, nonzero),
    *(_numpy(f, P) for f in (np.log, np.log1p, np.log2, np.log10, np.sqrt)),
    _numpy(np.reciprocal, nonzero),
    _numpy(np.cbrt, nonzero),  # its slope is infinite at 0: finite differences need room
    *(_numpy(f, U) for f in (np.arcsin, np.arccos, np.arctanh)),
    _numpy(np.arccosh, above_one),
    # binary NumPy
    *(_numpy(f, R, R) for f in (
        np.add, np.subtract, np.multiply, np.maximum, np.minimum, np.fmax, np.fmin,
        np.arctan2, np.hypot, np.logaddexp, np.logaddexp2, np.copysign)),
    _numpy(np.divide, R, nonzero),
    _numpy(np.power, P, exponent),
    _numpy(np.float_power, P, exponent),
    *(_numpy(f, R, nonzero) for f in (np.remainder, np.fmod)),
    _numpy(np.ldexp, R, small_int),
    _numpy(np.where, boolean, R, R),
    _numpy(np.clip, R, lower, upper),
    # Python operators and builtins: floats and arrays
    *(_operator(f, R, R) for f in (operator.add, operator.sub, operator.mul)),
    _operator(operator.truediv, R, nonzero),
    _operator(operator.pow, P, exponent),
    _operator(operator.mod, R, nonzero),
    *(_operator(f, R) for f in (operator.neg, operator.pos, operator.abs, builtins.abs)),
    _operator(builtins.pow, P, exponent),
    *(_operator(f, R, R, inplace=True) for f in (operator.iadd, operator.isub, operator.imul)),
    _operator(operator.itruediv, R, nonzero, inplace=True),
    _operator(operator.ipow, P, exponent, inplace=True),
    _operator(operator.imod, R, nonzero, inplace=True),
    # math: Python floats only
    *(_math(f, R) for f in (
        math.exp, math.expm1, math.sin, math.cos, math.atan, math.sinh, math.cosh, math.tanh,
        math.asinh, math.fabs, math.erf, math.erfc, math.degrees, math.radians)),
    _math(math.tan, U),
    *(_math(f, P) for f in (math.log, math.log1p, math.log2, math.log10, math.sqrt)),
    _math(math.log, P, above_one),
    *(_math(f, U) for f in (math.asin, math.acos, math.atanh)),
    _math(math.acosh, above_one),
    *(_math(f, R, R) for f in (math.atan2, math.hypot, math.copysign)),
    _math(math.pow, P, exponent),
    *(_math(f, R, nonzero) for f in (math.fmod, math.remainder)),
    _math(math.ldexp, R, small_int),
    *(_math(f, R) for f in (getattr(math, "exp2", None),) if f),
    *(_math(f, nonzero) for f in (getattr(math, "cbrt", None),) if f),
]

# ---------------------------------------------------------------- fixed-shape cases

#: Shapes per arity for the array cases: every binary case broadcasts both ways.
SHAPES = {1: [(3, 4)], 2: [(3, 4), (4,)], 3: [(3, 4), (4,), (3, 1)]}


def _draw(domains, shapes):
    def args(rng):
        return tuple(d(rng, s) for d, s in zip(domains, shapes))

    return args


def _floats(domains):
    def args(rng):
        return tuple(d(rng, ()).item() for d in domains)

    return args


def _cases(spec: Spec) -> list[Case]:
    cases = []
    if spec.arrays:
        shapes = SHAPES[len(spec.domains)]
        if spec.inplace:
            shapes = [(3, 4), (4,)]
        cases.append(Case(spec.primitive, _draw(spec.domains, shapes), wrt=spec.wrt,
                          id=f"{spec.name}[arrays]"))
    if spec.floats:
        cases.append(Case(spec.primitive, _floats(spec.domains), wrt=spec.wrt,
                          id=f"{spec.name}[floats{len(spec.domains)}]"))
    return cases


def _x(rng):
    return rng.standard_normal((3, 4))


CASES = [case for spec in SPECS for case in _cases(spec)] + [
    # the scalar operand broadcasting into the array, and the array into a smaller one
    Case(operator.mul, lambda rng: (rng.standard_normal((3,)), 2.5), wrt=(0, 1)),
    Case(np.add, lambda rng: (rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 1))),
         wrt=(0, 1), id="np.add[2x1x3+4x1]"),
    # x ** n for a negative base and a whole exponent (only the base is differentiable there)
    Case(np.power, lambda rng: (_x(rng), 3.0), id="np.power[negative base]"),
    Case(operator.pow, lambda rng: (_x(rng), 2), id="operator.pow[int exponent]"),
    # clip: None bounds, array bounds, and bounds passed by keyword
    Case(np.clip, lambda rng: (_x(rng), None, upper(rng, (4,))), wrt=(0, 2),
         id="np.clip[no lower]"),
    Case(np.clip, lambda rng: (_x(rng), lower(rng, (3, 1)), None), wrt=(0, 1),
         id="np.clip[no upper]"),
    Case(np.clip, lambda rng: (_x(rng),), kwargs={"a_min": -0.5, "a_max": 0.5}),
    # bounds crossed (a_min > a_max): the output is a_max everywhere
    Case(np.clip, lambda rng: (_x(rng), upper(rng, (4,)), lower(rng, ())), wrt=(0, 1, 2),
         id="np.clip[crossed bounds]"),
    Case(np.where, lambda rng: (boolean(rng, (3, 1)), _x(rng), 1.5), wrt=(1, 2),
         id="np.where[scalar branch]"),
]
