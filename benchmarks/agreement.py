"""Check every tool's gradient before it is timed.

Tools whose gradients agree (``allclose``) form groups; the largest group is the reference when
two or more independent tools are in it, and a group of one must also pass a directional
central-difference check on the NumPy primal. A tool outside the reference group is reported as
disagreeing and is not timed: a fast wrong gradient is not a result.
"""

from __future__ import annotations

import numpy as np

RTOL = 1e-6


def close(a: tuple, b: tuple) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x.shape != y.shape:
            return False
        scale = max(float(np.max(np.abs(y), initial=0.0)), 1e-300)
        if not np.allclose(x, y, rtol=RTOL, atol=RTOL * scale):
            return False
    return True


def directional_fd(fn, args, wrt, grads, rng, step=1e-5) -> bool:
    """Does <grad, v> match (f(x + h v) - f(x - h v)) / 2h for one random unit direction v?"""
    vs = [rng.normal(size=np.shape(args[i])) for i in wrt]
    norm = np.sqrt(sum(float(np.sum(v * v)) for v in vs))
    vs = [v / norm for v in vs]

    def at(sign):
        moved = list(args)
        for i, v in zip(wrt, vs):
            shifted = np.asarray(args[i], dtype=np.float64) + sign * step * v
            moved[i] = float(shifted) if isinstance(args[i], float) else shifted
        return float(fn(*moved))

    fd = (at(1.0) - at(-1.0)) / (2 * step)
    dot = sum(float(np.sum(g * v)) for g, v in zip(grads, vs))
    gnorm = np.sqrt(sum(float(np.sum(g * g)) for g in grads))
    value = abs(float(fn(*args)))
    tol = 1e-4 * (abs(fd) + gnorm) + 1e-9 * (1.0 + value) / step
    return abs(fd - dot) <= tol


def check(fn, args, wrt, results: dict, rng) -> tuple[dict, bool]:
    """Status per tool ("ok" or why not) and whether the reference passed the FD check."""
    groups: list[list[str]] = []
    for name, grads in results.items():
        for group in groups:
            if close(grads, results[group[0]]):
                group.append(name)
                break
        else:
            groups.append([name])
    groups.sort(key=len, reverse=True)
    fd_ok = {tuple(g): directional_fd(fn, args, wrt, results[g[0]], rng) for g in groups}
    reference = next((g for g in groups if len(g) >= 2), None)
    if reference is None:
        reference = next((g for g in groups if fd_ok[tuple(g)]), None)
    status = {}
    for name in results:
        if reference is not None and name in reference:
            status[name] = "ok"
        elif reference is None:
            status[name] = "failed: gradient disagrees with central differences"
        else:
            status[name] = f"failed: gradient disagrees with {', '.join(reference)}"
    return status, bool(reference is not None and fd_ok[tuple(reference)])
