"""Gradients checked against central differences on the test's backend."""

from __future__ import annotations

import numpy as np

import tangentish as tg
from tangentish.checking import numerical_grad


def grad_source(f, args, backend, wrt=(0,)):
    """``tg.grad(f, wrt)`` on ``backend`` against central differences; the code it ran."""
    df = tg.grad(f, wrt=wrt, fallback="error")
    got = df(*(backend.to(a) for a in args))
    for k, g in zip(wrt, got):
        want = numerical_grad(f, args, k)[0][0]
        np.testing.assert_allclose(np.asarray(backend.back(g), dtype=float), want, rtol=1e-6,
                                   atol=1e-7)
    return tg.source(df)
