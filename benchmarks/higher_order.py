"""Forward mode and Hessian-vector products: jvp/primal and hvp/primal (grad/primal beside).

Issue 5 asks for these ratios. Each workload of ``benchmarks.workloads`` is differentiated
along a random direction ``v`` of its first differentiated argument (``x`` for rosenbrock,
``w1`` for mlp, ``wx`` for rnn, ``y`` for ode); every time is divided by the same NumPy primal.

* tangentish: ``tg.jvp(f, wrt=p)`` is generated forward-mode code; the HVP is the forward pass
  over the generated gradient, ``tg.jvp(tg.grad(f, wrt=p), wrt=p)`` (what ``tg.hvp`` calls),
  forward over reverse, with no Hessian formed;
* torch: ``torch.func.jvp`` (forward-mode AD) and ``torch.autograd.functional.hvp`` (double
  backward), on the same source rebound to torch (``namespaces.rebind``);
* jax: ``jax.jvp`` and ``jax.jvp(jax.grad(f))`` (forward over reverse), eager.

Every tool's jvp and hvp are checked against tangentish's, and tangentish's against central
differences, before anything is timed; a disagreement is reported in place of a time. Each
ratio is of the fastest samples (``timing.measure``, interleaved round-robin).
Run: ``python -m benchmarks.higher_order [--budget S] [--only rosenbrock,mlp] [--tools ...]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks import cases, timing
from benchmarks.namespaces import rebind, torch_numpy
from benchmarks.tools import Unavailable, host

#: workload -> the size the table reports (issue 5: mlp width 256, rnn hidden 128)
SIZES = {"rosenbrock": 10**5, "mlp": 256, "rnn": 128, "ode": 4}
TOOLS = ("tangentish", "torch", "jax")
#: cells a tool is left out of, and why (eager jax dispatches every op of an unrolled loop)
COSTLY = {("jax", "rnn"): "eager jax.jvp of 50 steps: seconds a call",
          ("jax", "ode"): "eager jax over 400 RK4 stages: seconds a call"}
OPS = ("jvp", "hvp", "grad")


@dataclass
class Problem:
    """One workload at one size: its arguments, the position ``p`` and the direction ``v``."""

    name: str
    size: int
    fn: Callable
    args: tuple
    p: int
    v: np.ndarray


def problem(name: str, size: int, seed: int = 0) -> Problem:
    case = cases.BY_NAME[name]
    rng = np.random.default_rng(seed)
    args = case.make(size, rng)
    p = case.wrt[0]
    v = rng.normal(size=np.shape(args[p]))
    return Problem(name, size, case.fn, tuple(args), p, v)


# ---------------------------------------------------------------- the tools' three calls


def _tangentish(pb: Problem) -> dict:
    import tangentish as tg

    jf = tg.jvp(pb.fn, wrt=pb.p, fallback="error")
    hf = tg.jvp(tg.grad(pb.fn, wrt=pb.p, fallback="error"), wrt=pb.p, fallback="error")
    gf = tg.grad(pb.fn, wrt=pb.p, fallback="error")
    return {"jvp": lambda: jf(pb.args, (pb.v,))[1],
            "hvp": lambda: hf(pb.args, (pb.v,))[1],
            "grad": lambda: gf(*pb.args)}


def _along(fn: Callable, args: tuple, p: int) -> Callable:
    """``fn`` as a function of argument ``p`` alone, the others held fixed."""

    def f(x):
        full = list(args)
        full[p] = x
        return fn(*full)

    return f


def _torch(pb: Problem) -> dict:
    try:
        import torch
        from torch.func import jvp
    except ImportError as err:
        raise Unavailable("torch (with torch.func) is not installed") from err
    from torch.autograd.functional import hvp

    args = tuple(torch.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a
                 for a in pb.args)
    f = _along(rebind(pb.fn, torch_numpy()), args, pb.p)
    x, v = args[pb.p], torch.from_numpy(pb.v)
    leaf = x.clone().requires_grad_(True)
    return {"jvp": lambda: jvp(f, (x,), (v,))[1],
            "hvp": lambda: hvp(f, x, v)[1],
            "grad": lambda: torch.autograd.grad(f(leaf), leaf)[0]}


def _jax(pb: Problem) -> dict:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as err:
        raise Unavailable("jax is not installed") from err
    jax.config.update("jax_enable_x64", True)
    args = tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in pb.args)
    f = _along(rebind(pb.fn, jnp), args, pb.p)
    x, v = args[pb.p], jnp.asarray(pb.v)
    g = jax.grad(f)
    ready = jax.block_until_ready
    return {"jvp": lambda: ready(jax.jvp(f, (x,), (v,))[1]),
            "hvp": lambda: ready(jax.jvp(g, (x,), (v,))[1]),
            "grad": lambda: ready(g(x))}


PREPARE = {"tangentish": _tangentish, "torch": _torch, "jax": _jax}


# ---------------------------------------------------------------- checking and timing


def _reference(pb: Problem, eps: float = 1e-6) -> dict:
    """Central differences: of ``f`` along ``v`` (jvp) and of tangentish's gradient (hvp)."""
    import tangentish as tg

    f = _along(pb.fn, pb.args, pb.p)
    grad = _along(tg.grad(pb.fn, wrt=pb.p, fallback="error"), pb.args, pb.p)
    x, v = pb.args[pb.p], pb.v
    return {"jvp": (f(x + eps * v) - f(x - eps * v)) / (2 * eps),
            "hvp": (grad(x + eps * v) - grad(x - eps * v)) / (2 * eps),
            "grad": grad(x)}


