"""A differentiable backward (create_graph: jvp's double-VJP, hessians) of NumPy code that
writes into an array it read (``np.sin(t, out=t)``): under the compiler's fallback the write
gets fresh memory, and the rules must read the array as it was recorded (they read the new
values: tg.jvp disagreed with tg.grad; found by the fuzzer, falls_back family)."""

from __future__ import annotations

import numpy as np

import tangentish as tg
from tangentish.runtime.tape.grad_mode import _state

P = np.array([0.269, 0.345, 0.12])


def f(p):
    t = p * np.array([0.5, 1.25, -0.3]) + p[::-1] ** 2
    np.sin(t, out=t)
    return np.sum(t * t)


def _grad(create_graph):
    p = tg.tensor(P, requires_grad=True)
    previous, _state.fallback = _state.fallback, True
    try:
        out = f(p.clone())
    finally:
        _state.fallback = previous
    (g,) = tg.autograd.grad(out, p, create_graph=create_graph)
    return g.detach().numpy()


def test_create_graph_reads_the_recorded_values():
    np.testing.assert_allclose(_grad(True), _grad(False), rtol=1e-12)


def test_jvp_on_the_tape_agrees_with_grad():
    v = np.array([0.3, -0.2, 0.5])
    (_, tangent) = tg.runtime.callsite.jvp_via_tape(f, (P,), (v,))
    assert abs(tangent - np.dot(_grad(False), v)) < 1e-12
