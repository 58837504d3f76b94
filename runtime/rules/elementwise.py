"""Elementwise rules: NumPy ufuncs, Python operators, ``math`` functions and builtins.

Each rule is a named one-expression function so the compiler can inline its body. Binary rules
undo broadcasting with ``unbroadcast``; a JVP rule returns the output's shape (``broadcast_like``
where its tangent alone could be smaller). One rule often serves several primitives: ``np.exp``
and ``math.exp`` share ``exp_vjp``, so the rules use only ``np.*`` calls and operators, which
work on Python floats (giving floats or NumPy scalars), on arrays of any NEP-18 library and on
tape Tensors alike.

Conventions (the same as JAX's where they differ from a textbook):
* Kinks take the gradient ``np.sign`` gives: ``abs`` at 0 has gradient 0.
* Ties split: ``maximum(a, a)`` sends half of the cotangent to each argument.
* ``x ** p`` has derivative 0 in ``p`` at ``x == 0`` and 0 in ``x`` when ``p == 0``, never NaN.
* Constants are Python floats, never NumPy scalars, so float32 gradients stay float32.
"""

import builtins
import math
import operator

import numpy as np

from ..support import (
    broadcast_like,
    clip_hits_max,
    clip_hits_min,
    clip_passes,
    shape_of,
    unbroadcast,
    zeros_like_tree,
)
from .table import defjvp, defnondiff, defvjp

LN2 = math.log(2.0)
LN10 = math.log(10.0)
DEG2RAD = math.pi / 180.0
RAD2DEG = 180.0 / math.pi
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _register(primitives, vjps, jvps, argnames=()):
    for primitive in primitives:
        if primitive is None:  # a math function newer than this Python (math.cbrt: 3.11)
            continue
        defvjp(primitive, *vjps, argnames=argnames)
        defjvp(primitive, *jvps, argnames=argnames)


# ---------------------------------------------------------------- unary: sign and parts


def neg_vjp(dy, y, x):
    return -dy


def neg_jvp(dx, y, x):
    return -dx


def pos_vjp(dy, y, x):
    return dy


def pos_jvp(dx, y, x):
    return dx


# |z|, Re z and Im z are real: only the real part of a cotangent reaches them. A complex one
# arrives where the real result meets complex values downstream (|z| * c): JAX projects where
# the real value is promoted to complex, these rules where it was made; real rules in between
# scale by real partials, so the two agree.
def abs_vjp(dy, y, x):
    return np.real(dy) * csign(x)


def abs_jvp(dx, y, x):
    return np.real(dx * csign(x))


def csign(x):
    """``sign(x)``, conjugated for complex x: the table follows JAX's convention for complex
    values (a product's cotangent is ``g * b``, not ``g * conj(b)``), in which the cotangent of
    ``|z|`` is ``g * conj(z) / |z|`` (``np.sign(z)`` alone gave real inputs reached through
    complex values a wrong gradient).

    For complex x it is written over differentiable primitives, so that the tape's
    ``create_graph`` differentiates it; the compiler uses its rules (``csign_grad``). A real x
    keeps ``np.sign``, piecewise constant."""
    if np.iscomplexobj(x):
        return np.conj(x) / np.where(x == 0, 1, np.abs(x))
    return np.sign(x)


def csign_grad(g, s, x):
    """Both the VJP and the JVP of ``s = csign(x)`` (the map is its own transpose): zero for
    real x; for complex x, with Wirtinger derivatives ``ds/dx = -conj(x)**2 / (2|x|**3)`` and
    ``ds/dconj(x) = 1 / (2|x|)``, ``(conj(g) - g * s**2) / (2|x|)``, and 0 at x == 0."""
    if not np.iscomplexobj(x):
        return _zeros_broadcast(g, s, x)
    return (np.conj(g) - g * s * s) / (2 * np.where(x == 0, np.inf, np.abs(x)))


def _zeros_broadcast(like, *others):
    """Zeros in ``like``'s library, of the shape ``like`` and ``others`` broadcast to."""
    shape = np.broadcast_shapes(shape_of(like), *map(shape_of, others))
    return zeros_like_tree(like) if shape_of(like) == shape else np.zeros_like(like, shape=shape)


