"""Deferred matrix-product adjoints (``tangentish.compiler.defer``).

The pass fires on the RNN's weight adjoints and nowhere a kept factor could change before the
flush reads it. The unit tests run it on hand-written adjoint sweeps (one unsafe write each);
the programs below it run end to end with the runtime's size threshold lowered, so the factors
really wait (and are flushed in chunks), and are checked against finite differences, including
second order and the tape running the generated code.
"""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import gast
import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import gradcheck
from tangentish.compiler.defer import defer_products
from tangentish.compiler.namespace import Namespace
from tangentish.compiler.naming import Namer
from tangentish.compiler.nodes import names_in, unparse
from tangentish.runtime import accumulate
from tangentish.runtime.rules.linalg import matmul_grad_a
from tangentish.runtime.support import unbroadcast

_HELPERS = {"matmul_grad_b_into": accumulate.matmul_grad_b_into,
            "matmul_grad_a_into": accumulate.matmul_grad_a_into,
            "add_into": accumulate.add_into, "matmul_grad_a": matmul_grad_a,
            "unbroadcast": unbroadcast, "np": np, "W": np.ones((2, 2))}


def _deferred(source: str, run=defer_products, unbound: frozenset = frozenset()) -> str:
    """``source`` (an adjoint sweep) after the pass ``run``, as text; every name but those in
    ``unbound`` is bound before the sweep."""
    body = gast.parse(textwrap.dedent(source)).body
    namer = Namer(names_in(body, None) - _HELPERS.keys())
    ns = Namespace(namer)
    for name, obj in _HELPERS.items():
        ns.ref(obj, name)
    adj = SimpleNamespace(adjoint=body, stack="stack", primal=[],  # every name bound before
                          norm=SimpleNamespace(namespace=ns, namer=namer, params=sorted(
                              names_in(body, None) - unbound)))
    run(adj)
    return unparse(gast.Module(body=adj.adjoint, type_ignores=[])).strip()


_LOOP = """
dw = np.zeros_like(w)
for t in reversed(range(n)):
    d = dh * (1 - h * h)
    h = stack.pop()
    e = unbroadcast(d, z)
    dh = matmul_grad_a(e, h, w)
    dw = matmul_grad_b_into(dw, e, h, w)
    {extra}
"""


def test_fires_on_a_reverse_loop():
    assert _deferred(_LOOP.format(extra="pass")) == textwrap.dedent("""\
        dw = np.zeros_like(w)
        dw_parts = []
        for t in reversed(range(n)):
            d = dh * (1 - h * h)
            h = stack.pop()
            e = unbroadcast(d, z)
            dh = matmul_grad_a(e, h, w)
            dw = matmul_grad_b_defer(dw, e, h, w, dw_parts)
            pass
        dw = matmul_grad_b_flush(dw, dw_parts, w)""")


@pytest.mark.parametrize("extra", [
    "e = add_into(e, dh)",  # the kept cotangent updated in place
    "d = add_into(d, dh)",  # ... through the name it is a view of (unbroadcast)
    "h[0] = 0.0",  # the kept primal factor written through a subscript
    "h += 1.0",
    "h.sort()",  # a method may change its object
    "np.add(e, 1.0, out=d)",
    "s = dw * 2",  # the adjoint read before the flush
    "w = w * 2",  # the fixed factor changes
    "dw = dw * 2",  # the adjoint written by something else
    "return dw",  # the flush would be skipped
], ids=lambda s: s.split(" ")[0] + "/" + s[-6:])
def test_does_not_fire_where_a_kept_value_may_change(extra):
    out = _deferred(_LOOP.format(extra=extra))
    assert "_defer(" not in out and "_flush(" not in out and "_parts" not in out


_FRESH_EACH_STEP = """
for t in range(n):
    e = dh * 2.0
    {before}
    dw = matmul_grad_b_into(dw, e, h, w)
    {after}
"""


def test_a_factor_written_only_before_it_is_kept_in_a_step_may_wait():
    out = _deferred(_FRESH_EACH_STEP.format(before="e = add_into(e, g)", after="pass"))
    assert "dw = matmul_grad_b_defer(dw, e, h, w, dw_parts)" in out


