"""Primitives whose output carries no gradient.

Their derivative is zero wherever it exists: the output does not depend on the input's values
(shape queries, ``zeros_like``, constructors), or is piecewise constant in them (``argmax``,
``searchsorted``, ``int``, ``round``), or is random. The compiler treats their results as
constants and the tape records nothing, so a gradient through them is exactly zero rather than
a missing-rule error.

Not here, on purpose, because they carry gradients (their rules are in ``shape.py``):
``float`` (the identity), ``np.full`` and ``np.full_like`` (in ``fill_value``), ``np.bincount``
(linear in its ``weights``), ``np.linspace`` (its samples move with start and stop) and
``np.unique`` (its values move with the input, like ``np.sort``'s). ``np.arange`` is here:
its length jumps with its arguments. So is ``np.histogram``, although its bin edges move with
the data when ``bins`` is a count: histograms feed plots and statistics, not losses.
"""

import builtins
import math

import numpy as np

from .table import defnondiff

# ---------------------------------------------------------------- shape and type queries

defnondiff(np.shape, np.ndim, np.size, builtins.len, builtins.isinstance, builtins.range,
           builtins.slice, np.result_type, np.isscalar, np.iscomplexobj, np.isrealobj)

# ---------------------------------------------------------------- constructors

defnondiff(np.zeros_like, np.ones_like, np.empty_like,
           np.zeros, np.ones, np.empty, np.eye, np.identity, np.arange, np.tri,
           np.indices, np.diag_indices, np.tril_indices, np.triu_indices)

# ---------------------------------------------------------------- positions, counts, tests

defnondiff(np.argmax, np.argmin, np.nanargmax, np.nanargmin, np.argsort, np.argpartition,
           np.lexsort, np.argwhere, np.nonzero, np.flatnonzero, np.searchsorted, np.digitize,
           np.count_nonzero, np.histogram, np.ravel_multi_index, np.unravel_index,
           np.isclose, np.allclose, np.array_equal, np.array_equiv, np.isin,
           np.all, np.any, np.shares_memory, np.may_share_memory)

# ---------------------------------------------------------------- Python numbers

# int() and round() truncate to integers; bool() is a test. float() is differentiable.
defnondiff(builtins.int, builtins.bool, builtins.round,
           math.floor, math.ceil, math.trunc, math.isnan, math.isfinite, math.isinf)

# ---------------------------------------------------------------- randomness

# The legacy module-level functions share one global RandomState, so each is one hashable
# object; Generator methods are bound per generator and cannot be keyed here.
defnondiff(np.random.seed, np.random.rand, np.random.randn, np.random.random,
           np.random.random_sample, np.random.randint, np.random.normal, np.random.uniform,
           np.random.standard_normal, np.random.choice, np.random.permutation,
           np.random.shuffle, np.random.default_rng, np.random.exponential,
           np.random.poisson, np.random.binomial, np.random.beta, np.random.gamma,
           np.random.multivariate_normal, np.random.get_state, np.random.set_state)
