"""Folding temporaries (``fuse``), common subexpressions (``cse``) and shift-invariant maxima
(``shift``): the generated code gets shorter and every gradient still matches differences."""

import doctest

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.compiler import cse, fuse, purity


@pytest.mark.parametrize("module", [cse, fuse, purity])
def test_docstring_examples(module):
    assert doctest.testmod(module).failed == 0


def check(f, args, backend, wrt=0):
    """The compiled gradient on ``backend`` against central differences in NumPy."""
    got = tg.grad(f, wrt=wrt, fallback="error")(*backend.to(args))
    want = numerical_grad(f, args, wrt)[0][0]
    np.testing.assert_allclose(np.asarray(backend.back(got), dtype=float), want, rtol=1e-6,
                               atol=1e-7)


def primal_of(f, **kw):
    return tg.source(tg.grad(f, **kw)).split("# grad of:")[0]


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def test_rosenbrock_folds_and_matches_differences(backend):
    primal = primal_of(rosen)
    assert "_t3" not in primal and "_t4 = _t1 - _t2 ** 2" in primal
    check(rosen, (np.linspace(-0.9, 0.8, 7),), backend)