@pytest.mark.parametrize("before,after", [
    ("e = add_into(e, g)", "e = add_into(e, g)"),  # written again after it is kept
    ("v = e\n    v = add_into(v, g)", "pass"),  # written under another name
    ("if c:\n        e = add_into(e, g)", "pass"),  # in a nested block
    ("stack.append(e)", "q = stack.pop()\n    q = add_into(q, g)"),  # through a list
])
def test_a_factor_written_otherwise_does_not_wait(before, after):
    out = _deferred(_FRESH_EACH_STEP.format(before=before, after=after))
    assert "_defer(" not in out


def test_a_factor_written_before_a_fresh_value_in_the_step_does_not_wait():
    out = _deferred("""
        for t in range(n):
            e = add_into(e, g)
            e = dh * 2.0
            dw = matmul_grad_b_into(dw, e, h, w)
        """)
    assert "_defer(" not in out


def test_no_flush_of_what_may_be_unbound_after_a_loop_of_no_steps():
    assert "_defer(" not in _deferred(_LOOP.format(extra="pass"), unbound={"w"})
    bound_in_the_sweep = "w = v * 2.0\n" + _LOOP.format(extra="pass")
    assert "_defer(" in _deferred(bound_in_the_sweep, unbound={"w"})


def test_alias_made_outside_the_loop_counts():
    source = "v = e\n" + _LOOP.format(extra="v = add_into(v, dh)")
    assert "_defer(" not in _deferred(source)


def test_two_products_into_one_adjoint_share_a_list_and_nested_loops_defer_outermost():
    out = _deferred("""
        for k in range(m):
            for t in range(n):
                dw = matmul_grad_b_into(dw, e, h, W)
                dw = matmul_grad_b_into(dw, f, g, W)
        """)
    assert out == textwrap.dedent("""\
        dw_parts = []
        for k in range(m):
            for t in range(n):
                dw = matmul_grad_b_defer(dw, e, h, W, dw_parts)
                dw = matmul_grad_b_defer(dw, f, g, W, dw_parts)
        dw = matmul_grad_b_flush(dw, dw_parts, W)""")


def test_outer_products_wait_too():
    out = _deferred("""
        for t in range(n):
            dw = add_into(dw, e[:, None] * h)
            dv = add_into(dv, e[:, None] * h)
            dv = matmul_grad_b_into(dv, e, h, W)
            du = add_into(du, e[:, None] * h)
            e = add_into(e, g)
        """)
    assert "dw = outer_defer(dw, e, h, dw_parts)" not in out  # e is written after it is kept
    out = _deferred("""
        for t in range(n):
            dw = add_into(dw, e[:, None] * h)
            dv = add_into(dv, e[:, None] * h)
            dv = matmul_grad_b_into(dv, e, h, W)
            du = add_into(du, e * h)
        """)
    assert "dw = outer_defer(dw, e, h, dw_parts)" in out
    assert "dw = outer_flush(dw, dw_parts)" in out
    assert "dv = add_into(dv, e[:, None] * h)" in out  # two forms into one adjoint
    assert "du = add_into(du, e * h)" in out  # not an outer product


def _matvec(a, y, xs):
    """A matrix-vector product a step: the weight's adjoint is an outer product a step."""
    for t in range(xs.shape[0]):
        y = np.tanh(a @ y) + xs[t]
    return np.sum(y * y)


def test_matrix_vector_loop_defers_outer_products(backend):
    args = _args(backend, (3, 3), (3,), (6, 3))
    grad = tg.grad(_matvec, wrt=(0, 1), fallback="error")
    assert gradcheck(_matvec, args, wrt=(0, 1), grad=grad)
    assert "da = outer_defer(da, " in tg.source(grad)