def _third_order(x, like):
    """csign_grad through ``s`` or ``x`` is a third derivative of ``abs``: zero for real x, not
    provided for complex x (loud rather than wrong)."""
    if np.iscomplexobj(x):
        raise NotImplementedError("tangentish: third derivatives of abs of complex values are "
                                  "not provided")
    return zeros_like_tree(like)


def csign_vjp(g, s, x):
    return csign_grad(g, s, x)


def csign_jvp(dx, s, x):
    return csign_grad(dx, s, x)


def csign_grad_vjp(dw, w, g, s, x):
    return unbroadcast(csign_grad(dw, s, x), g)


def csign_grad_vjp_s(dw, w, g, s, x):
    return _third_order(x, s)


def csign_grad_vjp_x(dw, w, g, s, x):
    return _third_order(x, x)


def csign_grad_jvp(dg, w, g, s, x):
    return csign_grad(dg, s, x)


def csign_grad_jvp_sx(dsx, w, g, s, x):
    return _third_order(x, w)


def conj_vjp(dy, y, x):
    return np.conj(dy)


def conj_jvp(dx, y, x):
    return np.conj(dx)


def real_vjp(dy, y, x):
    # Adding zeros of x's dtype makes the cotangent of a complex x complex, as JAX does.
    return np.real(dy) + np.zeros_like(x)


def real_jvp(dx, y, x):
    return np.real(dx)


def imag_vjp(dy, y, x):
    # JAX's convention for complex x; a real x has a constant (zero) imaginary part.
    return np.zeros_like(x) - 1j * np.real(dy) if np.iscomplexobj(x) else np.zeros_like(x)


def imag_jvp(dx, y, x):
    return np.imag(dx)


_register((np.negative, operator.neg), (neg_vjp,), (neg_jvp,))
_register((np.positive, operator.pos), (pos_vjp,), (pos_jvp,))
_register((np.absolute, np.fabs, operator.abs, builtins.abs, math.fabs), (abs_vjp,), (abs_jvp,))
_register((np.conjugate,), (conj_vjp,), (conj_jvp,))
_register((csign,), (csign_vjp,), (csign_jvp,))
_register((csign_grad,), (csign_grad_vjp, csign_grad_vjp_s, csign_grad_vjp_x),
          (csign_grad_jvp, csign_grad_jvp_sx, csign_grad_jvp_sx))
_register((np.real,), (real_vjp,), (real_jvp,))
_register((np.imag,), (imag_vjp,), (imag_jvp,))

# ---------------------------------------------------------------- unary: exponentials and logs


def exp_vjp(dy, y, x):
    return dy * y


def exp_jvp(dx, y, x):
    return dx * y


def exp2_vjp(dy, y, x):
    return dy * y * LN2


def exp2_jvp(dx, y, x):
    return dx * y * LN2


def expm1_vjp(dy, y, x):
    return dy * (y + 1)


def expm1_jvp(dx, y, x):
    return dx * (y + 1)


def log_vjp(dy, y, x):
    return dy / x


def log_jvp(dx, y, x):
    return dx / x


def log1p_vjp(dy, y, x):
    return dy / (1 + x)


def log1p_jvp(dx, y, x):
    return dx / (1 + x)


def log2_vjp(dy, y, x):
    return dy / (x * LN2)


def log2_jvp(dx, y, x):
    return dx / (x * LN2)


def log10_vjp(dy, y, x):
    return dy / (x * LN10)


def log10_jvp(dx, y, x):
    return dx / (x * LN10)


_register((np.exp, math.exp), (exp_vjp,), (exp_jvp,))
_register((np.exp2, getattr(math, "exp2", None)), (exp2_vjp,), (exp2_jvp,))
_register((np.expm1, math.expm1), (expm1_vjp,), (expm1_jvp,))
_register((np.log,), (log_vjp,), (log_jvp,))
_register((np.log1p, math.log1p), (log1p_vjp,), (log1p_jvp,))
_register((np.log2, math.log2), (log2_vjp,), (log2_jvp,))
_register((np.log10, math.log10), (log10_vjp,), (log10_jvp,))


# math.log(x[, base]) = ln(x) / ln(base).
def mathlog_vjp_x(dy, y, x, base=math.e):
    return dy / (x * np.log(base))


