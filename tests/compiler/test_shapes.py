"""Code specialised to the pattern of the arguments' shapes (``shapes``, ``api._ByShape``).

The pattern is a promise the variant relies on: every test here checks the gradient against
central differences, on NumPy and on the duck array, for the pattern the variant was made for
and for the ones that must get another variant.
"""

from __future__ import annotations

import doctest
import os
import pathlib

import gast
import numpy as np
import pytest

import tangentish as tg
from tangentish import api
from tangentish.checking import numerical_grad
from tangentish.compiler import cache, optimize, shapes
from tangentish.compiler.pipeline import front_end


def test_docstring_examples():
    assert doctest.testmod(shapes).failed == 0
    assert doctest.testmod(optimize).failed == 0


def check(df, f, args, backend, wrt):
    """``df`` (made by tg.grad(f, wrt)) on ``backend`` against central differences."""
    got = df(*(backend.to(a) if isinstance(a, np.ndarray) else a for a in args))
    want = [numerical_grad(f, args, k)[0][0] for k in wrt]
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(backend.back(g), dtype=float), w, rtol=1e-6,
                                   atol=1e-7)


# ---------------------------------------------------------------- patterns


def test_pattern_names_sizes_by_first_appearance_and_ones_by_value():
    y, a, b = np.zeros(4), np.zeros((4, 4)), np.zeros(4)
    assert shapes.pattern((y, a, b)) == (("s0",), ("s0", "s0"), ("s0",))
    small = shapes.pattern((np.zeros((16, 8)), np.zeros((1, 8)), 2.0, np.zeros(())))
    big = shapes.pattern((np.zeros((32, 8)), np.zeros((1, 8)), 2.0, np.zeros(())))
    assert small == big == (("s0", "s1"), ("1", "s1"), (), ())
    leaves = shapes.pattern(({"w": np.zeros((3, 2)), "b": 1.0}, [np.zeros(2)], "x", None))
    assert leaves == (("dict", (("w", ("s0", "s1")), ("b", ()))), ("list", (("s1",),)), None,
                      None)
    assert shapes.pattern(([np.zeros(2)] * 65,)) == (None,)  # too many leaves to check a call


def test_broadcasting_matmul_and_reductions_are_modelled_exactly():
    assert shapes.broadcast(("s0", "s1"), ("s1",)) == ("s0", "s1")
    assert shapes.broadcast(("s0", "1"), ("1", "s1")) == ("s0", "s1")
    assert shapes.broadcast((), ("s0",)) == ("s0",)
    assert shapes.broadcast(("s0",), ("s1",)) is None  # NumPy raises; the code stays dynamic
    assert shapes.matmul(("s0", "s1"), ("s1",)) == ("s0",)
    assert shapes.matmul(("s1",), ("s1", "s2")) == ("s2",)
    assert shapes.matmul(("s0",), ("s0",)) == ()
    assert shapes.matmul(("s0", "s1"), ("s0", "s1")) is None


def _model(x, w, b):
    h = np.tanh(x @ w + b)
    m = np.mean(h, axis=0, keepdims=True)
    s = np.sum(h - m, axis=1)
    t = h.T
    r = x[0]
    for _ in range(3):
        x = x @ w  # (n, k) @ (k, k): the same shape on every trip
    c = b
    for _ in range(2):
        c = c[None]  # one more axis per trip: unknown
    return np.sum(s) + np.sum(t) + np.sum(r) + np.sum(x) + np.sum(c)


def test_infer_follows_the_primal_and_gives_up_where_shapes_change_in_a_loop():
    norm = front_end(_model)
    known = dict(zip(norm.params, shapes.pattern((np.zeros((5, 3)), np.zeros((3, 3)),
                                                  np.zeros(3)))))
    got = shapes.infer(norm, known)
    assert got["h"] == ("s0", "s1")
    assert got["m"] == ("1", "s1")
    assert got["s"] == ("s0",)
    assert got["t"] == ("s1", "s0")
    assert got["r"] == ("s1",)
    assert got["x"] == ("s0", "s1")
    assert got["b"] == ("s1",) and "c" not in got


def _counts(x, b):
    n = x.shape[0]
    k = x.size + x.ndim
    r = x[:, None, :] * b[None, :, None]
    u = np.sum(x[[0, 1]])  # a fancy index: unknown, but its full sum is a number
    v = np.sum(x[[0, 1]], axis=0)
    return np.sum(r) / n + k + u + np.sum(v)


def _made(x, w):
    n = x.shape[0]
    h = np.zeros(w.shape[1])
    c = np.ones((n, 1))
    z = np.zeros_like(x)
    e = np.full(x.shape, 2.0)
    k = np.zeros(3)  # a literal size: the pattern has no symbol for it
    for i in range(n):
        h = np.tanh(x[i] @ w + h)
    return np.sum(h) + np.sum(c * x + z + e) + np.sum(k)


