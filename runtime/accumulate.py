"""Adjoints added into a buffer generated code owns alone (``tangentish.compiler.inplace``).

``add_into(dW, g)`` is ``dW += g`` where the buffer can hold the sum. Matrix-product adjoints
go further: ``dW += h.T @ d`` is one BLAS call.

A reverse loop accumulates a weight's adjoint once per step. ``dW += matmul_grad_b(d, h, W)``
makes the product (a fresh hidden x hidden array) and then adds it; BLAS's gemm with beta = 1
adds the product into ``dW`` as it computes it (about half the time at hidden 1024: no
temporary, one pass over dW instead of three). Generated code calls these only for an adjoint
buffer it owns alone and reads nowhere else (see ``tangentish.compiler.inplace``).

For anything but 2-d NumPy float32/float64 arrays big enough to pay for the checks, or without
SciPy, they are ``acc + matmul_grad_b(dy, a, b)`` (a new array, as before). Their rules are those of
``matmul_grad_a/b`` plus the identity for ``acc``, so generated code using them can be
differentiated again.

>>> a, dy = np.ones((2, 3)), np.ones((2, 4))
>>> matmul_grad_b_into(np.zeros((3, 4)), dy, a, np.ones((3, 4)))[0].tolist()
[2.0, 2.0, 2.0, 2.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .rules.elementwise import (
    add_jvp_a,
    add_jvp_b,
    add_vjp_a,
    add_vjp_b,
    sub_jvp_a,
    sub_jvp_b,
    sub_vjp_a,
    sub_vjp_b,
)
from .rules.linalg import (
    matmul_grad_a,
    matmul_grad_a_jvp_b,
    matmul_grad_a_jvp_dy,
    matmul_grad_a_vjp_b,
    matmul_grad_a_vjp_dy,
    matmul_grad_b,
    matmul_grad_b_jvp_a,
    matmul_grad_b_jvp_dy,
    matmul_grad_b_vjp_a,
    matmul_grad_b_vjp_dy,
)
from .rules.table import defjvp, defvjp
from .support import no_tangent, shape_only

__all__ = ["add_into", "subtract_into", "matmul_grad_a_into", "matmul_grad_b_into"]

#: below this many elements the checks and SciPy's call cost more than they save: measured
#: (acc += a.T @ dy, 16 rows, one thread) 8 x 8: gemm 1.78 us, plain 1.69; 16 x 16: 1.93 against
#: 2.04; 32 x 32: 2.42 against 2.87; 128 x 128: 12.4 against 16.1
GEMM_MIN_SIZE = 256

_GEMMS: dict[Any, Any] | None = None


def _gemms() -> dict[Any, Any]:
    global _GEMMS
    if _GEMMS is None:
        try:
            from scipy.linalg import blas
        except ImportError:  # SciPy is optional: the plain path is correct, just slower
            _GEMMS = {}
        else:
            _GEMMS = {np.dtype(np.float64): blas.dgemm, np.dtype(np.float32): blas.sgemm}
    return _GEMMS


def _gemm(acc: Any, x: Any, y: Any) -> Any:
    """BLAS gemm for ``acc``'s dtype, or None where the plain path must run."""
    if not (type(acc) is np.ndarray and acc.size >= GEMM_MIN_SIZE and type(x) is type(y) is
            np.ndarray and acc.ndim == x.ndim == y.ndim == 2 and acc.dtype == x.dtype == y.dtype
            and acc.flags.c_contiguous and acc.flags.writeable):
        return None
    return _gemms().get(acc.dtype)


def add_into(acc: Any, g: Any) -> Any:
    """``acc + g``, written into ``acc`` where it can hold the sum (``acc += g``).

    A sum it cannot hold (a complex contribution to a real parameter's adjoint, which the API
    casts back at the end) is a new array, exactly what ``acc + g`` gave before.
    """
    try:
        acc += g
    except (TypeError, ValueError):
        return acc + g
    return acc


def subtract_into(acc: Any, g: Any) -> Any:
    """``acc - g``, written into ``acc`` where it can hold the difference."""
    try:
        acc -= g
    except (TypeError, ValueError):
        return acc - g
    return acc