def mathlog_vjp_base(dy, y, x, base=math.e):
    return -dy * y / (base * np.log(base))


def mathlog_jvp_x(dx, y, x, base=math.e):
    return dx / (x * np.log(base))


def mathlog_jvp_base(dbase, y, x, base=math.e):
    return -dbase * y / (base * np.log(base))


_register((math.log,), (mathlog_vjp_x, mathlog_vjp_base), (mathlog_jvp_x, mathlog_jvp_base))

# ---------------------------------------------------------------- unary: powers and roots


def sqrt_vjp(dy, y, x):
    # np.reciprocal, not "/", so that math.sqrt(0.0) gives inf rather than ZeroDivisionError.
    return 0.5 * dy * np.reciprocal(y)


def sqrt_jvp(dx, y, x):
    return 0.5 * dx * np.reciprocal(y)


def cbrt_vjp(dy, y, x):
    return dy * np.reciprocal(3 * y * y)


def cbrt_jvp(dx, y, x):
    return dx * np.reciprocal(3 * y * y)


def square_vjp(dy, y, x):
    return dy * 2 * x


def square_jvp(dx, y, x):
    return dx * 2 * x


def reciprocal_vjp(dy, y, x):
    return -dy * y * y


def reciprocal_jvp(dx, y, x):
    return -dx * y * y


_register((np.sqrt, math.sqrt), (sqrt_vjp,), (sqrt_jvp,))
_register((np.cbrt, getattr(math, "cbrt", None)), (cbrt_vjp,), (cbrt_jvp,))
_register((np.square,), (square_vjp,), (square_jvp,))
_register((np.reciprocal,), (reciprocal_vjp,), (reciprocal_jvp,))

# ---------------------------------------------------------------- unary: trigonometric


def sin_vjp(dy, y, x):
    return dy * np.cos(x)


def sin_jvp(dx, y, x):
    return dx * np.cos(x)


def cos_vjp(dy, y, x):
    return -dy * np.sin(x)


def cos_jvp(dx, y, x):
    return -dx * np.sin(x)


def tan_vjp(dy, y, x):
    return dy * (1 + y * y)


def tan_jvp(dx, y, x):
    return dx * (1 + y * y)


def arcsin_vjp(dy, y, x):
    return dy / np.sqrt(1 - x * x)


def arcsin_jvp(dx, y, x):
    return dx / np.sqrt(1 - x * x)


def arccos_vjp(dy, y, x):
    return -dy / np.sqrt(1 - x * x)


def arccos_jvp(dx, y, x):
    return -dx / np.sqrt(1 - x * x)


def arctan_vjp(dy, y, x):
    return dy / (1 + x * x)


def arctan_jvp(dx, y, x):
    return dx / (1 + x * x)


def deg2rad_vjp(dy, y, x):
    return dy * DEG2RAD


def deg2rad_jvp(dx, y, x):
    return dx * DEG2RAD


def rad2deg_vjp(dy, y, x):
    return dy * RAD2DEG


def rad2deg_jvp(dx, y, x):
    return dx * RAD2DEG


_register((np.sin, math.sin), (sin_vjp,), (sin_jvp,))
_register((np.cos, math.cos), (cos_vjp,), (cos_jvp,))
_register((np.tan, math.tan), (tan_vjp,), (tan_jvp,))
_register((np.arcsin, math.asin), (arcsin_vjp,), (arcsin_jvp,))
_register((np.arccos, math.acos), (arccos_vjp,), (arccos_jvp,))
_register((np.arctan, math.atan), (arctan_vjp,), (arctan_jvp,))
_register((np.deg2rad, np.radians, math.radians), (deg2rad_vjp,), (deg2rad_jvp,))
_register((np.rad2deg, np.degrees, math.degrees), (rad2deg_vjp,), (rad2deg_jvp,))

# ---------------------------------------------------------------- unary: hyperbolic


def sinh_vjp(dy, y, x):
    return dy * np.cosh(x)


def sinh_jvp(dx, y, x):
    return dx * np.cosh(x)


def cosh_vjp(dy, y, x):
    return dy * np.sinh(x)


def cosh_jvp(dx, y, x):
    return dx * np.sinh(x)