def test_left_factor_form_and_mixed_fixed_factors():
    out = _deferred("""
        for t in range(n):
            dx = matmul_grad_a_into(dx, e, x, v)
            dw = matmul_grad_b_into(dw, e, h, w)
            dw = matmul_grad_b_into(dw, f, g, W)
        """)
    assert "dx = matmul_grad_a_defer(dx, e, x, v, dx_parts)" in out
    assert "dx = matmul_grad_a_flush(dx, dx_parts, x)" in out
    assert "dw = matmul_grad_b_into(dw, e, h, w)" in out  # two different fixed factors


# ---------------------------------------------------------------- end to end


@pytest.fixture
def waiting(monkeypatch):
    """Every product the runtime can defer waits, flushed three steps' rows at a time."""
    monkeypatch.setattr(accumulate, "DEFER_MIN_BYTES", 0)
    monkeypatch.setattr(accumulate, "FLUSH_ROWS", 6)
    monkeypatch.setattr(accumulate, "GEMM_MIN_SIZE", 0)


def _rnn(wx, wh, xs, h):
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ wx + h @ wh)
    return np.sum(h * h)


def _residual(w, xs, h):
    """The state's adjoint is accumulated in place across steps (the skip connection)."""
    for t in range(xs.shape[0]):
        z = h @ w
        h = np.tanh(z) + h + xs[t]
    return np.sum(h * h * h)


def _output_read_twice(w, xs, h):
    """The product's adjoint is a sum of two contributions, made in place."""
    for t in range(xs.shape[0]):
        z = h @ w
        h = np.sin(z) * z + xs[t]
    return np.sum(h * h)


def _weights_per_step(x, ws):
    """The left factor is fixed and the right one varies: ``matmul_grad_a``'s form."""
    s = 0.0
    for t in range(ws.shape[0]):
        s = s + np.sum(np.tanh(x @ ws[t]) ** 2)
    return s


def _written_state(w, xs, h):
    """The primal writes the kept factor through a subscript (``index_set`` copies it)."""
    for t in range(xs.shape[0]):
        h = np.tanh(h @ w)
        h[0] = h[0] * 2.0 + xs[t][0]
    return np.sum(h * h)


def _args(backend, *shapes):
    rng = np.random.default_rng(7)
    return tuple(backend.to(rng.normal(size=s) * 0.5) for s in shapes)


_PROGRAMS = [
    (_rnn, ((3, 4), (4, 4), (5, 2, 3), (2, 4)), (0, 1, 3)),
    (_residual, ((4, 4), (5, 2, 4), (2, 4)), (0, 2)),
    (_output_read_twice, ((4, 4), (5, 2, 4), (2, 4)), (0, 2)),
    (_weights_per_step, ((2, 3), (5, 3, 4)), (0, 1)),
    (_written_state, ((4, 4), (5, 2, 4), (2, 4)), (0, 2)),
]


@pytest.mark.parametrize("fn,shapes,wrt", _PROGRAMS, ids=lambda v: getattr(v, "__name__", ""))
def test_programs_match_finite_differences(fn, shapes, wrt, backend, waiting):
    args = _args(backend, *shapes)
    grad = tg.grad(fn, wrt=wrt, fallback="error")
    assert gradcheck(fn, args, wrt=wrt, grad=grad)


def test_rnn_defers_both_weights():
    source = tg.source(tg.grad(_rnn, wrt=(0, 1), fallback="error"))
    assert "dwh = matmul_grad_b_defer(dwh, d_t5, h, wh, dwh_parts)" in source
    assert "dwx = matmul_grad_b_defer(dwx, d_t4, _t3, wx, dwx_parts)" in source
    assert source.index("dwh = matmul_grad_b_flush(dwh, dwh_parts, wh)") > source.index(
        "for t in reversed(")


def test_a_product_read_twice_defers_after_its_in_place_sum():
    source = tg.source(tg.grad(_output_read_twice, wrt=0, fallback="error"))
    assert "dz = add_into(dz, " in source
    assert "dw = matmul_grad_b_defer(dw, dz, h, w, dw_parts)" in source


def test_weights_per_step_defers_the_left_factor():
    source = tg.source(tg.grad(_weights_per_step, wrt=0, fallback="error"))
    assert "dx = matmul_grad_a_defer(dx, d_t4, x, _t3, dx_parts)" in source


