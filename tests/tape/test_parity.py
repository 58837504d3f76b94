"""Differential tests: every scenario in ``parity_cases`` runs on torch and on tangentish and
must record the same values, gradients, grad_fn names, flags and error messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tangentish
from tests.tape import parity_probes  # noqa: F401  (registers its cases)
from tests.tape.parity_cases import CASES

torch = pytest.importorskip("torch")


class Recorder:
    """Collects what a scenario observes, in a form comparable across the two libraries."""

    def __init__(self):
        self.items = []

    def __call__(self, *values):
        self.items.extend(_observe(v) for v in values)

    def error(self, fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001  (the error itself is what is compared)
            self.items.append(("error", type(e).__name__, str(e).split("\n")[0]))
        else:
            self.items.append(("no error",))


def _observe(v):
    if hasattr(v, "requires_grad") and hasattr(v, "detach"):
        node = v.grad_fn
        return ("tensor", np.asarray(v.detach().numpy(), dtype=np.float64), str(v.dtype),
                v.requires_grad, v.is_leaf, None if node is None else node.name())
    if isinstance(v, (list, tuple)):
        return type(v).__name__ if type(v).__name__ in ("list", "tuple") else "tuple", [
            _observe(x) for x in v]
    if hasattr(v, "next_functions"):
        return ("node", v.name())
    if isinstance(v, (bool, int, float, str, type(None))):
        return v
    return repr(v)


def _same(a, b, path="result"):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert np.shape(a) == np.shape(b), f"{path}: shape {np.shape(a)} != {np.shape(b)}"
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6, err_msg=path)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=2e-5, abs=2e-6, nan_ok=True), path
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} items != {len(b)}: {a} vs {b}"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def _run(module, fn):
    rec = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(module, rec)
    return rec.items


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_torch(name, saving):
    fn = CASES[name]
    expect = _run(torch, fn)
    got = _run(tangentish, fn)
    _same(got, expect)


def test_enough_scenarios():
    assert len(CASES) >= 60
