"""Products and contractions: matmul, dot, vdot, inner, outer, tensordot, trace, kron, cross,
vecdot (einsum has its own module, ``einsum``; the decompositions of ``np.linalg`` live in
``matrix``).

Every product is bilinear, so each JVP is the product with one factor replaced by its tangent,
and each VJP contracts the cotangent with the other factor. The helpers below handle the cases
NumPy folds into one function (1-d operands of matmul, scalars in dot).
"""

import operator
import time

import numpy as np

from .. import buffers
from ..support import is_array, no_tangent, shape_of, shape_only, unbroadcast
from .table import defjvp, defnondiff, defvjp

# ---------------------------------------------------------------- helpers


def mT(x):
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    return np.swapaxes(x, -1, -2)


def as_rows(a):
    """The left factor of matmul as a stack of matrices (a 1-d vector becomes one row)."""
    return a if np.ndim(a) >= 2 else np.reshape(a, (1, -1))


def as_cols(b):
    """The right factor of matmul as a stack of matrices (a 1-d vector becomes one column)."""
    return b if np.ndim(b) >= 2 else np.reshape(b, (-1, 1))


def matmul_shape(a2, b2):
    """The shape of ``a2 @ b2`` for stacks of matrices."""
    batch = np.broadcast_shapes(shape_of(a2)[:-2], shape_of(b2)[:-2])
    return batch + (shape_of(a2)[-2], shape_of(b2)[-1])


def product(x, y):
    """``x @ y`` for 2-d NumPy operands, written into a pooled buffer when the result is large
    (a weight gradient: fresh pages would cost the kernel's zero-fill, see runtime/buffers.py)."""
    rows, cols = x.shape[0], y.shape[1]
    if rows * cols * x.itemsize >= buffers.MIN_BYTES and x.dtype == y.dtype:
        return np.matmul(x, y, out=buffers.empty((rows, cols), x.dtype))
    return np.matmul(x, y)


#: A matrix-vector product over a matrix at least this big streams it from memory, where BLAS's
#: single-threaded gemv can be half as fast as NumPy's own einsum loop (1e5 x 100 float64: 7.0
#: against 3.4 ms here); below it the matrix is in cache and BLAS wins.
STREAM_MIN_BYTES = 16 << 20
#: (form, shape, strides, dtypes) -> whether einsum was faster, measured on the first such call
_STREAM_KERNEL: dict[tuple, bool] = {}


def streamed(form, m, v):
    """``v @ m`` (form ``"i,ij->j"``) or ``m @ v`` (``"ij,j->i"``) for a large NumPy matrix:
    on the first product of its shape, layout and dtypes both kernels run and the faster one is
    kept (what wins depends on the BLAS and its threads: a measurement, not a guess)."""
    key = (form, m.shape, m.strides, m.dtype.str, v.dtype.str)
    einsum = _STREAM_KERNEL.get(key)
    if einsum is None:
        start = time.perf_counter()
        blas = np.matmul(v, m) if form == "i,ij->j" else np.matmul(m, v)
        middle = time.perf_counter()
        loop = np.einsum(form, v, m) if form == "i,ij->j" else np.einsum(form, m, v)
        end = time.perf_counter()
        if len(_STREAM_KERNEL) >= 256:
            _STREAM_KERNEL.clear()
        _STREAM_KERNEL[key] = end - middle < 0.8 * (middle - start)
        return loop if _STREAM_KERNEL[key] else blas
    if form == "i,ij->j":
        return np.einsum(form, v, m) if einsum else np.matmul(v, m)
    return np.einsum(form, m, v) if einsum else np.matmul(m, v)


# Fast paths first: the ranks generated code meets most (matrix @ matrix, matrix @ vector,
# vector @ matrix) need none of the reshapes the general case does, which on small arrays cost
# more than the product itself. ``dy`` always has the product's shape, so its rank is a + b - 2.


