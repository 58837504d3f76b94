"""Shape helpers' fast paths: unbroadcast's NumPy reducing path (ndarray.sum, keepdims) agrees
with the general path; only_shape keeps small arrays as they are and big ones as one element."""

from __future__ import annotations

import numpy as np
import pytest

from tangentish.runtime import adjoint_helpers as ah
from tangentish.runtime.support import unbroadcast

CASES = [((32, 8), (8,)), ((32, 8), (32, 1)), ((32, 8), (1, 8)), ((5, 2, 4, 3), (2, 1, 3)),
         ((5, 2, 4, 3), (3,)), ((5, 2, 4, 3), (4, 1)), ((5, 2, 4, 3), (1, 1, 1, 1)),
         ((2, 3), ()), ((3,), (1,)), ((4, 1), (1, 1))]


@pytest.mark.parametrize("gshape, shape", CASES)
def test_reducing_path_matches_the_sum_over_broadcast_axes(gshape, shape, backend):
    g = np.random.default_rng(0).normal(size=gshape)
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    want = np.reshape(np.sum(g, axis=axes), shape)
    got = unbroadcast(backend.to(g), backend.to(np.zeros(shape)))
    assert np.shape(got) == shape
    assert np.allclose(backend.back(got), want)
    if shape:  # stays in the target's library (a 0-d target may get a NumPy scalar)
        assert type(got) is type(backend.to(np.zeros(shape)))


def test_a_float_target_gets_a_number():
    assert np.isclose(unbroadcast(np.ones((2, 3)), 1.5), 6.0)


def test_only_shape_keeps_small_arrays_and_one_element_of_big_ones():
    small, big = np.ones(4), np.ones((64, 64))
    assert ah.only_shape(small) is small
    kept = ah.only_shape(big)
    assert kept.shape == big.shape and kept.strides == (0, 0) and not kept.flags.writeable
    assert unbroadcast(np.ones((2, 64, 64)), kept).shape == big.shape