def test_arrays_made_from_sizes_of_the_arguments():
    norm = front_end(_made)
    known = dict(zip(norm.params, shapes.pattern((np.zeros((5, 3)), np.zeros((3, 4))))))
    got = shapes.infer(norm, known)
    assert got["h"] == ("s2",) and got["c"] == ("s0", "1")
    assert got["z"] == ("s0", "s1") and got["e"] == ("s0", "s1") and "k" not in got


def recurrent(params, xs):
    h = np.zeros(params["Wh"].shape[0])
    for x in xs:
        h = np.tanh(params["Wh"] @ h + params["Wx"] @ x + params["b"])
    return np.sum(h * h)


def test_a_state_made_of_zeros_is_known(backend):
    rng = np.random.default_rng(4)
    params = {"Wh": 0.5 * rng.normal(size=(4, 4)), "Wx": rng.normal(size=(4, 3)),
              "b": rng.normal(size=4)}
    xs = rng.normal(size=(5, 3))
    df = tg.grad(recurrent, fallback="error")
    got = df({k: backend.to(v) for k, v in params.items()}, backend.to(xs))
    source = tg.source(df)
    assert "unbroadcast(" not in source and "only_shape(" not in source
    for name in params:
        def f(leaf, name=name):
            return recurrent({**params, name: leaf}, xs)
        np.testing.assert_allclose(np.asarray(backend.back(got[name])),
                                   numerical_grad(f, (params[name],), 0)[0][0], rtol=1e-6,
                                   atol=1e-8)


def attention(q, k, v):
    d = q.shape[-1]
    s = q @ k.T / np.sqrt(d)
    p = np.exp(s - np.max(s, axis=-1, keepdims=True))
    return np.sum((p / np.sum(p, axis=-1, keepdims=True) @ v) ** 2)


def test_a_size_read_with_a_negative_index(backend):
    rng = np.random.default_rng(5)
    args = (rng.normal(size=(6, 4)), rng.normal(size=(7, 4)), rng.normal(size=(7, 3)))
    df = tg.grad(attention, wrt=(0, 1, 2), fallback="error")
    check(df, attention, args, backend, (0, 1, 2))
    assert "unbroadcast(" not in tg.source(df)


def test_counts_new_axes_and_full_reductions():
    norm = front_end(_counts)
    known = dict(zip(norm.params, shapes.pattern((np.zeros((5, 3)), np.zeros(4)))))
    got = shapes.infer(norm, known)
    assert got["n"] == () and got["k"] == () and got["u"] == ()
    assert got["r"] == ("s0", "s2", "s1")
    assert "v" not in got


# ---------------------------------------------------------------- variants


def bias(x, b):
    return np.sum(np.tanh(x + b) * x)


def _by_shape(df, args) -> api._ByShape:
    entry = df._variants[tuple(map(api._is_number, args))]
    assert isinstance(entry, api._ByShape)
    return entry


def test_batch_sizes_share_one_variant_and_other_patterns_get_their_own():
    df = tg.grad(bias, wrt=(0, 1), fallback="error")
    df(np.ones((16, 3)), np.ones(3))
    before = len(cache._CACHE)
    df(np.ones((32, 3)), np.ones(3))  # same pattern: no compile
    assert len(cache._CACHE) == before
    df(np.ones((32, 3)), np.ones((1, 3)))  # (1, n) against (m, n): another variant
    entry = _by_shape(df, (np.ones((2, 3)), np.ones(3)))
    assert sorted(entry.codes) == [(("s0", "s1"), ("1", "s1")), (("s0", "s1"), ("s1",))]
    assert len(entry.seen) == 3  # exact shapes met, each looked up before any pattern
    assert entry.seen[((32, 3), (3,))] is entry.seen[((16, 3), (3,))]
    for code in entry.codes.values():  # x has the sum's shape; b's broadcast is one sum
        assert "unbroadcast(" not in code.source and "db = d_t1.sum(axis=0" in code.source


@pytest.mark.parametrize("shape_x, shape_b", [
    ((4, 3), (3,)), ((4, 3), (1, 3)), ((4, 3), (4, 1)), ((4, 3), (4, 3)), ((1, 3), (4, 3)),
    ((3,), (1,)), ((3,), ()), ((), (3,)), ((4, 3), ()), ((), ())])
def test_broadcasting_cases_match_differences(shape_x, shape_b, backend):
    rng = np.random.default_rng(len(shape_x) * 7 + len(shape_b))
    args = (rng.normal(size=shape_x), rng.normal(size=shape_b))  # 0-d arrays for ()
    check(tg.grad(bias, wrt=(0, 1), fallback="error"), bias, args, backend, (0, 1))