def _agrees(got, want, rtol: float = 1e-4) -> bool:
    got, want = host(got), np.asarray(want, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(want))))
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=rtol * scale))


def measure(pb: Problem, tools: tuple[str, ...], budget: float) -> dict:
    """{tool: {op: ratio to the NumPy primal, or a string saying why there is none}}."""
    reference = _reference(pb)
    calls = {"primal": lambda: pb.fn(*pb.args)}
    result: dict[str, dict] = {}
    for tool in tools:
        if (tool, pb.name) in COSTLY:
            result[tool] = {op: "skipped" for op in OPS}
            continue
        try:
            ops = PREPARE[tool](pb)
        except Unavailable as err:
            result[tool] = {op: "n/a" for op in OPS}
            print(f"{tool}: {err}", file=sys.stderr)
            continue
        result[tool] = {}
        for op, call in ops.items():
            try:
                value = call()  # also the warm-up: compiles, traces
            except Exception as err:  # a tool that cannot do it is reported, not fatal
                result[tool][op] = f"failed: {type(err).__name__}"
                continue
            if _agrees(value, reference[op]):
                calls[f"{tool}.{op}"] = call
            else:
                result[tool][op] = "failed: disagrees with finite differences"
    # the fastest sample: on a shared machine the median moves with the neighbours' load
    times = {k: min(s) for k, s in timing.measure(calls, budget).items()}
    for key, seconds in times.items():
        if key != "primal":
            tool, op = key.split(".")
            result[tool][op] = seconds / times["primal"]
    result["primal_s"] = times["primal"]
    return result


# ---------------------------------------------------------------- the table


def _cell(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else value


def table(rows: list[tuple[Problem, dict]], tools: tuple[str, ...]) -> str:
    lines = ["| workload | size | tool | jvp / primal | hvp / primal | grad / primal |",
             "|---|---|---|---:|---:|---:|"]
    for pb, result in rows:
        size = f"{cases.BY_NAME[pb.name].size_name}={pb.size}"
        for tool in tools:
            cells = " | ".join(_cell(result[tool].get(op, "-")) for op in OPS)
            lines.append(f"| {pb.name} | {size} | {tool} | {cells} |")
    names = {pb.name for pb, _ in rows}
    notes = [f"- skipped, {tool} on {name}: {why}" for (tool, name), why in COSTLY.items()
             if tool in tools and name in names]
    return "\n".join(lines + ([""] + notes if notes else []))


def run(sizes: dict[str, int], tools: tuple[str, ...], budget: float) -> str:
    rows = []
    for name, size in sizes.items():
        pb = problem(name, size)
        rows.append((pb, measure(pb, tools, budget)))
    return table(rows, tools)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.higher_order",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.0,
                        help="seconds of samples per timed call (default 1.0)")
    parser.add_argument("--only", default=",".join(SIZES), help="workloads, comma-separated")
    parser.add_argument("--tools", default=",".join(TOOLS), help="tools, comma-separated")
    parser.add_argument("--size", type=int, help="one size for every workload (tests)")
    ns = parser.parse_args(argv)
    names = [n for n in ns.only.split(",") if n]
    unknown = [n for n in names if n not in SIZES] + [
        t for t in ns.tools.split(",") if t not in PREPARE]
    if unknown:
        parser.error(f"unknown workload or tool: {', '.join(unknown)}")
    sizes = {n: ns.size or SIZES[n] for n in names}
    print(run(sizes, tuple(ns.tools.split(",")), ns.budget))
    return 0


if __name__ == "__main__":
    sys.exit(main())