def _settle(out: Any, acc: Any) -> Any:
    """gemm wrote into ``acc`` (its transpose is the Fortran-ordered C); should a BLAS wrapper
    ever have copied instead, copy the result back."""
    if not np.may_share_memory(out, acc):
        acc[...] = out.T
    return acc


def matmul_grad_a_into(acc: Any, dy: Any, a: Any, b: Any) -> Any:
    """``acc + matmul_grad_a(dy, a, b)``, written into ``acc``: acc.T = b @ dy.T."""
    gemm = _gemm(acc, dy, b)
    if gemm is not None:
        return _settle(gemm(1.0, b.T, dy.T, beta=1.0, c=acc.T, trans_a=True,
                            overwrite_c=True), acc)
    return acc + matmul_grad_a(dy, a, b)


def matmul_grad_b_into(acc: Any, dy: Any, a: Any, b: Any) -> Any:
    """``acc + matmul_grad_b(dy, a, b)``, written into ``acc``: acc.T = dy.T @ a."""
    gemm = _gemm(acc, dy, a)
    if gemm is not None:
        return _settle(gemm(1.0, dy.T, a.T, beta=1.0, c=acc.T, trans_b=True,
                            overwrite_c=True), acc)
    return acc + matmul_grad_b(dy, a, b)


# ---------------------------------------------------------------- rules
# ``add_into``/``subtract_into`` are ``+``/``-`` with the same slots (acc, g): their rules are
# ``+``'s and ``-``'s. The product helpers' are the product adjoint's plus the identity for acc
# (slots: acc, dy, a, b).


def into_vjp_acc(dz, z, acc, dy, a, b):
    return dz


def into_jvp_acc(dacc, z, acc, dy, a, b):
    return dacc


def matmul_grad_a_into_vjp_dy(dz, z, acc, dy, a, b):
    return matmul_grad_a_vjp_dy(dz, z, dy, a, b)


def matmul_grad_a_into_vjp_b(dz, z, acc, dy, a, b):
    return matmul_grad_a_vjp_b(dz, z, dy, a, b)


def matmul_grad_a_into_jvp_dy(ddy, z, acc, dy, a, b):
    return matmul_grad_a_jvp_dy(ddy, z, dy, a, b)


def matmul_grad_a_into_jvp_b(db, z, acc, dy, a, b):
    return matmul_grad_a_jvp_b(db, z, dy, a, b)


def matmul_grad_b_into_vjp_dy(dz, z, acc, dy, a, b):
    return matmul_grad_b_vjp_dy(dz, z, dy, a, b)


def matmul_grad_b_into_vjp_a(dz, z, acc, dy, a, b):
    return matmul_grad_b_vjp_a(dz, z, dy, a, b)


def matmul_grad_b_into_jvp_dy(ddy, z, acc, dy, a, b):
    return matmul_grad_b_jvp_dy(ddy, z, dy, a, b)


def matmul_grad_b_into_jvp_a(da, z, acc, dy, a, b):
    return matmul_grad_b_jvp_a(da, z, dy, a, b)


defvjp(add_into, add_vjp_a, add_vjp_b)
defjvp(add_into, add_jvp_a, add_jvp_b)
defvjp(subtract_into, sub_vjp_a, sub_vjp_b)
defjvp(subtract_into, sub_jvp_a, sub_jvp_b)
defvjp(matmul_grad_a_into, into_vjp_acc, matmul_grad_a_into_vjp_dy, shape_only(2),
       matmul_grad_a_into_vjp_b)
defjvp(matmul_grad_a_into, into_jvp_acc, matmul_grad_a_into_jvp_dy, no_tangent,
       matmul_grad_a_into_jvp_b)
defvjp(matmul_grad_b_into, into_vjp_acc, matmul_grad_b_into_vjp_dy, matmul_grad_b_into_vjp_a,
       shape_only(3))
defjvp(matmul_grad_b_into, into_jvp_acc, matmul_grad_b_into_jvp_dy, matmul_grad_b_into_jvp_a,
       no_tangent)
