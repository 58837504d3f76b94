"""The targets of issue 7, judged on a run's cells.

Each target yields one line: PASS, FAIL, or NOT MEASURED (a tool it needs is missing or failed
its agreement check), with the numbers that decided it.
"""

from __future__ import annotations

from benchmarks.cases import BY_NAME
from benchmarks.results import best, find, is_extra, ok, ratio, size_label

PEERS = ("autograd", "torch", "jax", "tangent")  # the interpreters the compiler must beat
INTERPRETED = ("tape", "autograd", "torch", "jax", "tangent")  # not compiled to machine code
CAP, CAP_LOGREG, CAP_BLAS = 3.0, 2.2, 2.8
OVERHEAD_S, COMPILE_S = 5e-6, 50e-3


def cap(cell: dict) -> float:
    case = BY_NAME[cell["workload"]]
    if case.name == "logreg":
        return CAP_LOGREG
    return CAP_BLAS if cell["size"] in case.blas_bound else CAP


def _line(target: str, passed: bool | None, detail: str) -> dict:
    status = "NOT MEASURED" if passed is None else "PASS" if passed else "FAIL"
    return {"target": target, "status": status, "detail": detail}


def _name(cell: dict) -> str:
    return f"{cell['workload']} {size_label(cell)}"


def _ratio_cap(cells):
    misses, unmeasured = [], []
    for cell in cells:
        r = ratio(cell, "tangentish")
        if r is None:
            unmeasured.append(_name(cell))
        elif r > cap(cell):
            misses.append(f"{_name(cell)} {r:.2f} > {cap(cell)}")
    detail = "; ".join(misses) or f"all {len(cells) - len(unmeasured)} measured cells within cap"
    if unmeasured:
        detail += f" (not measured: {', '.join(unmeasured)})"
    passed = None if not cells or len(unmeasured) == len(cells) else not misses and not unmeasured
    return _line("compiled gradient/primal <= 3 (logreg 2.2, BLAS-bound mlp 2.8)", passed, detail)


def _torch_exempt(cell: dict) -> bool:
    """Matmul-bound cells where torch's BLAS beats NumPy's: there the ratio cap is the target."""
    case = BY_NAME[cell["workload"]]
    mine, theirs = best(cell, "numpy"), best(cell, "torch_primal")
    return cell["size"] in case.blas_bound and None not in (mine, theirs) and theirs < mine


def _beats_peers(cells):
    losses, exempt, unmeasured = [], [], []
    for cell in cells:
        mine = best(cell, "tangentish")
        if mine is None:
            unmeasured.append(_name(cell))
            continue
        for peer in PEERS:
            theirs = best(cell, peer)
            if theirs is None or mine < theirs:
                continue
            if peer == "torch" and _torch_exempt(cell):
                exempt.append(_name(cell))
            else:
                losses.append(f"{_name(cell)}: {peer} takes {theirs / mine:.2f}x our time")
    detail = "; ".join(losses) or "faster than every installed peer that agreed"
    if exempt:
        detail += f" (torch's faster BLAS exempts: {', '.join(exempt)})"
    if unmeasured:
        detail += f" (not measured: {', '.join(unmeasured)})"
    passed = None if len(unmeasured) == len(cells) else not losses and not unmeasured
    return _line("faster than autograd, torch, jax.grad, tangent-ad everywhere", passed, detail)


def _scalar_loop(cells):
    cell = find(cells, "scalar_loop")
    mine = best(cell, "tangentish") if cell else None
    if mine is None:
        return _line("scalar_loop: >= 20x torch, faster than every interpreter", None,
                     "tangentish not measured")
    problems = []
    torch = best(cell, "torch")
    if torch is not None and torch / mine < 20:
        problems.append(f"only {torch / mine:.1f}x faster than torch")
    for peer in INTERPRETED:
        theirs = best(cell, peer)
        if theirs is not None and theirs <= mine:
            problems.append(f"{peer} is faster")
    speedup = f"{torch / mine:.1f}x faster than torch" if torch else "torch not measured"
    return _line("scalar_loop: >= 20x torch, faster than every interpreter", not problems,
                 "; ".join(problems) or speedup)


def _overhead_and_compile(cells):
    lines = []
    cell = find(cells, "overhead")
    took = best(cell, "tangentish") if cell else None
    lines.append(_line("cached-call overhead < 5 us", None if took is None else took < OVERHEAD_S,
                       "not measured" if took is None else f"{took * 1e6:.2f} us per call"))
    cell = find(cells, "compile")
    first = cell["tools"]["tangentish"].get("first_call_s") if cell and ok(cell, "tangentish") \
        else None
    lines.append(_line("first-call compile of a 50-line function < 50 ms",
                       None if first is None else first < COMPILE_S,
                       "not measured" if first is None else f"{first * 1e3:.1f} ms"))
    return lines


def _tape(cells):
    found, problems = [], []
    for workload, size in (("mlp", 64), ("rnn", 128)):
        cell = find(cells, workload, size)
        tape, peer = (best(cell, "tape"), best(cell, "autograd")) if cell else (None, None)
        if None in (tape, peer):
            continue
        found.append(f"{workload} {size}: tape {tape / peer:.2f}x of autograd")
        if tape > peer:
            problems.append(found[-1])
    passed = None if len(found) < 2 else not problems
    return _line("tape no slower than autograd on mlp 64 and rnn 128", passed,
                 "; ".join(found) or "not measured")


def judge(cells: list) -> list[dict]:
    timed = [c for c in cells if "error" not in c and not is_extra(c)]
    return [_ratio_cap(timed), _beats_peers(timed), _scalar_loop(timed),
            *_overhead_and_compile(cells), _tape(timed)]
