"""torch's gradient where it differs from NumPy's function of the same name: tape-only
primitives behind ``tg.atan2``, ``tg.linalg.cholesky``, ``tg.linalg.eigh`` and
``tg.linalg.eigvalsh``.

NumPy code run on the tape (the compiler's fallback) still records ``np.arctan2`` and
``np.linalg.cholesky``, whose rules give NumPy's true derivative, as the compiled code does; the
torch-named functions record these wrappers, whose rules give torch's conventions:

* ``atan2(0, 0)``: torch's gradient is 0 for both arguments (NumPy's formula gives nan).
* ``cholesky``, ``eigh``, ``eigvalsh`` read one triangle of their input, so the true gradient
  is zero on the other; torch reads the input as the Hermitian matrix it stands for and gives
  the Hermitian part of that gradient, ``(G + G^H) / 2``. Its forward mode is the transpose:
  the tangent's Hermitian part goes in.
"""

from __future__ import annotations

import numpy as np

from ..rules.matrix import (
    cholesky_jvp,
    cholesky_vjp,
    eigh_grad,
    eigh_jvp,
    eigh_tangent,
    eigh_vjp,
)
from ..rules.table import defjvp, defvjp
from ..support import unbroadcast
from . import dispatch

__all__ = ["atan2", "cholesky", "eigh", "eigvalsh"]


def atan2(a, b):
    return np.arctan2(a, b)


def radius_squared(a, b):
    """``a^2 + b^2``, infinite where it is 0: dividing by it gives torch's 0 at the origin."""
    return np.where((np.square(a) + np.square(b)) == 0, np.inf, np.square(a) + np.square(b))


def atan2_vjp_a(dy, y, a, b):
    return unbroadcast(dy * b / radius_squared(a, b), a)


def atan2_vjp_b(dy, y, a, b):
    return unbroadcast(-dy * a / radius_squared(a, b), b)


def atan2_jvp_a(da, y, a, b):
    return da * b / radius_squared(a, b)


def atan2_jvp_b(db, y, a, b):
    return -db * a / radius_squared(a, b)


def hermitian_part(g):
    """``(g + g^H) / 2`` over the last two axes."""
    return (g + np.conj(np.swapaxes(g, -1, -2))) / 2


def cholesky(a, upper=False):
    return np.linalg.cholesky(a, upper=upper)


def cholesky_torch_vjp(dy, y, a, upper=False):
    return hermitian_part(cholesky_vjp(dy, y, a, upper))


def cholesky_torch_jvp(da, y, a, upper=False):
    return cholesky_jvp(hermitian_part(da), y, a, upper)


def eigh(a, UPLO="L"):  # noqa: N803  (torch's and NumPy's parameter name)
    """Recorded as itself when given a Tensor, as NumPy's dispatch records ``np.linalg.eigh``:
    ``eigvalsh``'s rule calls it, and a differentiable backward must symmetrise too."""
    if isinstance(a, dispatch.Tensor):
        return dispatch.apply(eigh, a, UPLO, name="LinalgEighBackward0")
    return np.linalg.eigh(a, UPLO)


def eigh_torch_vjp(dy, y, a, UPLO="L"):  # noqa: N803
    return hermitian_part(eigh_vjp(dy, y, a, UPLO))


def eigh_torch_jvp(da, y, a, UPLO="L"):  # noqa: N803
    return eigh_jvp(hermitian_part(da), y, a, UPLO)


def eigvalsh(a, UPLO="L"):  # noqa: N803
    return np.linalg.eigvalsh(a, UPLO)


def eigvalsh_torch_vjp(dy, y, a, UPLO="L"):  # noqa: N803
    return hermitian_part(eigh_grad((dy, None), eigh(a, UPLO), UPLO))


def eigvalsh_torch_jvp(da, y, a, UPLO="L"):  # noqa: N803
    return eigh_tangent(hermitian_part(da), eigh(a, UPLO), UPLO)[0]


defvjp(atan2, atan2_vjp_a, atan2_vjp_b)
defjvp(atan2, atan2_jvp_a, atan2_jvp_b)
defvjp(cholesky, cholesky_torch_vjp)
defjvp(cholesky, cholesky_torch_jvp)
defvjp(eigh, eigh_torch_vjp)
defjvp(eigh, eigh_torch_jvp)
defvjp(eigvalsh, eigvalsh_torch_vjp)
defjvp(eigvalsh, eigvalsh_torch_jvp)