def matmul_grad_a(dy, a, b):
    """Cotangent of a in ``a @ b``: ``dy @ b.T``, with 1-d operands and batch broadcasting."""
    if type(a) is type(b) is type(dy) is np.ndarray:  # attribute reads, no dispatch
        na, nb = a.ndim, b.ndim
        if na == nb == 2:
            return product(dy, b.T)
        if na == 2 and nb == 1:
            return np.multiply.outer(dy, b)  # np.outer's ravels cost more than the product
        if na == 1 and nb == 2:
            return streamed("ij,j->i", b, dy) if b.nbytes >= STREAM_MIN_BYTES else b @ dy
    else:
        na, nb = np.ndim(a), np.ndim(b)
    if na == nb == 2 and np.ndim(dy) == 2:
        return np.matmul(dy, mT(b))  # (m, k) @ (k, n)
    if na + nb == 3 and np.ndim(dy) == 1:
        return np.outer(dy, b) if na == 2 else np.matmul(b, dy)
    a2, b2 = as_rows(a), as_cols(b)
    g = np.reshape(dy, matmul_shape(a2, b2))
    return np.reshape(unbroadcast(np.matmul(g, mT(b2)), a2), shape_of(a))


def matmul_grad_b(dy, a, b):
    """Cotangent of b in ``a @ b``: ``a.T @ dy``, with 1-d operands and batch broadcasting."""
    if type(a) is type(b) is type(dy) is np.ndarray:
        na, nb = a.ndim, b.ndim
        if na == nb == 2:
            return product(a.T, dy)
        if na == 2 and nb == 1:
            return streamed("i,ij->j", a, dy) if a.nbytes >= STREAM_MIN_BYTES else dy @ a
    else:
        na, nb = np.ndim(a), np.ndim(b)
    if na == nb == 2 and np.ndim(dy) == 2:
        return np.matmul(mT(a), dy)
    if na + nb == 3 and np.ndim(dy) == 1:
        return np.matmul(dy, a) if na == 2 else np.outer(a, dy)
    a2, b2 = as_rows(a), as_cols(b)
    g = np.reshape(dy, matmul_shape(a2, b2))
    return np.reshape(unbroadcast(np.matmul(mT(a2), g), b2), shape_of(b))


def tensordot_axes(a, b, axes=2):
    """The axes of a and of b that ``np.tensordot(a, b, axes)`` contracts, as lists of ints."""
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        return list(range(na - axes, na)), list(range(axes))
    xa, xb = axes
    xa = [xa] if isinstance(xa, (int, np.integer)) else list(xa)
    xb = [xb] if isinstance(xb, (int, np.integer)) else list(xb)
    return [int(i) % na for i in xa], [int(i) % nb for i in xb]


def tensordot_grad_a(dy, a, b, axes=2):
    """Cotangent of a in ``np.tensordot(a, b, axes)``: dy contracted with b over b's free axes."""
    xa, xb = tensordot_axes(a, b, axes)
    free_a = [i for i in range(np.ndim(a)) if i not in xa]
    free_b = [i for i in range(np.ndim(b)) if i not in xb]
    g = np.tensordot(dy, b, axes=(list(range(len(free_a), len(free_a) + len(free_b))), free_b))
    # g's axes: a's free axes, then b's contracted axes in b's order, i.e. their partners in a.
    source = free_a + [xa[xb.index(j)] for j in sorted(xb)]
    return np.transpose(g, [source.index(i) for i in range(np.ndim(a))])


def tensordot_grad_b(dy, a, b, axes=2):
    """Cotangent of b in ``np.tensordot(a, b, axes)``: a contracted with dy over a's free axes."""
    xa, xb = tensordot_axes(a, b, axes)
    free_a = [i for i in range(np.ndim(a)) if i not in xa]
    free_b = [i for i in range(np.ndim(b)) if i not in xb]
    g = np.tensordot(a, dy, axes=(free_a, list(range(len(free_a)))))
    source = [xb[xa.index(i)] for i in sorted(xa)] + free_b
    return np.transpose(g, [source.index(i) for i in range(np.ndim(b))])


