"""Linear-algebra rules the case table cannot express: list inputs (multi_dot), tuple outputs
with ``None`` cotangents, and products over hypothesis-drawn shapes."""

import ast
import inspect
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tangentish.checking import numerical_grad
from tangentish.runtime.rules import einsum as es
from tangentish.runtime.rules import linalg as la
from tangentish.runtime.rules import matrix as mx
from tangentish.runtime.rules import reductions as rd
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


# ---------------------------------------------------------------- einsum_grad's operand rules


@pytest.mark.parametrize("spec, shapes, i", [("ij,jk", [(2, 3), (3, 4)], 0),
                                             ("ijk,jl,kl->il", [(2, 3, 4), (3, 5), (4, 5)], 1),
                                             ("ii,i->", [(3, 3), (3,)], 0)], ids=str)
def test_einsum_grad_of_operands(spec, shapes, i, backend):
    """einsum_grad (the adjoint generated code calls) against FD w.r.t. the other operands."""
    rng = np.random.default_rng(5)
    ops = tuple(rng.standard_normal(s) for s in shapes)
    dy = rng.standard_normal(np.shape(np.einsum(spec, *ops)))
    z = es.einsum_grad(dy, spec, ops, i)
    dz = rng.standard_normal(np.shape(z))
    got = table.vjp_rule(es.einsum_grad, 2)(backend.to(dz), backend.to(z), backend.to(dy), spec,
                                            backend.to(ops), i)
    tangents = tuple(None if j == i else rng.standard_normal(s) for j, s in enumerate(shapes))
    tangent = table.jvp_rule(es.einsum_grad, 2)(backend.to(tangents), backend.to(z),
                                                backend.to(dy), spec, backend.to(ops), i)
    eps, expect_tangent = 1e-6, 0
    for j in range(len(ops)):
        if j == i:
            assert got[j] is None
            continue
        f = lambda x, j=j: np.sum(dz * es.einsum_grad(dy, spec, es.replaced(ops, j, x), i))
        expect, _ = numerical_grad(f, [ops[j]], 0)
        close(backend.back(got[j]), expect[0])
        expect_tangent = expect_tangent + (
            es.einsum_grad(dy, spec, es.replaced(ops, j, ops[j] + eps * tangents[j]), i)
            - es.einsum_grad(dy, spec, es.replaced(ops, j, ops[j] - eps * tangents[j]), i)
        ) / (2 * eps)
    close(backend.back(tangent), expect_tangent)


# ---------------------------------------------------------------- the inlining contract
# The compiler inlines a rule's body, importing its free names from the rule's module, and
# differentiates generated adjoints again: so a rule is one return expression over its
# parameters, np.*, and module helpers; and every helper it calls has rules of its own, except
# the decompositions' adjoints below (second derivatives through them are not supported).

FIRST_ORDER_ONLY = {
    "eigh_grad", "eigh_tangent", "svd_grad", "svd_tangent", "qr_grad", "qr_tangent",
    "matrix_power_grad",
    "matrix_power_tangent", "multi_dot_grad", "multi_dot_tangent", "norm_weight_slopes",
    "einsum_operands_grad", "einsum_operands_tangent", "replaced",
    "unbroadcast", "shape_of"}  # the last two belong to the foundation
MODULES = {m.__name__: m for m in (rd, la, mx, es)}
RULES = sorted({rule for entry in table.registered()
                for rule in (*entry.vjp.values(), *entry.jvp.values())
                if rule.__module__ in MODULES}, key=lambda r: (r.__module__, r.__name__))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_rule_is_one_inlinable_expression(rule):
    module = MODULES[rule.__module__]
    (fn,) = ast.parse(textwrap.dedent(inspect.getsource(rule))).body
    body = [s for s in fn.body if not (isinstance(s, ast.Expr)
                                       and isinstance(s.value, ast.Constant))]
    assert len(body) == 1 and isinstance(body[0], ast.Return), "one return expression"
    params = {a.arg for a in (*fn.args.args, *fn.args.kwonlyargs)}
    params |= {a.arg for a in (fn.args.vararg, fn.args.kwarg) if a is not None}
    for node in ast.walk(body[0]):
        if isinstance(node, ast.Name) and node.id not in params:
            assert hasattr(module, node.id), f"{node.id} is neither a parameter nor importable"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called = getattr(module, node.func.id)
            assert table.lookup(called) is not None or node.func.id in FIRST_ORDER_ONLY, (
                f"{node.func.id} has no rules, so generated adjoints cannot be differentiated")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert ast.unparse(node.func).startswith("np."), ast.unparse(node.func)


