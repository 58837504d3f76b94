"""Shape and indexing rules: reshaping, joining, splitting, reordering, indexing, conversions.

Every op here is linear in its array argument (sort, partition and unique are, for a fixed
order), so each JVP is the op itself applied to the tangent and each VJP is its transpose: a
reshape back, a split of a concatenation, a scatter of a gather. Rules take the primitive's own
parameters with NumPy's names and defaults, so a call written positionally or by keyword reaches
the same rule.

Sequence conventions (shared with the compiler and the tape):

* a rule for a list argument (``np.concatenate([a, b])``) returns a list of cotangents, one per
  element; a JVP rule for it receives a list of tangents in which ``None`` means zero;
* a rule for a list output (``np.split``) receives a list of cotangents in which ``None`` means
  "this output was not used".
"""

import math
import operator

import numpy as np

from ..backend import is_array
from ..support import (
    arange_like,
    empty_grad,
    fill_none,
    getitem_grad,
    index_set,
    scatter_add,
    shape_of,
    shape_only,
    unbroadcast,
    value_grad,
    zero_at,
)
from .table import defjvp, defnondiff, defvjp

# ---------------------------------------------------------------- helpers the rules call


def _define(primitive, vjp, jvp):
    """Register a one-argument primitive's VJP and JVP together (most shape ops)."""
    defvjp(primitive, vjp)
    defjvp(primitive, jvp)


def invert_axes(axes, ndim):
    """The permutation that undoes ``np.transpose(x, axes)``; ``None`` reverses again."""
    if axes is None:
        return None
    return tuple(int(i) for i in np.argsort([a % ndim for a in axes]))


def negated(shift):
    """``-shift`` for an int or a tuple of ints (``np.roll``'s shift)."""
    return -shift if np.ndim(shift) == 0 else tuple(-s for s in shift)


def _promoted(shape, ndmin):
    # The shape np.atleast_{1,2,3}d gives, as hstack/vstack/dstack promote their inputs.
    if len(shape) >= ndmin:
        return shape
    if ndmin == 3:
        return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)]
    return (1,) * (ndmin - len(shape)) + shape


def split_like(dy, arrays, axis, ndmin=0):
    """Cotangents of the inputs of a concatenation along ``axis``: ``dy`` cut back into pieces.

    ``ndmin`` is the rank the joining function promoted its inputs to (hstack 1, vstack 2,
    dstack 3); ``axis=None`` is ``np.concatenate``'s flattening mode.
    """
    if axis is None:
        dy, axis = np.ravel(dy), 0
        sizes = [math.prod(shape_of(a)) for a in arrays]
    else:
        sizes = [_promoted(shape_of(a), ndmin)[axis] for a in arrays]
    bounds = np.cumsum(sizes)[:-1].tolist()
    pieces = np.split(dy, bounds, axis=axis)
    # shape_of: an element may be a list of CuPy scalars, which np.shape would convert
    return [np.reshape(p, shape_of(a)) for p, a in zip(pieces, arrays)]


def split_axis(x, axis=0):
    """The slices of ``x`` along ``axis``, as a list (``np.unstack``, which CuPy lacks)."""
    moved = np.moveaxis(x, axis, 0)
    return [moved[i] for i in range(np.shape(moved)[0])]