def tanh_vjp(dy, y, x):
    return dy * (1 - y * y)


def tanh_jvp(dx, y, x):
    return dx * (1 - y * y)


def arcsinh_vjp(dy, y, x):
    return dy / np.sqrt(x * x + 1)


def arcsinh_jvp(dx, y, x):
    return dx / np.sqrt(x * x + 1)


def arccosh_vjp(dy, y, x):
    # (x - 1) * (x + 1) rather than x * x - 1: no cancellation near x = 1.
    return dy / np.sqrt((x - 1) * (x + 1))


def arccosh_jvp(dx, y, x):
    return dx / np.sqrt((x - 1) * (x + 1))


def arctanh_vjp(dy, y, x):
    return dy / ((1 - x) * (1 + x))


def arctanh_jvp(dx, y, x):
    return dx / ((1 - x) * (1 + x))


_register((np.sinh, math.sinh), (sinh_vjp,), (sinh_jvp,))
_register((np.cosh, math.cosh), (cosh_vjp,), (cosh_jvp,))
_register((np.tanh, math.tanh), (tanh_vjp,), (tanh_jvp,))
_register((np.arcsinh, math.asinh), (arcsinh_vjp,), (arcsinh_jvp,))
_register((np.arccosh, math.acosh), (arccosh_vjp,), (arccosh_jvp,))
_register((np.arctanh, math.atanh), (arctanh_vjp,), (arctanh_jvp,))

# ---------------------------------------------------------------- unary: special functions


def erf_vjp(dy, y, x):
    return dy * TWO_OVER_SQRT_PI * np.exp(-x * x)


def erf_jvp(dx, y, x):
    return dx * TWO_OVER_SQRT_PI * np.exp(-x * x)


def erfc_vjp(dy, y, x):
    return -dy * TWO_OVER_SQRT_PI * np.exp(-x * x)


def erfc_jvp(dx, y, x):
    return -dx * TWO_OVER_SQRT_PI * np.exp(-x * x)


# sinc(x) = sin(pi x) / (pi x); its derivative (cos(pi x) - sinc(x)) / x is 0 at x = 0, and
# dividing by 1 there gives exactly that without a 0/0 in the branch np.where throws away.
def sinc_vjp(dy, y, x):
    return dy * (np.cos(np.pi * x) - y) / np.where(x == 0, 1.0, x)


def sinc_jvp(dx, y, x):
    return dx * (np.cos(np.pi * x) - y) / np.where(x == 0, 1.0, x)


_register((math.erf,), (erf_vjp,), (erf_jvp,))
_register((math.erfc,), (erfc_vjp,), (erfc_jvp,))
_register((np.sinc,), (sinc_vjp,), (sinc_jvp,))

# ---------------------------------------------------------------- binary: arithmetic


def add_vjp_a(dy, y, a, b):
    return unbroadcast(dy, a)


def add_vjp_b(dy, y, a, b):
    return unbroadcast(dy, b)


def add_jvp_a(da, y, a, b):
    return broadcast_like(da, y)


def add_jvp_b(db, y, a, b):
    return broadcast_like(db, y)


def sub_vjp_a(dy, y, a, b):
    return unbroadcast(dy, a)


def sub_vjp_b(dy, y, a, b):
    return unbroadcast(-dy, b)


def sub_jvp_a(da, y, a, b):
    return broadcast_like(da, y)


def sub_jvp_b(db, y, a, b):
    return broadcast_like(-db, y)


def mul_vjp_a(dy, y, a, b):
    return unbroadcast(dy * b, a)


def mul_vjp_b(dy, y, a, b):
    return unbroadcast(dy * a, b)


def mul_jvp_a(da, y, a, b):
    return da * b


def mul_jvp_b(db, y, a, b):
    return a * db


def div_vjp_a(dy, y, a, b):
    return unbroadcast(dy / b, a)


def div_vjp_b(dy, y, a, b):
    return unbroadcast(-dy * y / b, b)


def div_jvp_a(da, y, a, b):
    return da / b


def div_jvp_b(db, y, a, b):
    return -db * y / b


_register((np.add, operator.add, operator.iadd), (add_vjp_a, add_vjp_b), (add_jvp_a, add_jvp_b))
_register((np.subtract, operator.sub, operator.isub), (sub_vjp_a, sub_vjp_b),
          (sub_jvp_a, sub_jvp_b))
