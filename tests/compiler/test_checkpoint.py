"""tg.checkpoint: only a call's inputs are kept for the adjoint sweep, which recomputes the
call's internals with its own generated VJP; gradients agree with finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import gradcheck


def step(h, x, W):
    a = np.tanh(h @ W + x)
    b = np.sin(a) * a
    return b + 0.5 * h


def rnn(h, xs, W):
    for t in range(xs.shape[0]):
        h = tg.checkpoint(step)(h, xs[t], W)
    return np.sum(h * h)


def rnn_plain(h, xs, W):
    for t in range(xs.shape[0]):
        h = step(h, xs[t], W)
    return np.sum(h * h)


checkpointed_step = tg.checkpoint(step)


def rnn_global(h, xs, W):
    for t in range(xs.shape[0]):
        h = checkpointed_step(h, xs[t], W)
    return np.sum(h * h)


def segment(h, xs, W):
    for t in range(xs.shape[0]):
        h = step(h, xs[t], W)
    return h


def rnn_segments(h, xs, W):
    segments = np.reshape(xs, (-1, 3, xs.shape[1]))
    for k in range(segments.shape[0]):  # keep one state per segment of 3 steps
        h = tg.checkpoint(segment)(h, segments[k], W)
    return np.sum(h * h)


RNG = np.random.default_rng(2)
H, XS, W = RNG.normal(size=3), RNG.normal(size=(6, 3)), RNG.normal(size=(3, 3)) * 0.5


@pytest.mark.parametrize("f", [rnn, rnn_global, rnn_segments], ids=lambda f: f.__name__)
def test_checkpointed_gradient_matches_finite_differences(f, backend):
    df = tg.grad(f, wrt=(0, 1, 2), fallback="error")
    grads = df(backend.to(H), backend.to(XS), backend.to(W))
    gradcheck(f, [H, XS, W], wrt=(0, 1, 2),
              grad=lambda *args: tuple(backend.back(g) for g in grads))
    plain = tg.grad(rnn_plain, wrt=(0, 1, 2))(H, XS, W)
    for g, p in zip(grads, plain):
        np.testing.assert_allclose(backend.back(g), p, rtol=1e-10, atol=1e-12)


def test_only_the_inputs_are_stored_and_the_step_is_recomputed():
    source = tg.source(tg.grad(rnn, wrt=(0, 1, 2)))
    plain = tg.source(tg.grad(rnn_plain, wrt=(0, 1, 2)))
    pushes = sorted(line.strip() for line in source.splitlines() if ".append(" in line)
    # the step's inputs: h (and xs[t], unless the adjoint sweep reads it again from xs)
    assert "stack.append(h)" in pushes and set(pushes) <= {"stack.append(h)",
                                                           "stack.append(_t3)"}
    assert plain.count(".append(") > len(pushes)  # inlined, the step's internals are pushed
    assert "dh, d_t3, dW_1 = dstep(h, _t3, W, dy=" in source
    assert "checkpointed: recomputed here" in source
    assert "np.tanh" not in source  # the step's code lives in its own generated adjoint


def test_second_order_through_a_checkpoint():
    def f(w):
        h = w
        for _ in range(3):
            h = tg.checkpoint(step)(h, XS[0], w[:, None] * W)
        return np.sum(h)

    w = RNG.normal(size=3)
    hess = tg.hessian(f)(w)  # the generated adjoint, dstep included, transformed again
    expected = np.stack([tg.grad(f)(w + 1e-6 * e) - tg.grad(f)(w - 1e-6 * e)
                         for e in np.eye(3)]) / 2e-6
    np.testing.assert_allclose(hess, expected, rtol=1e-5, atol=1e-7)


def test_outside_a_gradient_a_checkpoint_is_the_function():
    np.testing.assert_array_equal(tg.checkpoint(step)(H, XS[0], W), step(H, XS[0], W))
    assert tg.checkpoint(checkpointed_step) is checkpointed_step
    assert checkpointed_step.__name__ == "step"
    with pytest.raises(TypeError, match="needs a function"):
        tg.checkpoint(3)


def test_forward_mode_through_a_checkpoint():
    t = RNG.normal(size=3)
    value, tangent = tg.jvp(rnn, (H, XS, W), (t, np.zeros_like(XS), np.zeros_like(W)))
    eps = 1e-6
    expected = (rnn(H + eps * t, XS, W) - rnn(H - eps * t, XS, W)) / (2 * eps)
    assert value == pytest.approx(rnn_plain(H, XS, W))
    assert tangent == pytest.approx(expected, rel=1e-6)


def test_vjp_and_value_and_grad_through_a_checkpoint():
    value, grads = tg.value_and_grad(rnn, wrt=(0, 2))(H, XS, W)
    assert value == pytest.approx(rnn_plain(H, XS, W))
    _, pullback = tg.vjp(rnn, H, XS, W)
    dh, _, dw = pullback(1.0)
    np.testing.assert_allclose(dh, grads[0], rtol=1e-12)
    np.testing.assert_allclose(dw, grads[1], rtol=1e-12)


def test_a_checkpointed_call_with_an_inactive_input():
    def f(h, W):
        return np.sum(tg.checkpoint(step)(h, XS[0], W))

    dh = tg.grad(f, fallback="error")(H, W)
    gradcheck(f, [H, W], wrt=0, grad=lambda h, w: dh)


# ---------------------------------------------------------------- tg.grad(checkpoint=True)


def cell(h, c, xs, w, n):
    for i in range(n):
        z = h * w + xs[i]
        if i > 1:
            c = c + np.sin(z)
        h = np.tanh(c) * z
    total = np.sum(h * c)
    return total


@pytest.mark.parametrize("f, args", [
    (rnn_plain, (H, XS, W)),
    (cell, (H, 0.5 * H, XS, W[0], 5)),
], ids=["rnn", "two-states-and-a-branch"])
def test_checkpoint_option_outlines_each_loop_body(f, args, backend):
    wrt = (0, 1, 2, 3) if f is cell else (0, 1, 2)
    moved = [backend.to(a) if isinstance(a, np.ndarray) else a for a in args]
    df = tg.grad(f, wrt=wrt, checkpoint=True, fallback="error")
    grads = df(*moved)
    gradcheck(f, list(args), wrt=wrt, grad=lambda *a: tuple(backend.back(g) for g in grads))
    source = tg.source(df)
    assert f"{f.__name__}_loop_body_" in source and "checkpointed: recomputed here" in source
    assert "np.tanh" not in source  # the body is recomputed by its own VJP


def test_checkpoint_option_passes_rows_not_sequences():
    source = tg.source(tg.grad(rnn_plain, wrt=2, checkpoint=True))
    assert "_t" in source and "(t, W, h, _t" in source  # xs[t] goes in, not xs


def test_checkpoint_option_leaves_loops_with_jumps_alone():
    def f(x):
        for _ in range(4):
            if np.sum(x) > 10.0:
                break
            x = x * 1.5
        return np.sum(x)

    df = tg.grad(f, checkpoint=True, fallback="error")
    assert "loop_body" not in tg.source(df)
    np.testing.assert_allclose(df(np.ones(2)), np.full(2, 1.5 ** 4))


def test_checkpoint_option_leaves_loops_that_change_things_in_place_alone():
    def f(x):
        ys = []
        z = x * 1.0
        for i in range(3):
            ys.append(np.sin(x) * i)
            z[0] = z[0] * 2.0
        return np.sum(np.stack(ys)) + np.sum(z)

    x = np.array([0.2, 0.7])
    df = tg.grad(f, checkpoint=True, fallback="error")
    assert "loop_body" not in tg.source(df)
    gradcheck(f, [x], grad=df)
    np.testing.assert_array_equal(x, [0.2, 0.7])


def test_memory_benchmark_runs_and_checkpointing_cuts_the_peak(capsys):
    from benchmarks import checkpoint_memory

    rows = checkpoint_memory.main(["--steps", "256", "--hidden", "32", "--batch", "4"])
    peaks = {name.split()[0]: peak for name, peak, _ in rows}
    # Per-step checkpoints keep one state per step, as the plain adjoint does (its shape-only
    # pushes share one zero-strided view), so only segments are expected to cut the peak.
    assert peaks["segments"] * 1.5 < peaks["plain"] and peaks["per"] < peaks["plain"] * 1.2
    assert "memory cut" in capsys.readouterr().out


def test_docstring_examples():
    import doctest

    from tangentish import checkpointing
    from tangentish.compiler import outline

    for module in (outline, checkpointing):
        result = doctest.testmod(module)
        assert result.attempted and not result.failed, module.__name__


def test_checkpoint_option_leaves_a_loop_alone_when_an_output_may_not_exist():
    def f(x):
        for i in range(3):
            if i == 1:
                found = x * float(i)
        return np.sum(found * x)

    df = tg.grad(f, checkpoint=True, fallback="error")
    assert "loop_body" not in tg.source(df)
    np.testing.assert_allclose(df(np.array([0.5, 2.0])), [1.0, 4.0])


def test_a_nested_def_cannot_be_checkpointed_and_the_tape_computes_it():
    def f(h, w):
        def inner(h):
            return np.tanh(h * w)

        for _ in range(3):
            h = tg.checkpoint(inner)(h)
        return np.sum(h)

    with pytest.raises(tg.TransformError, match="can only checkpoint") as info:
        tg.grad(f, wrt=1, fallback="error")(H, W[0])
    assert "h = tg.checkpoint(inner)(h)" in str(info.value)
    with pytest.warns(tg.TransformWarning, match="can only checkpoint"):
        dw = tg.grad(f, wrt=1)(H, W[0])
    gradcheck(f, [H, W[0]], wrt=1, grad=lambda h, w: dw)
