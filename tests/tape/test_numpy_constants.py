"""NumPy code's own arrays under the compiler's tape fallback (T2, T9): a float array NumPy
makes (``np.zeros(3)``, ``np.array([1., 2.])``) and a float ndarray the function reads from its
globals, closure or defaults are untracked Tensors there, so a tracked value written into one
(``t[1] = y``) and an ndarray method given one (``C.dot(y)``) are recorded. Checked against
finite differences through ``tg.grad`` with the fallback forced, ``tg.jvp`` and ``tg.hvp``."""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.runtime.tape import TapeWarning
from tangentish.runtime.tape.fallback import grad_via_tape, value_and_grad_via_tape, vjp_via_tape

C = np.array([0.5, -0.3, 1.25])
M = np.array([[2.0, 0.3, -0.1], [0.3, 1.0, 0.4]])
IDX = np.array([2, 0])  # integer and boolean arrays stay NumPy's
MASK = np.array([True, False, True])
D = np.array([0.1, 0.2, 0.3])  # a default: the function reads it as a constant too


def written(x, y):
    try:  # (try: the compiler leaves the function to the tape)
        t = np.array([1.0, 2.0, 3.0])
        t[1] = y
        return np.sum(t * x)
    finally:
        pass


def filled(x):
    try:
        out = np.zeros(3)
        for i in range(3):
            out[i] = x[i] * x[(i + 1) % 3]
        grid = np.linspace(0.0, 1.0, 3)
        grid[0] = np.sin(x[2])
        return np.sum(out * out) + np.sum(grid * x)
    finally:
        pass


def method_of_global(y):
    try:
        return np.sum(C.dot(y) * y) + np.sum(M.dot(y) ** 2) + np.sum(y[IDX] * C[MASK])
    finally:
        pass


def _closure():
    k = np.array([1.5, -2.0, 0.25])

    def f(y, d=D):
        try:
            return k.dot(np.sin(y)) * d.dot(y)
        finally:
            pass

    return f


method_of_closure = _closure()


def _dot_sum(c, y):
    try:
        return c.dot(y) ** 2
    finally:
        pass


method_of_partial_arg = functools.partial(_dot_sum, C)

class Scaled:
    """A callable instance (tg.jvp takes it to the tape through a closure: F5)."""

    def __call__(self, y):
        try:
            t = np.ones(3)
            t[2] = C.dot(y)
            return np.sum(t * y)
        finally:
            pass


method_of_instance = Scaled()

CASES = [written, filled, method_of_global, method_of_closure, method_of_partial_arg,
         method_of_instance]


def _args(f):
    x = np.array([0.3, -0.7, 1.1])
    return (x, 2.0) if f is written else (x,)


def _numeric(f, args, i):
    """The central-difference gradient of ``f`` with respect to argument ``i``."""
    return numerical_grad(f, list(args), i)[0][0]