_register((np.multiply, operator.mul, operator.imul), (mul_vjp_a, mul_vjp_b),
          (mul_jvp_a, mul_jvp_b))
_register((np.divide, operator.truediv, operator.itruediv), (div_vjp_a, div_vjp_b),
          (div_jvp_a, div_jvp_b))

# ---------------------------------------------------------------- binary: powers
# d/da a**b = b * a**(b-1), evaluated at a = 1 where b == 0 (a**0 is constant, and 0 * 0**-1
# would be NaN): every term stays finite, so the rule is safe to differentiate again.
# d/db a**b = log(a) * a**b, with log(1) = 0 standing in for log(0) where a == 0 (the limit).


def power_vjp_a(dy, y, a, b):
    return unbroadcast(dy * b * np.power(np.where(b == 0, 1.0, a), b - 1), a)


def power_vjp_b(dy, y, a, b):
    return unbroadcast(dy * y * np.log(np.where(a == 0, 1.0, a)), b)


def power_jvp_a(da, y, a, b):
    return da * b * np.power(np.where(b == 0, 1.0, a), b - 1)


def power_jvp_b(db, y, a, b):
    # A zero tangent adds nothing even where log(a) is NaN (a < 0): an integer exponent that
    # forward mode over a gradient sees as active (popped off its loop stack) has tangent 0.
    return db * y * np.log(np.where((a == 0) | (db == 0), 1.0, a))


def float_power_vjp_a(dy, y, a, b):
    return unbroadcast(dy * b * np.float_power(np.where(b == 0, 1.0, a), b - 1), a)


def float_power_jvp_a(da, y, a, b):
    return da * b * np.float_power(np.where(b == 0, 1.0, a), b - 1)


_register((np.power, operator.pow, operator.ipow, builtins.pow, math.pow),
          (power_vjp_a, power_vjp_b), (power_jvp_a, power_jvp_b))
_register((np.float_power,), (float_power_vjp_a, power_vjp_b), (float_power_jvp_a, power_jvp_b))

# ---------------------------------------------------------------- binary: selection
# Boolean masks multiply the cotangent (bool * float32 stays float32); at a tie both arguments
# get half, as in JAX. fmax/fmin also pass the gradient to the non-NaN argument.


def maximum_vjp_a(dy, y, a, b):
    return unbroadcast(dy * (a > b) + 0.5 * dy * (a == b), a)


def maximum_vjp_b(dy, y, a, b):
    return unbroadcast(dy * (b > a) + 0.5 * dy * (a == b), b)


def maximum_jvp_a(da, y, a, b):
    return da * (a > b) + 0.5 * da * (a == b)


def maximum_jvp_b(db, y, a, b):
    return db * (b > a) + 0.5 * db * (a == b)


def minimum_vjp_a(dy, y, a, b):
    return unbroadcast(dy * (a < b) + 0.5 * dy * (a == b), a)


def minimum_vjp_b(dy, y, a, b):
    return unbroadcast(dy * (b < a) + 0.5 * dy * (a == b), b)


def minimum_jvp_a(da, y, a, b):
    return da * (a < b) + 0.5 * da * (a == b)


def minimum_jvp_b(db, y, a, b):
    return db * (b < a) + 0.5 * db * (a == b)


def fmax_vjp_a(dy, y, a, b):
    return unbroadcast(dy * np.logical_or(a > b, np.isnan(b)) + 0.5 * dy * (a == b), a)


def fmax_vjp_b(dy, y, a, b):
    return unbroadcast(dy * np.logical_or(b > a, np.isnan(a)) + 0.5 * dy * (a == b), b)


def fmax_jvp_a(da, y, a, b):
    return da * np.logical_or(a > b, np.isnan(b)) + 0.5 * da * (a == b)


def fmax_jvp_b(db, y, a, b):
    return db * np.logical_or(b > a, np.isnan(a)) + 0.5 * db * (a == b)


def fmin_vjp_a(dy, y, a, b):
    return unbroadcast(dy * np.logical_or(a < b, np.isnan(b)) + 0.5 * dy * (a == b), a)