def dot_axes(a, b):
    """What np.dot contracts: a's last axis with b's second-to-last (its only one if 1-d)."""
    return [np.ndim(a) - 1], [max(np.ndim(b) - 2, 0)]


def scalar_operand(a, b):
    """np.dot and np.inner multiply elementwise when either operand is a scalar."""
    return np.ndim(a) == 0 or np.ndim(b) == 0


def expand_matrix(g):
    """g with two trailing unit axes, so it scales a stack of matrices."""
    return g[..., None, None] if is_array(g) else g


def diagonal_of(g, x, offset=0, axis1=0, axis2=1):
    """An array shaped like x, zero but for ``g`` on the (offset) diagonal of axes axis1, axis2."""
    shape = shape_of(x)
    eye = np.eye(shape[axis1], shape[axis2], k=offset, dtype=x.dtype, like=x)
    return np.moveaxis(expand_matrix(g) * eye, (-2, -1), (axis1, axis2))


def kron_factors(a, b):
    """Shapes of a and b padded to one ndim, and the interleaved shape kron's result splits into."""
    n = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (n - np.ndim(a)) + shape_of(a)
    sb = (1,) * (n - np.ndim(b)) + shape_of(b)
    return sa, sb, tuple(d for pair in zip(sa, sb) for d in pair)


def kron_grad_a(dy, a, b):
    """Cotangent of a in ``np.kron(a, b)``: each block of dy contracted with b."""
    sa, sb, split = kron_factors(a, b)
    spread = tuple(d for s in sb for d in (1, s))
    g = np.reshape(dy, split) * np.reshape(b, spread)
    return np.reshape(np.sum(g, axis=tuple(range(1, len(split), 2))), shape_of(a))


def kron_grad_b(dy, a, b):
    """Cotangent of b in ``np.kron(a, b)``: dy's blocks summed, weighted by a's entries."""
    sa, sb, split = kron_factors(a, b)
    spread = tuple(d for s in sa for d in (s, 1))
    g = np.reshape(dy, split) * np.reshape(a, spread)
    return np.reshape(np.sum(g, axis=tuple(range(0, len(split), 2))), shape_of(b))


def cross_axes(axisa=-1, axisb=-1, axisc=-1, axis=None):
    """np.cross's vector axes of a, b and the result (``axis`` overrides all three)."""
    return (axis, axis, axis) if axis is not None else (axisa, axisb, axisc)


def cross_grad_a(dy, a, b, axes):
    """Cotangent of a in ``np.cross(a, b)``: ``b x dy`` (d<dy, a x b> = <b x dy, da>)."""
    va, vb, vc = axes
    return unbroadcast(np.cross(b, dy, axisa=vb, axisb=vc, axisc=va), a)


def cross_grad_b(dy, a, b, axes):
    """Cotangent of b in ``np.cross(a, b)``: ``dy x a``."""
    va, vb, vc = axes
    return unbroadcast(np.cross(dy, a, axisa=vc, axisb=va, axisc=vb), b)


def vecdot_grad(dy, x1, x2, axis=-1):
    """Cotangent of x1 in ``vecdot(x1, x2)`` (real): dy spread along ``axis`` times x2."""
    return unbroadcast(np.expand_dims(dy, axis) * x2, x1)


# ---------------------------------------------------------------- matmul, dot and friends


def matmul_vjp_a(dy, y, a, b):
    return matmul_grad_a(dy, a, b)


def matmul_vjp_b(dy, y, a, b):
    return matmul_grad_b(dy, a, b)


def matmul_jvp_a(da, y, a, b):
    return np.matmul(da, b)


def matmul_jvp_b(db, y, a, b):
    return np.matmul(a, db)


# np.linalg.matmul, outer, tensordot, vecdot, trace and cross are NumPy 2's array-API names.
for _matmul in (np.matmul, operator.matmul, getattr(np.linalg, "matmul", None)):
    if _matmul is not None:
        defvjp(_matmul, matmul_vjp_a, matmul_vjp_b)
        defjvp(_matmul, matmul_jvp_a, matmul_jvp_b)