def centered(x, mu, w):
    n = x.shape[0]
    xc = x[None, :, :] - mu[:, None, :]
    return np.sum(np.sum(xc ** 2, axis=2) * w[:, None]) / n + np.sum(mu) * x.ndim


@pytest.mark.parametrize("k, n, d", [(3, 4, 2), (1, 4, 2), (3, 1, 2), (2, 3, 1)])
def test_new_axes_and_counts_match_differences(k, n, d, backend):
    rng = np.random.default_rng(k * 100 + n * 10 + d)
    args = (rng.normal(size=(n, d)), rng.normal(size=(k, d)), rng.normal(size=k))
    check(tg.grad(centered, wrt=(0, 1, 2), fallback="error"), centered, args, backend,
          (0, 1, 2))


def test_a_python_number_beside_arrays(backend):
    def scaled(x, s, w):
        return np.sum(np.tanh(x @ w) * s + x @ w)

    rng = np.random.default_rng(1)
    args = (rng.normal(size=(5, 3)), 0.7, rng.normal(size=(3, 2)))
    check(tg.grad(scaled, wrt=(0, 2), fallback="error"), scaled, args, backend, (0, 2))


def test_one_shape_pattern_never_runs_anothers_code(backend):
    """Same symbols, different broadcasting: (s0,) + (s0,) and (s0,) + (1,) differ in b's
    adjoint (a sum), so each gets its own variant, in either order."""
    df = tg.grad(bias, wrt=(0, 1), fallback="error")
    rng = np.random.default_rng(2)
    for shape_b in [(4,), (1,), (4,), (1,)]:
        check(df, bias, (rng.normal(size=4), rng.normal(size=shape_b)), backend, (0, 1))
    assert len(_by_shape(df, (np.ones(4), np.ones(4))).codes) == 2


def test_past_the_cap_calls_run_the_general_code(backend):
    df = tg.grad(bias, wrt=(0, 1), fallback="error")
    rng = np.random.default_rng(3)
    shapes_b = [(), (3,), (1,), (1, 3), (2, 1), (1, 1), (2, 3), (1, 1, 1), (4, 2, 3)]
    for shape_b in shapes_b:  # 9 patterns of b against x of shape (2, 3)
        check(df, bias, (rng.normal(size=(2, 3)), rng.normal(size=shape_b)), backend, (0, 1))
    entry = _by_shape(df, (np.ones((2, 3)), np.ones(3)))
    assert len(entry.codes) == api.SHAPE_VARIANTS
    assert entry.general is not None and "unbroadcast(" in entry.general.source


def test_code_without_broadcasting_bookkeeping_is_not_keyed_on_shapes():
    # (a result the pattern shows is a number is bookkeeping: its check and, for tg.grad,
    # the lines computing it go, so ``np.tanh(x[0])`` is keyed)
    def plain(x):
        return np.linalg.norm(np.tanh(x))  # norm's shape is not modelled: nothing to drop

    df = tg.grad(plain, fallback="error")
    df(np.ones(3))
    assert not isinstance(df._variants[(False,)], api._ByShape)


def test_higher_order_on_a_specialised_gradient():
    def f(x, b):
        return np.sum(np.sin(x + b) * x)

    rng = np.random.default_rng(4)
    x, b, v = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(3, 2))
    df = tg.grad(f, fallback="error")
    df(x, b)  # specialised first
    hv = tg.hvp(lambda x: f(x, b), x, v)
    eps = 1e-6
    fd = (df(x + eps * v, b) - df(x - eps * v, b)) / (2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-6, atol=1e-6)

    def norm_of_grad(x, b):
        return np.sum(df(x, b) ** 2)

    got = tg.grad(norm_of_grad, fallback="error")(x, b)
    np.testing.assert_allclose(got, numerical_grad(norm_of_grad, (x, b), 0)[0][0], rtol=1e-6,
                               atol=1e-7)


def shaped_source(fn, wrt, args, golden):
    """The code ``tg.grad`` runs for ``args``, checked against central differences and kept
    as the golden file ``golden`` (``TANGENTISH_REGOLD=1`` rewrites it, as in test_golden)."""
    df = tg.grad(fn, wrt=wrt, fallback="error")
    got = df(*args)
    source = tg.source(df)
    path = pathlib.Path(__file__).parent / "golden" / golden
    if os.environ.get("TANGENTISH_REGOLD"):
        path.write_text(source)
    assert source == path.read_text()
    for k, g in zip(wrt, got):
        want = numerical_grad(fn, args, k)[0][0]
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)
    return source


