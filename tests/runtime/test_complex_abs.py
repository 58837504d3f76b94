"""Second derivatives through ``abs`` of complex values (C24).

``abs``'s VJP factor ``csign(z) = conj(z) / |z|`` was non-differentiable, so a differentiable
backward (tg.hessian, tg.hvp, grad of grad; ``create_graph`` on the tape) held it constant.
And a real result made from complex values (``|z|``, ``Re z``, ``Im z``) that later met complex
values got a complex cotangent, which its rule passed on whole (first derivatives too). The
compiler is checked against central differences, the tape's torch API against torch (T16: it
gives torch's complex gradients, the conjugates of the table's JAX convention, C20).
"""

from __future__ import annotations

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.runtime.rules.elementwise import csign, csign_grad

Z = np.array([1 + 2j, -0.5 + 0.3j, 0.2 - 1.1j, -2.0 - 0.4j])
DZ = np.array([0.3 - 0.1j, -0.7 + 0.4j, 0.5 + 0.5j, 1.1 - 0.2j])
C = np.array([1 + 2j, 0.5 - 1j, 2j, -0.3 + 0.1j])
X = np.array([0.7, -1.3, 1.9, 0.45])
V = np.array([0.3, -0.7, 0.5, 1.1])


def test_csign_rule_is_its_derivative_along_complex_directions():
    eps = 1e-6
    numeric = (csign(Z + eps * DZ) - csign(Z - eps * DZ)) / (2 * eps)
    np.testing.assert_allclose(csign_grad(DZ, csign(Z), Z), numeric, rtol=1e-6, atol=1e-8)


def test_csign_rule_is_its_own_transpose():
    """JAX's pairing of cotangent and tangent is Re(g * t): Re(g * J dz) = Re(J^T g * dz)."""
    g = np.array([0.4 + 0.9j, -1.2 + 0.1j, 0.3 - 0.6j, 0.8 + 0.2j])
    s = csign(Z)
    assert np.isclose(np.sum(np.real(g * csign_grad(DZ, s, Z))),
                      np.sum(np.real(csign_grad(g, s, Z) * DZ)))


def test_real_inputs_keep_sign():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(csign(x), [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(csign_grad(np.ones(3), csign(x), x), np.zeros(3))
    assert csign(np.array([0j]))[0] == 0


def abs_cubed(x):
    return np.sum(np.abs(x * C) ** 3)


def abs_of_sum(x):
    return np.sum(np.abs(x * C + 1j * x[::-1]))


def abs_power_times_x(x):
    return np.sum(np.abs(np.exp(1j * x) * C + x) ** 1.5 * x)


def abs_times_complex(x):
    return np.sum(np.real(np.abs(x * C + 1j) * C * C))


def sin_of_abs_times_complex(x):
    return np.sum(np.real(np.sin(np.abs(x * C + 1j)) * C))


def imag_squared_times_complex(x):
    return np.sum(np.real(np.imag(x * C + 1j) ** 2 * C))


def real_part_times_complex(x):
    return np.sum(np.abs(np.real(x * C) ** 2 * C + x))


CASES = [abs_cubed, abs_of_sum, abs_power_times_x, abs_times_complex, sin_of_abs_times_complex,
         imag_squared_times_complex, real_part_times_complex]


@pytest.mark.parametrize("f", CASES)
def test_compiled_first_and_second_derivatives(f):
    grad = tg.grad(f, fallback="error")
    assert tg.gradcheck(f, (X,), grad=grad)

    def along(y):
        return np.sum(grad(y) * V)

    expected = numerical_grad(along, (X,), 0)[0][0]
    np.testing.assert_allclose(tg.grad(along, fallback="error")(X), expected,
                               rtol=1e-5, atol=1e-6)
    # tg.hvp of a real argument keeps the complex dtype of the values on the way (BUGS.md);
    # its real part is the answer
    np.testing.assert_allclose(np.real(tg.hvp(f, X, V)), expected, rtol=1e-5, atol=1e-6)


def test_real_abs_second_derivative_is_unchanged():
    def f(x):
        return np.sum(np.abs(x) ** 3 * x)

    expected = np.diag(12.0 * np.abs(X) * X)  # d2/dx2 of |x|^3 x = 12 |x| x
    np.testing.assert_allclose(tg.hessian(f)(X), expected, rtol=1e-10)


# ---------------------------------------------------------------- the tape against torch

torch = pytest.importorskip("torch")

FORMS = {
    "abs_squared": lambda w, T: w.abs().pow(2).sum(),
    "z_times_conj": lambda w, T: (w * w.conj()).real.sum(),
    "abs": lambda w, T: w.abs().sum(),
    "abs_cubed": lambda w, T: w.abs().pow(3).sum(),
    "abs_times_complex": lambda w, T: (w.abs() * T.tensor(C)).real.sum(),
    "sin_abs_times_z": lambda w, T: (w.abs().sin() * w).real.sum(),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_tape_double_backward_matches_torch(form):
    """The tape's torch API gives torch's complex gradients (T16), to second order."""
    f = FORMS[form]
    w = torch.tensor(Z, requires_grad=True)
    (g,) = torch.autograd.grad(f(w, torch), w, create_graph=True)
    (h,) = torch.autograd.grad((g * torch.tensor(DZ)).real.sum(), w)
    t = tg.tensor(Z, requires_grad=True)
    (gt,) = tg.autograd.grad(f(t, tg), t, create_graph=True)
    assert gt.requires_grad
    np.testing.assert_allclose(gt.detach().numpy(), g.detach().numpy(), rtol=1e-12)
    (ht,) = tg.autograd.grad((gt * tg.tensor(DZ)).real.sum(), t)
    np.testing.assert_allclose(ht.numpy(), h.numpy(), rtol=1e-10, atol=1e-12)
