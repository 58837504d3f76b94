"""Folding temporaries (``fuse``), common subexpressions (``cse``) and shift-invariant maxima
(``shift``): the generated code gets shorter and every gradient still matches differences."""

import doctest

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.compiler import cse, fuse, purity, release, scale, shift


@pytest.mark.parametrize("module", [cse, fuse, purity, release, scale, shift])
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


def lse(x):
    top = np.max(x)
    return top + np.log(np.sum(np.exp(x - top)))


def lse_rows(z):
    top = np.max(z, axis=1, keepdims=True)
    return np.sum(top + np.log(np.sum(np.exp(z - top), axis=1, keepdims=True)))


def softmax_loss(z, w):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return np.sum(w * e / np.sum(e, axis=0, keepdims=True))


def shift_kept(x):  # not invariant: the sum of shifted exponentials changes with top
    top = np.max(x)
    return top + np.sum(np.exp(x - top))


def wrong_axis(z):  # the maximum over rows, the sum over columns: the factor does not cancel
    top = np.max(z, axis=0, keepdims=True)
    return np.sum(top + np.log(np.sum(np.exp(z - top), axis=1, keepdims=True)))


@pytest.mark.parametrize("f", [lse, lse_rows, softmax_loss])
def test_shift_of_a_stable_logsumexp_gets_no_adjoint(f, backend):
    source = tg.source(tg.grad(f))
    assert "tie_weights" not in source and "dtop" not in source
    z = np.array([[0.3, 1.2, 1.2], [-0.5, 0.1, 2.0]])  # a tie in the first row
    args = (z,) if f is not softmax_loss else (z, np.arange(6.0).reshape(2, 3))
    check(f, args, backend)


@pytest.mark.parametrize("f", [shift_kept, wrong_axis])
def test_shift_that_matters_stays_differentiated(f, backend):
    assert "tie_weights" in tg.source(tg.grad(f))
    check(f, (np.array([[0.3, 1.2, 0.7], [-0.5, 0.1, 2.0]]),), backend)


def test_ties_share_the_gradient_equally():
    g = tg.grad(lse)(np.array([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(g, [1 / 3] * 3, rtol=1e-15)


def test_dead_arrays_are_deleted_and_the_gradient_can_be_differentiated_again():
    source = tg.source(tg.grad(rosen))
    assert "del _t4" in source and "d_t9 * -2 * (1.0 - _t2)" in source  # _t8 computed again
    x = np.linspace(-0.9, 0.8, 5)
    v = np.linspace(1.0, 2.0, 5)
    hv = tg.hvp(rosen, x, v)  # forward mode over the code with del
    eps = 1e-6
    fd = (tg.grad(rosen)(x + eps * v) - tg.grad(rosen)(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-6, atol=1e-6)


def freed(x):
    t = np.sin(x) * 2.0
    u = t * t
    del t
    return np.sum(u)


def deletes_item(x):
    d = {"a": x}
    del d["a"]
    return np.sum(x)


def test_del_of_names_in_user_code_is_accepted(backend):
    check(freed, (np.linspace(0.1, 1.0, 4),), backend)


def test_del_of_an_item_is_refused():
    with pytest.raises(tg.TransformError, match="del of an item"):
        tg.grad(deletes_item, fallback="error")(np.ones(3))