def test_ode_reverse_loop_has_no_shape_bookkeeping():
    from benchmarks import workloads

    rng = np.random.default_rng(5)
    args = (rng.normal(size=4), 0.5 * rng.normal(size=(4, 4)), rng.normal(size=4))
    source = shaped_source(workloads.ode, (0, 1, 2), args, "ode_shaped.txt")
    assert "unbroadcast(" not in source and "only_shape(" not in source
    assert "matmul_grad" not in source  # 1-d products written out


def test_the_mlp_benchmark_code_is_a_golden_file():
    """The BLAS-bound workload's gradient, line by line: eight matrix products, the softmax's
    row sums read at (batch, 1), no unbroadcast."""
    from benchmarks import cases, workloads

    args = cases._mlp(8, np.random.default_rng(6), batch=5)
    source = shaped_source(workloads.mlp, (0, 1, 2, 3, 4, 5), args, "mlp_shaped.txt")
    assert "unbroadcast(" not in source and "unreduce(" not in source
    assert source.count("matmul_grad_") == 5


def test_merged_negation_is_an_assignment_of_the_difference():
    body = gast.parse("dx = -g; y = h; dx = dx + t * y").body
    out = optimize.merge_negations(body, {"g": 2})
    assert len(out) == 2 and isinstance(out[1].value.op, gast.Sub)
    unchanged = gast.parse("dx = -g; g = h; dx = dx + t").body  # g changes in between
    assert len(optimize.merge_negations(unchanged, {"g": 2})) == 3


class _Layer:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, x, w):
        return np.sum(np.tanh(x @ w) * (x @ w)) * self.scale  # self.scale: shape unknown


def test_a_method_is_specialised_too(backend):
    rng = np.random.default_rng(6)
    layer = _Layer(0.5)
    df = tg.grad(layer.loss, wrt=(0, 1), fallback="error")
    args = (rng.normal(size=(4, 3)), rng.normal(size=(3, 2)))
    check(df, layer.loss, args, backend, (0, 1))
    assert isinstance(df._variants[(False, False)], api._ByShape)
    assert tg.source(df).count("unbroadcast(") < df.compiled().source.count("unbroadcast(")


def dict_model(params, x):
    h = np.tanh(x @ params["W"] + params["b"])
    return np.mean(h ** 2) * params["scale"]


def list_model(ws, x):
    h = x
    for i in range(len(ws)):
        h = np.tanh(h @ ws[i] + ws[0][0])
    return np.sum(h @ ws[-1])


def rows_model(h, w, xs):
    for x in xs:
        h = np.tanh(h @ w + x)
    return np.sum(h)


def test_dict_and_list_arguments_are_keyed_by_their_leaves(backend):
    rng = np.random.default_rng(7)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4), "scale": 0.5}
    x = rng.normal(size=(5, 3))
    df = tg.grad(dict_model, fallback="error")
    got = df({k: backend.to(v) if isinstance(v, np.ndarray) else v for k, v in params.items()},
             backend.to(x))
    want, _ = numerical_grad(dict_model, (params, x), 0)
    for key, w in zip(params, want):
        np.testing.assert_allclose(np.asarray(backend.back(got[key]), dtype=float), w,
                                   rtol=1e-6, atol=1e-7)
    assert "d_t4.sum(axis=0)" in tg.source(df)  # params["b"]'s shape is known
    ws = [rng.normal(size=(3, 3)) for _ in range(3)]
    dl = tg.grad(list_model, wrt=(0, 1), fallback="error")
    got_ws, got_x = dl([backend.to(w) for w in ws], backend.to(x))
    want_ws, _ = numerical_grad(list_model, (ws, x), 0)
    for g, w in zip([*got_ws, got_x], [*want_ws, numerical_grad(list_model, (ws, x), 1)[0][0]]):
        np.testing.assert_allclose(np.asarray(backend.back(g), dtype=float), w, rtol=1e-6,
                                   atol=1e-7)
    assert "unbroadcast(" not in tg.source(dl)
    check(tg.grad(rows_model, wrt=(0, 1), fallback="error"), rows_model,
          (rng.normal(size=(2, 4)), rng.normal(size=(4, 4)), rng.normal(size=(6, 2, 4))),
          backend, (0, 1))


def test_a_container_pattern_is_a_promise_too():
    """Same keys, one leaf broadcast differently: another variant, both right."""
    rng = np.random.default_rng(8)
    df = tg.grad(dict_model, fallback="error")
    for shape_b in [(4,), (1, 4), (4,)]:
        params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=shape_b), "scale": 2.0}
        x = rng.normal(size=(5, 3))
        got = df(params, x)
        want, _ = numerical_grad(dict_model, (params, x), 0)
        for key, w in zip(params, want):
            np.testing.assert_allclose(got[key], w, rtol=1e-6, atol=1e-7)
    assert len(_by_shape(df, (params, x)).codes) == 2
