"""``np.linalg`` matrix functions and decompositions: inv, det, slogdet, solve, norms, cholesky,
eigh, eigvalsh, svd, svdvals, qr, pinv, matrix_power, multi_dot (and NumPy 2's diagonal and
matrix_transpose; matrix_rank is non-differentiable).

All rules work on stacks of matrices (``(..., M, N)``), as the primitives do.

Tuple outputs (slogdet, eigh, svd, qr): the VJP rule's ``dy`` is a tuple holding one cotangent
per output, ``None`` standing for an output that received no gradient (a zero cotangent), and
``y`` is the primal output tuple. The JVP rule returns a tuple of tangents, one per output (zeros
for an output that cannot move, such as slogdet's sign).

eigh, eigvalsh and cholesky read only one triangle of their input (``UPLO``; for cholesky the
lower one, the upper with ``upper=True``), so their VJPs are the derivative of exactly that
function: zero on the unread triangle. For a symmetric input built as ``A = B + B.T`` this gives
the same gradient for B as the symmetric convention of PyTorch and JAX. Decompositions assume
distinct eigen/singular values and full rank, where they are differentiable. A
``full_matrices=True`` SVD of a non-square matrix pads U or Vh with columns that are not unique:
their cotangent is ignored (as PyTorch does) and its JVP raises.
"""

import numpy as np

from ..support import is_array, reduced_axes, shape_of, unbroadcast, unreduce
from .linalg import as_cols, as_rows, expand_matrix, mT
from .reductions import safe_divisor, tie_weights
from .shape import undiagonal
from .table import defjvp, defnondiff, defvjp

# ---------------------------------------------------------------- helpers


def eye_like(x, n):
    """An n-by-n identity in x's library and dtype."""
    return np.eye(n, dtype=x.dtype, like=x)


def part(dy, i):
    """Component i of a tuple cotangent (None: that output received no gradient)."""
    return None if dy is None else dy[i]


def solves_vectors(a, b):
    """Whether np.linalg.solve treats b as (a stack of) vectors, under this NumPy's rule."""
    if int(np.__version__.split(".")[0]) >= 2:
        return np.ndim(b) == 1
    return np.ndim(b) == np.ndim(a) - 1


def triangle_read(g, uplo="L"):
    """The gradient of a function that reads only the ``uplo`` triangle of its input.

    g is a gradient w.r.t. the symmetric matrix the triangle stands for; an entry off the
    diagonal of the triangle stands for itself and its mirror, so it collects both.
    """
    n = shape_of(g)[-1]
    both = g + mT(g)
    tri = np.tril(both, -1) if uplo.upper() == "L" else np.triu(both, 1)
    return tri + g * eye_like(g, n)


def triangle_seen(da, uplo="L"):
    """The symmetric tangent a function that reads only the ``uplo`` triangle sees."""
    if uplo.upper() == "L":
        return np.tril(da) + mT(np.tril(da, -1))
    return np.triu(da) + mT(np.triu(da, 1))