def fmin_vjp_b(dy, y, a, b):
    return unbroadcast(dy * np.logical_or(b < a, np.isnan(a)) + 0.5 * dy * (a == b), b)


def fmin_jvp_a(da, y, a, b):
    return da * np.logical_or(a < b, np.isnan(b)) + 0.5 * da * (a == b)


def fmin_jvp_b(db, y, a, b):
    return db * np.logical_or(b < a, np.isnan(a)) + 0.5 * db * (a == b)


_register((np.maximum,), (maximum_vjp_a, maximum_vjp_b), (maximum_jvp_a, maximum_jvp_b))
_register((np.minimum,), (minimum_vjp_a, minimum_vjp_b), (minimum_jvp_a, minimum_jvp_b))
_register((np.fmax,), (fmax_vjp_a, fmax_vjp_b), (fmax_jvp_a, fmax_jvp_b))
_register((np.fmin,), (fmin_vjp_a, fmin_vjp_b), (fmin_jvp_a, fmin_jvp_b))


# np.where(cond, a, b): cond is boolean and carries no gradient.
def where_vjp_a(dy, y, cond, a, b):
    return unbroadcast(np.where(cond, dy, 0.0), a)


def where_vjp_b(dy, y, cond, a, b):
    return unbroadcast(np.where(cond, 0.0, dy), b)


def where_jvp_a(da, y, cond, a, b):
    return np.where(cond, da, np.zeros_like(y))


def where_jvp_b(db, y, cond, a, b):
    return np.where(cond, np.zeros_like(y), db)


_register((np.where,), (None, where_vjp_a, where_vjp_b), (None, where_jvp_a, where_jvp_b))


# np.clip(a, a_min, a_max) = minimum(maximum(a, a_min), a_max); either bound may be None or an
# array, and the gradient goes to whichever of a, a_min, a_max the output came from.
def clip_vjp_a(dy, y, a, a_min=None, a_max=None):
    return unbroadcast(dy * clip_passes(a, a_min, a_max), a)


def clip_vjp_min(dy, y, a, a_min=None, a_max=None):
    return unbroadcast(dy * clip_hits_min(a, a_min, a_max), a_min)


def clip_vjp_max(dy, y, a, a_min=None, a_max=None):
    return unbroadcast(dy * clip_hits_max(a, a_min, a_max), a_max)


def clip_jvp_a(da, y, a, a_min=None, a_max=None):
    return da * clip_passes(a, a_min, a_max)


def clip_jvp_min(dmin, y, a, a_min=None, a_max=None):
    return dmin * clip_hits_min(a, a_min, a_max)


def clip_jvp_max(dmax, y, a, a_min=None, a_max=None):
    return dmax * clip_hits_max(a, a_min, a_max)


_register((np.clip,), (clip_vjp_a, clip_vjp_min, clip_vjp_max),
          (clip_jvp_a, clip_jvp_min, clip_jvp_max), argnames=("a", "a_min", "a_max"))

# ---------------------------------------------------------------- binary: two-argument functions


def arctan2_vjp_a(dy, y, a, b):
    return unbroadcast(dy * b / (np.square(a) + np.square(b)), a)


def arctan2_vjp_b(dy, y, a, b):
    return unbroadcast(-dy * a / (np.square(a) + np.square(b)), b)


def arctan2_jvp_a(da, y, a, b):
    return da * b / (np.square(a) + np.square(b))


def arctan2_jvp_b(db, y, a, b):
    return -db * a / (np.square(a) + np.square(b))


# hypot(0, 0) takes gradient 0, as abs(0) does.
def hypot_vjp_a(dy, y, a, b):
    return unbroadcast(dy * a / np.where(y == 0, 1.0, y), a)


def hypot_vjp_b(dy, y, a, b):
    return unbroadcast(dy * b / np.where(y == 0, 1.0, y), b)


def hypot_jvp_a(da, y, a, b):
    return da * a / np.where(y == 0, 1.0, y)


def hypot_jvp_b(db, y, a, b):
    return db * b / np.where(y == 0, 1.0, y)


def logaddexp_vjp_a(dy, y, a, b):
    return unbroadcast(dy * np.exp(a - y), a)


def logaddexp_vjp_b(dy, y, a, b):
    return unbroadcast(dy * np.exp(b - y), b)


