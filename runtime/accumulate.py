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

A loop's contributions can also wait until the loop ends (``tangentish.compiler.defer``):
``matmul_grad_b_flush(acc, [(dy1, a1), (dy2, a2)], b)`` is ``acc + a1.T @ dy1 + a2.T @ dy2``,
computed as one product of the stacked factors, ``[a1; a2].T @ [dy1; dy2]``: fifty rank-16
updates of a 1024 x 1024 adjoint, each reading and writing all 8 MB of it, become a few
products BLAS runs near its peak.

>>> a, dy = np.ones((2, 3)), np.ones((2, 4))
>>> matmul_grad_b_into(np.zeros((3, 4)), dy, a, np.ones((3, 4)))[0].tolist()
[2.0, 2.0, 2.0, 2.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import buffers
from .backend import is_array
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
from .support import broadcast_like, no_tangent, shape_only, unbroadcast

__all__ = ["add_into", "subtract_into", "matmul_grad_a_into", "matmul_grad_b_into",
           "matmul_grad_a_defer", "matmul_grad_b_defer", "matmul_grad_a_flush",
           "matmul_grad_b_flush", "outer_defer", "outer_flush"]

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


# ---------------------------------------------------------------- deferred products
# ``matmul_grad_b_defer(acc, dy, a, b, parts)`` is ``matmul_grad_b_into(acc, dy, a, b)`` whose
# product may wait in ``parts`` (a list the generated code made for this loop and adjoint) until
# ``matmul_grad_b_flush(acc, parts, b)`` adds what waits, after the loop. ``acc`` is complete
# only after the flush; nothing reads it in between (``tangentish.compiler.defer``).

#: a product waits only for an adjoint this big: a rank-16 update of a smaller one runs from
#: cache at BLAS's speed (measured, one thread: 256 x 256, 50 updates of rank 16: 2.5 ms
#: against 2.0 ms as one product; 512 x 512: 15.6 against 8.5; 1024 x 1024: 82 against 36)
DEFER_MIN_BYTES = 1 << 20
#: ... and of fewer rows (columns for ``_a``) than this: a bigger product already runs well
DEFER_MAX_ROWS = 64
#: waiting rows are added as soon as there are this many: BLAS is near its peak by then, and
#: the factors held (and stacked) stay bounded however long the loop
FLUSH_ROWS = 256


def matmul_grad_b_defer(acc: Any, dy: Any, a: Any, b: Any, parts: list) -> Any:
    """``matmul_grad_b_into(acc, dy, a, b)``, or ``(dy, a)`` kept in ``parts`` for a flush."""
    if type(acc) is np.ndarray and acc.nbytes >= DEFER_MIN_BYTES and _waits(acc, dy, a, 0):
        return _wait(acc, (dy, a), dy.shape[0], parts, matmul_grad_b_flush, b)
    return matmul_grad_b_into(acc, dy, a, b)


def matmul_grad_a_defer(acc: Any, dy: Any, a: Any, b: Any, parts: list) -> Any:
    """``matmul_grad_a_into(acc, dy, a, b)``, or ``(dy, b)`` kept in ``parts`` for a flush."""
    if type(acc) is np.ndarray and acc.nbytes >= DEFER_MIN_BYTES and _waits(acc, dy, b, 1):
        return _wait(acc, (dy, b), dy.shape[1], parts, matmul_grad_a_flush, a)
    return matmul_grad_a_into(acc, dy, a, b)


def _waits(acc: np.ndarray, dy: Any, factor: Any, axis: int) -> bool:
    """May a product into this big NumPy ``acc`` wait? Only for 2-d NumPy operands whose
    product would update ``acc`` in place (``_gemm``), with few rows (``axis``) in ``dy``:
    anything else (a duck array, the tape's Tensors) is added at once."""
    return _gemm(acc, dy, factor) is not None and dy.shape[axis] < DEFER_MAX_ROWS


def _wait(acc: Any, pair: tuple, rows: int, parts: list, flush: Any, fixed: Any) -> Any:
    """Keep ``pair``; once ``FLUSH_ROWS`` rows wait, add them all (``flush``, given ``fixed``
    unless None) and start again."""
    parts.append(pair)
    if len(parts) * rows < FLUSH_ROWS:
        return acc
    acc = flush(acc, parts) if fixed is None else flush(acc, parts, fixed)
    parts.clear()
    return acc


def matmul_grad_b_flush(acc: Any, parts: list, b: Any) -> Any:
    """``acc`` plus ``matmul_grad_b(dy, a, b)`` for every ``(dy, a)`` in ``parts``: one product of
    the rows stacked where all are matrices of one type and dtype, else one by one."""
    joined = _joined(parts, 0, lambda dy, a: dy.shape[1] == b.shape[1] and
                     a.shape == (dy.shape[0], b.shape[0]), b)
    if joined is not None:
        return matmul_grad_b_into(acc, joined[0], joined[1], b)
    for dy, a in parts:
        acc = matmul_grad_b_into(acc, dy, a, b)
    return acc


def matmul_grad_a_flush(acc: Any, parts: list, a: Any) -> Any:
    """``acc`` plus ``matmul_grad_a(dy, a, b)`` for every ``(dy, b)`` in ``parts`` (the columns
    stacked, as above)."""
    joined = _joined(parts, 1, lambda dy, b: dy.shape[0] == a.shape[0] and
                     b.shape == (a.shape[1], dy.shape[1]), a)
    if joined is not None:
        return matmul_grad_a_into(acc, joined[0], a, joined[1])
    for dy, b in parts:
        acc = matmul_grad_a_into(acc, dy, a, b)
    return acc


def _joined(parts: list, axis: int, fits: Any, fixed: Any) -> tuple[Any, Any] | None:
    """Both factors of every part concatenated along ``axis``, or None where they cannot be
    (fewer than two parts, vectors or batches, mixed array types or dtypes: checked, since a
    concatenation would promote or broadcast where the products one by one do not)."""
    if len(parts) < 2 or not is_array(fixed) or fixed.ndim != 2:
        return None
    kind, dtype = type(parts[0][0]), parts[0][0].dtype
    for x, y in parts:
        if not (type(x) is kind and type(y) is kind and x.ndim == y.ndim == 2 and
                x.dtype == dtype and y.dtype == dtype and fits(x, y)):
            return None
    return _stacked([x for x, _ in parts], axis), _stacked([y for _, y in parts], axis)


def _stacked(arrays: list, axis: int) -> Any:
    """``np.concatenate(arrays, axis)``; for NumPy, into a pooled buffer (runtime/buffers.py):
    the flush lets go of it on return, and fresh pages would cost their zero-fill every call."""
    first = arrays[0]
    if type(first) is not np.ndarray:
        return np.concatenate(arrays, axis=axis)
    shape = list(first.shape)
    shape[axis] = sum(x.shape[axis] for x in arrays)
    return np.concatenate(arrays, axis=axis, out=_scratch(tuple(shape), first.dtype))


def _scratch(shape: tuple, dtype: Any) -> np.ndarray:
    """An uninitialised pooled buffer; a small one is a view of a pool-sized buffer (the pool
    keeps only buffers of at least ``buffers.MIN_BYTES``)."""
    size = shape[0] * shape[1]
    flat = buffers.empty((max(size, buffers.MIN_BYTES // dtype.itemsize),), dtype)
    return flat[:size].reshape(shape)


def outer_defer(acc: Any, x: Any, y: Any, parts: list) -> Any:
    """``add_into(acc, x[:, None] * y)``, or ``(x, y)`` kept in ``parts`` for ``outer_flush``.

    A weight's adjoint from a matrix-vector product is one outer product a step: several Python
    operations on a small weight, a pass over all of a big one. Vectors of the adjoint's NumPy
    dtype always wait (they are small), to be added as one product of them stacked as rows.
    """
    if (type(acc) is np.ndarray and type(x) is type(y) is np.ndarray and x.ndim == y.ndim == 1
            and acc.shape == (x.shape[0], y.shape[0]) and acc.dtype == x.dtype == y.dtype):
        parts.append((x, y))
        if len(parts) < FLUSH_ROWS:
            return acc
        acc = outer_flush(acc, parts)
        parts.clear()
        return acc
    return add_into(acc, x[:, None] * y)


def outer_flush(acc: Any, parts: list) -> Any:
    """``acc`` plus ``x[:, None] * y`` for every ``(x, y)`` in ``parts``: ``X.T @ Y`` of the
    vectors stacked as rows where all are NumPy vectors of one length each, else one by one."""
    if not parts:
        return acc
    xs, ys = [x for x, _ in parts], [y for _, y in parts]
    shapes = {x.shape for x in xs}, {y.shape for y in ys}
    if len(parts) > 1 and all(len(s) == 1 and len(next(iter(s))) == 1 for s in shapes):
        # one concatenation, not np.stack's Python-level reshape of every vector (1 us apiece)
        rows = len(parts)
        return matmul_grad_b_into(acc, np.concatenate(ys).reshape(rows, -1),
                                  np.concatenate(xs).reshape(rows, -1), acc)
    for x, y in parts:
        acc = add_into(acc, x[:, None] * y)
    return acc


def outer_grad_x(dz: Any, x: Any, y: Any) -> Any:
    """The cotangent of ``x`` in ``acc + x[:, None] * y``."""
    g = x[:, None] * y
    return np.reshape(unbroadcast(unbroadcast(dz, g) * y, x[:, None]), np.shape(x))


def outer_grad_y(dz: Any, x: Any, y: Any) -> Any:
    """The cotangent of ``y`` in ``acc + x[:, None] * y``."""
    return unbroadcast(unbroadcast(dz, x[:, None] * y) * x[:, None], y)


def outer_cotangents(dz: Any, parts: list) -> list:
    """The cotangent of ``parts`` in ``outer_flush``: one ``(dx, dy)`` per part."""
    return [(outer_grad_x(dz, x, y), outer_grad_y(dz, x, y)) for x, y in parts]


def outer_tangent(dparts: Any, acc: Any, parts: list) -> Any:
    """The tangent ``outer_flush`` gets from ``parts``' tangents (the product rule per part)."""
    total = np.zeros_like(acc)
    for t, (x, y) in zip(dparts, parts):
        if _nonzero(t, 0):
            total = total + t[0][:, None] * y
        if _nonzero(t, 1):
            total = total + x[:, None] * t[1]
    return broadcast_like(total, acc)


def flush_b_cotangents(dz: Any, parts: list, b: Any) -> list:
    """The cotangent of ``parts`` in ``matmul_grad_b_flush``: one ``(ddy, da)`` per part."""
    return [(matmul_grad_b_vjp_dy(dz, None, dy, a, b), matmul_grad_b_vjp_a(dz, None, dy, a, b))
            for dy, a in parts]


def flush_a_cotangents(dz: Any, parts: list, a: Any) -> list:
    """The cotangent of ``parts`` in ``matmul_grad_a_flush``: one ``(ddy, db)`` per part."""
    return [(matmul_grad_a_vjp_dy(dz, None, dy, a, b), matmul_grad_a_vjp_b(dz, None, dy, a, b))
            for dy, b in parts]


def flush_b_tangent(dparts: Any, acc: Any, parts: list, b: Any) -> Any:
    """The tangent ``matmul_grad_b_flush`` gets from ``parts``' tangents: the product rule per
    part, as one more flush (``None`` or a number in ``dparts`` is a zero tangent)."""
    terms = [(t[0], a) for t, (dy, a) in zip(dparts, parts) if _nonzero(t, 0)]
    terms += [(dy, t[1]) for t, (dy, a) in zip(dparts, parts) if _nonzero(t, 1)]
    return matmul_grad_b_flush(np.zeros_like(acc), terms, b)


def flush_a_tangent(dparts: Any, acc: Any, parts: list, a: Any) -> Any:
    """The tangent ``matmul_grad_a_flush`` gets from ``parts``' tangents (as above)."""
    terms = [(t[0], b) for t, (dy, b) in zip(dparts, parts) if _nonzero(t, 0)]
    terms += [(dy, t[1]) for t, (dy, b) in zip(dparts, parts) if _nonzero(t, 1)]
    return matmul_grad_a_flush(np.zeros_like(acc), terms, a)


def _nonzero(t: Any, k: int) -> bool:
    """Is factor ``k`` of the tangent pair ``t`` an array (not None, not a zero number)?"""
    return isinstance(t, (tuple, list)) and is_array(t[k])


# ---------------------------------------------------------------- rules
# ``add_into``/``subtract_into`` are ``+``/``-`` with the same slots (acc, g): their rules are
# ``+``'s and ``-``'s. The product helpers' are the product adjoint's plus the identity for acc
# (slots: acc, dy, a, b; ``*_defer`` add ``parts``, which these rules ignore).


def into_vjp_acc(dz, z, acc, dy, a, b, parts=None):
    return dz


def into_jvp_acc(dacc, z, acc, dy, a, b, parts=None):
    return dacc


def matmul_grad_a_into_vjp_dy(dz, z, acc, dy, a, b, parts=None):
    return matmul_grad_a_vjp_dy(dz, z, dy, a, b)


def matmul_grad_a_into_vjp_b(dz, z, acc, dy, a, b, parts=None):
    return matmul_grad_a_vjp_b(dz, z, dy, a, b)


def matmul_grad_a_into_jvp_dy(ddy, z, acc, dy, a, b, parts=None):
    return matmul_grad_a_jvp_dy(ddy, z, dy, a, b)


def matmul_grad_a_into_jvp_b(db, z, acc, dy, a, b, parts=None):
    return matmul_grad_a_jvp_b(db, z, dy, a, b)


def matmul_grad_b_into_vjp_dy(dz, z, acc, dy, a, b, parts=None):
    return matmul_grad_b_vjp_dy(dz, z, dy, a, b)


def matmul_grad_b_into_vjp_a(dz, z, acc, dy, a, b, parts=None):
    return matmul_grad_b_vjp_a(dz, z, dy, a, b)


def matmul_grad_b_into_jvp_dy(ddy, z, acc, dy, a, b, parts=None):
    return matmul_grad_b_jvp_dy(ddy, z, dy, a, b)


def matmul_grad_b_into_jvp_a(da, z, acc, dy, a, b, parts=None):
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


# Deferred products. ``*_defer`` (slots: acc, dy, a, b, parts) have ``*_into``'s rules: what
# waits in ``parts`` is the flush's to add. ``*_flush`` (slots: acc, parts, fixed factor): the
# identity for acc, the product adjoint per part, nothing for the factor.


def flush_vjp_acc(dz, z, acc, parts, fixed):
    return dz


def flush_jvp_acc(dacc, z, acc, parts, fixed):
    return dacc


def matmul_grad_b_flush_vjp_parts(dz, z, acc, parts, b):
    return flush_b_cotangents(dz, parts, b)


def matmul_grad_b_flush_jvp_parts(dparts, z, acc, parts, b):
    return flush_b_tangent(dparts, acc, parts, b)


def matmul_grad_a_flush_vjp_parts(dz, z, acc, parts, a):
    return flush_a_cotangents(dz, parts, a)


def matmul_grad_a_flush_jvp_parts(dparts, z, acc, parts, a):
    return flush_a_tangent(dparts, acc, parts, a)


defvjp(matmul_grad_b_defer, into_vjp_acc, matmul_grad_b_into_vjp_dy, matmul_grad_b_into_vjp_a,
       shape_only(3), shape_only(4))
defjvp(matmul_grad_b_defer, into_jvp_acc, matmul_grad_b_into_jvp_dy, matmul_grad_b_into_jvp_a,
       no_tangent, no_tangent)
defvjp(matmul_grad_a_defer, into_vjp_acc, matmul_grad_a_into_vjp_dy, shape_only(2),
       matmul_grad_a_into_vjp_b, shape_only(4))
defjvp(matmul_grad_a_defer, into_jvp_acc, matmul_grad_a_into_jvp_dy, no_tangent,
       matmul_grad_a_into_jvp_b, no_tangent)
defvjp(matmul_grad_b_flush, flush_vjp_acc, matmul_grad_b_flush_vjp_parts, shape_only(2))
defjvp(matmul_grad_b_flush, flush_jvp_acc, matmul_grad_b_flush_jvp_parts, no_tangent)
defvjp(matmul_grad_a_flush, flush_vjp_acc, matmul_grad_a_flush_vjp_parts, shape_only(2))
defjvp(matmul_grad_a_flush, flush_jvp_acc, matmul_grad_a_flush_jvp_parts, no_tangent)


# ``outer_defer`` (slots: acc, x, y, parts) is ``add_into(acc, x[:, None] * y)``; ``outer_flush``
# (slots: acc, parts) the identity for acc and the outer product's rule per part.


def outer_defer_vjp_x(dz, z, acc, x, y, parts):
    return outer_grad_x(dz, x, y)


def outer_defer_vjp_y(dz, z, acc, x, y, parts):
    return outer_grad_y(dz, x, y)


def outer_defer_jvp_x(dx, z, acc, x, y, parts):
    return broadcast_like(dx[:, None] * y, z)


def outer_defer_jvp_y(dy, z, acc, x, y, parts):
    return broadcast_like(x[:, None] * dy, z)


def outer_flush_vjp_acc(dz, z, acc, parts):
    return dz


def outer_flush_vjp_parts(dz, z, acc, parts):
    return outer_cotangents(dz, parts)


def outer_flush_jvp_acc(dacc, z, acc, parts):
    return dacc


def outer_flush_jvp_parts(dparts, z, acc, parts):
    return outer_tangent(dparts, acc, parts)


defvjp(outer_defer, into_vjp_acc, outer_defer_vjp_x, outer_defer_vjp_y, shape_only(3))
defjvp(outer_defer, into_jvp_acc, outer_defer_jvp_x, outer_defer_jvp_y, no_tangent)
defvjp(outer_flush, outer_flush_vjp_acc, outer_flush_vjp_parts)
defjvp(outer_flush, outer_flush_jvp_acc, outer_flush_jvp_parts)
