"""The gradient never mutates the caller's arrays, lists or dicts, compiled or on the tape."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tangentish as tg
from tests.reliability.modules import module_from

# Each function updates values in place the way NumPy code does; none touches its arguments'
# storage in the primal (so the primal itself is legal on read-only inputs), but a careless
# adjoint (accumulating into an argument, or zeroing a gradient buffer that aliases it) would.
FUNCTIONS = module_from("""
    import numpy as np


    def arrays(x, w):
        y = x * 1.0
        y[0] = w[1] * y[0]
        y += w
        return np.sum(y * y) + np.sum(x * w)


    def arrays_without_updates(x, w):
        # The same function for the tape, which follows torch and refuses the in-place updates
        # above (a saved tensor is modified: BUGS.md T4).
        y = x * np.stack([w[1], w[0] * 0.0 + 1.0, w[0] * 0.0 + 1.0]) + w
        return np.sum(y * y) + np.sum(x * w)


    def containers(params, xs):
        total = 0.0
        for v in xs:
            total = total + np.sum(np.tanh(params["w"] * v)) + params["b"]
        ws = params["layers"]
        return total + np.sum(ws[0] * ws[1])
""")


def _frozen(shape, seed):
    a = np.random.default_rng(seed).uniform(-1, 1, shape)
    a.setflags(write=False)
    return a


def _assert_same(before, after):
    if isinstance(before, dict):
        assert isinstance(after, dict) and list(before) == list(after)
        for k in before:
            _assert_same(before[k], after[k])
    elif isinstance(before, (list, tuple)):
        assert type(before) is type(after) and len(before) == len(after)
        for b, a in zip(before, after):
            _assert_same(b, a)
    else:
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("fallback", ["error", "tape"])
def test_read_only_arrays_are_left_alone(fallback):
    x, w = _frozen(3, 0), _frozen(3, 1)
    before = (x.copy(), w.copy())
    f = FUNCTIONS.arrays
    if fallback == "tape":
        f = FUNCTIONS.arrays_without_updates
        from tangentish.runtime.tape.fallback import grad_via_tape

        dx, dw = grad_via_tape(f, (x, w), (0, 1))
    else:
        dx, dw = tg.grad(f, wrt=(0, 1), fallback="error")(x, w)
    _assert_same(before, (x, w))
    assert not x.flags.writeable and not w.flags.writeable
    tg.gradcheck(f, (x.copy(), w.copy()), wrt=(0, 1), grad=lambda x, w: (dx, dw))


@pytest.mark.parametrize("fallback", ["error", "tape"])
def test_lists_and_dicts_are_left_alone(fallback):
    params = {"w": _frozen(3, 2), "b": 0.5, "layers": [_frozen(2, 3), _frozen(2, 4)]}
    xs = [_frozen(3, 5), _frozen(3, 6)]
    before = copy.deepcopy((params, xs))
    ids = (id(params["w"]), id(params["layers"]), [id(v) for v in xs])
    f = FUNCTIONS.containers
    if fallback == "tape":
        from tangentish.runtime.tape.fallback import grad_via_tape

        got = grad_via_tape(f, (params, xs), (0, 1))
    else:
        got = tg.grad(f, wrt=(0, 1), fallback="error")(params, xs)
    _assert_same(before, (params, xs))
    assert ids == (id(params["w"]), id(params["layers"]), [id(v) for v in xs])
    assert got[0] is not params and got[1] is not xs
    tg.gradcheck(f, copy.deepcopy(before), wrt=(0, 1), grad=lambda p, v: got)