def logaddexp_jvp_a(da, y, a, b):
    return da * np.exp(a - y)


def logaddexp_jvp_b(db, y, a, b):
    return db * np.exp(b - y)


def logaddexp2_vjp_a(dy, y, a, b):
    return unbroadcast(dy * np.exp2(a - y), a)


def logaddexp2_vjp_b(dy, y, a, b):
    return unbroadcast(dy * np.exp2(b - y), b)


def logaddexp2_jvp_a(da, y, a, b):
    return da * np.exp2(a - y)


def logaddexp2_jvp_b(db, y, a, b):
    return db * np.exp2(b - y)


# copysign(a, b) = |a| * sign(b): b only chooses a sign, so its gradient is zero.
def copysign_vjp_a(dy, y, a, b):
    return unbroadcast(dy * np.sign(a) * np.sign(y), a)


def copysign_vjp_b(dy, y, a, b):
    return zeros_like_tree(b)


def copysign_jvp_a(da, y, a, b):
    return da * np.sign(a) * np.sign(y)


def copysign_jvp_b(db, y, a, b):
    return zeros_like_tree(y)


# mod, fmod, remainder: y = a - n * b for a whole number n (floored, truncated or rounded
# quotient), so dy/da = 1 and dy/db = -n; rint recovers n exactly from the output.
def mod_vjp_a(dy, y, a, b):
    return unbroadcast(dy, a)


def mod_vjp_b(dy, y, a, b):
    return unbroadcast(-dy * np.rint((a - y) / b), b)


def mod_jvp_a(da, y, a, b):
    return broadcast_like(da, y)


def mod_jvp_b(db, y, a, b):
    return -db * np.rint((a - y) / b)


# ldexp(x, i) = x * 2**i; the integer exponent carries no gradient.
def ldexp_vjp(dy, y, x, i):
    return unbroadcast(np.ldexp(dy, i), x)


def ldexp_jvp(dx, y, x, i):
    return np.ldexp(dx, i)


_register((np.arctan2, math.atan2), (arctan2_vjp_a, arctan2_vjp_b),
          (arctan2_jvp_a, arctan2_jvp_b))
_register((np.hypot, math.hypot), (hypot_vjp_a, hypot_vjp_b), (hypot_jvp_a, hypot_jvp_b))
_register((np.logaddexp,), (logaddexp_vjp_a, logaddexp_vjp_b),
          (logaddexp_jvp_a, logaddexp_jvp_b))
_register((np.logaddexp2,), (logaddexp2_vjp_a, logaddexp2_vjp_b),
          (logaddexp2_jvp_a, logaddexp2_jvp_b))
_register((np.copysign, math.copysign), (copysign_vjp_a, copysign_vjp_b),
          (copysign_jvp_a, copysign_jvp_b))
_register((np.remainder, np.fmod, operator.mod, operator.imod, math.fmod, math.remainder),
          (mod_vjp_a, mod_vjp_b), (mod_jvp_a, mod_jvp_b))
_register((np.ldexp, math.ldexp), (ldexp_vjp, None), (ldexp_jvp, None))

# ---------------------------------------------------------------- non-differentiable
# Piecewise-constant or boolean results: a gradient through them is exactly zero.

NONDIFF = (
    # rounding and sign
    np.sign, np.heaviside, np.floor, np.ceil, np.trunc, np.rint, np.fix, np.round, np.around,
    np.floor_divide, np.nextafter, np.spacing, np.signbit,
    math.floor, math.ceil, math.trunc, builtins.round, operator.floordiv, operator.ifloordiv,
    # predicates
    np.isnan, np.isfinite, np.isinf, np.isneginf, np.isposinf, np.isclose, np.iscomplex,
    np.isreal, math.isnan, math.isinf, math.isfinite, math.isclose,
    # comparisons
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
    # logic and bits
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not, operator.not_, operator.truth,
    np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert, np.left_shift, np.right_shift,
    operator.and_, operator.or_, operator.xor, operator.invert,
    # np.clip's masks (its rules read them; forward over a gradient of np.clip meets them)
    clip_passes, clip_hits_min, clip_hits_max,
)

defnondiff(*NONDIFF)