def dot_vjp_a(dy, y, a, b, out=None):
    return unbroadcast(dy * b, a) if scalar_operand(a, b) else tensordot_grad_a(
        dy, a, b, dot_axes(a, b))


def dot_vjp_b(dy, y, a, b, out=None):
    return unbroadcast(dy * a, b) if scalar_operand(a, b) else tensordot_grad_b(
        dy, a, b, dot_axes(a, b))


def dot_jvp_a(da, y, a, b, out=None):
    return np.dot(da, b)


def dot_jvp_b(db, y, a, b, out=None):
    return np.dot(a, db)


def inner_vjp_a(dy, y, a, b):
    return unbroadcast(dy * b, a) if scalar_operand(a, b) else tensordot_grad_a(
        dy, a, b, ([-1], [-1]))


def inner_vjp_b(dy, y, a, b):
    return unbroadcast(dy * a, b) if scalar_operand(a, b) else tensordot_grad_b(
        dy, a, b, ([-1], [-1]))


def inner_jvp_a(da, y, a, b):
    return np.inner(da, b)


def inner_jvp_b(db, y, a, b):
    return np.inner(a, db)


def vdot_vjp_a(dy, y, a, b):
    return np.reshape(dy * np.ravel(b), shape_of(a))


def vdot_vjp_b(dy, y, a, b):
    return np.reshape(dy * np.ravel(a), shape_of(b))


def vdot_jvp_a(da, y, a, b):
    return np.vdot(da, b)


def vdot_jvp_b(db, y, a, b):
    return np.vdot(a, db)


def outer_vjp_a(dy, y, a, b, out=None):
    return np.reshape(np.matmul(dy, np.ravel(b)), shape_of(a))


def outer_vjp_b(dy, y, a, b, out=None):
    return np.reshape(np.matmul(np.ravel(a), dy), shape_of(b))


def outer_jvp_a(da, y, a, b, out=None):
    return np.outer(da, b)


def outer_jvp_b(db, y, a, b, out=None):
    return np.outer(a, db)


def tensordot_vjp_a(dy, y, a, b, axes=2):
    return tensordot_grad_a(dy, a, b, axes)


def tensordot_vjp_b(dy, y, a, b, axes=2):
    return tensordot_grad_b(dy, a, b, axes)


def tensordot_jvp_a(da, y, a, b, axes=2):
    return np.tensordot(da, b, axes=axes)


def tensordot_jvp_b(db, y, a, b, axes=2):
    return np.tensordot(a, db, axes=axes)


def vecdot_vjp_a(dy, y, x1, x2, axis=-1):
    return vecdot_grad(dy, x1, x2, axis)


def vecdot_vjp_b(dy, y, x1, x2, axis=-1):
    return vecdot_grad(dy, x2, x1, axis)


def vecdot_jvp_a(dx1, y, x1, x2, axis=-1):
    return np.sum(dx1 * x2, axis=axis)


def vecdot_jvp_b(dx2, y, x1, x2, axis=-1):
    return np.sum(x1 * dx2, axis=axis)


defvjp(np.dot, dot_vjp_a, dot_vjp_b)
defjvp(np.dot, dot_jvp_a, dot_jvp_b)
defvjp(np.inner, inner_vjp_a, inner_vjp_b)
defjvp(np.inner, inner_jvp_a, inner_jvp_b)
defvjp(np.vdot, vdot_vjp_a, vdot_vjp_b)
defjvp(np.vdot, vdot_jvp_a, vdot_jvp_b)
for _outer in (np.outer, getattr(np.linalg, "outer", None)):
    if _outer is not None:
        defvjp(_outer, outer_vjp_a, outer_vjp_b)
        defjvp(_outer, outer_jvp_a, outer_jvp_b)
for _tensordot in (np.tensordot, getattr(np.linalg, "tensordot", None)):
    if _tensordot is not None:
        defvjp(_tensordot, tensordot_vjp_a, tensordot_vjp_b)
        defjvp(_tensordot, tensordot_jvp_a, tensordot_jvp_b)
