"""Linear-algebra rules the case table cannot express: list inputs (multi_dot), tuple outputs
with ``None`` cotangents, and products over hypothesis-drawn shapes."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tangentish.checking import numerical_grad
from tangentish.runtime.rules import table
from tests.runtime.rulecheck import Case, check_jvp, check_vjp

# The backend fixture holds no state, so reusing it across drawn examples is safe.
backend_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])


def close(got, expect):
    np.testing.assert_allclose(got, expect, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- multi_dot: a list argument

CHAINS = [[(4,), (4, 3), (3, 5), (5,)], [(2, 3), (3, 4), (4, 2)], [(3,), (3, 2)],
          [(2, 3), (3,)], [(2, 2), (2, 3), (3, 4), (4, 1), (1, 3)]]


@pytest.mark.parametrize("shapes", CHAINS, ids=str)
def test_multi_dot(shapes, backend):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    y = np.linalg.multi_dot(arrays)
    dy = rng.standard_normal(np.shape(y))
    f = lambda xs: np.sum(np.linalg.multi_dot(xs) * dy)
    expect, _ = numerical_grad(f, [arrays], 0)
    got = table.vjp_rule(np.linalg.multi_dot, 0)(backend.to(dy), backend.to(y),
                                                 backend.to(arrays))
    assert len(got) == len(arrays)
    for g, e in zip(got, expect):
        close(backend.back(g), e)
    # JVP: one tangent per factor; None means that factor does not move.
    tangents = [rng.standard_normal(s) for s in shapes]
    tangents[0] = None
    eps = 1e-6
    shifted = lambda sign: np.linalg.multi_dot(
        [x if d is None else x + sign * eps * d for x, d in zip(arrays, tangents)])
    got = table.jvp_rule(np.linalg.multi_dot, 0)(backend.to(tangents), backend.to(y),
                                                 backend.to(arrays))
    close(backend.back(got), (shifted(1) - shifted(-1)) / (2 * eps))


# ---------------------------------------------------------------- tuple outputs, None parts


def spd(rng, n=3):
    b = rng.standard_normal((n, n))
    return b @ b.T + np.diag(np.arange(1.0, n + 1))


TUPLES = [
    (np.linalg.slogdet, lambda rng: rng.standard_normal((3, 3)) + 3 * np.eye(3), 2),
    (np.linalg.eigh, spd, 2),
    (np.linalg.svd, lambda rng: rng.standard_normal((4, 3)), 3),
    (np.linalg.svd, lambda rng: rng.standard_normal((3, 5)), 3),
    (np.linalg.qr, lambda rng: rng.standard_normal((4, 3)), 2),
    (np.linalg.qr, lambda rng: rng.standard_normal((3, 5)), 2),
]


def none_patterns(n):
    """Every way to leave some (not all) outputs without a cotangent."""
    return [tuple(i == j for i in range(n)) for j in range(n)] + [
        tuple(i != j for i in range(n)) for j in range(n) if n > 2]


@pytest.mark.parametrize("primitive, draw, n", TUPLES,
                         ids=[f"{table.lookup(p).name}{i}" for i, (p, _, _) in enumerate(TUPLES)])
def test_tuple_output_with_none_cotangents(primitive, draw, n, backend):
    rng = np.random.default_rng(3)
    a = draw(rng)
    kwargs = {"full_matrices": False} if primitive is np.linalg.svd else {}
    y = tuple(primitive(a, **kwargs))
    for missing in none_patterns(n):
        dy = tuple(None if gone else rng.standard_normal(np.shape(part))
                   for part, gone in zip(y, missing))
        f = lambda x, dy=dy: sum(float(np.sum(p * d)) for p, d in
                                 zip(primitive(x, **kwargs), dy) if d is not None)
        expect, _ = numerical_grad(f, [a], 0)
        got = table.vjp_rule(primitive, 0)(backend.to(dy), backend.to(y), backend.to(a),
                                           **kwargs)
        close(backend.back(got), expect[0])


def test_slogdet_without_logdet_cotangent_is_zero(backend):
    a = np.eye(2) * 3.0
    y = tuple(np.linalg.slogdet(a))
    got = table.vjp_rule(np.linalg.slogdet, 0)(backend.to((np.float64(1.0), None)),
                                               backend.to(y), backend.to(a))
    np.testing.assert_array_equal(backend.back(got), np.zeros((2, 2)))


def test_slogdet_jvp_sign_tangent_is_zero(backend):
    a = np.array([[2.0, 1.0], [0.5, -1.0]])
    sign, logdet = table.jvp_rule(np.linalg.slogdet, 0)(
        backend.to(np.ones((2, 2))), backend.to(tuple(np.linalg.slogdet(a))), backend.to(a))
    assert float(backend.back(sign)) == 0.0
    close(backend.back(logdet), np.trace(np.linalg.solve(a, np.ones((2, 2)))))


# ---------------------------------------------------------------- products over drawn shapes


@st.composite
def matmul_shapes(draw):
    """Operand shapes matmul accepts: 1-d on either side, broadcast batch dims."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    a_batch = [draw(st.sampled_from([1, b])) for b in batch]
    b_batch = [draw(st.sampled_from([1, b])) for b in batch]
    a_batch = a_batch[draw(st.integers(0, len(a_batch))):]
    b_batch = b_batch[draw(st.integers(0, len(b_batch))):]
    a = (k,) if draw(st.booleans()) else tuple(a_batch) + (n, k)
    b = (k,) if draw(st.booleans()) else tuple(b_batch) + (k, m)
    return a, b


