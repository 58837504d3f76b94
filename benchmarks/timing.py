"""Interleaved, adaptive timing and tracemalloc peak memory.

Each sample times ``inner`` back-to-back calls, with ``inner`` chosen so a sample lasts about
``SAMPLE_S`` (fast calls are not dominated by the timer); each tool gets as many samples as fit
in its budget, at least ``MIN_SAMPLES``. Samples of all tools are taken round-robin, the order
rotating every round, so drifts in machine load hit every tool alike. The garbage collector
stays on (tape tools make cyclic garbage and pay for it in real use), but collects before each
sample so no tool pays for another's garbage.
"""

from __future__ import annotations

import gc
import math
import sys
import time
import tracemalloc

SAMPLE_S = 2e-3
MIN_SAMPLES = 3
MAX_SAMPLES = 60


def _once(call, inner: int) -> float:
    gc.collect()
    # A full collection empties CPython's free lists (floats, tuples, frames): the next call
    # refills them, which a loop of calls never pays (ode's gradient: 4.1 ms right after a
    # collection, 3.4 ms after it). One untimed call first, so a sample of one call is the
    # steady state too.
    call()
    start = time.perf_counter()
    for _ in range(inner):
        call()
    return (time.perf_counter() - start) / inner


def measure(calls: dict, budget: float) -> dict:
    """Seconds per call, as a list of samples per name; ``calls`` are already warmed up."""
    # Everything alive now (the libraries, the data) is moved out of the collector's sight, so
    # the collection before each sample costs microseconds, not a scan of torch and jax.
    gc.collect()
    gc.freeze()
    plan = {}
    for name, call in calls.items():
        single = _once(call, 1)
        inner = max(1, math.ceil(SAMPLE_S / max(single, 1e-9)))
        samples = int(budget / (single * inner)) if single > 0 else MAX_SAMPLES
        plan[name] = (inner, min(MAX_SAMPLES, max(MIN_SAMPLES, samples)))
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    rounds = max(n for _, n in plan.values())
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            inner, wanted = plan[name]
            if len(times[name]) < wanted:
                times[name].append(_once(calls[name], inner))
    return times


def peak_bytes(call) -> int:
    """Peak bytes allocated (by allocators tracemalloc sees) during one call."""
    buffers = sys.modules.get("tangentish.runtime.buffers")
    if buffers is not None:  # a reused gradient buffer is memory the call needs: count it
        buffers.release()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return peak - base
