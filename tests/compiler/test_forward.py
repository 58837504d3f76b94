"""Forward mode: tg.jvp and tg.jacobian over the corpus, against finite differences, against
reverse mode, on NumPy and the duck array; the generated tangent source kept as a golden file."""

from __future__ import annotations

import doctest
import os
import pathlib

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.compiler import forward
from tangentish.transforms import JVP
from tests.compiler import corpus
from tests.compiler.directions import assert_close, directional, positions, random_like
from tests.duck import DuckArray

CASES = corpus.CASES
GOLDEN = pathlib.Path(__file__).parent / "golden"


def _setup(case, seed=0):
    args = case.make(np.random.default_rng(seed))
    pos = positions(case)
    rng = np.random.default_rng(seed + 100)
    return args, pos, [random_like(args[p], rng) for p in pos]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_jvp_matches_finite_differences(case):
    args, pos, tangents = _setup(case)
    value, tangent = JVP(case.fn, pos)(args, tangents)
    assert_close(value, case.fn(*args), rtol=1e-12, atol=1e-12)
    assert_close(tangent, directional(case.fn, args, pos, tangents), rtol=1e-5, atol=1e-6)


def test_jvp_needs_no_stack_and_says_tangent_of():
    jf = tg.jvp(corpus.rnn_collect_states, wrt=(0, 1))
    text = tg.source(jf)
    assert ".pop()" not in text and ".append(" not in text and "stack = []" not in text
    assert "# tangent of: h = " in text
    assert text.startswith("def rnn_collect_states_jvp(xs, w, txs, tw):")


ARRAY = [c for c in CASES if c.duck]


@pytest.mark.parametrize("case", ARRAY, ids=[c.id for c in ARRAY])
def test_jvp_on_backend(case, backend):
    args, pos, tangents = _setup(case, seed=3)
    expected = JVP(case.fn, pos)(args, tangents)[1]
    got = JVP(case.fn, pos)(backend.to(args), backend.to(tangents))[1]
    if backend.name == "duck" and isinstance(expected, np.ndarray):
        assert isinstance(got, DuckArray), f"the tangent left the duck array: {type(got)}"
    assert_close(backend.back(got), expected, rtol=1e-10, atol=1e-12)


def test_tg_jvp_takes_tuples_of_primals_and_tangents():
    x, w = np.array([0.5, -1.0]), np.array([[1.0, 2.0], [3.0, -1.0]])
    tx, tw = np.array([1.0, 0.0]), np.zeros((2, 2))
    value, tangent = tg.jvp(lambda a, b: np.tanh(a @ b), (x, w), (tx, tw))
    np.testing.assert_allclose(value, np.tanh(x @ w))
    np.testing.assert_allclose(tangent, (1 - np.tanh(x @ w) ** 2) * w[0])
    with pytest.raises(TypeError, match="tuples"):
        tg.jvp(np.sin, x, tx)
    with pytest.raises(TypeError, match="tuples"):
        tg.jvp(np.sin, x)
    with pytest.raises(ValueError, match="1 primal"):
        tg.jvp(np.sin, (x,), (tx, tx))


def _constant_on_some_paths(x, a, b, n):
    if a:
        t = 3.0
    if b:
        t = x * 2.0
    for i in range(n):  # noqa: B007  (the compiler must handle it)
        u = 1.0
    if b:
        u = x * x
    return t * x + u


@pytest.mark.parametrize("a,b,n", [(True, False, 1), (True, True, 0), (False, True, 2)])
def test_tangent_of_a_constant_given_on_some_paths_only(a, b, n):
    push = JVP(_constant_on_some_paths, 0)
    value, tangent = push((0.7, a, b, n), (1.0,))
    (expected,) = directional(_constant_on_some_paths, (0.7, a, b, n), (0,), (1.0,))
    assert value == _constant_on_some_paths(0.7, a, b, n)
    np.testing.assert_allclose(tangent, expected, rtol=1e-7)
    assert "tt = zero_tangent(t)" in tg.source(push)


# ---------------------------------------------------------------- jacobians


def _plain(case) -> bool:
    """Cases whose first differentiated argument is an array or a float (Jacobian shapes)."""
    args = case.make(np.random.default_rng(0))
    return isinstance(args[positions(case)[0]], (float, np.ndarray))


JAC = [c for c in CASES if _plain(c)]


@pytest.mark.parametrize("case", JAC, ids=[c.id for c in JAC])
def test_jacobian_forward_equals_reverse_and_differences(case):
    args = case.make(np.random.default_rng(4))
    p = positions(case)[0]
    rev = tg.jacobian(case.fn, wrt=p, mode="reverse")(*args)
    fwd = tg.jacobian(case.fn, wrt=p, mode="forward")(*args)
    assert np.shape(rev) == np.shape(fwd) == np.shape(args[p])
    np.testing.assert_allclose(fwd, rev, rtol=1e-10, atol=1e-10)
    (expected,), _ = numerical_grad(case.fn, args, p)
    np.testing.assert_allclose(fwd, expected, rtol=1e-5, atol=1e-6)


def test_at_least_40_corpus_functions_have_jacobians():
    assert len(JAC) >= 40


def _cell(h, w, x):
    return np.tanh(h @ w + x)


