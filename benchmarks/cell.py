"""One benchmark cell, a workload at one size, in a process of its own.

``python -m benchmarks.cell WORKLOAD SIZE --tools a,b --budget S --out FILE`` pins the thread
counts, prepares each tool (timing its first call, which includes any compilation), checks the
gradients agree, times the tools interleaved, optionally measures peak memory, and writes one
JSON object to FILE.
"""

import os

from benchmarks.pinning import THREAD_ENV, pin_to_one_core, unpin

os.environ.update(THREAD_ENV)  # before NumPy, torch or jax load and size their thread pools
CORES = pin_to_one_core()  # until every tool has made its pools (``run``)

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks import workloads  # noqa: E402
from benchmarks.agreement import check  # noqa: E402
from benchmarks.cases import BY_NAME  # noqa: E402
from benchmarks.timing import measure, peak_bytes  # noqa: E402
from benchmarks.tools import BY_KEY, Unavailable  # noqa: E402

SEED = 20261129


def _reason(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:200]


def _prepare(case, args, keys, level):
    entries, prepared, results = {}, {}, {}
    for key in keys:
        tool = BY_KEY[key]
        entry = entries[key] = {"label": tool.label, "kind": tool.kind}
        needed, why = case.costly.get(key, (0, ""))
        if needed > level:
            entry["status"] = f"skipped: {why} (run without --quick)" if needed == 1 else \
                f"skipped: {why} (--slow runs it)"
            continue
        try:
            tool.load()
            if case.warm_up:  # the one-time cost of a tool's first compile is not this one's
                tool.prepare(workloads.scalar_add, (1.0, 2.0), (0, 1)).call()
            # The other tools' libraries share this process only because of the benchmark:
            # keep the collector from traversing their heaps during this tool's compile.
            gc.collect()
            gc.freeze()
            start = time.perf_counter()
            ready = tool.prepare(case.fn, args, case.wrt)
            out = ready.call()
            entry["first_call_s"] = time.perf_counter() - start
            if tool.kind == "grad":
                results[key] = ready.grads(out)
        except Unavailable as err:
            entry["status"] = f"unavailable: {err}"
            continue
        except Exception as err:  # any failure of a tool is a result to report, not a crash
            entry["status"] = f"failed: {_reason(err)}"
            continue
        entry["status"] = "ok"
        prepared[key] = ready
    return entries, prepared, results


def run(workload: str, size: int, keys, budget: float, memory: bool, level: int) -> dict:
    case = BY_NAME[workload]
    rng = np.random.default_rng(SEED)
    args = case.make(size, rng)
    entries, prepared, results = _prepare(case, args, keys, level)
    unpin(CORES)
    verdicts, fd_ok = check(case.fn, args, case.wrt, results, rng) if results else ({}, False)
    for key, status in verdicts.items():
        if status != "ok":
            entries[key]["status"] = status
            del prepared[key]
    times = measure({key: ready.call for key, ready in prepared.items()}, budget)
    for key, samples in times.items():
        entries[key].update(median_s=statistics.median(samples), min_s=min(samples),
                            samples=len(samples))
    if memory:
        for key, ready in prepared.items():
            entries[key]["peak_bytes"] = peak_bytes(ready.call) if ready.traced else None
    threads = {"torch": sys.modules["torch"].get_num_threads()} if "torch" in sys.modules else {}
    return {"workload": workload, "size": size, "size_name": case.size_name,
            "fd_check": fd_ok, "threads": threads, "tools": entries}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", choices=sorted(BY_NAME))
    parser.add_argument("size", type=int)
    parser.add_argument("--tools", required=True)
    parser.add_argument("--budget", type=float, default=0.5)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--level", type=int, default=1, help="0 quick, 1 full, 2 slow")
    parser.add_argument("--out", required=True)
    opts = parser.parse_args(argv)
    result = run(opts.workload, opts.size, opts.tools.split(","), opts.budget, opts.memory,
                 opts.level)
    with open(opts.out, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