@pytest.mark.parametrize("f", CASES, ids=lambda f: getattr(f, "__name__", type(f).__name__))
def test_grad_with_the_fallback_matches_finite_differences(f):
    args = _args(f)
    wrt = tuple(range(len(args)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        warnings.simplefilter("ignore", tg.TransformWarning)
        got = tg.grad(f, wrt=wrt)(*args)
    for i, g in enumerate(got):
        expect = _numeric(f, args, i)
        np.testing.assert_allclose(g, expect, rtol=1e-6, atol=1e-8)
        assert type(g) is type(args[i])


def test_t2_the_written_value_gets_its_gradient():
    x = np.array([0.3, -0.7, 1.1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        warnings.simplefilter("ignore", tg.TransformWarning)
        gx, gy = tg.grad(written, wrt=(0, 1))(x, 2.0)
    np.testing.assert_array_equal(gx, [1.0, 2.0, 3.0])
    assert gy == pytest.approx(x[1])
    assert isinstance(gy, float)


@pytest.mark.parametrize("f", CASES, ids=lambda f: getattr(f, "__name__", type(f).__name__))
def test_jvp_on_the_tape_matches_finite_differences(f):
    args = _args(f)
    tangents = tuple(np.full_like(np.asarray(a), 0.5) if np.ndim(a) else 0.5 for a in args)
    tangents = (np.array([0.2, -1.0, 0.7]), *tangents[1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        warnings.simplefilter("ignore", tg.TransformWarning)
        value, tangent = tg.jvp(f, args, tangents)
    assert value == pytest.approx(f(*args))
    assert not isinstance(value, tg.Tensor)
    expect = sum(np.sum(_numeric(f, args, i) * t)
                 for i, t in enumerate(tangents))
    assert tangent == pytest.approx(expect, rel=1e-6, abs=1e-8)


def _held_fixed(y, c, pair=(C, D)):
    try:
        return np.sum(c.dot(y) * y) + pair[1].dot(y)
    finally:
        pass


def test_jvp_on_the_tape_with_an_array_held_fixed():
    y, v = np.array([0.3, -0.7, 1.1]), np.array([0.2, -1.0, 0.7])
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        warnings.simplefilter("ignore", tg.TransformWarning)
        value, tangent = tg.jvp(_held_fixed, wrt=0)((y, C), (v,))
    assert value == pytest.approx(_held_fixed(y, C))
    assert tangent == pytest.approx(np.sum(_numeric(_held_fixed, (y, C), 0) * v), rel=1e-6)


@pytest.mark.parametrize("f", [filled, method_of_global, method_of_closure])
def test_hvp_on_the_tape_matches_finite_differences(f):
    x, v = _args(f)[0], np.array([0.2, -1.0, 0.7])
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        warnings.simplefilter("ignore", tg.TransformWarning)
        got = tg.hvp(f, x, v)
    eps = 1e-5
    g = tg.grad(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expect = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(got, expect, rtol=1e-5, atol=1e-7)
    assert type(got) is np.ndarray


def test_a_constant_updated_in_place_after_use_keeps_its_old_values(backend):
    def f(x):
        c = np.ones(3)
        y = c * x
        c[0] = 5.0  # NumPy code writes freely: y's gradient reads the values it was made from
        c *= 2.0
        return np.sum(y * y) + np.sum(c * x)

    x = backend.to(np.array([0.3, -0.7, 1.1]))
    g = grad_via_tape(f, (x,))
    expect = _numeric(f, (np.array([0.3, -0.7, 1.1]),), 0)
    np.testing.assert_allclose(np.asarray(backend.back(g)), expect, rtol=1e-6, atol=1e-8)


def test_results_and_gradients_are_numpy_of_the_users_dtypes():
    def f(x):
        t = np.zeros(3, dtype=np.float32)
        t[0] = x[0]
        return np.sum(t * x), np.arange(3.0), {"eye": np.eye(2)}

    x = np.array([0.3, -0.7, 1.1], dtype=np.float32)
    value, pullback = vjp_via_tape(f, x)
    assert type(value[1]) is np.ndarray and type(value[2]["eye"]) is np.ndarray
    assert value[0].dtype == np.float32
    (g,) = pullback((np.float32(1.0), np.zeros(3), {"eye": np.zeros((2, 2))}))
    assert type(g) is np.ndarray and g.dtype == np.float32
    np.testing.assert_allclose(g, [2 * 0.3, 0.0, 0.0], rtol=1e-6)

    v, g = value_and_grad_via_tape(lambda x: float(np.sum(np.ones(2))) * np.sum(x), (x,))
    assert v == pytest.approx(np.sum(x) * 2) and g.dtype == np.float32


def test_integer_boolean_and_string_arrays_stay_numpy():
    seen = {}

    def f(x):
        seen["idx"] = np.arange(3)
        seen["mask"] = np.array([True, False, True])
        seen["names"] = np.array(["a", "b"])
        seen["global"] = IDX
        seen["float"] = np.array([1.0, 2.0])
        return np.sum(x[seen["idx"]][seen["mask"]])

    g = grad_via_tape(f, (np.array([0.3, -0.7, 1.1]),))
    np.testing.assert_array_equal(g, [1.0, 0.0, 1.0])
    assert all(type(seen[k]) is np.ndarray for k in ("idx", "mask", "names", "global"))
    assert isinstance(seen["float"], tg.Tensor) and not seen["float"].requires_grad


def test_numpy_code_reading_a_constant_keeps_numpys_meanings():
    def f(x):
        checks = (C.std(), C.var(), C.repeat(2), C.max(0), C.nonzero(), C.round(1), C.item(2),
                  float(C[0]), C.shape, C.dtype == np.float64, M.min(1))
        seen.append([np.asarray(c._data) if isinstance(c, tg.Tensor) else c for c in checks])
        return np.sum(x * C)

    seen: list = []
    grad_via_tape(f, (np.ones(3),))
    nonzero = np.nonzero(C)
    expect = (C.std(), C.var(), C.repeat(2), C.max(0), nonzero, C.round(1), C.item(2),
              float(C[0]), C.shape, True, M.min(1))
    for got, want in zip(seen[0], expect):
        if isinstance(got, tuple) and got and isinstance(got[0], tg.Tensor):
            got = tuple(np.asarray(g._data) for g in got)
        np.testing.assert_array_equal(got, want)


def test_a_write_into_a_global_constant_reaches_it_as_numpy_would():
    buffer = np.zeros(2)

    def f(x):
        buffer[0] = 7.0  # an untracked write: NumPy's semantics, the module's array changes
        return np.sum(x * buffer[0])

    assert grad_via_tape(f, (np.ones(2),)).tolist() == [7.0, 7.0]
    assert buffer[0] == 7.0


def test_the_torch_api_keeps_torchs_meanings():
    t = tg.tensor([0.5, -0.3, 1.25], dtype=tg.float64)
    assert t.var().item() == pytest.approx(np.var(t.numpy(), ddof=1))
    np.testing.assert_array_equal(t.repeat(2).numpy(), np.tile(t.numpy(), 2))
    values, indices = tg.tensor([[1.0, 3.0], [4.0, 2.0]]).max(0)
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert t.nonzero().shape == (3, 1)
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        np.array([1.0, 2.0]).dot(tg.tensor([1.0, 2.0], requires_grad=True))


def test_a_nest_held_fixed_is_handed_over_as_tensors_and_left_alone():
    def f(x, p):
        p["seen"] = True  # the function's own copy of the nest
        return np.sum(p["b"][::-1].T.dot(x) * p["pair"][0]) + p["w"] * np.sum(x)

    p = {"w": 0.5, "b": M.copy(), "pair": (np.array([1.0, -2.0, 3.0]), 1)}
    g = grad_via_tape(f, (np.array([0.3, -0.7]), p))
    expect = _numeric(lambda x: f(x, dict(p)), (np.array([0.3, -0.7]),), 0)
    np.testing.assert_allclose(g, expect, rtol=1e-6, atol=1e-8)
    assert "seen" not in p and type(p["b"]) is np.ndarray