def test_at_least_fifty_primitives():
    """NumPy and operator functions with rules here (helpers of our own do not count)."""
    ours = [entry.primitive for entry in table.registered()
            if any(r.__module__ in MODULES for r in entry.vjp.values())
            and not (getattr(entry.primitive, "__module__", "") or "").startswith("tangentish")]
    assert len(ours) >= 50, [table.lookup(p).name for p in ours]


# ---------------------------------------------------------------- decompositions, drawn shapes
# Spectra are built well separated (gaps >= 0.5, away from 0), where the decompositions are
# differentiable and central differences are accurate.


def orthogonal(rng, batch, n):
    q, r = np.linalg.qr(rng.standard_normal(batch + (n, n)))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def spectrum(rng, batch, k):
    gaps = rng.uniform(0.5, 1.5, batch + (k,))
    return np.cumsum(gaps, axis=-1)[..., ::-1]


@st.composite
def decomposition(draw):
    batch = tuple(draw(st.lists(st.integers(1, 2), max_size=1)))
    return batch, draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(0, 2**16))


def with_singular_values(batch, m, n):
    def draw(rng):
        k = min(m, n)
        u = orthogonal(rng, batch, m)[..., :, :k]
        v = orthogonal(rng, batch, n)[..., :, :k]
        return (np.matmul(u * spectrum(rng, batch, k)[..., None, :], np.swapaxes(v, -1, -2)),)
    return draw


def with_eigenvalues(batch, n, positive=False):
    def draw(rng):
        q = orthogonal(rng, batch, n)
        w = spectrum(rng, batch, n) - (0 if positive else n / 2)
        return (np.matmul(q * w[..., None, :], np.swapaxes(q, -1, -2)),)
    return draw


DECOMPOSITIONS = [
    (np.linalg.svd, "singular", {"full_matrices": False}),
    (np.linalg.pinv, "singular", {}),
    (np.linalg.qr, "singular", {}),
    (np.linalg.eigh, "symmetric", {}),
    (np.linalg.eigvalsh, "symmetric", {"UPLO": "U"}),
    (np.linalg.cholesky, "positive", {}),
    (np.linalg.inv, "positive", {}),
    (np.linalg.det, "symmetric", {}),
    (np.linalg.slogdet, "symmetric", {}),
] + ([(np.linalg.svdvals, "singular", {})] if hasattr(np.linalg, "svdvals") else [])


@pytest.mark.parametrize("primitive, kind, kwargs", DECOMPOSITIONS,
                         ids=[table.lookup(p).name for p, _, _ in DECOMPOSITIONS])
@backend_ok
@given(drawn=decomposition())
def test_decomposition_any_shape(primitive, kind, kwargs, drawn, backend):
    batch, m, n, seed = drawn
    if kind == "singular":
        args = with_singular_values(batch, m, n)
    else:
        args = with_eigenvalues(batch, n, positive=kind == "positive")
    case = Case(primitive, args, kwargs=kwargs, rtol=1e-4, atol=1e-5)
    check_vjp(case, np.random.default_rng(seed), backend.to, backend.back)
    check_jvp(case, np.random.default_rng(seed), backend.to, backend.back)


# ---------------------------------------------------------------- norms, drawn shapes and ords

VECTOR_ORDS = [None, 1, 2, 3, 0.5, np.inf, -np.inf]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


