"""The compiler's corpus, differentiated by the tape (its fallback), against finite differences.

One corpus function leaves the tape's reach, and the tape says so rather than return a wrong
gradient (a TapeWarning at the user's line): ``float()`` of a result (``np.array`` of a list of
Tensors before it is recorded, T15). A differentiated value written into an array made by
``np.zeros`` (``assign_subscript_in_loop``) is in reach: the numpy shim makes it a Tensor (T2).
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

from tangentish.checking import gradcheck
from tangentish.runtime.tape.fallback import grad_via_tape
from tangentish.runtime.tape.tensor import TapeWarning
from tests.compiler import corpus

OUT_OF_REACH = {"float_of_array": TapeWarning}
CASES = [c for c in corpus.CASES if c.id not in OUT_OF_REACH]


def _positions(case):
    """``case.wrt`` (positions or parameter names) as positions, for gradcheck."""
    params = list(inspect.signature(case.fn).parameters)
    wrt = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    pos = tuple(params.index(w) if isinstance(w, str) else w for w in wrt)
    return pos if isinstance(case.wrt, tuple) else pos[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_tape_gradient_matches_finite_differences(case):
    args = case.make(np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        gradcheck(case.fn, args, wrt=_positions(case),
                  grad=lambda *a: grad_via_tape(case.fn, a, case.wrt))


@pytest.mark.parametrize("name", sorted(OUT_OF_REACH))
def test_out_of_reach_is_reported(name):
    (case,) = [c for c in corpus.CASES if c.id == name]
    args = case.make(np.random.default_rng(0))
    with pytest.warns(OUT_OF_REACH[name], match="cannot follow"):
        grad_via_tape(case.fn, args, case.wrt)