@backend_ok
@given(shapes=matmul_shapes(), seed=st.integers(0, 2**16))
def test_matmul_any_shapes(shapes, seed, backend):
    a, b = shapes
    case = Case(np.matmul, lambda rng: (rng.standard_normal(a), rng.standard_normal(b)),
                wrt=(0, 1))
    check_vjp(case, np.random.default_rng(seed), backend.to, backend.back)
    check_jvp(case, np.random.default_rng(seed), backend.to, backend.back)


@st.composite
def tensordot_args(draw):
    """Shapes and an axes pair: a random set of a's axes matched to a permutation of b's."""
    contracted = draw(st.lists(st.integers(1, 3), max_size=3))
    free_a = draw(st.lists(st.integers(1, 3), max_size=2))
    free_b = draw(st.lists(st.integers(1, 3), max_size=2))
    a_order = draw(st.permutations(range(len(contracted) + len(free_a))))
    b_order = draw(st.permutations(range(len(contracted) + len(free_b))))
    a_dims = contracted + free_a
    b_dims = contracted + free_b
    a_shape = tuple(a_dims[i] for i in a_order)
    b_shape = tuple(b_dims[i] for i in b_order)
    xa = [list(a_order).index(i) for i in range(len(contracted))]
    xb = [list(b_order).index(i) - len(b_shape) * draw(st.booleans())
          for i in range(len(contracted))]
    return a_shape, b_shape, (xa, xb)


@backend_ok
@given(drawn=tensordot_args(), seed=st.integers(0, 2**16))
def test_tensordot_any_axes(drawn, seed, backend):
    a, b, axes = drawn
    case = Case(np.tensordot, lambda rng: (rng.standard_normal(a), rng.standard_normal(b)),
                kwargs={"axes": axes}, wrt=(0, 1))
    check_vjp(case, np.random.default_rng(seed), backend.to, backend.back)
    check_jvp(case, np.random.default_rng(seed), backend.to, backend.back)


@st.composite
def einsum_args(draw):
    """Random einsum specs over letters i..m: repeated letters, letters summed out, implicit."""
    letters = "ijklm"
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    terms = [draw(st.text(letters, min_size=0, max_size=3)) for _ in range(draw(
        st.integers(1, 3)))]
    used = sorted(set("".join(terms)))
    if draw(st.booleans()):
        out = "".join(draw(st.permutations([c for c in used if draw(st.booleans())])))
        spec = ",".join(terms) + "->" + out
    else:
        spec = ",".join(terms)
    return spec, [tuple(sizes[c] for c in t) for t in terms]


@backend_ok
@given(drawn=einsum_args(), seed=st.integers(0, 2**16))
def test_einsum_any_spec(drawn, seed, backend):
    spec, shapes = drawn
    case = Case(np.einsum, lambda rng: (spec,) + tuple(rng.standard_normal(s) for s in shapes),
                wrt=tuple(range(1, len(shapes) + 1)), id=spec)
    check_vjp(case, np.random.default_rng(seed), backend.to, backend.back)
    check_jvp(case, np.random.default_rng(seed), backend.to, backend.back)