@st.composite
def norm_args(draw):
    """x's shape, and np.linalg.norm's (ord, axis, keepdims) in any form it accepts."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    ndim = len(shape)
    matrix = ndim >= 2 and draw(st.booleans())
    if matrix:
        rows, cols = draw(st.permutations(range(ndim)))[:2]
        axis = (rows - ndim * draw(st.booleans()), cols)
        if ndim == 2 and draw(st.booleans()):
            axis = None
        ord = draw(st.sampled_from(MATRIX_ORDS))
    else:
        axis = draw(st.integers(-ndim, ndim - 1))
        if ndim == 1 and draw(st.booleans()):
            axis = None
        ord = draw(st.sampled_from(VECTOR_ORDS))
    return shape, {"ord": ord, "axis": axis, "keepdims": draw(st.booleans())}


@backend_ok
@given(drawn=norm_args(), seed=st.integers(0, 2**16))
def test_norm_any_form(drawn, seed, backend):
    shape, kwargs = drawn
    case = Case(np.linalg.norm, lambda rng: (rng.standard_normal(shape),), kwargs=kwargs,
                rtol=1e-4, atol=1e-5)
    check_vjp(case, np.random.default_rng(seed), backend.to, backend.back)
    check_jvp(case, np.random.default_rng(seed), backend.to, backend.back)


# ---------------------------------------------------------------- second derivatives, compiled
# tg.grad(tg.grad(f)) transforms generated adjoints, which call the helpers above: each family
# here must differentiate again without falling back to the tape. f(s) = g(s * M) is scalar.

M = np.random.default_rng(7).standard_normal((3, 3))
SPD = M @ M.T + np.eye(3)


def second_reductions(s):
    x = s * M
    return (np.sum(np.max(x, axis=1) * np.mean(x, axis=0)) + np.var(x, axis=0, ddof=1).sum()
            + np.prod(x + 2.0) + np.std(np.cumsum(x, axis=1)) + np.sum(np.min(x, axis=0) ** 2))


def second_products(s):
    x = s * M
    return (np.sum((x @ M) ** 2) + np.tensordot(x, x, axes=2) + np.sum(np.outer(x, M) ** 2)
            + np.inner(x, M).sum() ** 2 + np.kron(x, M).sum() ** 2 + np.trace(x @ x))


def second_solvers(s):
    x = s * M
    return (np.sum(np.linalg.solve(SPD, x) ** 2) + np.linalg.det(x + 3 * np.eye(3))
            + np.trace(np.linalg.inv(x + 3 * np.eye(3))) + np.linalg.norm(x @ M)
            + np.linalg.norm(x, axis=1).sum() + np.sum(np.linalg.pinv(x + 3 * np.eye(3))))


def second_cholesky(s):
    return np.sum(np.linalg.cholesky(s * SPD + np.eye(3)) ** 2)


@pytest.mark.parametrize("f", [second_reductions, second_products, second_solvers,
                               second_cholesky], ids=lambda f: f.__name__)
def test_grad_of_grad_compiles_through_the_helpers(f):
    import tangentish as tg

    d1 = tg.grad(f, fallback="error")
    d2 = tg.grad(d1, fallback="error")
    s, eps = 0.7, 1e-5
    close(d2(s), (d1(s + eps) - d1(s - eps)) / (2 * eps))


# ---------------------------------------------------------------- first derivatives, compiled
# Each family through tg.grad, with the keyword and positional spellings users write: the
# compiler inlines the rule bodies with these arguments bound.

W = np.random.default_rng(8).standard_normal((3, 4))


def compiled_reductions(x):
    return (np.sum(x, axis=(0, 1), keepdims=True).sum() + np.mean(x, 1).sum()
            + np.prod(x, axis=-1).sum() + np.amax(x, axis=0).sum() + x.min() + x.var(ddof=1)
            + np.std(x, axis=1, keepdims=True).sum() + np.ptp(x, 0).sum() + np.median(x)
            + np.cumsum(x, axis=1).sum() + np.cumprod(x + 3.0).sum()
            + np.average(x, axis=1, weights=W[0]).sum() + np.nansum(x) + np.nanmean(x, axis=0)[1])


def compiled_products(x):
    return (np.sum(np.matmul(x, W.T)) + np.sum(x @ W.T @ x) + np.dot(x[0], W[1])
            + np.sum(np.dot(x, W[0])) + np.vdot(x, W) + np.sum(np.inner(x, W))
            + np.sum(np.outer(x, W)) + np.sum(np.tensordot(x, W, axes=([1], [1])))
            + np.tensordot(x, W) + np.einsum("ij,ij", x, W) + np.sum(np.einsum("...j,kj", x, W))
            + np.trace(x, offset=1) + np.sum(np.kron(x, W)) + np.sum(np.cross(x[:, :3], W[0, :3])))


def compiled_matrices(x):
    a = x[:, :3] + 3 * np.eye(3)
    return (np.sum(np.linalg.inv(a)) + np.linalg.det(a) + np.linalg.slogdet(a)[1]
            + np.sum(np.linalg.solve(a, W)) + np.linalg.norm(x) + np.linalg.norm(x, ord="nuc")
            + np.sum(np.linalg.norm(x, ord=1, axis=1, keepdims=True))
            + np.sum(np.linalg.cholesky(a @ a.T)) + np.sum(np.linalg.eigvalsh(a + a.T) ** 2)
            + np.sum(np.linalg.svd(x, full_matrices=False)[1]) + np.sum(np.linalg.qr(x.T)[1])
            + np.sum(np.linalg.pinv(x)) + np.sum(np.linalg.matrix_power(a, 2))
            + np.sum(np.linalg.multi_dot([x, W.T, x])))


@pytest.mark.parametrize("f", [compiled_reductions, compiled_products, compiled_matrices],
                         ids=lambda f: f.__name__)
def test_compiled_gradients(f, backend):
    import tangentish as tg

    x = backend.to(np.random.default_rng(9).standard_normal((3, 4)))
    df = tg.grad(f, fallback="error")
    assert type(df(x)) is type(x), "the gradient left the input's array library"
    tg.gradcheck(f, (x,), grad=df, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- the tape calls the same rules
# With create_graph=True the tape records the rules' own NumPy calls, so second derivatives
# come from the rules too: checked here as Hessian-vector products against differences.

TAPED = {
    "max": lambda a: np.sum(np.max(a, axis=1) ** 2),
    "prod_var": lambda a: np.prod(a, axis=0).sum() + np.var(a, axis=1, ddof=1).sum(),
    "einsum": lambda a: np.einsum("ij,jk->", a, a),
    "tensordot": lambda a: np.tensordot(a, a, axes=([0], [1])).sum() ** 2,
    "inv_det": lambda a: np.trace(np.linalg.inv(a)) + np.linalg.det(a),
    "solve_norm": lambda a: np.sum(np.linalg.solve(a, M) ** 2) + np.linalg.norm(a),
    "cholesky": lambda a: np.sum(np.linalg.cholesky(a @ a.T)),
    "eigh_svd_qr": lambda a: (np.sum(np.linalg.eigh(a + a.T)[1] ** 3)
                              + np.sum(np.linalg.svd(a, full_matrices=False)[1] ** 3)
                              + np.sum(np.linalg.qr(a)[1] ** 2)),
    "pinv_power": lambda a: np.sum(np.linalg.pinv(a) ** 2) + np.sum(np.linalg.matrix_power(a, 3)),
}


@pytest.mark.parametrize("name", sorted(TAPED))
def test_tape_second_derivatives(name):
    import tangentish as tg

    f = TAPED[name]
    a0 = np.random.default_rng(10).standard_normal((3, 3)) + 3 * np.eye(3)
    v = np.random.default_rng(11).standard_normal((3, 3))

    def grad_dot_v(a):
        t = tg.tensor(a, dtype=tg.float64, requires_grad=True)
        f(t).backward(create_graph=True)
        return t, (t.grad * tg.tensor(v)).sum()

    t, gv = grad_dot_v(a0)
    hvp = tg.autograd.grad(gv, t)[0].detach().numpy()
    expect, _ = numerical_grad(lambda a: float(grad_dot_v(a)[1].detach().numpy()), [a0], 0,
                               eps=1e-5)
    np.testing.assert_allclose(hvp, expect[0], rtol=1e-4, atol=1e-6)


def test_svd_full_matrices_padding(backend):
    """The padded columns of a full SVD are not unique: no gradient flows from them, and the
    JVP, which would have to choose them, says so."""
    a = np.random.default_rng(12).standard_normal((4, 2))
    y = tuple(np.linalg.svd(a))
    du = np.zeros((4, 4))
    du[:, 2:] = 1.0  # cotangent on the two padding columns only
    got = table.vjp_rule(np.linalg.svd, 0)(backend.to((du, None, None)), backend.to(y),
                                           backend.to(a))
    np.testing.assert_array_equal(backend.back(got), np.zeros((4, 2)))
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        table.jvp_rule(np.linalg.svd, 0)(backend.to(np.ones((4, 2))), backend.to(y),
                                         backend.to(a))
