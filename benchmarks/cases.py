"""The benchmark cases: which workload, at which sizes, on which data, differentiated how.

A case pairs a function of ``workloads`` with the positions of the arguments the gradient is
taken with respect to and a maker of seeded float64 data for a size. Sizes are the issue's;
``quick`` lists the subset ``--quick`` runs, and any other size can be asked for (the smoke test
runs tiny ones).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from benchmarks import workloads

LEVELS = ("quick", "full", "slow")  # --quick, a plain run, --slow


@dataclass(frozen=True)
class Case:
    """One workload: its function, gradient positions, sizes and data maker."""

    name: str
    fn: Callable
    wrt: tuple[int, ...]
    sizes: tuple[int, ...]
    quick: tuple[int, ...]
    make: Callable  # (size, numpy Generator) -> tuple of arguments
    size_name: str = "n"
    blas_bound: tuple[int, ...] = ()  # sizes where matrix products dominate the primal
    memory: bool = False  # also measure peak memory of gradient vs primal
    extra: bool = False  # a measurement (overhead, compile), not a row of the timing table
    # tool -> (the least run level that includes it, why): levels are LEVELS' indices
    costly: dict = field(default_factory=dict, compare=False)
    warm_up: bool = False  # compile another function first: time this compile, not first use
    # fresh processes whose first calls are timed: a first call happens once per process, so
    # its minimum over several is what the other cells' minimum over samples is
    processes: int = 1
    note: str = field(default="", compare=False)


def _scalars(size, rng):
    return (float(rng.uniform(0.5, 1.0)), float(rng.uniform(0.5, 1.0)))


def _control(size, rng):
    return (rng.uniform(0.0, 1.0, size),)


def _rosen(size, rng):
    return (rng.uniform(-1.0, 1.0, size),)


def _mlp(width, rng, batch=32):
    def layer(n_in, n_out):
        return rng.normal(0.0, 1.0 / math.sqrt(n_in), (n_in, n_out)), 0.1 * rng.normal(size=n_out)

    w1, b1 = layer(width, width)
    w2, b2 = layer(width, width)
    w3, b3 = layer(width, width)
    x = rng.normal(size=(batch, width))
    y = rng.multinomial(1, [1.0 / width] * width, size=batch).astype(float)
    return (w1, b1, w2, b2, w3, b3, x, y)


def _mlp_b256(width, rng):
    return _mlp(width, rng, batch=256)


def _rnn(hidden, rng, steps=50, batch=16, n_in=64):
    wx = rng.normal(0.0, 1.0 / math.sqrt(n_in), (n_in, hidden))
    wh = rng.normal(0.0, 1.0 / math.sqrt(hidden), (hidden, hidden))
    b = 0.1 * rng.normal(size=hidden)
    xs = rng.normal(size=(steps, batch, n_in))
    h0 = 0.1 * rng.normal(size=(batch, hidden))
    return (wx, wh, b, xs, h0)


def _logreg(samples, rng, features=100):
    X = rng.normal(size=(samples, features))
    y = rng.choice([-1.0, 1.0], size=samples)
    return (0.1 * rng.normal(size=features), 0.0, X, y)


def _gmm(n, rng, d=10, k=25):
    """GradBench's gmm data: normal alpha, q, l and x; uniform means; gamma 1, m 0."""
    gamma, m = 1.0, 0
    tril_idx = [[0] * d for _ in range(d)]
    tril_mask = [[0.0] * d for _ in range(d)]
    pos = 0
    for j in range(d):  # the packed strictly-lower triangle runs column by column
        for i in range(j + 1, d):
            tril_idx[i][j], tril_mask[i][j] = pos, 1.0
            pos += 1
    n_w = d + m + 1
    multigammaln = d * (d - 1) / 4 * math.log(math.pi) + sum(
        math.lgamma(0.5 * n_w - 0.5 * j) for j in range(d)
    )
    wishart = k * (n_w * d * math.log(gamma / math.sqrt(2)) - multigammaln)
    const = -n * d * 0.5 * math.log(2 * math.pi) - wishart
    return (
        rng.normal(size=k),
        rng.uniform(0.0, 1.0, (k, d)),
        rng.normal(size=(k, d)),
        rng.normal(size=(k, d * (d - 1) // 2)),
        rng.normal(size=(n, d)),
        np.array(tril_idx),
        np.array(tril_mask),
        gamma,
        m,
        const,
    )


def _ode(dim, rng):
    return (rng.normal(size=dim), rng.normal(0.0, 1.0 / math.sqrt(dim), (dim, dim)),
            0.1 * rng.normal(size=dim))


def _vector(size, rng):
    return (rng.normal(size=size),)


def _fifty(size, rng):
    return (rng.normal(size=(size, size)), rng.normal(0.0, 1.0 / math.sqrt(size), (size, size)))


CASES = [
    Case("scalar_loop", workloads.scalar_loop, (0, 1), (1000,), (1000,), _scalars, "iters",
         costly={"jax_jit": (2, "jit unrolls the 1,000-iteration loop: ~150 s of XLA compile"),
                 "jax": (1, "eager jax.grad takes ~8 s a call here")}),
    Case("control_loop", workloads.control_loop, (0,), (100,), (100,), _control),
    Case("rosenbrock", workloads.rosenbrock, (0,), (10**6,), (10**6,), _rosen),
    Case("mlp", workloads.mlp, (0, 1, 2, 3, 4, 5), (64, 256, 1024, 4096), (64, 256), _mlp,
         "width", blas_bound=(1024, 4096)),
    Case("mlp_b256", workloads.mlp, (0, 1, 2, 3, 4, 5), (1024,), (1024,), _mlp_b256, "width",
         blas_bound=(1024,), note="batch 256: issue 3's large MLP"),
    Case("rnn", workloads.rnn, (0, 1, 2), (128, 1024), (128,), _rnn, "hidden", memory=True),
    Case("logreg", workloads.logreg, (0, 1), (10**5,), (10**5,), _logreg, "samples"),
    Case("gmm", workloads.gmm, (0, 1, 2, 3), (1000,), (1000,), _gmm, "N",
         note="d=10, K=25"),
    Case("ode", workloads.ode, (0, 1, 2), (4,), (4,), _ode, "dim",
         costly={"jax_jit": (1, "jit unrolls the 100 RK4 steps: ~40 s of XLA compile"),
                 "jax": (1, "eager jax.grad takes ~3 s a call here")}),
    Case("lse", workloads.lse, (0,), (10**5,), (10**5,), _vector),
    Case("overhead", workloads.scalar_add, (0, 1), (1,), (1,), _scalars, "-", extra=True),
    Case("compile", workloads.fifty_lines, (0, 1), (8,), (8,), _fifty, "n", extra=True,
         warm_up=True, processes=3),
]

BY_NAME = {case.name: case for case in CASES}