for _vecdot in (getattr(np.linalg, "vecdot", None), getattr(np, "vecdot", None)):
    if _vecdot is not None:
        defvjp(_vecdot, vecdot_vjp_a, vecdot_vjp_b)
        defjvp(_vecdot, vecdot_jvp_a, vecdot_jvp_b)

# ---------------------------------------------------------------- trace, kron, cross


def trace_vjp(dy, y, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return diagonal_of(dy, a, offset, axis1, axis2)


def trace_jvp(da, y, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return np.trace(da, offset=offset, axis1=axis1, axis2=axis2)


def linalg_trace_vjp(dy, y, x, offset=0, dtype=None):
    return diagonal_of(dy, x, offset, -2, -1)


def linalg_trace_jvp(dx, y, x, offset=0, dtype=None):
    return np.trace(dx, offset=offset, axis1=-2, axis2=-1)


def kron_vjp_a(dy, y, a, b):
    return kron_grad_a(dy, a, b)


def kron_vjp_b(dy, y, a, b):
    return kron_grad_b(dy, a, b)


def kron_jvp_a(da, y, a, b):
    return np.kron(da, b)


def kron_jvp_b(db, y, a, b):
    return np.kron(a, db)


def cross_vjp_a(dy, y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return cross_grad_a(dy, a, b, cross_axes(axisa, axisb, axisc, axis))


def cross_vjp_b(dy, y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return cross_grad_b(dy, a, b, cross_axes(axisa, axisb, axisc, axis))


def cross_jvp_a(da, y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.cross(da, b, axisa, axisb, axisc, axis)


def cross_jvp_b(db, y, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return np.cross(a, db, axisa, axisb, axisc, axis)


def linalg_cross_vjp_a(dy, y, x1, x2, axis=-1):
    return cross_grad_a(dy, x1, x2, (axis, axis, axis))


def linalg_cross_vjp_b(dy, y, x1, x2, axis=-1):
    return cross_grad_b(dy, x1, x2, (axis, axis, axis))


def linalg_cross_jvp_a(dx1, y, x1, x2, axis=-1):
    return np.cross(dx1, x2, axis=axis)


def linalg_cross_jvp_b(dx2, y, x1, x2, axis=-1):
    return np.cross(x1, dx2, axis=axis)


defvjp(np.trace, trace_vjp)
defjvp(np.trace, trace_jvp)
if hasattr(np.linalg, "trace"):
    defvjp(np.linalg.trace, linalg_trace_vjp)
    defjvp(np.linalg.trace, linalg_trace_jvp)
defvjp(np.kron, kron_vjp_a, kron_vjp_b)
defjvp(np.kron, kron_jvp_a, kron_jvp_b)
defvjp(np.cross, cross_vjp_a, cross_vjp_b)
defjvp(np.cross, cross_jvp_a, cross_jvp_b)
if hasattr(np.linalg, "cross"):
    defvjp(np.linalg.cross, linalg_cross_vjp_a, linalg_cross_vjp_b)
    defjvp(np.linalg.cross, linalg_cross_jvp_a, linalg_cross_jvp_b)

# ---------------------------------------------------------------- rules of the helpers above
# Generated adjoints call these helpers and are differentiated again (hessians, grad of grad).
# Each is bilinear: linear in the cotangent and in the other factor, so its rules are the
# product itself and the partner helper. Arguments read only for their shape have no slot.


def mT_vjp(dz, z, x):  # noqa: N802  (NumPy's name for the matrix transpose)
    return mT(dz)


def mT_jvp(dx, z, x):  # noqa: N802
    return mT(dx)


def expand_matrix_vjp(dz, z, g):
    return np.reshape(dz, shape_of(g))


def expand_matrix_jvp(dg, z, g):
    return expand_matrix(dg)


def matmul_grad_a_vjp_dy(dz, z, dy, a, b):
    return np.matmul(dz, b)


def matmul_grad_a_vjp_b(dz, z, dy, a, b):
    return matmul_grad_b(dy, dz, b)


def matmul_grad_a_jvp_dy(ddy, z, dy, a, b):
    return matmul_grad_a(ddy, a, b)


def matmul_grad_a_jvp_b(db, z, dy, a, b):
    return matmul_grad_a(dy, a, db)


def matmul_grad_b_vjp_dy(dz, z, dy, a, b):
    return np.matmul(a, dz)


def matmul_grad_b_vjp_a(dz, z, dy, a, b):
    return matmul_grad_a(dy, a, dz)


def matmul_grad_b_jvp_dy(ddy, z, dy, a, b):
    return matmul_grad_b(ddy, a, b)


def matmul_grad_b_jvp_a(da, z, dy, a, b):
    return matmul_grad_b(dy, da, b)


def tensordot_grad_a_vjp_dy(dz, z, dy, a, b, axes=2):
    return np.tensordot(dz, b, axes=axes)


def tensordot_grad_a_vjp_b(dz, z, dy, a, b, axes=2):
    return tensordot_grad_b(dy, dz, b, axes)


def tensordot_grad_a_jvp_dy(ddy, z, dy, a, b, axes=2):
    return tensordot_grad_a(ddy, a, b, axes)


def tensordot_grad_a_jvp_b(db, z, dy, a, b, axes=2):
    return tensordot_grad_a(dy, a, db, axes)


def tensordot_grad_b_vjp_dy(dz, z, dy, a, b, axes=2):
    return np.tensordot(a, dz, axes=axes)


def tensordot_grad_b_vjp_a(dz, z, dy, a, b, axes=2):
    return tensordot_grad_a(dy, a, dz, axes)


def tensordot_grad_b_jvp_dy(ddy, z, dy, a, b, axes=2):
    return tensordot_grad_b(ddy, a, b, axes)


def tensordot_grad_b_jvp_a(da, z, dy, a, b, axes=2):
    return tensordot_grad_b(dy, da, b, axes)


def diagonal_of_vjp(dz, z, g, x, offset=0, axis1=0, axis2=1):
    return np.trace(dz, offset=offset, axis1=axis1, axis2=axis2)


def diagonal_of_jvp(dg, z, g, x, offset=0, axis1=0, axis2=1):
    return diagonal_of(dg, x, offset, axis1, axis2)


def kron_grad_a_vjp_dy(dz, z, dy, a, b):
    return np.kron(dz, b)


def kron_grad_a_vjp_b(dz, z, dy, a, b):
    return kron_grad_b(dy, dz, b)


def kron_grad_a_jvp_dy(ddy, z, dy, a, b):
    return kron_grad_a(ddy, a, b)


def kron_grad_a_jvp_b(db, z, dy, a, b):
    return kron_grad_a(dy, a, db)


def kron_grad_b_vjp_dy(dz, z, dy, a, b):
    return np.kron(a, dz)


def kron_grad_b_vjp_a(dz, z, dy, a, b):
    return kron_grad_a(dy, a, dz)


def kron_grad_b_jvp_dy(ddy, z, dy, a, b):
    return kron_grad_b(ddy, a, b)


def kron_grad_b_jvp_a(da, z, dy, a, b):
    return kron_grad_b(dy, da, b)


# <c, b x dy> = <c x b, dy> = <dy x c, b>, and <c, dy x a> = <a x c, dy> = <c x dy, a>.
def cross_grad_a_vjp_dy(dz, z, dy, a, b, axes):
    return unbroadcast(np.cross(dz, b, axes[0], axes[1], axes[2]), dy)


def cross_grad_a_vjp_b(dz, z, dy, a, b, axes):
    return cross_grad_b(dy, dz, b, axes)


def cross_grad_a_jvp_dy(ddy, z, dy, a, b, axes):
    return cross_grad_a(ddy, a, b, axes)


def cross_grad_a_jvp_b(db, z, dy, a, b, axes):
    return cross_grad_a(dy, a, db, axes)


def cross_grad_b_vjp_dy(dz, z, dy, a, b, axes):
    return unbroadcast(np.cross(a, dz, axes[0], axes[1], axes[2]), dy)


def cross_grad_b_vjp_a(dz, z, dy, a, b, axes):
    return cross_grad_a(dy, a, dz, axes)


def cross_grad_b_jvp_dy(ddy, z, dy, a, b, axes):
    return cross_grad_b(ddy, a, b, axes)


def cross_grad_b_jvp_a(da, z, dy, a, b, axes):
    return cross_grad_b(dy, da, b, axes)


def vecdot_grad_vjp_dy(dz, z, dy, x1, x2, axis=-1):
    return unbroadcast(np.sum(dz * x2, axis=axis), dy)


def vecdot_grad_vjp_x2(dz, z, dy, x1, x2, axis=-1):
    return vecdot_grad(dy, x2, dz, axis)


def vecdot_grad_jvp_dy(ddy, z, dy, x1, x2, axis=-1):
    return vecdot_grad(ddy, x1, x2, axis)


def vecdot_grad_jvp_x2(dx2, z, dy, x1, x2, axis=-1):
    return vecdot_grad(dy, x1, dx2, axis)


defvjp(mT, mT_vjp)
defjvp(mT, mT_jvp)
defvjp(expand_matrix, expand_matrix_vjp)
defjvp(expand_matrix, expand_matrix_jvp)
defvjp(diagonal_of, diagonal_of_vjp, shape_only(1))
defjvp(diagonal_of, diagonal_of_jvp, no_tangent)
# Adjoint helpers of a product take (dy, a, b, ...): dy and the other factor carry gradients,
# the factor whose adjoint it is gives only its shape. Slots: (dy, a, b).
for _helper, _vjps, _jvps in [
        (matmul_grad_a, (matmul_grad_a_vjp_dy, shape_only(1), matmul_grad_a_vjp_b),
         (matmul_grad_a_jvp_dy, no_tangent, matmul_grad_a_jvp_b)),
        (matmul_grad_b, (matmul_grad_b_vjp_dy, matmul_grad_b_vjp_a, shape_only(2)),
         (matmul_grad_b_jvp_dy, matmul_grad_b_jvp_a, no_tangent)),
        (tensordot_grad_a, (tensordot_grad_a_vjp_dy, shape_only(1), tensordot_grad_a_vjp_b),
         (tensordot_grad_a_jvp_dy, no_tangent, tensordot_grad_a_jvp_b)),
        (tensordot_grad_b, (tensordot_grad_b_vjp_dy, tensordot_grad_b_vjp_a, shape_only(2)),
         (tensordot_grad_b_jvp_dy, tensordot_grad_b_jvp_a, no_tangent)),
        (kron_grad_a, (kron_grad_a_vjp_dy, shape_only(1), kron_grad_a_vjp_b),
         (kron_grad_a_jvp_dy, no_tangent, kron_grad_a_jvp_b)),
        (kron_grad_b, (kron_grad_b_vjp_dy, kron_grad_b_vjp_a, shape_only(2)),
         (kron_grad_b_jvp_dy, kron_grad_b_jvp_a, no_tangent)),
        (cross_grad_a, (cross_grad_a_vjp_dy, shape_only(1), cross_grad_a_vjp_b),
         (cross_grad_a_jvp_dy, no_tangent, cross_grad_a_jvp_b)),
        (cross_grad_b, (cross_grad_b_vjp_dy, cross_grad_b_vjp_a, shape_only(2)),
         (cross_grad_b_jvp_dy, cross_grad_b_jvp_a, no_tangent)),
        (vecdot_grad, (vecdot_grad_vjp_dy, shape_only(1), vecdot_grad_vjp_x2),
         (vecdot_grad_jvp_dy, no_tangent, vecdot_grad_jvp_x2))]:
    defvjp(_helper, *_vjps)
    defjvp(_helper, *_jvps)
defnondiff(dot_axes, scalar_operand, cross_axes, tensordot_axes)
