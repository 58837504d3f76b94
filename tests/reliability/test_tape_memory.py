"""The tape keeps no references across training steps: 10,000 steps hold steady memory, and a
graph is freed by reference counting alone when its loss dies (no cycles: BUGS.md T6)."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np

import tangentish as tg

STEPS = 10_000
#: The last WINDOW steps run under tracemalloc (it slows Python down several times).
WINDOW = 1_000
#: Allowed growth over the second half of the window, for 500 steps (a leak of one small
#: array per step would be ~50 KB).
GROWTH_BYTES = 8_192


def _tape_objects() -> int:
    modules = (getattr(type(o), "__module__", "") for o in gc.get_objects())
    return sum(1 for m in modules if isinstance(m, str) and m.startswith("tangentish.runtime.tape"))


def _problem():
    rng = np.random.default_rng(0)
    X = tg.tensor(rng.standard_normal((16, 4)), dtype=tg.float64)
    y = tg.tensor(rng.standard_normal(16), dtype=tg.float64)
    w = tg.zeros(4, dtype=tg.float64, requires_grad=True)
    opt = tg.optim.SGD([w], lr=0.05)

    def step():
        opt.zero_grad()
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def test_a_graph_is_freed_by_reference_counting_alone():
    step = _problem()
    gc.disable()  # a reference cycle in the graph would keep it alive until a collection
    try:
        loss = step()
        graph, value = weakref.ref(loss.grad_fn), weakref.ref(loss)
        del loss
        step()
        assert graph() is None and value() is None
    finally:
        gc.enable()


def test_ten_thousand_training_steps_hold_steady_memory():
    step = _problem()
    first = float(step().item())
    for _ in range(STEPS - WINDOW - 1):
        step()
    gc.collect()
    objects_before = _tape_objects()
    tracemalloc.start()
    try:
        for _ in range(WINDOW // 2):
            step()
        gc.collect()
        middle = tracemalloc.get_traced_memory()[0]
        for _ in range(WINDOW // 2 - 1):
            step()
        last = float(step().item())
        gc.collect()
        end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert end - middle < GROWTH_BYTES, f"memory grew by {end - middle} bytes in 500 steps"
    assert _tape_objects() <= objects_before
    assert last < first  # the loop really trained
