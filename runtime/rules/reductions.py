"""Reduction rules: sum, mean, prod, max/min, ptp, var/std, cumulative sums and products,
average, and the NaN-skipping variants.

Every reduction takes NumPy's ``axis`` (None, int, negative, tuple) and ``keepdims``; a VJP
re-expands the reduced cotangent with ``unreduce`` and a JVP reduces the tangent the same way the
primal reduced its input. Rule signatures repeat NumPy's parameter order so positional calls
(``np.sum(x, 0)``) bind the same names. sum, mean and prod honour ``where=``; the other
reductions ignore it, and ``out=`` is never differentiated.

Extrema share the gradient equally between tied elements (as PyTorch's ``amax`` does), and
``prod`` never divides by its input, so zeros get the exact product of the other elements;
``cumprod`` divides only before a group's first zero (``cumprod_grad``).
"""

import numpy as np

from ..support import (
    kept_shape,
    no_tangent,
    reduced_axes,
    reduced_size,
    shape_of,
    shape_only,
    unbroadcast,
    unreduce,
)
from .table import defjvp, defnondiff, defvjp

# ---------------------------------------------------------------- helpers


def tie_weights(x, y, axis=None, keepdims=False):
    """dy/dx of an extremum ``y`` of ``x``: 1/count where x attains y, 0 elsewhere."""
    # Three passes over x's size: compare, count (in x's dtype, so that dividing the booleans
    # gives x's precision), divide. No hits (np.max's initial= above every element): no
    # gradient, not 0/0.
    hits = np.equal(x, unreduce(y, x, axis, keepdims))
    count = np.sum(hits, axis=reduced_axes(axis, np.ndim(x)), keepdims=True,
                   dtype=getattr(x, "dtype", None))
    return hits / np.maximum(count, 1)


def group_order(x, axis=None):
    """x's axes with the reduced ones last: the order ``grouped`` lays x out in."""
    axes = reduced_axes(axis, np.ndim(x))
    return [i for i in range(np.ndim(x)) if i not in axes] + list(axes)


def grouped(x, axis=None):
    """x with its reduced axes moved last and merged: one row per output of the reduction."""
    order = group_order(x, axis)
    kept = order[:len(order) - len(reduced_axes(axis, np.ndim(x)))]
    return np.reshape(np.transpose(x, order),
                      [shape_of(x)[i] for i in kept] + [reduced_size(x, axis)])


def ungrouped(rows, x, axis=None):
    """The inverse of ``grouped``: rows laid back out in x's shape."""
    order = group_order(x, axis)
    moved = np.reshape(rows, [shape_of(x)[i] for i in order])
    return np.transpose(moved, [order.index(i) for i in range(len(order))])


