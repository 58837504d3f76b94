"""Peak memory of the 1,000-step RNN gradient, with and without ``tg.checkpoint``.

``python -m benchmarks.checkpoint_memory [--steps N] [--hidden H] [--batch B]`` differentiates
the benchmark RNN (``workloads.rnn``: ``h = tanh(xs[t] @ wx + h @ wh + b)``) three ways and
prints, per way, the peak of the memory allocated while the gradient runs (``tracemalloc``,
which NumPy reports its array buffers to), the best time of three runs, and both as ratios to
the plain gradient:

* ``plain``: the generated adjoint as is, which keeps every step's intermediates;
* ``checkpoint=True``: the same unmodified function, ``tg.grad(rnn, checkpoint=True)``, which
  outlines the loop body and checkpoints every iteration;
* ``per step``: each step checkpointed by hand (``tg.checkpoint(rnn_step)``), the same thing;
* ``segments``: the loop cut into about sqrt(N) segments, each checkpointed (one state kept per
  segment; a segment's steps are recomputed, and their intermediates kept, one segment at a
  time in the reverse sweep).

The three gradients are checked equal before anything is reported.
"""

from __future__ import annotations

import argparse
import math
import time
import tracemalloc

import numpy as np

import tangentish as tg
from benchmarks import workloads
from benchmarks.cases import _rnn

__all__ = ["rnn_per_step", "rnn_segments", "measure", "main"]


def rnn_step(wx, wh, b, x, h):
    return np.tanh(x @ wx + h @ wh + b)  # one step of workloads.rnn


def rnn_per_step(wx, wh, b, xs, h):
    for t in range(xs.shape[0]):
        h = tg.checkpoint(rnn_step)(wx, wh, b, xs[t], h)
    return np.sum(h * h) / h.shape[0]


def rnn_segment(wx, wh, b, xs, h):
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ wx + h @ wh + b)
    return h


def rnn_segments(wx, wh, b, xss, h):
    """``xss``: the inputs as (segments, steps per segment, batch, features)."""
    for k in range(xss.shape[0]):
        h = tg.checkpoint(rnn_segment)(wx, wh, b, xss[k], h)
    return np.sum(h * h) / h.shape[0]


def _segment_length(steps: int) -> int:
    """The divisor of ``steps`` closest to its square root."""
    root = math.isqrt(steps)
    return min((d for d in range(1, steps + 1) if steps % d == 0), key=lambda d: abs(d - root))


def measure(fn, args: tuple, repeats: int = 3, checkpoint: bool = False
            ) -> tuple[float, float, tuple]:
    """(peak bytes allocated during one gradient, best seconds, the gradients)."""
    df = tg.grad(fn, wrt=(0, 1, 2), fallback="error", checkpoint=checkpoint)
    grads = df(*args)  # compile outside the measurement
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    df(*args)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        df(*args)
        best = min(best, time.perf_counter() - start)
    return peak, best, grads


def main(argv: list[str] | None = None) -> list[tuple[str, float, float]]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checkpoint_memory",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch", type=int, default=16)
    opts = parser.parse_args(argv)
    wx, wh, b, xs, h = _rnn(opts.hidden, np.random.default_rng(0), steps=opts.steps,
                            batch=opts.batch)
    seg = _segment_length(opts.steps)
    xss = xs.reshape(opts.steps // seg, seg, *xs.shape[1:])
    ways = [("plain", workloads.rnn, (wx, wh, b, xs, h), False),
            ("checkpoint=True", workloads.rnn, (wx, wh, b, xs, h), True),
            ("per step", rnn_per_step, (wx, wh, b, xs, h), False),
            (f"segments of {seg}", rnn_segments, (wx, wh, b, xss, h), False)]
    rows = []
    reference = None
    for name, fn, args, whole in ways:
        peak, seconds, grads = measure(fn, args, checkpoint=whole)
        if reference is None:
            reference = grads
        for g, r in zip(grads, reference):
            np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12)
        rows.append((name, peak, seconds))
    print(f"RNN gradient, {opts.steps} steps, hidden {opts.hidden}, batch {opts.batch} "
          f"(wrt wx, wh, b; float64)")
    print(f"{'':<18}{'peak MiB':>10}{'memory cut':>12}{'time ms':>10}{'time ratio':>12}")
    plain_peak, plain_time = rows[0][1], rows[0][2]
    for name, peak, seconds in rows:
        print(f"{name:<18}{peak / 2**20:>10.2f}{plain_peak / peak:>11.1f}x"
              f"{seconds * 1e3:>10.1f}{seconds / plain_time:>11.2f}x")
    return rows


if __name__ == "__main__":
    main()