def gap_inverse(w):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal and 0 on it (w: distinct values)."""
    n = shape_of(w)[-1]
    eye = eye_like(w, n)
    return 1 / (w[..., None, :] - w[..., :, None] + eye) - eye


def vector_diag(v):
    """A stack of diagonal matrices from a stack of vectors."""
    return v[..., :, None] * eye_like(v, shape_of(v)[-1])


def matrix_diag(m):
    """The diagonals of a stack of matrices."""
    return np.diagonal(m, axis1=-2, axis2=-1)


def phi(x):
    """Lower triangle with the diagonal halved (the Cholesky derivative's projection)."""
    return np.tril(x) - 0.5 * x * eye_like(x, shape_of(x)[-1])


def copyltu(m):
    """The symmetric matrix whose lower triangle is m's."""
    return np.tril(m) + mT(np.tril(m, -1))


# ---------------------------------------------------------------- inverse, determinants, solve


def inv_vjp(dy, y, a):
    return -np.matmul(np.matmul(mT(y), dy), mT(y))


def inv_jvp(da, y, a):
    return -np.matmul(np.matmul(y, da), y)


def det_vjp(dy, y, a):
    return expand_matrix(dy * y) * mT(np.linalg.inv(a))


def det_jvp(da, y, a):
    return y * np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


def slogdet_vjp(dy, y, a):
    return np.zeros_like(a) if dy[1] is None else expand_matrix(dy[1]) * mT(np.linalg.inv(a))


def slogdet_jvp(da, y, a):
    return np.zeros_like(y[0]), np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


# x = solve(a, b): db = a^-T dy, da = -db x^T, dx = solve(a, db - da x). A vector b (or x) is
# made a one-column matrix with [..., None], since NumPy 2 reads any b of 2 or more dims as
# matrices.
def solve_vjp_a(dy, y, a, b):
    return unbroadcast(-np.linalg.solve(mT(a), dy[..., None]) * y[..., None, :]
                       if solves_vectors(a, b)
                       else -np.matmul(np.linalg.solve(mT(a), dy), mT(y)), a)


def solve_vjp_b(dy, y, a, b):
    return unbroadcast(np.linalg.solve(mT(a), dy[..., None])[..., 0] if solves_vectors(a, b)
                       else np.linalg.solve(mT(a), dy), b)


def solve_jvp_a(da, y, a, b):
    return (-np.linalg.solve(a, np.matmul(da, y[..., None]))[..., 0] if solves_vectors(a, b)
            else -np.linalg.solve(a, np.matmul(da, y)))


def solve_jvp_b(db, y, a, b):
    return np.linalg.solve(a, db)


# NumPy 2's np.linalg.diagonal and matrix_transpose: the last two axes, as shape ops.
def linalg_diagonal_vjp(dy, y, x, offset=0):
    return undiagonal(dy, x, offset, -2, -1)


def linalg_diagonal_jvp(dx, y, x, offset=0):
    return np.diagonal(dx, offset, -2, -1)


def matrix_transpose_vjp(dy, y, x):
    return mT(dy)


def matrix_transpose_jvp(dx, y, x):
    return mT(dx)


if hasattr(np.linalg, "diagonal"):
    defvjp(np.linalg.diagonal, linalg_diagonal_vjp)
    defjvp(np.linalg.diagonal, linalg_diagonal_jvp)
    defvjp(np.linalg.matrix_transpose, matrix_transpose_vjp)
    defjvp(np.linalg.matrix_transpose, matrix_transpose_jvp)
defnondiff(np.linalg.matrix_rank)
defvjp(np.linalg.inv, inv_vjp)
defjvp(np.linalg.inv, inv_jvp)
defvjp(np.linalg.det, det_vjp)
defjvp(np.linalg.det, det_jvp)
defvjp(np.linalg.slogdet, slogdet_vjp)
defjvp(np.linalg.slogdet, slogdet_jvp)
defvjp(np.linalg.solve, solve_vjp_a, solve_vjp_b)
defjvp(np.linalg.solve, solve_jvp_a, solve_jvp_b)

# ---------------------------------------------------------------- norms
# Each output of a norm depends only on its own slice of x, so one array of weights
# W = d(norm)/dx, shaped like x, gives both rules: VJP = unreduce(dy) * W, JVP = sum(W * dx).


def norm_kind(x, ord=None, axis=None, family="norm"):
    """(axes reduced, whether it is a matrix norm) for ``np.linalg.norm(x, ord, axis)``.

    ``family`` "vector" and "matrix" stand for np.linalg.vector_norm and matrix_norm.
    """
    ndim = np.ndim(x)
    if family != "norm":
        return reduced_axes(axis, ndim), family == "matrix"
    if axis is None:
        if ord is None or ndim == 1:
            return reduced_axes(None, ndim), False
        return (0, 1), True
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(int(a) % ndim for a in axes), len(axes) == 2


def vector_norm_weights(x, y, ord, axes, keepdims):
    """d y / d x for the vector p-norm of x over ``axes``."""
    if ord == 0:  # the count of nonzeros is piecewise constant
        return np.zeros_like(x)
    if ord in (np.inf, -np.inf):
        return np.sign(x) * tie_weights(np.abs(x), y, axes, keepdims)
    yk = unreduce(y, x, axes, keepdims)
    if ord is None or ord == 2:
        return x / safe_divisor(yk)
    return np.sign(x) * np.abs(x) ** (ord - 1) / safe_divisor(yk) ** (ord - 1)


def singular_weights(x, axes, ord):
    """d y / d x of the nuclear (sum of singular values) or spectral (+/-2) norm, as U Vh."""
    moved = np.moveaxis(x, axes, (-2, -1))
    u, s, vh = np.linalg.svd(moved, full_matrices=False)
    if ord != "nuc":
        k = 0 if ord == 2 else -1
        u, vh = u[..., :, k:k + 1 or None], vh[..., k:k + 1 or None, :]
    return np.moveaxis(np.matmul(u, vh), (-2, -1), axes)


def matrix_norm_weights(x, y, ord, axes, keepdims):
    """d y / d x for the matrix norm of x over the axis pair ``axes`` (rows, columns)."""
    if ord in (None, "fro"):
        return x / safe_divisor(unreduce(y, x, axes, keepdims))
    if ord in ("nuc", 2, -2):
        return singular_weights(x, axes, ord)
    # 1 / -1: largest / smallest column abs-sum; inf / -inf: the same over rows.
    rows, cols = axes
    summed, across = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = np.broadcast_to(np.sum(np.abs(x), axis=summed, keepdims=True), shape_of(x))
    hits = np.equal(sums, unreduce(y, x, axes, keepdims)) * np.ones_like(x)
    return np.sign(x) * hits / np.sum(hits, axis=across, keepdims=True)


def norm_axes(x, ord=None, axis=None, family="norm"):
    """The axes a norm reduces (see norm_kind)."""
    return norm_kind(x, ord, axis, family)[0]


def norm_weights(x, y, ord=None, axis=None, keepdims=False, family="norm"):
    """d y / d x of ``y = np.linalg.norm(x, ord, axis, keepdims)``, shaped like x."""
    axes, matrix = norm_kind(x, ord, axis, family)
    if matrix:
        return matrix_norm_weights(x, y, ord, axes, keepdims)
    return vector_norm_weights(x, y, ord, axes, keepdims)


def norm_vjp(dy, y, x, ord=None, axis=None, keepdims=False):
    return unreduce(dy, x, norm_axes(x, ord, axis), keepdims) * norm_weights(
        x, y, ord, axis, keepdims)


def norm_jvp(dx, y, x, ord=None, axis=None, keepdims=False):
    return np.sum(dx * norm_weights(x, y, ord, axis, keepdims), axis=norm_axes(x, ord, axis),
                  keepdims=keepdims)


def vector_norm_vjp(dy, y, x, axis=None, keepdims=False, ord=2):
    return unreduce(dy, x, axis, keepdims) * norm_weights(x, y, ord, axis, keepdims, "vector")


def vector_norm_jvp(dx, y, x, axis=None, keepdims=False, ord=2):
    return np.sum(dx * norm_weights(x, y, ord, axis, keepdims, "vector"), axis=axis,
                  keepdims=keepdims)


def matrix_norm_vjp(dy, y, x, keepdims=False, ord="fro"):
    return unreduce(dy, x, (-2, -1), keepdims) * norm_weights(x, y, ord, (-2, -1), keepdims,
                                                              "matrix")


def matrix_norm_jvp(dx, y, x, keepdims=False, ord="fro"):
    return np.sum(dx * norm_weights(x, y, ord, (-2, -1), keepdims, "matrix"), axis=(-2, -1),
                  keepdims=keepdims)


# The weights' own rules (generated adjoints are differentiated again). W depends on x and on
# y = norm(x), passed in; both partial slopes are elementwise except for nuclear/spectral norms.


def norm_weight_slopes(x, y, ord=None, axis=None, keepdims=False, family="norm"):
    """(dW/dx, dW/dy) of the weights W(x, y), elementwise and shaped like x."""
    axes, matrix = norm_kind(x, ord, axis, family)
    if matrix and ord in ("nuc", 2, -2):
        raise NotImplementedError(
            f"tangentish: second derivatives of np.linalg.norm(ord={ord!r}) are not supported")
    p = 2 if ord in (None, "fro") else ord
    if p in (0, 1, np.inf, -np.inf) or matrix and p != 2:  # piecewise constant weights
        return np.zeros_like(x), np.zeros_like(x)
    yk = safe_divisor(unreduce(y, x, axes, keepdims))
    w = np.sign(x) * np.abs(x) ** (p - 1) / yk ** (p - 1)
    return (p - 1) * np.abs(x) ** (p - 2) / yk ** (p - 1), -(p - 1) * w / yk


def norm_weights_vjp_x(dz, z, x, y, ord=None, axis=None, keepdims=False, family="norm"):
    return dz * norm_weight_slopes(x, y, ord, axis, keepdims, family)[0]


def norm_weights_vjp_y(dz, z, x, y, ord=None, axis=None, keepdims=False, family="norm"):
    return np.sum(dz * norm_weight_slopes(x, y, ord, axis, keepdims, family)[1],
                  axis=norm_axes(x, ord, axis, family), keepdims=keepdims)


def norm_weights_jvp_x(dx, z, x, y, ord=None, axis=None, keepdims=False, family="norm"):
    return dx * norm_weight_slopes(x, y, ord, axis, keepdims, family)[0]


def norm_weights_jvp_y(dy, z, x, y, ord=None, axis=None, keepdims=False, family="norm"):
    return unreduce(dy, x, norm_axes(x, ord, axis, family), keepdims) * norm_weight_slopes(
        x, y, ord, axis, keepdims, family)[1]


defvjp(norm_weights, norm_weights_vjp_x, norm_weights_vjp_y)
defjvp(norm_weights, norm_weights_jvp_x, norm_weights_jvp_y)
defvjp(np.linalg.norm, norm_vjp)
defjvp(np.linalg.norm, norm_jvp)
if hasattr(np.linalg, "vector_norm"):  # NumPy 2's array-API norms
    defvjp(np.linalg.vector_norm, vector_norm_vjp)
    defjvp(np.linalg.vector_norm, vector_norm_jvp)
    defvjp(np.linalg.matrix_norm, matrix_norm_vjp)
    defjvp(np.linalg.matrix_norm, matrix_norm_jvp)

# ---------------------------------------------------------------- cholesky (Murray 2016)


def lower_factor(l, upper=False):
    """Cholesky's lower factor L: its result, transposed back when ``upper=True`` gave L^T."""
    return mT(l) if upper else l


# Written over primitives with rules so that generated adjoints differentiate again.
def cholesky_vjp(dy, y, a, upper=False):
    # L^-T phi(L^T dL) L^-1, symmetrized onto the triangle cholesky reads (Murray 2016).
    return triangle_read(mT(np.linalg.solve(mT(lower_factor(y, upper)), mT(np.linalg.solve(
        mT(lower_factor(y, upper)), phi(np.matmul(mT(lower_factor(y, upper)),
                                                  lower_factor(dy, upper))))))),
        "U" if upper else "L")


def cholesky_jvp(da, y, a, upper=False):
    # dL = L phi(L^-1 dA L^-T), dA being the symmetric matrix the read triangle stands for.
    return lower_factor(np.matmul(lower_factor(y, upper), phi(np.linalg.solve(
        lower_factor(y, upper), mT(np.linalg.solve(lower_factor(y, upper), mT(
            triangle_seen(da, "U" if upper else "L"))))))), upper)


defvjp(np.linalg.cholesky, cholesky_vjp)
defjvp(np.linalg.cholesky, cholesky_jvp)

# ---------------------------------------------------------------- symmetric eigenproblem


def eigh_grad(dy, y, uplo="L"):
    """Cotangent of a in ``w, v = eigh(a)``: V (diag(dw) + F o (V^T dV)) V^T, read triangle."""
    dw, dv = part(dy, 0), part(dy, 1)
    w, v = y[0], y[1]
    inner = 0
    if dw is not None:
        inner = inner + vector_diag(dw)
    if dv is not None:
        inner = inner + gap_inverse(w) * np.matmul(mT(v), dv)
    if not is_array(inner):
        return np.zeros_like(v)
    return triangle_read(np.matmul(np.matmul(v, inner), mT(v)), uplo)


def eigh_tangent(da, y, uplo="L"):
    """Tangents (dw, dv) of ``w, v = eigh(a)``: the diagonal of V^T dA V and V (F o V^T dA V)."""
    w, v = y[0], y[1]
    rotated = np.matmul(np.matmul(mT(v), triangle_seen(da, uplo)), v)
    return matrix_diag(rotated), np.matmul(v, gap_inverse(w) * rotated)


def eigh_vjp(dy, y, a, UPLO="L"):  # noqa: N803  (NumPy's parameter name)
    return eigh_grad(dy, y, UPLO)


def eigh_jvp(da, y, a, UPLO="L"):  # noqa: N803
    return eigh_tangent(da, y, UPLO)


def eigvalsh_vjp(dy, y, a, UPLO="L"):  # noqa: N803
    return eigh_grad((dy, None), np.linalg.eigh(a, UPLO), UPLO)


def eigvalsh_jvp(da, y, a, UPLO="L"):  # noqa: N803
    return eigh_tangent(da, np.linalg.eigh(a, UPLO), UPLO)[0]


defvjp(np.linalg.eigh, eigh_vjp)
defjvp(np.linalg.eigh, eigh_jvp)
defvjp(np.linalg.eigvalsh, eigvalsh_vjp)
defjvp(np.linalg.eigvalsh, eigvalsh_jvp)

# ---------------------------------------------------------------- singular value decomposition


def thin(y):
    """(U, s, Vh) cut to the k = min(m, n) columns a full_matrices=True result pads with."""
    u, s, vh = y[0], y[1], y[2]
    k = shape_of(s)[-1]
    return u[..., :, :k], s, vh[..., :k, :]


def svd_grad(dy, y, a):
    """Cotangent of a in ``U, s, Vh = svd(a)`` (real, distinct nonzero singular values).

    Townsend (2016): U [(F o (U^T dU - dU^T U)) S + diag(ds) + S (F o (V^T dV - dV^T V))] V^T
    + (I - U U^T) dU S^-1 V^T + U S^-1 dV^T (I - V V^T), with F_ij = 1 / (s_j^2 - s_i^2).
    Columns a full_matrices=True result adds beyond min(m, n) get no gradient (as in PyTorch).
    """
    u, s, vh = thin(y)
    k = shape_of(s)[-1]
    du, ds, dvh = part(dy, 0), part(dy, 1), part(dy, 2)
    f = gap_inverse(s * s)
    inner = vector_diag(ds) if ds is not None else np.zeros_like(u[..., :k, :])
    grad = 0
    if du is not None:
        du = du[..., :, :k]
        utdu = np.matmul(mT(u), du)
        inner = inner + f * (utdu - mT(utdu)) * s[..., None, :]
        grad = grad + np.matmul((du - np.matmul(u, utdu)) / s[..., None, :], vh)
    if dvh is not None:
        dvh = dvh[..., :k, :]
        vtdv = np.matmul(vh, mT(dvh))
        inner = inner + s[..., :, None] * (f * (vtdv - mT(vtdv)))
        grad = grad + np.matmul(u, (dvh - np.matmul(mT(vtdv), vh)) / s[..., :, None])
    return grad + np.matmul(np.matmul(u, inner), vh)


def svd_tangent(da, y, a):
    """Tangents (dU, ds, dVh) of the thin SVD (as JAX's svd_jvp, real case)."""
    k = shape_of(y[1])[-1]
    if shape_of(y[0])[-1] != k or shape_of(y[2])[-2] != k:  # padded: full_matrices=True
        raise NotImplementedError(
            "tangentish: the JVP of np.linalg.svd(full_matrices=True) of a non-square matrix is "
            "not unique; use full_matrices=False")
    u, s, vh = thin(y)
    v = mT(vh)
    ds_mat = np.matmul(np.matmul(mT(u), da), v)
    ds = matrix_diag(ds_mat)
    f = gap_inverse(s * s)
    dss, sds = ds_mat * s[..., None, :], s[..., :, None] * ds_mat
    du = np.matmul(u, f * (dss + mT(dss)))
    dv = np.matmul(v, f * (sds + mT(sds)))
    m, n = shape_of(a)[-2:]
    if m > n:
        dav = np.matmul(da, v)
        du = du + (dav - np.matmul(u, np.matmul(mT(u), dav))) / s[..., None, :]
    if n > m:
        dau = np.matmul(mT(da), u)
        dv = dv + (dau - np.matmul(v, np.matmul(vh, dau))) / s[..., None, :]
    return du, ds, mT(dv)


def svd_vjp(dy, y, a, full_matrices=True, compute_uv=True, hermitian=False):
    return svd_grad(dy, y, a) if compute_uv else svd_grad(
        (None, dy, None), np.linalg.svd(a, full_matrices=False), a)


def svd_jvp(da, y, a, full_matrices=True, compute_uv=True, hermitian=False):
    return svd_tangent(da, y, a) if compute_uv else svd_tangent(
        da, np.linalg.svd(a, full_matrices=False), a)[1]


def svdvals_vjp(dy, y, x):
    return svd_grad((None, dy, None), np.linalg.svd(x, full_matrices=False), x)


def svdvals_jvp(dx, y, x):
    return svd_tangent(dx, np.linalg.svd(x, full_matrices=False), x)[1]


defvjp(np.linalg.svd, svd_vjp)
defjvp(np.linalg.svd, svd_jvp)
if hasattr(np.linalg, "svdvals"):  # NumPy 2.0
    defvjp(np.linalg.svdvals, svdvals_vjp)
    defjvp(np.linalg.svdvals, svdvals_jvp)

# ---------------------------------------------------------------- QR


def qr_tall_grad(dq, dr, q, r):
    """Cotangent of a (m >= n) in ``q, r = qr(a)``: [dQ + Q copyltu(M)] R^-T, M = R dR^T - dQ^T Q.

    Either cotangent may be None (zero).
    """
    m = 0
    if dr is not None:
        m = m + np.matmul(r, mT(dr))
    if dq is not None:
        m = m - np.matmul(mT(dq), q)
    b = np.matmul(q, copyltu(m)) if is_array(m) else np.zeros_like(q)
    if dq is not None:
        b = b + dq
    return mT(np.linalg.solve(r, mT(b)))


def qr_grad(dy, y, a):
    """Cotangent of a in reduced ``q, r = qr(a)``; a wide a = [X | Y] splits as in PyTorch."""
    q, r = y[0], y[1]
    dq, dr = part(dy, 0), part(dy, 1)
    m, n = shape_of(a)[-2:]
    if m >= n:
        return qr_tall_grad(dq, dr, q, r)
    y_part = a[..., :, m:]
    du = None if dr is None else dr[..., :, :m]
    dv = None if dr is None else dr[..., :, m:]
    if dv is not None:  # R = [U | Q^T Y]: dV reaches Q through Y and Y through Q
        dq = np.matmul(y_part, mT(dv)) + (0 if dq is None else dq)
    dx = qr_tall_grad(dq, du, q, r[..., :, :m])
    dy_part = np.zeros_like(y_part) if dv is None else np.matmul(q, dv)
    return np.concatenate([dx, dy_part], axis=-1)


def qr_tall_tangent(da, q, r):
    """Tangents (dQ, dR) of ``q, r = qr(a)`` for m >= n (as JAX's qr_jvp, real case)."""
    da_rinv = mT(np.linalg.solve(mT(r), mT(da)))
    qt_da_rinv = np.matmul(mT(q), da_rinv)
    lower = np.tril(qt_da_rinv, -1)
    skew = lower - mT(lower)
    dq = np.matmul(q, skew - qt_da_rinv) + da_rinv
    dr = np.matmul(qt_da_rinv - skew, r)
    return dq, dr


def qr_tangent(da, y, a):
    """Tangents (dQ, dR) of reduced ``q, r = qr(a)``, wide inputs split as in qr_grad."""
    q, r = y[0], y[1]
    m, n = shape_of(a)[-2:]
    if m >= n:
        return qr_tall_tangent(da, q, r)
    dq, du = qr_tall_tangent(da[..., :, :m], q, r[..., :, :m])
    dv = np.matmul(mT(dq), a[..., :, m:]) + np.matmul(mT(q), da[..., :, m:])
    return dq, np.concatenate([du, dv], axis=-1)


def qr_vjp(dy, y, a, mode="reduced"):
    return qr_grad((None, dy) if mode == "r" else dy,
                   np.linalg.qr(a) if mode == "r" else y, a)


def qr_jvp(da, y, a, mode="reduced"):
    return qr_tangent(da, np.linalg.qr(a), a)[1] if mode == "r" else qr_tangent(da, y, a)


defvjp(np.linalg.qr, qr_vjp)
defjvp(np.linalg.qr, qr_jvp)

# ---------------------------------------------------------------- pseudo-inverse, powers, chains


# Golub & Pereyra, for full rank; P = pinv(a) = y. Plain products, so they differentiate again.
def pinv_vjp(dy, y, a, rcond=None, hermitian=False, rtol=None):
    # -P^T dY P^T + (I - A P) dY^T P P^T + P^T P dY^T (I - P A)
    return (-np.matmul(np.matmul(mT(y), dy), mT(y))
            + np.matmul(mT(dy) - np.matmul(np.matmul(a, y), mT(dy)), np.matmul(y, mT(y)))
            + np.matmul(np.matmul(mT(y), y), mT(dy) - np.matmul(mT(dy), np.matmul(y, a))))


def pinv_jvp(da, y, a, rcond=None, hermitian=False, rtol=None):
    # -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P
    return (-np.matmul(np.matmul(y, da), y)
            + np.matmul(np.matmul(y, mT(y)), mT(da) - np.matmul(mT(da), np.matmul(a, y)))
            + np.matmul(mT(da) - np.matmul(np.matmul(y, a), mT(da)), np.matmul(mT(y), y)))


def matrix_power_grad(dy, a, n):
    """Cotangent of a in ``a ** n``: sum over k of (A^T)^k dY (A^T)^(n-1-k); n < 0 via inv(a)."""
    if n < 0:
        b = np.linalg.inv(a)
        return inv_vjp(matrix_power_grad(dy, b, -n), b, a)
    grad = np.zeros_like(a)
    for k in range(n):
        grad = grad + np.matmul(np.matmul(np.linalg.matrix_power(mT(a), k), dy),
                                np.linalg.matrix_power(mT(a), n - 1 - k))
    return grad


def matrix_power_tangent(da, a, n):
    """Tangent of ``a ** n``: sum over k of A^k dA A^(n-1-k); n < 0 via inv(a)."""
    if n < 0:
        b = np.linalg.inv(a)
        return matrix_power_tangent(inv_jvp(da, b, a), b, -n)
    tangent = np.zeros_like(a)
    for k in range(n):
        tangent = tangent + np.matmul(np.matmul(np.linalg.matrix_power(a, k), da),
                                      np.linalg.matrix_power(a, n - 1 - k))
    return tangent


def matrix_power_vjp(dy, y, a, n):
    return matrix_power_grad(dy, a, n)


def matrix_power_jvp(da, y, a, n):
    return matrix_power_tangent(da, a, n)


def multi_dot_grad(dy, arrays):
    """Cotangents of every factor of ``multi_dot(arrays)``: prefix^T dY suffix^T each.

    A 1-d first factor is a row and a 1-d last factor a column, as multi_dot reads them.
    """
    mats = list(arrays)
    mats[0], mats[-1] = as_rows(mats[0]), as_cols(mats[-1])
    g = np.reshape(dy, (shape_of(mats[0])[0], shape_of(mats[-1])[-1]))
    grads = []
    for i in range(len(mats)):
        left = g if i == 0 else np.matmul(mT(np.linalg.multi_dot(mats[:i]) if i > 1
                                             else mats[0]), g)
        rest = mats[i + 1:]
        grad = left if not rest else np.matmul(left, mT(
            rest[0] if len(rest) == 1 else np.linalg.multi_dot(rest)))
        grads.append(np.reshape(grad, shape_of(arrays[i])))
    return grads


def multi_dot_tangent(darrays, arrays):
    """Tangent of ``multi_dot(arrays)``: one product per factor with a tangent (None: none)."""
    tangent = 0
    for i, d in enumerate(darrays):
        if d is not None:
            tangent = tangent + np.linalg.multi_dot(
                [d if j == i else x for j, x in enumerate(arrays)])
    return tangent


def multi_dot_vjp(dy, y, arrays, out=None):
    return multi_dot_grad(dy, arrays)


def multi_dot_jvp(darrays, y, arrays, out=None):
    return multi_dot_tangent(darrays, arrays)


defvjp(np.linalg.pinv, pinv_vjp)
defjvp(np.linalg.pinv, pinv_jvp)
defvjp(np.linalg.matrix_power, matrix_power_vjp)
defjvp(np.linalg.matrix_power, matrix_power_jvp)
defvjp(np.linalg.multi_dot, multi_dot_vjp)
defjvp(np.linalg.multi_dot, multi_dot_jvp)
# ---------------------------------------------------------------- rules of the helpers above
# The triangle helpers and phi are linear: phi and lower_factor are their own adjoints, and
# triangle_read and triangle_seen are each other's.


def phi_vjp(dz, z, x):
    return phi(dz)


def phi_jvp(dx, z, x):
    return phi(dx)


def lower_factor_vjp(dz, z, l, upper=False):
    return lower_factor(dz, upper)


def lower_factor_jvp(dl, z, l, upper=False):
    return lower_factor(dl, upper)


def triangle_read_vjp(dz, z, g, uplo="L"):
    return triangle_seen(dz, uplo)


def triangle_read_jvp(dg, z, g, uplo="L"):
    return triangle_read(dg, uplo)


def triangle_seen_vjp(dz, z, da, uplo="L"):
    return triangle_read(dz, uplo)


def triangle_seen_jvp(dda, z, da, uplo="L"):
    return triangle_seen(dda, uplo)


for _helper, _vjp, _jvp in [(phi, phi_vjp, phi_jvp),
                            (lower_factor, lower_factor_vjp, lower_factor_jvp),
                            (triangle_read, triangle_read_vjp, triangle_read_jvp),
                            (triangle_seen, triangle_seen_vjp, triangle_seen_jvp)]:
    defvjp(_helper, _vjp)
    defjvp(_helper, _jvp)
defnondiff(norm_kind, norm_axes, solves_vectors)
