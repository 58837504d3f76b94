"""Large matrix-vector adjoints (logistic regression's ``d @ X``) pick their kernel by timing."""

import numpy as np
import pytest

from tangentish.runtime.rules import linalg
from tangentish.runtime.rules.linalg import matmul_grad_a, matmul_grad_b, streamed


@pytest.fixture(autouse=True)
def _small_threshold(monkeypatch):
    monkeypatch.setattr(linalg, "STREAM_MIN_BYTES", 1024)
    monkeypatch.setattr(linalg, "_STREAM_KERNEL", {})


def test_both_forms_match_the_products_on_every_call():
    rng = np.random.default_rng(0)
    m, v, u = rng.standard_normal((300, 7)), rng.standard_normal(300), rng.standard_normal(7)
    for _ in range(3):  # the measuring call, then the kept kernel
        np.testing.assert_allclose(streamed("i,ij->j", m, v), v @ m, rtol=1e-12)
        np.testing.assert_allclose(streamed("ij,j->i", m, u), m @ u, rtol=1e-12)
    assert len(linalg._STREAM_KERNEL) == 2


def test_the_choice_is_kept_per_shape_and_layout():
    rng = np.random.default_rng(1)
    m = rng.standard_normal((200, 9))
    streamed("i,ij->j", m, rng.standard_normal(200))
    streamed("i,ij->j", np.asfortranarray(m), rng.standard_normal(200))
    streamed("i,ij->j", m[:100], rng.standard_normal(100))
    assert len(linalg._STREAM_KERNEL) == 3


def test_matmul_gradients_of_matrix_vector_products_use_it():
    rng = np.random.default_rng(2)
    x, w, d = rng.standard_normal((400, 5)), rng.standard_normal(5), rng.standard_normal(400)
    np.testing.assert_allclose(matmul_grad_b(d, x, w), x.T @ d, rtol=1e-12)
    v, b, g = rng.standard_normal(400), rng.standard_normal((400, 5)), rng.standard_normal(5)
    np.testing.assert_allclose(matmul_grad_a(g, v, b), b @ g, rtol=1e-12)
    assert len(linalg._STREAM_KERNEL) == 2
