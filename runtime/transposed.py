"""A loop's fixed matrix transposed once, for the product with its transpose in every step.

``matmul_grad_a(dy, a, w)`` is ``dy @ w.T``, and BLAS multiplies by a transposed operand more
slowly than by a row-major one (one thread, 16 rows: 128 x 128, 17.6 us against 10.3 us; rnn
hidden 1024, 50 steps: 16 ms of a 170 ms gradient). A reverse loop multiplies by the same
``w.T`` every step, so generated code makes the row-major copy once before the loop,
``wh_t = transposed(wh, range(n))``, and calls ``matmul_grad_a_t(d, h, wh_t)`` in it. The copy
costs about two steps' saving for a small matrix and twenty-five for a large one, so it is made
only where the loop has that many steps; elsewhere ``transposed`` is the view ``w.T`` and the
products are what they were.

>>> w = np.arange(6.0).reshape(2, 3)
>>> wt = transposed(w, range(4))
>>> wt.flags.c_contiguous, matmul_grad_a_t(np.ones((1, 3)), np.ones((1, 2)), wt).tolist()
(True, [[3.0, 12.0]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import buffers
from .rules.linalg import (
    matmul_grad_a,
    matmul_grad_a_jvp_b,
    matmul_grad_a_jvp_dy,
    matmul_grad_a_vjp_b,
    matmul_grad_a_vjp_dy,
    product,
)
from .rules.table import defjvp, defvjp
from .support import no_tangent, shape_only

__all__ = ["transposed", "matmul_grad_a_t"]

#: a matrix this small (bytes) is copied for loops of two steps or more ...
SMALL_BYTES = 256 * 1024
#: ... a bigger one for loops of this many steps (measured at 1024 x 1024: copy 3.5-8 ms,
#: saving 0.3 ms a step)
LONG_LOOP = 32


def transposed(w: Any, steps: Any = range(1)) -> Any:
    """``w`` with its last two axes swapped: a row-major copy for a NumPy matrix used in
    ``len(steps)`` products where that pays, else a view."""
    n = len(steps)
    if type(w) is np.ndarray and w.ndim == 2 and n >= 2 and (
            w.nbytes <= SMALL_BYTES or n >= LONG_LOOP):
        out = buffers.empty(w.shape[::-1], w.dtype)  # a big one pooled: no fresh pages
        np.copyto(out, w.T)
        return out
    return swap(w)


def swap(x: Any) -> Any:
    """The last two axes swapped (a vector is its own transpose)."""
    return np.swapaxes(x, -1, -2) if x.ndim >= 2 else x


def matmul_grad_a_t(dy: Any, a: Any, bt: Any) -> Any:
    """``matmul_grad_a(dy, a, b)`` given ``bt = transposed(b)``: ``dy @ bt`` for matrices."""
    if type(a) is type(bt) is type(dy) is np.ndarray and a.ndim == bt.ndim == 2:
        return product(dy, bt)
    return matmul_grad_a(dy, a, swap(bt))


# ---------------------------------------------------------------- rules
# ``transposed`` is linear in w (``steps`` carries no gradient). ``matmul_grad_a_t`` has
# ``matmul_grad_a``'s rules with b = swap(bt) (slots: dy, a, bt); bt's are swapped back.


def transposed_vjp(dy, y, w, steps=range(1)):
    return swap(dy)


def transposed_jvp(dw, y, w, steps=range(1)):
    return swap(dw)


def matmul_grad_a_t_vjp_dy(dz, z, dy, a, bt):
    return matmul_grad_a_vjp_dy(dz, z, dy, a, swap(bt))


def matmul_grad_a_t_vjp_bt(dz, z, dy, a, bt):
    return swap(matmul_grad_a_vjp_b(dz, z, dy, a, swap(bt)))


def matmul_grad_a_t_jvp_dy(ddy, z, dy, a, bt):
    return matmul_grad_a_jvp_dy(ddy, z, dy, a, swap(bt))


def matmul_grad_a_t_jvp_bt(dbt, z, dy, a, bt):
    return matmul_grad_a_jvp_b(swap(dbt), z, dy, a, swap(bt))


defvjp(transposed, transposed_vjp)
defjvp(transposed, transposed_jvp)
defvjp(matmul_grad_a_t, matmul_grad_a_t_vjp_dy, shape_only(1), matmul_grad_a_t_vjp_bt)
defjvp(matmul_grad_a_t, matmul_grad_a_t_jvp_dy, no_tangent, matmul_grad_a_t_jvp_bt)
