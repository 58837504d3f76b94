"""``tg.linalg``: norms, inverse, determinant, solve, Cholesky, eigh, each one NumPy primitive
(or its torch_grads wrapper, where torch's gradient differs from NumPy's)."""

from __future__ import annotations

import numpy as np

from . import torch_grads
from .dispatch import apply
from .methods import _floats_only

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "det", "slogdet", "solve", "cholesky",
           "eigh", "eigvalsh"]


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The ``ord``-norm of ``x`` flattened (``dim=None``) or along ``dim``."""
    _floats_only(x, "linalg.vector_norm: Expected a floating point or complex tensor as input. "
                 "Got {}")
    kwargs = {}
    if dim is None:
        if ord != 2 or x.ndim > 2:
            x = x.reshape(-1)
        if ord != 2:
            kwargs["ord"] = ord
    else:
        kwargs["axis"] = tuple(dim) if isinstance(dim, (list, tuple)) else dim
        if ord != 2:
            kwargs["ord"] = ord
    if keepdim:
        kwargs["keepdims"] = True
    out = apply(np.linalg.norm, x, name="LinalgVectorNormBackward0", **kwargs)
    if keepdim and dim is None:
        out = out.reshape((1,) * x.ndim)
    return out


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False):  # noqa: A002, N803
    kwargs = {"ord": ord, "axis": tuple(dim)}
    if keepdim:
        kwargs["keepdims"] = True
    return apply(np.linalg.norm, A, name="LinalgMatrixNormBackward0", **kwargs)


def norm(A, ord=None, dim=None, keepdim=False):  # noqa: A002, N803
    if ord is None or A.ndim == 1 or (dim is not None and not isinstance(dim, (tuple, list))):
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim)
    return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim)


def inv(A):  # noqa: N803
    return apply(np.linalg.inv, A, name="LinalgInvExBackward0")


def det(A):  # noqa: N803
    return apply(np.linalg.det, A, name="LinalgDetBackward0")


def slogdet(A):  # noqa: N803
    return apply(np.linalg.slogdet, A)


def solve(A, B):  # noqa: N803
    return apply(np.linalg.solve, A, B, name="LinalgSolveExBackward0")


def cholesky(A, upper=False):  # noqa: N803
    """torch's gradient: the Hermitian part of NumPy's (torch_grads)."""
    if upper:
        return apply(torch_grads.cholesky, A, upper=True, name="LinalgCholeskyExBackward0")
    return apply(torch_grads.cholesky, A, name="LinalgCholeskyExBackward0")


def eigh(A, UPLO="L"):  # noqa: N803
    """``(eigenvalues, eigenvectors)``, with torch's (Hermitian) gradient."""
    return apply(torch_grads.eigh, A, UPLO, name="LinalgEighBackward0")


def eigvalsh(A, UPLO="L"):  # noqa: N803
    return apply(torch_grads.eigvalsh, A, UPLO, name="LinalgEighBackward0")


def _export_linalg() -> list[str]:
    """The other ``np.linalg`` primitives of the rule table (``svd``, ``qr``, ``pinv``...)."""
    from ..rules import table

    names = []
    for entry in table.registered():
        name = getattr(entry.primitive, "__name__", "")
        if (entry.vjp and getattr(entry.primitive, "__module__", "") == "numpy.linalg"
                and name not in globals()):
            globals()[name] = _linalg_op(entry.primitive, name)
            names.append(name)
    return names


def _linalg_op(prim, name):
    def op(*args, **kwargs):
        return apply(prim, *args, **kwargs)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``np.linalg.{name}`` on Tensors, recorded for autograd."
    return op


__all__ += _export_linalg()