def median_weights(x, axis=None):
    """d median / d x: half to each of the two middle elements (all to one for an odd count),
    tied elements sharing equally."""
    rows = np.sort(grouped(x, axis), axis=-1)
    n = shape_of(rows)[-1]
    lower = np.reshape(rows[..., (n - 1) // 2], kept_shape(x, axis))
    upper = np.reshape(rows[..., n // 2], kept_shape(x, axis))
    return 0.5 * (tie_weights(x, lower, axis, True) + tie_weights(x, upper, axis, True))


def prod_others(x, axis=None):
    """For every element, the product of the other elements in its reduction group.

    Exclusive cumulative products from both ends, so zeros need no special case.
    """
    rows = grouped(x, axis)
    ones = np.ones_like(rows[..., :1])
    before = np.cumprod(np.concatenate([ones, rows[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.flip(np.concatenate([rows[..., 1:], ones], axis=-1), -1),
                               axis=-1), -1)
    return ungrouped(before * after, x, axis)


def centered(x, axis=None):
    """x minus its mean over ``axis`` (kept dims, so it broadcasts against x)."""
    return x - np.mean(x, axis=axis, keepdims=True)


def safe_divisor(y):
    """y with zeros replaced by 1, for divisions whose numerator vanishes wherever y does."""
    return np.where(y == 0, 1, y)


def nancentered(x, axis=None):
    """x minus the mean of its non-NaN elements over ``axis``; 0 where x is NaN."""
    return np.where(np.isnan(x), 0, x - np.nanmean(x, axis=axis, keepdims=True))


def nandof(x, axis=None, ddof=0, correction=None):
    """The divisor of nanvar/nanstd per group: its non-NaN count less ``ddof`` (kept dims)."""
    return np.sum(~np.isnan(x), axis=axis, keepdims=True) - (
        ddof if correction is None else correction)


def dof(x, axis=None, ddof=0, correction=None):
    """The divisor of var/std: the number of elements reduced, less ``ddof``.

    ``correction`` is NumPy 2's array-API spelling of ddof.
    """
    return reduced_size(x, axis) - (ddof if correction is None else correction)


def along(x, axis):
    """x as cumsum/cumprod see it: flattened when ``axis`` is None."""
    return np.ravel(x) if axis is None else x


def reverse_cumsum(g, axis):
    """Sum of g over positions at or after each one, along ``axis`` (0 when None: flattened)."""
    axis = 0 if axis is None else axis
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def weights_like(weights, a, axis):
    """Average weights shaped to broadcast against ``a`` (NumPy allows 1-d weights on an axis)."""
    if weights is None:
        return np.ones_like(a)
    if np.ndim(weights) == np.ndim(a):
        return weights
    return np.reshape(weights, kept_shape(a, tuple(i for i in range(np.ndim(a)) if i != (
        axis % np.ndim(a)))))


# ---------------------------------------------------------------- sum, mean, prod


# ``where=`` masks elements out of the reduction; the conditional folds away when it is not
# given, so generated code stays plain. ``initial`` scales prod (and leaves sum's slope alone).
def sum_vjp(dy, y, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    return unreduce(dy, a, axis, keepdims) if where is None else np.where(
        where, unreduce(dy, a, axis, keepdims), 0)


def sum_jvp(da, y, a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    return np.sum(da if where is None else np.where(where, da, 0), axis=axis, keepdims=keepdims)


def mean_vjp(dy, y, a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    # dy / n first: a division of the reduced array, not of the broadcast (a pass saved);
    # np.divide, not /: a float dy over an empty array's n = 0 is inf (and nothing is read)
    return (unreduce(np.divide(dy, reduced_size(a, axis)), a, axis, keepdims) if where is None
            else np.where(where, unreduce(dy, a, axis, keepdims), 0)
            / np.sum(np.broadcast_to(where, shape_of(a)), axis=axis, keepdims=True))


def mean_jvp(da, y, a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    return np.mean(da, axis=axis, keepdims=keepdims) if where is None else np.mean(
        da, axis=axis, keepdims=keepdims, where=where)


def prod_vjp(dy, y, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
             where=None):
    return unreduce(dy if initial is None else dy * initial, a, axis, keepdims) * (
        prod_others(a, axis) if where is None else
        np.where(where, prod_others(np.where(where, a, 1), axis), 0))


def prod_jvp(da, y, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
             where=None):
    return np.sum((da if initial is None else da * initial) * (
        prod_others(a, axis) if where is None else
        np.where(where, prod_others(np.where(where, a, 1), axis), 0)), axis=axis,
        keepdims=keepdims)


defvjp(np.sum, sum_vjp)
defjvp(np.sum, sum_jvp)
defvjp(np.mean, mean_vjp)
defjvp(np.mean, mean_jvp)
defvjp(np.prod, prod_vjp)
defjvp(np.prod, prod_jvp)

# ---------------------------------------------------------------- extrema (ties share equally)


def max_vjp(dy, y, a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return unreduce(dy, a, axis, keepdims) * tie_weights(a, y, axis, keepdims)


def max_jvp(da, y, a, axis=None, out=None, keepdims=False, initial=None, where=None):
    return np.sum(da * tie_weights(a, y, axis, keepdims), axis=axis, keepdims=keepdims)


def ptp_vjp(dy, y, a, axis=None, out=None, keepdims=False):
    return unreduce(dy, a, axis, keepdims) * (
        tie_weights(a, np.max(a, axis=axis, keepdims=keepdims), axis, keepdims)
        - tie_weights(a, np.min(a, axis=axis, keepdims=keepdims), axis, keepdims))


def ptp_jvp(da, y, a, axis=None, out=None, keepdims=False):
    return np.sum(da * (
        tie_weights(a, np.max(a, axis=axis, keepdims=keepdims), axis, keepdims)
        - tie_weights(a, np.min(a, axis=axis, keepdims=keepdims), axis, keepdims)),
        axis=axis, keepdims=keepdims)


# nanmax/nanmin: NaN never equals the extremum, so the same weights skip NaNs.
for _extremum in (np.max, np.min, np.amax, np.amin, np.nanmax, np.nanmin):
    defvjp(_extremum, max_vjp)
    defjvp(_extremum, max_jvp)
# ---------------------------------------------------------------- ufunc .reduce methods
# ``np.add.reduce(a)`` is np.sum with axis=0 by default (np.sum's is None); bound methods of one
# ufunc compare equal, so the table finds ``np.add.reduce`` however the source reaches it.


def add_reduce_vjp(dy, y, array, axis=0, dtype=None, out=None, keepdims=False, initial=None,
                   where=None):
    return unreduce(dy, array, axis, keepdims) if where is None else np.where(
        where, unreduce(dy, array, axis, keepdims), 0)


def add_reduce_jvp(da, y, array, axis=0, dtype=None, out=None, keepdims=False, initial=None,
                   where=None):
    return np.sum(da if where is None else np.where(where, da, 0), axis=axis, keepdims=keepdims)


def multiply_reduce_vjp(dy, y, array, axis=0, dtype=None, out=None, keepdims=False,
                        initial=None, where=None):
    return unreduce(dy if initial is None else dy * initial, array, axis, keepdims) * (
        prod_others(array, axis) if where is None else
        np.where(where, prod_others(np.where(where, array, 1), axis), 0))


def multiply_reduce_jvp(da, y, array, axis=0, dtype=None, out=None, keepdims=False,
                        initial=None, where=None):
    return np.sum((da if initial is None else da * initial) * (
        prod_others(array, axis) if where is None else
        np.where(where, prod_others(np.where(where, array, 1), axis), 0)), axis=axis,
        keepdims=keepdims)


def extremum_reduce_vjp(dy, y, array, axis=0, dtype=None, out=None, keepdims=False,
                        initial=None, where=None):
    return unreduce(dy, array, axis, keepdims) * tie_weights(array, y, axis, keepdims)


def extremum_reduce_jvp(da, y, array, axis=0, dtype=None, out=None, keepdims=False,
                        initial=None, where=None):
    return np.sum(da * tie_weights(array, y, axis, keepdims), axis=axis, keepdims=keepdims)


defvjp(np.add.reduce, add_reduce_vjp)
defjvp(np.add.reduce, add_reduce_jvp)
defvjp(np.multiply.reduce, multiply_reduce_vjp)
defjvp(np.multiply.reduce, multiply_reduce_jvp)
for _extremum in (np.maximum.reduce, np.minimum.reduce, np.fmax.reduce, np.fmin.reduce):
    defvjp(_extremum, extremum_reduce_vjp)
    defjvp(_extremum, extremum_reduce_jvp)


def median_vjp(dy, y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return unreduce(dy, a, axis, keepdims) * median_weights(a, axis)


def median_jvp(da, y, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return np.sum(da * median_weights(a, axis), axis=axis, keepdims=keepdims)


defvjp(np.median, median_vjp)
defjvp(np.median, median_jvp)
defvjp(np.ptp, ptp_vjp)
defjvp(np.ptp, ptp_jvp)

# ---------------------------------------------------------------- var, std


def var_vjp(dy, y, a, axis=None, dtype=None, out=None, ddof=0,
            keepdims=False, where=None, mean=None, correction=None):
    return unreduce(dy, a, axis, keepdims) * 2 * centered(a, axis) / dof(a, axis, ddof,
                                                                         correction)


def var_jvp(da, y, a, axis=None, dtype=None, out=None, ddof=0,
            keepdims=False, where=None, mean=None, correction=None):
    return np.sum(2 * centered(a, axis) * da, axis=axis, keepdims=keepdims) / dof(
        a, axis, ddof, correction)


def std_vjp(dy, y, a, axis=None, dtype=None, out=None, ddof=0,
            keepdims=False, where=None, mean=None, correction=None):
    return unreduce(dy / safe_divisor(y), a, axis, keepdims) * centered(a, axis) / dof(
        a, axis, ddof, correction)


def std_jvp(da, y, a, axis=None, dtype=None, out=None, ddof=0,
            keepdims=False, where=None, mean=None, correction=None):
    return np.sum(centered(a, axis) * da, axis=axis, keepdims=keepdims) / (
        dof(a, axis, ddof, correction) * safe_divisor(y))


defvjp(np.var, var_vjp)
defjvp(np.var, var_jvp)
defvjp(np.std, std_vjp)
defjvp(np.std, std_jvp)

# ---------------------------------------------------------------- NaN-skipping reductions


def nansum_vjp(dy, y, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
               where=None):
    return np.where(np.isnan(a), 0, unreduce(dy, a, axis, keepdims))


def nansum_jvp(da, y, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
               where=None):
    return np.sum(np.where(np.isnan(a), 0, da), axis=axis, keepdims=keepdims)


def nanmean_vjp(dy, y, a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    return np.where(np.isnan(a), 0, unreduce(dy, a, axis, keepdims)) / np.sum(
        ~np.isnan(a), axis=axis, keepdims=True)


def nanmean_jvp(da, y, a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    return np.nanmean(np.where(np.isnan(a), np.nan, da), axis=axis, keepdims=keepdims)


def nanprod_vjp(dy, y, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
                where=None):
    return np.where(np.isnan(a), 0, unreduce(dy, a, axis, keepdims) * prod_others(
        np.where(np.isnan(a), 1, a), axis))


def nanprod_jvp(da, y, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
                where=None):
    return np.sum(np.where(np.isnan(a), 0, da) * prod_others(np.where(np.isnan(a), 1, a), axis),
                  axis=axis, keepdims=keepdims)


def nancumsum_vjp(dy, y, a, axis=None, dtype=None, out=None):
    return np.where(np.isnan(a), 0, np.reshape(reverse_cumsum(dy, axis), shape_of(a)))


def nancumsum_jvp(da, y, a, axis=None, dtype=None, out=None):
    return np.cumsum(np.where(np.isnan(a), 0, da), axis=axis)


defvjp(np.nansum, nansum_vjp)
defjvp(np.nansum, nansum_jvp)
defvjp(np.nanmean, nanmean_vjp)
defjvp(np.nanmean, nanmean_jvp)
def nanvar_vjp(dy, y, a, axis=None, dtype=None, out=None, ddof=0,
               keepdims=False, where=None, mean=None, correction=None):
    return unreduce(dy, a, axis, keepdims) * 2 * nancentered(a, axis) / nandof(
        a, axis, ddof, correction)


def nanvar_jvp(da, y, a, axis=None, dtype=None, out=None, ddof=0,
               keepdims=False, where=None, mean=None, correction=None):
    return np.sum(2 * nancentered(a, axis) * da / nandof(a, axis, ddof, correction), axis=axis,
                  keepdims=keepdims)


def nanstd_vjp(dy, y, a, axis=None, dtype=None, out=None, ddof=0,
               keepdims=False, where=None, mean=None, correction=None):
    return unreduce(dy / safe_divisor(y), a, axis, keepdims) * nancentered(a, axis) / nandof(
        a, axis, ddof, correction)


def nanstd_jvp(da, y, a, axis=None, dtype=None, out=None, ddof=0,
               keepdims=False, where=None, mean=None, correction=None):
    return np.sum(nancentered(a, axis) * da / nandof(a, axis, ddof, correction), axis=axis,
                  keepdims=keepdims) / safe_divisor(y)


defvjp(np.nanvar, nanvar_vjp)
defjvp(np.nanvar, nanvar_jvp)
defvjp(np.nanstd, nanstd_vjp)
defjvp(np.nanstd, nanstd_jvp)
defvjp(np.nanprod, nanprod_vjp)
defjvp(np.nanprod, nanprod_jvp)
defvjp(np.nancumsum, nancumsum_vjp)
defjvp(np.nancumsum, nancumsum_jvp)

# ---------------------------------------------------------------- cumulative


def cumsum_vjp(dy, y, a, axis=None, dtype=None, out=None):
    return np.reshape(reverse_cumsum(dy, axis), shape_of(a))


def cumsum_jvp(da, y, a, axis=None, dtype=None, out=None):
    return np.cumsum(da, axis=axis)


# cumprod divides by x only before a group's first zero z: there ``y[j] / x[i]`` is the product
# without ``x[i]``; at z the product leaves that zero out (a cumprod with it set to 1, W);
# after z every product holds x[z] = 0, and is written x[z] * (the same products of W, found
# the same way), so the gradient's own derivative in x[z] is right (hessians: torch gets them
# right too). Dividing everywhere gave nan at zeros, where torch gives the product of the
# others.
def cumprod_vjp(dy, y, a, axis=None, dtype=None, out=None):
    return np.reshape(np.where(
        first_zero(along(a, axis), axis),
        reverse_cumsum(dy * np.cumprod(np.where(first_zero(along(a, axis), axis), 1,
                                                along(a, axis)), axis=axis), axis),
        np.where(
            after_zero(along(a, axis), axis),
            np.sum(np.where(first_zero(along(a, axis), axis), along(a, axis), 0), axis=axis,
                   keepdims=True) * np.where(
                first_zero(without_first_zero(along(a, axis), axis), axis),
                reverse_cumsum(dy * np.cumprod(without_first_zero(without_first_zero(
                    along(a, axis), axis), axis), axis=axis), axis),
                np.where(after_zero(without_first_zero(along(a, axis), axis), axis), 0,
                         reverse_cumsum(dy * np.cumprod(without_first_zero(
                             along(a, axis), axis), axis=axis), axis) / np.where(
                             without_first_zero(along(a, axis), axis) == 0, 1,
                             without_first_zero(along(a, axis), axis)))),
            reverse_cumsum(dy * y, axis) / np.where(along(a, axis) == 0, 1, along(a, axis)))),
        shape_of(a))


def cumprod_jvp(da, y, a, axis=None, dtype=None, out=None):
    return np.where(
        after_zero(along(a, axis), axis),
        np.sum(np.where(first_zero(along(a, axis), axis), along(da, axis), 0), axis=axis,
               keepdims=True) * np.cumprod(without_first_zero(along(a, axis), axis), axis=axis),
        y * np.cumsum(along(da, axis) / np.where(along(a, axis) == 0, 1, along(a, axis)),
                      axis=axis))


def first_zero(x, axis):
    """Where the first zero of each cumulative group is."""
    return (x == 0) & (np.cumsum(x == 0, axis=axis) == 1)


def without_first_zero(x, axis):
    """x with the first zero of each cumulative group set to 1."""
    return np.where(first_zero(x, axis), 1, x)


def after_zero(x, axis):
    """Where a cumulative group has met a zero (at or before each position)."""
    return np.cumsum(x == 0, axis=axis) > 0


# NumPy 2.1's array-API spellings; include_initial puts a leading 0 (sum) or 1 (prod) in y,
# which no input reaches: np.delete drops it from the cotangent.
def cumulative_sum_vjp(dy, y, x, axis=None, dtype=None, out=None, include_initial=False):
    return reverse_cumsum(np.delete(dy, 0, axis=0 if axis is None else axis)
                          if include_initial else dy, axis)


def cumulative_sum_jvp(dx, y, x, axis=None, dtype=None, out=None, include_initial=False):
    return np.cumulative_sum(dx, axis=axis, include_initial=include_initial)


# These still divide by x (nan at zeros); cumprod's rules above are exact.
def cumulative_prod_vjp(dy, y, x, axis=None, dtype=None, out=None, include_initial=False):
    return reverse_cumsum(np.delete(dy * y, 0, axis=0 if axis is None else axis)
                          if include_initial else dy * y, axis) / x


def cumulative_prod_jvp(dx, y, x, axis=None, dtype=None, out=None, include_initial=False):
    return y * np.cumulative_sum(dx / x, axis=axis, include_initial=include_initial)


if hasattr(np, "cumulative_sum"):  # new in NumPy 2.1
    defvjp(np.cumulative_sum, cumulative_sum_vjp)
    defjvp(np.cumulative_sum, cumulative_sum_jvp)
    defvjp(np.cumulative_prod, cumulative_prod_vjp)
    defjvp(np.cumulative_prod, cumulative_prod_jvp)
defvjp(np.cumsum, cumsum_vjp)
defjvp(np.cumsum, cumsum_jvp)
defvjp(np.cumprod, cumprod_vjp)
defjvp(np.cumprod, cumprod_jvp)

# ---------------------------------------------------------------- weighted average
# y = sum(a * w) / sum(w); ``weights`` is usually passed by keyword, hence argnames.


def average_vjp_a(dy, y, a, axis=None, weights=None, returned=False, keepdims=False):
    return unreduce(dy, a, axis, keepdims) * weights_like(weights, a, axis) / np.sum(
        weights_like(weights, a, axis) * np.ones_like(a), axis=axis, keepdims=True)


def average_vjp_weights(dy, y, a, axis=None, weights=None, returned=False, keepdims=False):
    return np.reshape(unbroadcast(
        unreduce(dy, a, axis, keepdims) * (a - unreduce(y, a, axis, keepdims)) / np.sum(
            weights_like(weights, a, axis) * np.ones_like(a), axis=axis, keepdims=True),
        weights_like(weights, a, axis)), shape_of(weights))


def average_jvp_a(da, y, a, axis=None, weights=None, returned=False, keepdims=False):
    return np.average(da, axis=axis, weights=weights, keepdims=keepdims)


def average_jvp_weights(dweights, y, a, axis=None, weights=None, returned=False,
                        keepdims=False):
    return np.sum(weights_like(dweights, a, axis) * (a - unreduce(y, a, axis, keepdims)),
                  axis=axis, keepdims=keepdims) / np.sum(
        weights_like(weights, a, axis) * np.ones_like(a), axis=axis, keepdims=keepdims)


defvjp(np.average, average_vjp_a, None, average_vjp_weights, argnames=("a", "axis", "weights"))
defjvp(np.average, average_jvp_a, None, average_jvp_weights, argnames=("a", "axis", "weights"))

# ---------------------------------------------------------------- rules of the helpers above
# Generated adjoints call these helpers and are differentiated again (hessians, grad of grad),
# so each helper that carries a gradient is itself a primitive. They are linear in their
# cotangent argument; an argument read only for its shape has no rule slot (zero gradient).
# prod_others' own derivatives divide by x: second derivatives of prod assume nonzero inputs.


def unreduce_vjp(dz, z, g, x, axis=None, keepdims=False):
    return np.reshape(np.sum(dz, axis=reduced_axes(axis, np.ndim(x))), shape_of(g))


def unreduce_jvp(dg, z, g, x, axis=None, keepdims=False):
    return unreduce(dg, x, axis, keepdims)


def prod_others_vjp(dz, z, x, axis=None):
    return (np.sum(dz * z, axis=reduced_axes(axis, np.ndim(x)), keepdims=True) - dz * z) / x


def prod_others_jvp(dx, z, x, axis=None):
    return z * (np.sum(dx / x, axis=reduced_axes(axis, np.ndim(x)), keepdims=True) - dx / x)


def centered_vjp(dz, z, x, axis=None):
    return centered(dz, axis)


def centered_jvp(dx, z, x, axis=None):
    return centered(dx, axis)


def safe_divisor_vjp(dz, z, y):
    return dz


def safe_divisor_jvp(dy, z, y):
    return dy


def along_vjp(dz, z, x, axis):
    return np.reshape(dz, shape_of(x))


def along_jvp(dx, z, x, axis):
    return along(dx, axis)


def without_first_zero_vjp(dz, z, x, axis):
    return np.where(first_zero(x, axis), 0, dz)


def without_first_zero_jvp(dx, z, x, axis):
    return np.where(first_zero(x, axis), 0, dx)


def reverse_cumsum_vjp(dz, z, g, axis):
    return np.cumsum(dz, axis=0 if axis is None else axis)


def reverse_cumsum_jvp(dg, z, g, axis):
    return reverse_cumsum(dg, axis)


# nancentered is the projection x -> x - mean on each group's non-NaN entries: self-adjoint
# once the cotangent carries x's NaNs.
def nancentered_vjp(dz, z, x, axis=None):
    return nancentered(np.where(np.isnan(x), np.nan, dz), axis)


def nancentered_jvp(dx, z, x, axis=None):
    return nancentered(np.where(np.isnan(x), np.nan, dx), axis)


def weights_like_vjp(dz, z, weights, a, axis):
    return np.reshape(dz, shape_of(weights))


def weights_like_jvp(dweights, z, weights, a, axis):
    return weights_like(dweights, a, axis)


# x (unreduce) and a (weights_like) are read only for their shapes.
defvjp(unreduce, unreduce_vjp, shape_only(1))
defjvp(unreduce, unreduce_jvp, no_tangent)
defvjp(weights_like, weights_like_vjp, shape_only(1))
defjvp(weights_like, weights_like_jvp, no_tangent)
for _helper, _vjp, _jvp in [(prod_others, prod_others_vjp, prod_others_jvp),
                            (centered, centered_vjp, centered_jvp),
                            (nancentered, nancentered_vjp, nancentered_jvp),
                            (safe_divisor, safe_divisor_vjp, safe_divisor_jvp),
                            (along, along_vjp, along_jvp),
                            (without_first_zero, without_first_zero_vjp,
                             without_first_zero_jvp),
                            (reverse_cumsum, reverse_cumsum_vjp, reverse_cumsum_jvp)]:
    defvjp(_helper, _vjp)
    defjvp(_helper, _jvp)
# Piecewise constant in x (the weights) or plain integers and axis tuples (the rest).
defnondiff(tie_weights, median_weights, first_zero, after_zero, dof, nandof, reduced_size,
           reduced_axes, kept_shape, shape_of)
