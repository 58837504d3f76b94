"""Complex values on the tape: torch's convention in the public API, the table's (JAX's, the
compiler's) for the compiler's fallback.

For a real loss L of a complex leaf z = x + iy, torch's ``z.grad`` is ``dL/dx + i dL/dy``; the
rule table and generated code give its conjugate. The tape runs the table's rules and
conjugates complex gradients around each node (function.OpNode.apply), so ``.grad``, hooks,
``backward(gradient=)`` and ``autograd.grad`` are torch's, and fallback.table_grad converts
back for tg.grad, tg.vjp, tg.jvp and tg.hvp on the tape.
"""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.runtime.callsite import hvp_via_tape, jvp_via_tape
from tangentish.runtime.tape.fallback import grad_via_tape, vjp_via_tape

Z = np.array([1.0 + 2.0j, -0.5 + 0.3j])
C = np.array([0.3 - 1.0j, 2.0 + 0.5j])


def loss(T):
    """A real loss of complex values, holomorphic and not, written against ``T``."""
    return lambda z: ((T.sin(z) * z) * (T.sin(z) * z).conj()).real.sum() + z.abs().sum()


def _partials(f, z):
    """(dL/dx, dL/dy) by central differences."""
    eps, dx, dy = 1e-6, np.zeros(z.shape), np.zeros(z.shape)
    for k in range(z.size):
        e = np.zeros(z.shape)
        e[k] = eps
        dx[k] = (f(z + e) - f(z - e)) / (2 * eps)
        dy[k] = (f(z + 1j * e) - f(z - 1j * e)) / (2 * eps)
    return dx, dy


def _numpy_loss(z):
    return np.sum(np.abs(np.sin(z) * z) ** 2) + np.sum(np.abs(z))


def test_leaf_grad_is_torchs_convention():
    z = tg.tensor(Z, requires_grad=True)
    loss(tg)(z).backward()
    dx, dy = _partials(_numpy_loss, Z)
    np.testing.assert_allclose(z.grad.numpy(), dx + 1j * dy, rtol=1e-6)


def test_the_fallback_keeps_the_compilers_convention():
    dx, dy = _partials(_numpy_loss, Z)
    compiled = tg.grad(_numpy_loss, fallback="error")(Z.copy())
    np.testing.assert_allclose(compiled, dx - 1j * dy, rtol=1e-6)
    np.testing.assert_allclose(grad_via_tape(_numpy_loss, (Z.copy(),)), compiled, rtol=1e-12)


def test_vjp_jvp_and_hvp_on_the_tape_agree_with_the_compiler():
    def h(z):
        return np.sin(z) * z

    _, pullback = vjp_via_tape(h, Z.copy())
    np.testing.assert_allclose(pullback(C)[0], tg.vjp(h, Z.copy())[1](C)[0], rtol=1e-12)
    np.testing.assert_allclose(jvp_via_tape(h, (Z.copy(),), (C,))[1],
                               tg.jvp(h, (Z.copy(),), (C,))[1], rtol=1e-12)

    def real_loss(x):  # a real argument reached through complex values
        return np.sum(np.real(np.sin(x * (1.0 + 2.0j)) * x) ** 2)

    x, v = np.array([0.4, -0.8]), np.array([1.0, 0.5])
    grad = tg.grad(real_loss, fallback="error")
    expect = (grad(x + 1e-6 * v) - grad(x - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(hvp_via_tape(real_loss, (x,), 0, v), expect, rtol=1e-6)


def test_matches_torch_grad_hooks_seeds_and_second_order():
    torch = pytest.importorskip("torch")
    results = []
    for T in (torch, tg):
        z = T.tensor(Z, requires_grad=True)
        seen = []
        y = T.sin(z) * z
        y.register_hook(lambda g, seen=seen: seen.append(g.detach().numpy().copy()))
        y.backward(T.tensor(C))
        w = T.tensor(Z, requires_grad=True)  # (second order through abs: see BUGS.md, t15)
        smooth = ((T.sin(w) * w) * (T.sin(w) * w).conj()).real.sum()
        (g,) = T.autograd.grad(smooth, w, create_graph=True)
        (h,) = T.autograd.grad((g * T.tensor(C)).real.sum(), w)
        x = T.tensor(np.array([0.5, -1.2]), requires_grad=True)
        ((x * T.tensor(np.array([1 + 2j, 0.5 - 1j]))).abs() ** 2).sum().backward()
        results.append((z.grad.numpy(), seen[0], g.detach().numpy(), h.numpy(),
                        x.grad.numpy()))
    for got, want in zip(results[1], results[0]):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
