"""Run cells in child processes and describe the machine they ran on.

A child per (workload, size) keeps one tool's warm caches, JIT state and heap from colouring the
next workload, and lets the thread-count variables take effect before any library loads.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.cases import BY_NAME, CASES
from benchmarks.pinning import THREAD_ENV
from benchmarks.tools import TOOLS

ROOT = Path(__file__).resolve().parent.parent
ALL_TOOLS = tuple(tool.key for tool in TOOLS)


def plan(quick: bool = False, only=None) -> list[tuple[str, int]]:
    """The (workload, size) cells to run, in order."""
    cases = [BY_NAME[name] for name in only] if only else CASES
    return [(case.name, size) for case in cases for size in (case.quick if quick else case.sizes)]


def run_cell(workload: str, size: int, tools=ALL_TOOLS, budget: float = 0.5,
             level: int = 1, timeout: float = 1800) -> dict:
    """One cell's result, or a record of why its process failed. A case timed in several
    processes (``Case.processes``: the compile) keeps each tool's fastest first call."""
    runs = [_run_process(workload, size, tools, budget, level, timeout)
            for _ in range(BY_NAME[workload].processes)]
    return merge_first_calls(runs)


def merge_first_calls(runs: list[dict]) -> dict:
    """The first run, each tool's ``first_call_s`` the minimum over the runs where it
    succeeded (all of them listed under ``first_calls_s``)."""
    cell = runs[0]
    if len(runs) == 1 or "error" in cell:
        return cell
    for key, entry in cell["tools"].items():
        times = [run["tools"][key]["first_call_s"] for run in runs if "error" not in run
                 and run["tools"].get(key, {}).get("first_call_s") is not None]
        if times:
            entry["first_call_s"], entry["first_calls_s"] = min(times), times
    return cell


def _run_process(workload: str, size: int, tools, budget: float, level: int,
                 timeout: float) -> dict:
    memory = BY_NAME[workload].memory
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cell.json"
        command = [sys.executable, "-m", "benchmarks.cell", workload, str(size),
                   "--tools", ",".join(tools), "--budget", str(budget), "--out", str(out),
                   "--level", str(level)]
        command += ["--memory"] if memory else []
        try:
            proc = subprocess.run(command, cwd=ROOT, env={**os.environ, **THREAD_ENV},
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"workload": workload, "size": size, "error": f"timed out after {timeout} s"}
        if proc.returncode != 0 or not out.exists():
            tail = proc.stderr.strip().splitlines()[-3:]
            return {"workload": workload, "size": size,
                    "error": " | ".join(tail) or f"exit status {proc.returncode}"}
        return json.loads(out.read_text())


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _numpy_blas() -> str | None:
    try:
        import numpy

        blas = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas['version']}"
    except Exception:  # the layout of show_config is not a stable API
        return None


def machine() -> dict:
    """Where and with what the numbers were taken."""
    dists = ["tangentish", "numpy", "autograd", "torch", "jax", "jaxlib", "tangent-ad"]
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": _commit(),
        "numpy_blas": _numpy_blas(),
        "versions": {dist: _version(dist) for dist in dists},
    }
