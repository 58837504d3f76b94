"""``python -m benchmarks [--quick]``: run the suite, print the table and the verdict.

Results go to ``benchmarks/results/{full,quick}.json`` (the cells, the machine, the verdict and
the markdown); a full run also draws ``docs/bench_mlp.png`` when matplotlib is installed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.cases import BY_NAME
from benchmarks.plot import plot
from benchmarks.report import render
from benchmarks.runner import ALL_TOOLS, ROOT, machine, plan, run_cell
from benchmarks.verdict import judge


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="the small sizes only, with a smaller time budget")
    parser.add_argument("--only", help="comma-separated workloads: " + ", ".join(BY_NAME))
    parser.add_argument("--size", type=int, help="run --only's workloads at this size instead")
    parser.add_argument("--tools", default=",".join(ALL_TOOLS),
                        help="comma-separated tools (default: all)")
    parser.add_argument("--budget", type=float,
                        help="seconds of timing per tool and cell (default 0.5, quick 0.2)")
    parser.add_argument("--slow", action="store_true",
                        help="also run tool/workload pairs that take minutes (jit of long loops)")
    parser.add_argument("--out", type=Path, help="JSON output (default benchmarks/results/)")
    parser.add_argument("--plot", type=Path, help="chart path (default docs/bench_mlp.png "
                        "for a full run)")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--update-docs", action="store_true",
                        help="replace the results section of docs/performance.md with this run")
    return parser


DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def update_docs(text: str, path: Path = DOCS) -> None:
    """Put a run's markdown between the results markers of the performance page."""
    page = path.read_text()
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{text}\n{END}{tail}")


def main(argv=None) -> int:
    opts = _parser().parse_args(argv)
    only = opts.only.split(",") if opts.only else None
    if opts.size is not None and not only:
        raise SystemExit("--size needs --only")
    cells_to_run = [(w, opts.size) for w in only] if opts.size else plan(opts.quick, only)
    tools = tuple(opts.tools.split(","))
    unknown = [t for t in tools if t not in ALL_TOOLS]
    if unknown:
        raise SystemExit(f"unknown tools {unknown}; known: {', '.join(ALL_TOOLS)}")
    budget = opts.budget or (0.2 if opts.quick else 0.5)
    level = 2 if opts.slow else 0 if opts.quick else 1
    meta = {**machine(), "budget_s": budget, "quick": opts.quick, "slow": opts.slow,
            "tools": tools}

    cells = []
    for i, (workload, size) in enumerate(cells_to_run, 1):
        start = time.perf_counter()
        cells.append(run_cell(workload, size, tools, budget, level))
        took = time.perf_counter() - start
        print(f"[{i}/{len(cells_to_run)}] {workload} {size}: {took:.1f} s", file=sys.stderr)
    verdict = judge(cells)
    text = render(cells, meta, verdict)
    print(text)

    name = "quick" if opts.quick else "full"
    out = opts.out or ROOT / "benchmarks" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "cells": cells, "verdict": verdict,
                               "markdown": text}, indent=1))
    print(f"\nresults: {out}", file=sys.stderr)
    chart = opts.plot or (None if opts.quick or only else ROOT / "docs" / "bench_mlp.png")
    if chart and not opts.no_plot and plot(cells, chart):
        print(f"chart: {chart}", file=sys.stderr)
    if opts.update_docs:
        update_docs(text)
        print(f"docs: {DOCS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