def _softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def _poly_map(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x[i] * x[(i + 1) % 3] + np.sin(x[i])
    return out


def _scalar_to_vector(t):
    return np.array([np.cos(t), np.sin(t), t * t])


def _branchy_map(x):
    if np.sum(x) > 0:
        y = x * x
    else:
        y = np.exp(x)
    return y[::-1]


def _matrix_out(a):
    return a.T @ a + np.eye(2)


VECTOR_FUNCTIONS = [
    (_cell, lambda r: (r.standard_normal(2), r.standard_normal((2, 2)), r.standard_normal(2)),
     1),
    (_cell, lambda r: (r.standard_normal(2), r.standard_normal((2, 2)), r.standard_normal(2)),
     0),
    (_softmax, lambda r: (r.standard_normal(4),), 0),
    (_poly_map, lambda r: (r.standard_normal(3),), 0),
    (_scalar_to_vector, lambda r: (0.7,), 0),
    (_branchy_map, lambda r: (r.standard_normal(3),), 0),
    (_matrix_out, lambda r: (r.standard_normal((3, 2)),), 0),
]


def _fd_jacobian(f, args, p):
    x = args[p]
    cols = []
    for k in range(int(np.prod(np.shape(x)))):
        e = np.zeros(np.shape(x))
        e.reshape(-1)[k] = 1.0
        (col,) = directional(f, args, (p,), (e if np.ndim(x) else 1.0,))
        cols.append(col)
    return np.reshape(np.stack(cols, axis=-1), np.shape(f(*args)) + np.shape(x))


@pytest.mark.parametrize("fn,make,p", VECTOR_FUNCTIONS,
                         ids=[f"{f.__name__}-{p}" for f, _, p in VECTOR_FUNCTIONS])
def test_jacobian_of_vector_functions(fn, make, p, backend):
    args = make(np.random.default_rng(5))
    expected = _fd_jacobian(fn, args, p)
    for mode in ("forward", "reverse"):
        got = tg.jacobian(fn, wrt=p, mode=mode)(*backend.to(args))
        assert np.shape(got) == expected.shape
        np.testing.assert_allclose(backend.back(got), expected, rtol=1e-6, atol=1e-7)


def test_jacobian_with_tuple_wrt_and_bad_mode():
    x, w = np.array([0.3, -0.2]), np.array([[0.5, 1.0], [-1.0, 2.0]])
    jx, jw = tg.jacobian(lambda a, b: np.sin(a @ b), wrt=(0, 1), mode="forward")(x, w)
    rx, rw = tg.jacobian(lambda a, b: np.sin(a @ b), wrt=(0, 1))(x, w)
    assert jx.shape == (2, 2) and jw.shape == (2, 2, 2)
    np.testing.assert_allclose(jx, rx, atol=1e-12)
    np.testing.assert_allclose(jw, rw, atol=1e-12)
    with pytest.raises(ValueError, match="mode"):
        tg.jacobian(np.sin, mode="sideways")


# ---------------------------------------------------------------- the generated source


def _layer_loss(x, w):
    z = x @ w
    h = np.tanh(z)
    if np.sum(h) > 0:
        h = h * 2.0
    return np.sum(h * h)


def test_forward_source_matches_golden_file():
    text = tg.source(JVP(_layer_loss, 1))
    path = GOLDEN / "forward_layer_loss.txt"
    if os.environ.get("TANGENTISH_REGOLD"):
        path.write_text(text)
    assert text == path.read_text()


def test_forward_pass_docstring_example_runs():
    result = doctest.testmod(forward, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- batched seeds


@pytest.mark.parametrize("fn,make,p,vectorised", [
    (_cell, VECTOR_FUNCTIONS[0][1], 1, True),      # matmul, elementwise
    (_softmax, VECTOR_FUNCTIONS[2][1], 0, True),   # reductions, broadcasting
    (_matrix_out, VECTOR_FUNCTIONS[6][1], 0, True),
    (_branchy_map, VECTOR_FUNCTIONS[5][1], 0, True),  # control flow, basic slicing
    (_poly_map, VECTOR_FUNCTIONS[3][1], 0, False),  # stores a tangent into an array: a loop
], ids=["cell", "softmax", "matrix_out", "branchy_map", "poly_map"])
def test_forward_jacobian_batches_seeds_where_the_code_allows(fn, make, p, vectorised,
                                                              backend):
    args = backend.to(make(np.random.default_rng(6)))
    jac = tg.jacobian(fn, wrt=p, mode="forward")
    got = jac(*args)
    assert jac.vectorised is vectorised
    if backend.name == "duck" and vectorised:  # (_poly_map builds its result in NumPy zeros)
        assert isinstance(got, DuckArray)
    expected = tg.jacobian(fn, wrt=p, mode="reverse")(*args)
    np.testing.assert_allclose(backend.back(got), backend.back(expected), rtol=1e-12,
                               atol=1e-12)


def test_at_least_half_of_the_corpus_jacobians_are_batched():
    batched = 0
    for case in JAC:
        args = case.make(np.random.default_rng(0))
        jac = tg.jacobian(case.fn, wrt=positions(case)[0], mode="forward")
        jac(*args)
        batched += jac.vectorised
    assert batched >= len(JAC) // 2


SHAPES = [((3,), (3,)), ((3,), (3, 2)), ((3,), (4, 3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
          ((2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (3,))]


@pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{a}@{b}" for a, b in SHAPES])
@pytest.mark.parametrize("side", ["left", "right"])
def test_batched_matmul_is_matmul_of_each_tangent(sa, sb, side):
    from tangentish.batched import Batched

    rng = np.random.default_rng(8)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    stack = rng.standard_normal((4, *(sa if side == "left" else sb)))
    got = (Batched(stack) @ b) if side == "left" else (a @ Batched(stack))
    expected = [(t @ b) if side == "left" else (a @ t) for t in stack]
    np.testing.assert_allclose(got.data, np.stack(expected), rtol=1e-12)
