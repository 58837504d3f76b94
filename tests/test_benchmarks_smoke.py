"""The benchmark harness keeps working: a tiny cell end to end, and the agreement check."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.__main__ import main
from benchmarks.agreement import check
from benchmarks.workloads import lse


def test_one_tiny_cell_runs_end_to_end(tmp_path, capsys):
    out = tmp_path / "bench.json"
    argv = ["--only", "lse", "--size", "1000", "--tools", "numpy,autograd",
            "--budget", "0.02", "--out", str(out), "--no-plot"]
    assert main(argv) == 0
    data = json.loads(out.read_text())
    (cell,) = data["cells"]
    assert cell["fd_check"] is True
    autograd = cell["tools"]["autograd"]
    assert autograd["status"] == "ok" and 0 < autograd["min_s"] <= autograd["median_s"]
    assert "| lse | n=1000 |" in capsys.readouterr().out


def test_a_wrong_gradient_is_reported_not_timed():
    x = np.linspace(-1.0, 1.0, 7)
    right = np.exp(x - np.max(x)) / np.sum(np.exp(x - np.max(x)))
    results = {"a": (right,), "b": (right.copy(),), "c": (2 * right,)}
    status, fd_ok = check(lse, (x,), (0,), results, np.random.default_rng(0))
    assert fd_ok and status["a"] == status["b"] == "ok"
    assert status["c"].startswith("failed: gradient disagrees")


def test_a_cell_process_is_bound_to_one_core_while_its_pools_are_made():
    # jaxlib's CPU client sizes its pool by the cores it may use, not by XLA_FLAGS.
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("this OS cannot bind a process to a core")
    code = ("import os; from benchmarks.pinning import pin_to_one_core, unpin; "
            "before = os.sched_getaffinity(0); cores = pin_to_one_core(); "
            "print(len(os.sched_getaffinity(0)), cores == before, end=' '); unpin(cores); "
            "print(os.sched_getaffinity(0) == before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "True", "True"]


def test_a_first_call_is_the_fastest_of_fresh_processes():
    from benchmarks.runner import merge_first_calls

    def run(first):
        return {"workload": "compile", "tools": {
            "tangentish": {"status": "ok", "first_call_s": first},
            "jax_jit": {"status": "failed: x"}}}

    cell = merge_first_calls([run(0.068), run(0.041), run(0.044)])
    assert cell["tools"]["tangentish"]["first_call_s"] == 0.041
    assert cell["tools"]["tangentish"]["first_calls_s"] == [0.068, 0.041, 0.044]
    assert "first_call_s" not in cell["tools"]["jax_jit"]
    assert merge_first_calls([{"workload": "compile", "error": "timed out"}])["error"]
