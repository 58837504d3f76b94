"""``gradcheck``: analytic gradients against central finite differences in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["gradcheck", "GradcheckError", "numerical_grad"]


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with finite differences."""


def _to_host(x: Any) -> np.ndarray:
    # Finite differences are a testing tool: pulling to the host is explicit and expected here.
    if hasattr(x, "get") and type(x).__module__.startswith("cupy"):
        x = x.get()
    unwrap = getattr(x, "__tangentish_host__", None)
    if unwrap is not None:
        x = unwrap()
    return np.asarray(x, dtype=np.float64)


def _rewrap(template: Any, values: np.ndarray) -> Any:
    if isinstance(template, (float, int)) and not isinstance(template, bool):
        return float(values)
    wrap = getattr(type(template), "__tangentish_wrap__", None)
    if wrap is not None:
        return wrap(values)
    if type(template).__module__.startswith("cupy"):
        import cupy

        return cupy.asarray(values)
    return values


def _flatten(x: Any) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """Leaves of a dict/list/tuple nest, and a function that rebuilds the nest from leaves."""
    if isinstance(x, dict):
        keys = list(x)
        parts = [_flatten(x[k]) for k in keys]

        def build(leaves: list[Any]) -> Any:
            out, i = {}, 0
            for k, (ls, b) in zip(keys, parts):
                out[k] = b(leaves[i : i + len(ls)])
                i += len(ls)
            return type(x)(out) if type(x) is not dict else out

        return [leaf for ls, _ in parts for leaf in ls], build
    if isinstance(x, (list, tuple)):
        parts = [_flatten(v) for v in x]

        def build(leaves: list[Any]) -> Any:
            out, i = [], 0
            for ls, b in parts:
                out.append(b(leaves[i : i + len(ls)]))
                i += len(ls)
            if hasattr(x, "_fields"):
                return type(x)(*out)
            return type(x)(out)

        return [leaf for ls, _ in parts for leaf in ls], build
    return [x], lambda leaves: leaves[0]


def _scalar(value: Any) -> float:
    return float(_to_host(value).reshape(()))


def numerical_grad(f: Callable[..., Any], args: Sequence[Any], argnum: int,
                   eps: float = 1e-6) -> Any:
    """Central finite differences of scalar ``f`` w.r.t. ``args[argnum]`` (any nest)."""
    args = list(args)
    leaves, build = _flatten(args[argnum])
    host = [_to_host(leaf).copy() for leaf in leaves]
    grads = []
    for k, base in enumerate(host):
        g = np.zeros_like(base)
        flat, gflat = base.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            values = []
            for step in (eps, -eps):
                flat[i] = old + step
                trial = [_rewrap(leaves[j], host[j]) if j == k else leaves[j]
                         for j in range(len(leaves))]
                args[argnum] = build(trial)
                values.append(_scalar(f(*args)))
            flat[i] = old
            gflat[i] = (values[0] - values[1]) / (2 * eps)
        grads.append(g)
    return grads, build


def gradcheck(f: Callable[..., Any], args: Sequence[Any], wrt: int | Sequence[int] = 0,
              grad: Callable[..., Any] | None = None, *, eps: float = 1e-6,
              rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """Compare ``grad(*args)`` with central finite differences of scalar ``f``.

    ``grad`` returns the gradient w.r.t. ``wrt`` (a tuple of them when ``wrt`` is a tuple); by
    default it is ``tg.grad(f, wrt)``. Raises GradcheckError naming the worst element (index,
    analytic, numeric); returns True otherwise. Inputs should be float64 for a tight check.
    """
    args = tuple(args)
    if grad is None:
        from .api import grad as make_grad

        grad = make_grad(f, wrt=wrt)
    positions = (wrt,) if isinstance(wrt, int) else tuple(wrt)
    analytic = grad(*args)
    if isinstance(wrt, int):
        analytic = (analytic,)
    if len(analytic) != len(positions):
        raise GradcheckError(f"grad returned {len(analytic)} gradients for wrt={wrt!r}")
    for pos, got in zip(positions, analytic):
        numeric, _ = numerical_grad(f, args, pos, eps)
        got_leaves, _ = _flatten(got)
        if len(got_leaves) != len(numeric):
            raise GradcheckError(
                f"gradient for argument {pos} has {len(got_leaves)} leaves, expected {len(numeric)}"
            )
        for leaf_no, (g, n) in enumerate(zip(got_leaves, numeric)):
            if g is None:
                raise GradcheckError(f"gradient for argument {pos} is None")
            g = _to_host(g)
            if g.shape != n.shape:
                raise GradcheckError(
                    f"gradient for argument {pos} has shape {g.shape}, expected {n.shape}"
                )
            err = np.abs(g - n) - (atol + rtol * np.abs(n))
            if err.size and (np.max(err) > 0 or not np.all(np.isfinite(g) == np.isfinite(n))):
                worst = np.unravel_index(int(np.nanargmax(np.where(np.isnan(err), np.inf, err))),
                                         g.shape)
                leaf = f" leaf {leaf_no}" if len(numeric) > 1 else ""
                raise GradcheckError(
                    f"gradient mismatch for argument {pos}{leaf} "
                    f"at index {tuple(map(int, worst))}: "
                    f"analytic {g[worst]!r}, numeric {n[worst]!r} "
                    f"(max abs error {float(np.nanmax(np.abs(g - n))):.3g})"
                )
    return True