def test_large_rnn_matches_the_gradient_without_deferral():
    """At a size where the runtime defers by itself (no threshold lowered)."""
    rng = np.random.default_rng(1)
    hidden = 384  # 384 x 384 doubles: above DEFER_MIN_BYTES
    args = (rng.normal(size=(8, hidden)) / 3, rng.normal(size=(hidden, hidden)) / 20,
            rng.normal(size=(40, 4, 8)), rng.normal(size=(4, hidden)) / 10)
    assert hidden * hidden * 8 >= accumulate.DEFER_MIN_BYTES
    got = tg.grad(_rnn, wrt=(0, 1, 3), fallback="error")(*args)
    want = tg.grad(_rnn, wrt=(0, 1, 3), fallback="error", optimize=False)(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def _rnn_loss_of_wh(wh, wx, xs, h):
    return _rnn(wx, wh, xs, h)


def test_second_order_through_deferred_products(waiting):
    wh, wx, xs, h = _args(SimpleNamespace(to=lambda a: a), (4, 4), (3, 4), (5, 2, 3), (2, 4))
    v = np.random.default_rng(2).normal(size=wh.shape)
    dfn = tg.grad(_rnn_loss_of_wh, fallback="error")
    assert "matmul_grad_b_defer(" in tg.source(dfn)
    eps = 1e-6
    expected = (dfn(wh + eps * v, wx, xs, h) - dfn(wh - eps * v, wx, xs, h)) / (2 * eps)
    hvp = tg.hvp(_rnn_loss_of_wh, wh, v, (wx, xs, h), fallback="error")
    np.testing.assert_allclose(hvp, expected, rtol=1e-6, atol=1e-8)

    def projected(w):  # reverse over reverse: tg.grad of the generated gradient
        return np.sum(dfn(w, wx, xs, h) * v)

    np.testing.assert_allclose(tg.grad(projected, fallback="error")(wh), expected,
                               rtol=1e-6, atol=1e-8)


def test_the_tape_runs_the_generated_code(waiting):
    """Tensors through the generated gradient: the products are added at once, on the tape."""
    wh, wx, xs, h = _args(SimpleNamespace(to=lambda a: a), (4, 4), (3, 4), (5, 2, 3), (2, 4))
    v = np.random.default_rng(3).normal(size=wh.shape)
    dfn = tg.grad(_rnn_loss_of_wh, fallback="error")
    eps = 1e-6
    expected = (dfn(wh + eps * v, wx, xs, h) - dfn(wh - eps * v, wx, xs, h)) / (2 * eps)
    w = tg.from_numpy(wh.copy()).requires_grad_()
    (dfn(w, wx, xs, h) * tg.from_numpy(v)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_module_example_runs():
    import doctest

    from tangentish.compiler import defer

    assert doctest.testmod(defer).failed == 0


def _rnn_with_bias(wx, wh, b, xs, h):
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ wx + h @ wh + b)
    return np.sum(h * h)


def test_the_shape_specialised_rnn_defers_too():
    """Shape variants write a bias's adjoint as ``d.sum(axis=0)``: a method that only reads
    its object, so the products still wait (it counted as a write, and rnn 1024 lost 20%)."""
    rng = np.random.default_rng(3)
    n, k = 512, 8  # 512 x 512 float64: 2 MiB, above the size where products wait
    args = (rng.standard_normal((k, n)) * 0.05, rng.standard_normal((n, n)) * 0.05,
            rng.standard_normal(n) * 0.1, rng.standard_normal((5, 4, k)), np.zeros((4, n)))
    df = tg.grad(_rnn_with_bias, wrt=(0, 1, 2), fallback="error")
    grads = df(*args)
    source = tg.source(df)
    assert ".sum(axis=0)" in source
    assert "matmul_grad_b_defer(dwh" in source and "matmul_grad_b_flush(dwh" in source
    plain = tg.grad(_rnn_with_bias, wrt=(0, 1, 2), optimize=False)(*args)
    for g, p in zip(grads, plain):
        np.testing.assert_allclose(g, p, rtol=1e-10, atol=1e-12)