def untile(dy, x, reps):
    """Cotangent of ``x`` for ``np.tile(x, reps)``: the sum over all the copies."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = tuple(np.shape(x))
    d = max(len(shape), len(reps))
    shape, reps = (1,) * (d - len(shape)) + shape, (1,) * (d - len(reps)) + reps
    copies = np.reshape(dy, [n for pair in zip(reps, shape) for n in pair])
    return np.reshape(np.sum(copies, axis=tuple(range(0, 2 * d, 2))), np.shape(x))


def unrepeat(dy, x, repeats, axis):
    """Cotangent of ``x`` for ``np.repeat(x, repeats, axis)``: each run of copies summed."""
    shape = tuple(np.shape(x))
    target = (int(np.size(x)),) if axis is None else shape
    axis = 0 if axis is None else axis % len(shape)
    n = target[axis]
    if np.size(repeats) == 1:  # equal runs: fold them into a new axis and sum it
        r = int(np.reshape(repeats, ())) if is_array(repeats) else int(np.ravel(repeats)[0])
        runs = np.reshape(dy, target[:axis] + (n, r) + target[axis + 1:])
        return np.reshape(np.sum(runs, axis=axis + 1), shape)
    owner = np.repeat(arange_like(n, dy), repeats)  # which input each output slot copies
    moved = np.zeros_like(dy, shape=(n,) + target[:axis] + target[axis + 1:])
    moved = scatter_add(moved, owner, np.moveaxis(dy, axis, 0))
    return np.reshape(np.moveaxis(moved, 0, axis), shape)


def untake(dy, x, indices, axis):
    """Cotangent of ``x`` for ``np.take(x, indices, axis)``; repeated indices accumulate."""
    shape = tuple(np.shape(x))
    if axis is None:
        flat = np.zeros_like(x, shape=(int(np.size(x)),))
        return np.reshape(scatter_add(flat, indices, dy), shape)
    index = (slice(None),) * (axis % len(shape)) + (indices,)
    return scatter_add(np.zeros_like(x), index, dy)


def taken_indices(indices, x, axis, mode):
    """``np.take``'s indices with its ``mode`` applied, so rules may index with plain ``raise``.

    (CuPy's take has no ``mode``; applying it here keeps the rules library-neutral.)
    """
    if mode == "raise":
        return indices
    n = int(np.size(x)) if axis is None else np.shape(x)[axis]
    return np.mod(indices, n) if mode == "wrap" else np.clip(indices, 0, n - 1)


def along_axis_index(indices, axis):
    """The fancy index equivalent to ``np.take_along_axis(x, indices, axis)``."""
    shape = tuple(np.shape(indices))
    axis %= len(shape)
    index = []
    for d, n in enumerate(shape):
        if d == axis:
            index.append(indices)
        else:
            ones = [1] * len(shape)
            ones[d] = n
            index.append(np.reshape(arange_like(n, indices), ones))
    return tuple(index)


def untake_along_axis(dy, x, indices, axis):
    """Cotangent of ``x`` for ``np.take_along_axis``; repeated indices accumulate."""
    if axis is None:
        flat = np.zeros_like(x, shape=(int(np.size(x)),))
        return np.reshape(scatter_add(flat, indices, dy), np.shape(x))
    return scatter_add(np.zeros_like(x), along_axis_index(indices, axis), dy)


_GATHER_PADS = ("edge", "reflect", "symmetric", "wrap")


def pad_mode(mode):
    """The np.pad mode that carries tangents: a gather's own, zeros for a constant fill.

    Other modes (``mean``, ``maximum``, ``linear_ramp``...) raise rather than guess.
    """
    if mode in ("constant", "empty"):
        return "constant"
    if mode in _GATHER_PADS:
        return mode
    raise NotImplementedError(
        f"tangentish has no derivative for np.pad(mode={mode!r}); supported modes: "
        f"'constant', 'empty', {', '.join(map(repr, _GATHER_PADS))}")


def unpad(dy, x, pad_width, mode):
    """Cotangent of ``x`` for ``np.pad``: the interior for constant fills, a scatter otherwise."""
    shape = tuple(np.shape(x))
    if pad_mode(mode) == "constant":
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
        return dy[tuple(slice(int(b), int(b) + n) for (b, _), n in zip(widths, shape))]
    # Every padded cell copies one input cell: pad the cells' flat positions the same way.
    source = np.pad(np.reshape(arange_like(int(np.size(x)), dy), shape), pad_width, mode=mode)
    flat = np.zeros_like(x, shape=(int(np.size(x)),))
    return np.reshape(scatter_add(flat, np.ravel(source), np.ravel(dy)), shape)


def undiagonal(dy, x, offset, axis1, axis2):
    """Cotangent of ``x`` for ``np.diagonal``: ``dy`` written onto zeros along the diagonal."""
    shape = tuple(np.shape(x))
    a1, a2 = axis1 % len(shape), axis2 % len(shape)
    rest = tuple(n for d, n in enumerate(shape) if d not in (a1, a2))
    steps = arange_like(np.shape(dy)[-1], x)
    out = np.zeros_like(x, shape=rest + (shape[a1], shape[a2]))
    out[..., steps + max(-offset, 0), steps + max(offset, 0)] = dy
    return np.moveaxis(out, (-2, -1), (a1, a2))


def kept_indices(arr, obj, axis):
    """The positions ``np.delete(arr, obj, axis)`` keeps, along ``axis`` (flat for None)."""
    n = int(np.size(arr)) if axis is None else np.shape(arr)[axis]
    return np.delete(arange_like(n, arr), obj)


def rolled_to(axis, start, ndim):
    """The position ``np.rollaxis(x, axis, start)`` moves ``axis`` to."""
    axis, start = axis % ndim, start + ndim if start < 0 else start
    return start - 1 if start > axis else start


def source_positions(y, a, axis):
    """Where each element of ``y``, a reordering of ``a`` along ``axis``, sits in ``a``.

    Read off the values themselves, so it holds whatever order ``np.partition`` chose.
    """
    if axis is None:
        a, axis = np.ravel(a), 0
    rank = np.argsort(np.argsort(y, axis=axis), axis=axis)
    return np.take_along_axis(np.argsort(a, axis=axis), rank, axis=axis)


sliding_window_view = np.lib.stride_tricks.sliding_window_view


def unwindow(dy, x, window_shape, axis):
    """Cotangent of ``x`` for ``sliding_window_view``: each window's cells added back."""
    shape = tuple(np.shape(x))
    cells = sliding_window_view(np.reshape(arange_like(int(np.size(x)), dy), shape),
                                window_shape, axis)
    flat = np.zeros_like(x, shape=(int(np.size(x)),))
    return np.reshape(scatter_add(flat, np.ravel(cells), np.ravel(dy)), shape)


def dtype_of(x):
    """The dtype of an array or a Python/NumPy scalar."""
    return x.dtype if is_array(x) else np.result_type(x)


def astype(x, dtype):
    """``x.astype(dtype)`` as a function: the table keys rules on functions, not methods."""
    return x.astype(dtype) if is_array(x) else np.dtype(dtype).type(x)


def _nested_shape(x):
    if isinstance(x, (list, tuple)):
        return (len(x),) + (_nested_shape(x[0]) if len(x) else ())
    return tuple(np.shape(x))


def unarray(dy, x):
    """Cotangent of ``x`` for ``np.array(x)``: the same nest of lists as ``x``, cast back."""
    if isinstance(x, (list, tuple)):
        dy = np.reshape(dy, _nested_shape(x))  # drops ndmin's leading axes
        return [unarray(dy[i], v) for i, v in enumerate(x)]
    g = np.reshape(dy, np.shape(x))
    return astype(g, x.dtype) if is_array(x) and g.dtype != x.dtype else g


def restack(dx, x):
    """The tangent of ``np.array(x)`` from tangents shaped like the nest ``x``."""
    if isinstance(x, (list, tuple)):
        return np.stack([restack(d, v) for d, v in zip(fill_none(dx, x), x)])
    return dx


# ---------------------------------------------------------------- reshaping


def reshape_vjp(dy, y, a, shape=None, order="C", newshape=None, copy=None):
    return np.reshape(dy, np.shape(a), order=order)


def reshape_jvp(da, y, a, shape=None, order="C", newshape=None, copy=None):
    return np.reshape(da, np.shape(y), order=order)


def ravel_vjp(dy, y, a, order="C"):
    return np.reshape(dy, np.shape(a), order=order)


def ravel_jvp(da, y, a, order="C"):
    return np.ravel(da, order=order)


def transpose_vjp(dy, y, a, axes=None):
    return np.transpose(dy) if axes is None else np.transpose(dy, invert_axes(axes, np.ndim(a)))


def transpose_jvp(da, y, a, axes=None):
    return np.transpose(da, axes)


def swapaxes_vjp(dy, y, a, axis1, axis2):
    return np.swapaxes(dy, axis1, axis2)


def swapaxes_jvp(da, y, a, axis1, axis2):
    return np.swapaxes(da, axis1, axis2)


def moveaxis_vjp(dy, y, a, source, destination):
    return np.moveaxis(dy, destination, source)


def moveaxis_jvp(da, y, a, source, destination):
    return np.moveaxis(da, source, destination)


def matrix_transpose_vjp(dy, y, x):
    return np.swapaxes(dy, -1, -2)


def matrix_transpose_jvp(dx, y, x):
    return np.swapaxes(dx, -1, -2)


def expand_dims_vjp(dy, y, a, axis):
    return np.reshape(dy, np.shape(a))


def expand_dims_jvp(da, y, a, axis):
    return np.expand_dims(da, axis)


def squeeze_vjp(dy, y, a, axis=None):
    return np.reshape(dy, np.shape(a))


def squeeze_jvp(da, y, a, axis=None):
    return np.squeeze(da, axis)


def broadcast_to_vjp(dy, y, array, shape, subok=False):
    return unbroadcast(dy, array)


def broadcast_to_jvp(darray, y, array, shape, subok=False):
    return np.broadcast_to(darray, shape)


def atleast_vjp(dy, y, x):
    """One array in, one out (``np.atleast_2d(a, b)`` with several arrays is not covered)."""
    return np.reshape(dy, np.shape(x))


def atleast_jvp(dx, y, x):
    return np.reshape(dx, np.shape(y))


_define(np.reshape, reshape_vjp, reshape_jvp)
_define(np.ravel, ravel_vjp, ravel_jvp)
defvjp(np.transpose, transpose_vjp)  # also np.permute_dims (the same function)
defjvp(np.transpose, transpose_jvp)
_define(np.swapaxes, swapaxes_vjp, swapaxes_jvp)
_define(np.moveaxis, moveaxis_vjp, moveaxis_jvp)
_define(np.matrix_transpose, matrix_transpose_vjp, matrix_transpose_jvp)
_define(np.expand_dims, expand_dims_vjp, expand_dims_jvp)
_define(np.squeeze, squeeze_vjp, squeeze_jvp)
_define(np.broadcast_to, broadcast_to_vjp, broadcast_to_jvp)
for _atleast in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    defvjp(_atleast, atleast_vjp)
    defjvp(_atleast, atleast_jvp)

# ---------------------------------------------------------------- joining and splitting


def concatenate_vjp(dy, y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    return split_like(dy, arrays, axis)


def concatenate_jvp(darrays, y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    return np.concatenate(fill_none(darrays, arrays), axis=axis)


def stack_vjp(dy, y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    return split_axis(dy, axis)


def stack_jvp(darrays, y, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    return np.stack(fill_none(darrays, arrays), axis=axis)


def hstack_vjp(dy, y, tup, dtype=None, casting="same_kind"):
    return split_like(dy, tup, 0 if np.ndim(y) == 1 else 1, 1)


def hstack_jvp(dtup, y, tup, dtype=None, casting="same_kind"):
    return np.hstack(fill_none(dtup, tup))


def vstack_vjp(dy, y, tup, dtype=None, casting="same_kind"):
    return split_like(dy, tup, 0, 2)


def vstack_jvp(dtup, y, tup, dtype=None, casting="same_kind"):
    return np.vstack(fill_none(dtup, tup))


def dstack_vjp(dy, y, tup):
    return split_like(dy, tup, 2, 3)


def dstack_jvp(dtup, y, tup):
    return np.dstack(fill_none(dtup, tup))


def split_vjp(dy, y, ary, indices_or_sections, axis=0):
    return np.concatenate(fill_none(dy, y), axis=axis)


def split_jvp(dary, y, ary, indices_or_sections, axis=0):
    return np.array_split(dary, indices_or_sections, axis=axis)


def hsplit_vjp(dy, y, ary, indices_or_sections):
    return np.concatenate(fill_none(dy, y), axis=1 if np.ndim(ary) > 1 else 0)


def hsplit_jvp(dary, y, ary, indices_or_sections):
    return np.hsplit(dary, indices_or_sections)


def vsplit_vjp(dy, y, ary, indices_or_sections):
    return np.concatenate(fill_none(dy, y), axis=0)


def vsplit_jvp(dary, y, ary, indices_or_sections):
    return np.vsplit(dary, indices_or_sections)


def dsplit_vjp(dy, y, ary, indices_or_sections):
    return np.concatenate(fill_none(dy, y), axis=2)


def dsplit_jvp(dary, y, ary, indices_or_sections):
    return np.dsplit(dary, indices_or_sections)


def unstack_vjp(dy, y, x, axis=0):
    return np.stack(fill_none(dy, y), axis=axis)


def unstack_jvp(dx, y, x, axis=0):
    return split_axis(dx, axis)


# np.concat is np.concatenate; np.split's tangent is array_split's (same cut when split is valid)
_define(np.concatenate, concatenate_vjp, concatenate_jvp)
_define(np.stack, stack_vjp, stack_jvp)
_define(np.hstack, hstack_vjp, hstack_jvp)
_define(np.vstack, vstack_vjp, vstack_jvp)
_define(np.dstack, dstack_vjp, dstack_jvp)
for _split in (np.split, np.array_split):
    defvjp(_split, split_vjp)
    defjvp(_split, split_jvp)
_define(np.hsplit, hsplit_vjp, hsplit_jvp)
_define(np.vsplit, vsplit_vjp, vsplit_jvp)
_define(np.dsplit, dsplit_vjp, dsplit_jvp)
_define(np.unstack, unstack_vjp, unstack_jvp)

# ---------------------------------------------------------------- copying and reordering


def tile_vjp(dy, y, A, reps):
    return untile(dy, A, reps)


def tile_jvp(dA, y, A, reps):
    return np.tile(dA, reps)


def repeat_vjp(dy, y, a, repeats, axis=None):
    return unrepeat(dy, a, repeats, axis)


def repeat_jvp(da, y, a, repeats, axis=None):
    return np.repeat(da, repeats, axis=axis)


def flip_vjp(dy, y, m, axis=None):
    return np.flip(dy, axis)


def flip_jvp(dm, y, m, axis=None):
    return np.flip(dm, axis)


def fliplr_vjp(dy, y, m):
    return np.fliplr(dy)


def fliplr_jvp(dm, y, m):
    return np.fliplr(dm)


def flipud_vjp(dy, y, m):
    return np.flipud(dy)


def flipud_jvp(dm, y, m):
    return np.flipud(dm)


def roll_vjp(dy, y, a, shift, axis=None):
    return np.roll(dy, negated(shift), axis)


def roll_jvp(da, y, a, shift, axis=None):
    return np.roll(da, shift, axis)


def rot90_vjp(dy, y, m, k=1, axes=(0, 1)):
    return np.rot90(dy, -k, axes)


def rot90_jvp(dm, y, m, k=1, axes=(0, 1)):
    return np.rot90(dm, k, axes)


def sort_vjp(dy, y, a, axis=-1, kind=None, order=None, stable=None):
    return untake_along_axis(dy, a, np.argsort(a, axis=axis), axis)


def sort_jvp(da, y, a, axis=-1, kind=None, order=None, stable=None):
    return np.take_along_axis(da, np.argsort(a, axis=axis), axis=axis)


def unique_groups(ar):
    """Which unique value each element of ``ar`` became, and how many elements share it."""
    _, inverse, counts = np.unique(ar, return_inverse=True, return_counts=True)
    return np.ravel(inverse), counts


def ununique(dy, ar, axis):
    """Cotangent of ``ar`` for ``np.unique``'s values: tied elements share their value's
    cotangent equally (the values move as the group's mean), so ``ununique`` is the adjoint of
    ``unique_tangent``; ``np.unique``'s integer outputs carry no cotangent."""
    if axis is not None:
        raise NotImplementedError("tangentish has no derivative for np.unique with an axis")
    g = dy[0] if isinstance(dy, (tuple, list)) else dy
    inverse, counts = unique_groups(ar)
    return np.reshape(np.take(g / counts, inverse), np.shape(ar))


def unique_tangent(dx, y, ar, axis):
    """Tangent of ``np.unique``'s values: each the mean tangent of the elements tied to it."""
    if axis is not None:
        raise NotImplementedError("tangentish has no derivative for np.unique with an axis")
    inverse, counts = unique_groups(ar)
    values = np.bincount(inverse, np.ravel(dx), minlength=np.shape(counts)[0]) / counts
    return [values] + [None] * (len(y) - 1) if isinstance(y, tuple) else values


def unique_vjp(dy, y, ar, return_index=False, return_inverse=False, return_counts=False,
               axis=None, equal_nan=True, sorted=True):
    return ununique(dy, ar, axis)


def unique_jvp(dar, y, ar, return_index=False, return_inverse=False, return_counts=False,
               axis=None, equal_nan=True, sorted=True):
    return unique_tangent(dar, y, ar, axis)


_define(np.tile, tile_vjp, tile_jvp)
_define(np.repeat, repeat_vjp, repeat_jvp)
_define(np.flip, flip_vjp, flip_jvp)
_define(np.fliplr, fliplr_vjp, fliplr_jvp)
_define(np.flipud, flipud_vjp, flipud_jvp)
_define(np.roll, roll_vjp, roll_jvp)
_define(np.rot90, rot90_vjp, rot90_jvp)
_define(np.sort, sort_vjp, sort_jvp)
_define(np.unique, unique_vjp, unique_jvp)

# ---------------------------------------------------------------- gathering and padding


def take_vjp(dy, y, a, indices, axis=None, out=None, mode="raise"):
    return untake(dy, a, taken_indices(indices, a, axis, mode), axis)


def take_jvp(da, y, a, indices, axis=None, out=None, mode="raise"):
    return np.take(da, taken_indices(indices, a, axis, mode), axis=axis)


def take_along_axis_vjp(dy, y, arr, indices, axis=-1):
    return untake_along_axis(dy, arr, indices, axis)


def take_along_axis_jvp(darr, y, arr, indices, axis=-1):
    return np.take_along_axis(darr, indices, axis=axis)


def pad_vjp(dy, y, array, pad_width, mode="constant", constant_values=0):
    return unpad(dy, array, pad_width, mode)


def pad_jvp(darray, y, array, pad_width, mode="constant", constant_values=0):
    return np.pad(darray, pad_width, mode=pad_mode(mode))


def diag_vjp(dy, y, v, k=0):
    return np.diag(dy, k) if np.ndim(v) == 1 else undiagonal(dy, v, k, 0, 1)


def diag_jvp(dv, y, v, k=0):
    return np.diag(dv, k)


def diagonal_vjp(dy, y, a, offset=0, axis1=0, axis2=1):
    return undiagonal(dy, a, offset, axis1, axis2)


def diagonal_jvp(da, y, a, offset=0, axis1=0, axis2=1):
    return np.diagonal(da, offset, axis1, axis2)


def tril_vjp(dy, y, m, k=0):
    return np.tril(dy, k)


def tril_jvp(dm, y, m, k=0):
    return np.tril(dm, k)


def triu_vjp(dy, y, m, k=0):
    return np.triu(dy, k)


def triu_jvp(dm, y, m, k=0):
    return np.triu(dm, k)


_define(np.take, take_vjp, take_jvp)
_define(np.take_along_axis, take_along_axis_vjp, take_along_axis_jvp)
_define(np.pad, pad_vjp, pad_jvp)
_define(np.diag, diag_vjp, diag_jvp)
_define(np.diagonal, diagonal_vjp, diagonal_jvp)
_define(np.tril, tril_vjp, tril_jvp)
_define(np.triu, triu_vjp, triu_jvp)

def append_vjp_arr(dy, y, arr, values, axis=None):
    return split_like(dy, [arr, values], axis)[0]


def append_vjp_values(dy, y, arr, values, axis=None):
    return split_like(dy, [arr, values], axis)[1]


def append_jvp_arr(darr, y, arr, values, axis=None):
    return np.append(darr, np.zeros_like(values), axis=axis)


def append_jvp_values(dvalues, y, arr, values, axis=None):
    return np.append(np.zeros_like(arr), dvalues, axis=axis)


def delete_vjp(dy, y, arr, obj, axis=None):
    return untake(dy, arr, kept_indices(arr, obj, axis), axis)


def delete_jvp(darr, y, arr, obj, axis=None):
    return np.delete(darr, obj, axis=axis)


def compress_vjp(dy, y, condition, a, axis=None, out=None):
    return untake(dy, a, np.flatnonzero(condition), axis)


def compress_jvp(da, y, condition, a, axis=None, out=None):
    return np.compress(condition, da, axis=axis)


def extract_vjp(dy, y, condition, arr):
    return untake(dy, arr, np.flatnonzero(condition), None)


def extract_jvp(darr, y, condition, arr):
    return np.extract(condition, darr)


def rollaxis_vjp(dy, y, a, axis, start=0):
    return np.moveaxis(dy, rolled_to(axis, start, np.ndim(a)), axis)


def rollaxis_jvp(da, y, a, axis, start=0):
    return np.rollaxis(da, axis, start)


def partition_vjp(dy, y, a, kth, axis=-1, kind="introselect", order=None):
    return untake_along_axis(dy, a, source_positions(y, a, axis), axis)


def partition_jvp(da, y, a, kth, axis=-1, kind="introselect", order=None):
    return np.take_along_axis(da, source_positions(y, a, axis), axis=axis)


def sliding_window_view_vjp(dy, y, x, window_shape, axis=None, subok=False, writeable=False):
    return unwindow(dy, x, window_shape, axis)


def sliding_window_view_jvp(dx, y, x, window_shape, axis=None, subok=False, writeable=False):
    return sliding_window_view(dx, window_shape, axis)


defvjp(np.append, append_vjp_arr, append_vjp_values)
defjvp(np.append, append_jvp_arr, append_jvp_values)
_define(np.delete, delete_vjp, delete_jvp)
defvjp(np.compress, None, compress_vjp, argnames=("condition", "a"))
defjvp(np.compress, None, compress_jvp, argnames=("condition", "a"))
defvjp(np.extract, None, extract_vjp, argnames=("condition", "arr"))
defjvp(np.extract, None, extract_jvp, argnames=("condition", "arr"))
_define(np.rollaxis, rollaxis_vjp, rollaxis_jvp)
_define(np.partition, partition_vjp, partition_jvp)
_define(sliding_window_view, sliding_window_view_vjp, sliding_window_view_jvp)

# ---------------------------------------------------------------- indexing


def getitem_vjp(dy, y, a, b):
    """Arrays: zeros with ``dy`` scattered at ``b`` (repeated fancy indices accumulate).

    Lists and tuples: a list as long as ``a`` with ``dy`` at ``b`` and ``None`` ("no
    gradient") everywhere else; dicts: ``{b: dy}``. See ``support.getitem_grad``.
    """
    return getitem_grad(dy, a, b)


def getitem_jvp(da, y, a, b):
    return da[b]


def index_set_vjp_x(dy, y, x, idx, v):
    """Whatever ``x`` held at ``idx`` was overwritten, so it gets nothing there."""
    return zero_at(dy, idx)


def index_set_vjp_v(dy, y, x, idx, v):
    return value_grad(dy, idx, v)


def index_set_jvp_x(dx, y, x, idx, v):
    return zero_at(dx, idx)


def index_set_jvp_v(dv, y, x, idx, v):
    return index_set(empty_grad(y), idx, dv)


_define(operator.getitem, getitem_vjp, getitem_jvp)
defvjp(index_set, index_set_vjp_x, None, index_set_vjp_v, argnames=("x", "idx", "v"))
defjvp(index_set, index_set_jvp_x, None, index_set_jvp_v, argnames=("x", "idx", "v"))

# ---------------------------------------------------------------- copies and conversions


def copy_vjp(dy, y, a, order="K", subok=False):
    return dy


def copy_jvp(da, y, a, order="K", subok=False):
    return da


def array_tangent(dx, x, y):
    """The tangent of ``y = np.array(x)``: the tangents of the nest stacked, shaped and cast."""
    d = np.reshape(restack(dx, x), np.shape(y))
    return d if dtype_of(d) == y.dtype else astype(d, y.dtype)


def array_vjp(dy, y, object, dtype=None, copy=True, order="K", subok=False, ndmin=0, like=None):
    """``np.array`` of a nest of lists gives a nest of cotangent lists (see ``unarray``)."""
    return unarray(dy, object)


def array_jvp(dobject, y, object, dtype=None, copy=True, order="K", subok=False, ndmin=0,
              like=None):
    return array_tangent(dobject, object, y)


def asarray_vjp(dy, y, a, dtype=None, order=None, device=None, copy=None, like=None):
    return unarray(dy, a)


def asarray_jvp(da, y, a, dtype=None, order=None, device=None, copy=None, like=None):
    return array_tangent(da, a, y)


def ascontiguousarray_vjp(dy, y, a, dtype=None, like=None):
    return unarray(dy, a)


def ascontiguousarray_jvp(da, y, a, dtype=None, like=None):
    return array_tangent(da, a, y)


def astype_vjp(dy, y, x, dtype):
    """The cotangent goes back in ``x``'s own dtype (float32 in, float32 gradient out)."""
    return astype(dy, dtype_of(x))


def astype_jvp(dx, y, x, dtype):
    return astype(dx, dtype_of(y))


def float_vjp(dy, y, x):
    """``float(x)`` is the identity for gradients; an array ``x`` gets ``dy`` in its shape."""
    return dy * np.ones_like(x) if is_array(x) else dy


def float_jvp(dx, y, x):
    return np.reshape(dx, ()) if is_array(dx) else dx


_define(np.copy, copy_vjp, copy_jvp)
for _asarray in (np.asarray, np.asanyarray):
    defvjp(_asarray, asarray_vjp)
    defjvp(_asarray, asarray_jvp)
_define(np.array, array_vjp, array_jvp)
_define(np.ascontiguousarray, ascontiguousarray_vjp, ascontiguousarray_jvp)
_define(astype, astype_vjp, astype_jvp)
_define(float, float_vjp, float_jvp)

# ---------------------------------------------------------------- filled constructors
# Their shape argument (or prototype array) carries no gradient; the fill value does, and
# np.linspace's samples move with its start and stop.


def linspace_weights(y, num, endpoint, axis):
    """How far from start towards stop each np.linspace sample lies, broadcastable to ``y``."""
    if isinstance(y, tuple):
        raise NotImplementedError("tangentish has no derivative for np.linspace(retstep=True)")
    shape = [1] * np.ndim(y)
    shape[axis % np.ndim(y)] = num
    return np.reshape(arange_like(num, y) / max(num - 1 if endpoint else num, 1), shape)


def along_samples(d, y, axis):
    """A start or stop tangent laid along np.linspace's sample axis (length 1 there)."""
    ax = axis % np.ndim(y)
    rest = tuple(n for i, n in enumerate(np.shape(y)) if i != ax)
    return np.expand_dims(np.broadcast_to(d, rest), ax)


def linspace_vjp_start(dy, y, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                       axis=0, device=None):
    return unbroadcast(np.sum(dy * (1 - linspace_weights(y, num, endpoint, axis)), axis=axis),
                       start)


def linspace_vjp_stop(dy, y, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                      axis=0, device=None):
    return unbroadcast(np.sum(dy * linspace_weights(y, num, endpoint, axis), axis=axis), stop)


def linspace_jvp_start(dstart, y, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                       axis=0, device=None):
    return along_samples(dstart, y, axis) * (1 - linspace_weights(y, num, endpoint, axis))


def linspace_jvp_stop(dstop, y, start, stop, num=50, endpoint=True, retstep=False, dtype=None,
                      axis=0, device=None):
    return along_samples(dstop, y, axis) * linspace_weights(y, num, endpoint, axis)


def along_samples_vjp(g, y, d, like, axis):
    return unbroadcast(np.squeeze(g, axis % np.ndim(like)), d)


def along_samples_jvp(dd, y, d, like, axis):
    return along_samples(dd, like, axis)


defvjp(np.linspace, linspace_vjp_start, linspace_vjp_stop, argnames=("start", "stop"))
defjvp(np.linspace, linspace_jvp_start, linspace_jvp_stop, argnames=("start", "stop"))
_define(along_samples, along_samples_vjp, along_samples_jvp)
defnondiff(linspace_weights)


def full_vjp_fill(dy, y, shape, fill_value, dtype=None, order="C", device=None, like=None):
    return unbroadcast(dy, fill_value)


def full_jvp_fill(dfill_value, y, shape, fill_value, dtype=None, order="C", device=None,
                  like=None):
    return dfill_value * np.ones_like(y)


def full_like_vjp_fill(dy, y, a, fill_value, dtype=None, order="K", subok=True, shape=None,
                       device=None):
    return unbroadcast(dy, fill_value)


def full_like_jvp_fill(dfill_value, y, a, fill_value, dtype=None, order="K", subok=True,
                       shape=None, device=None):
    return dfill_value * np.ones_like(y)


defvjp(np.full, None, full_vjp_fill, argnames=("shape", "fill_value"))
defjvp(np.full, None, full_jvp_fill, argnames=("shape", "fill_value"))
defvjp(np.full_like, None, full_like_vjp_fill, argnames=("a", "fill_value"))
defjvp(np.full_like, None, full_like_jvp_fill, argnames=("a", "fill_value"))


def bincount_vjp_weights(dy, y, x, weights=None, minlength=0):
    """Each weight went into the bin its ``x`` names; ``x`` itself (integers) has no rule."""
    return np.take(dy, x)


def bincount_jvp_weights(dweights, y, x, weights=None, minlength=0):
    return np.bincount(x, dweights, minlength=np.shape(y)[0])


defvjp(np.bincount, None, bincount_vjp_weights, argnames=("x", "weights"))
defjvp(np.bincount, None, bincount_jvp_weights, argnames=("x", "weights"))

# ---------------------------------------------------------------- the helpers' own rules
# Generated adjoints call the helpers above, and tg.hessian / tg.grad(tg.grad(f)) differentiate
# generated adjoints again: so each helper is a primitive too. All are linear in their first
# argument: the JVP applies the helper to the tangent, the VJP is the forward op it undoes.


def join_like(pieces, arrays, axis, ndmin, like):
    """The inverse of ``split_like``: pieces shaped like ``arrays`` joined into ``like``'s shape."""
    pieces = fill_none(pieces, arrays)
    if axis is None:
        return np.reshape(np.concatenate([np.ravel(p) for p in pieces]), np.shape(like))
    promoted = [np.reshape(p, _promoted(shape_of(a), ndmin))
                for p, a in zip(pieces, arrays)]
    return np.reshape(np.concatenate(promoted, axis=axis), np.shape(like))


def unwindow_vjp(g, y, dy, x, window_shape, axis):
    return sliding_window_view(g, window_shape, axis)


def unwindow_jvp(ddy, y, dy, x, window_shape, axis):
    return unwindow(ddy, x, window_shape, axis)


def unbroadcast_vjp(ct, y, g, target):
    """Summing over broadcast axes and broadcasting back are each other's adjoints."""
    return unbroadcast(ct, g)


def unbroadcast_jvp(dg, y, g, target):
    return unbroadcast(dg, target)


def join_like_vjp(g, y, pieces, arrays, axis, ndmin, like):
    return split_like(g, arrays, axis, ndmin)


def join_like_jvp(dpieces, y, pieces, arrays, axis, ndmin, like):
    return join_like(dpieces, arrays, axis, ndmin, like)


def getitem_grad_vjp(g, y, dy, x, idx):
    return g[idx]


def getitem_grad_jvp(ddy, y, dy, x, idx):
    return getitem_grad(ddy, x, idx)


def zero_at_vjp(g, y, dy, idx):
    return zero_at(g, idx)


def zero_at_jvp(ddy, y, dy, idx):
    return zero_at(ddy, idx)


def value_grad_vjp(g, y, dy, idx, v):
    return index_set(empty_grad(dy), idx, g)


def value_grad_jvp(ddy, y, dy, idx, v):
    return value_grad(ddy, idx, v)


def fill_none_vjp(g, y, ds, like):
    return g


def fill_none_jvp(dds, y, ds, like):
    return fill_none(dds, like)


def restack_vjp(g, y, dx, x):
    return g  # an array adjoint of the list of tangents: item_grad reads it as one


def restack_jvp(ddx, y, dx, x):
    return restack(ddx, x)


def split_like_vjp(g, y, dy, arrays, axis, ndmin=0):
    return join_like(g, arrays, axis, ndmin, dy)


def split_like_jvp(ddy, y, dy, arrays, axis, ndmin=0):
    return split_like(ddy, arrays, axis, ndmin)


def untile_vjp(g, y, dy, x, reps):
    return np.tile(g, reps)


def untile_jvp(ddy, y, dy, x, reps):
    return untile(ddy, x, reps)


def unrepeat_vjp(g, y, dy, x, repeats, axis):
    return np.repeat(g, repeats, axis=axis)


def unrepeat_jvp(ddy, y, dy, x, repeats, axis):
    return unrepeat(ddy, x, repeats, axis)


def untake_vjp(g, y, dy, x, indices, axis):
    return np.take(g, indices, axis=axis)


def untake_jvp(ddy, y, dy, x, indices, axis):
    return untake(ddy, x, indices, axis)


def untake_along_axis_vjp(g, y, dy, x, indices, axis):
    return np.take_along_axis(g, indices, axis=axis)


def untake_along_axis_jvp(ddy, y, dy, x, indices, axis):
    return untake_along_axis(ddy, x, indices, axis)


def unpad_vjp(g, y, dy, x, pad_width, mode):
    return np.pad(g, pad_width, mode=pad_mode(mode))


def unpad_jvp(ddy, y, dy, x, pad_width, mode):
    return unpad(ddy, x, pad_width, mode)


def undiagonal_vjp(g, y, dy, x, offset, axis1, axis2):
    return np.diagonal(g, offset, axis1, axis2)


def undiagonal_jvp(ddy, y, dy, x, offset, axis1, axis2):
    return undiagonal(ddy, x, offset, axis1, axis2)


def unarray_vjp(g, y, dy, x):
    return array_tangent(g, x, dy)


def unarray_jvp(ddy, y, dy, x):
    return unarray(ddy, x)


def array_tangent_vjp(g, y, dx, x, like):
    return unarray(g, x)


def array_tangent_jvp(ddx, y, dx, x, like):
    return array_tangent(ddx, x, like)


def ununique_vjp(g, y, dy, ar, axis):
    return unique_tangent(g, dy, ar, axis)


def ununique_jvp(ddy, y, dy, ar, axis):
    return ununique(ddy, ar, axis)


def unique_tangent_vjp(g, y, dx, like, ar, axis):
    return ununique(g, ar, axis)


def unique_tangent_jvp(ddx, y, dx, like, ar, axis):
    return unique_tangent(ddx, like, ar, axis)


_define(getitem_grad, getitem_grad_vjp, getitem_grad_jvp)
_define(zero_at, zero_at_vjp, zero_at_jvp)
_define(value_grad, value_grad_vjp, value_grad_jvp)
_define(fill_none, fill_none_vjp, fill_none_jvp)
_define(split_like, split_like_vjp, split_like_jvp)
_define(split_axis, unstack_vjp, unstack_jvp)  # split_axis is np.unstack
_define(join_like, join_like_vjp, join_like_jvp)
defvjp(restack, restack_vjp, shape_only(1))
defjvp(restack, restack_jvp)
_define(unbroadcast, unbroadcast_vjp, unbroadcast_jvp)  # the binary elementwise rules' helper
_define(untile, untile_vjp, untile_jvp)
_define(unrepeat, unrepeat_vjp, unrepeat_jvp)
_define(untake, untake_vjp, untake_jvp)
_define(untake_along_axis, untake_along_axis_vjp, untake_along_axis_jvp)
_define(unpad, unpad_vjp, unpad_jvp)
_define(undiagonal, undiagonal_vjp, undiagonal_jvp)
_define(unwindow, unwindow_vjp, unwindow_jvp)
_define(unarray, unarray_vjp, unarray_jvp)
_define(array_tangent, array_tangent_vjp, array_tangent_jvp)
_define(ununique, ununique_vjp, ununique_jvp)
_define(unique_tangent, unique_tangent_vjp, unique_tangent_jvp)
defnondiff(invert_axes, negated, pad_mode, dtype_of, arange_like, unique_groups,
           along_axis_index, empty_grad, is_array, taken_indices, kept_indices, rolled_to,
           source_positions)
