"""The compile cache is safe when 8 threads compile and call the same and different functions."""

from __future__ import annotations

import threading

import numpy as np

import tangentish as tg
from tests.reliability.modules import module_from

THREADS = 8
ROUNDS = 20

# Four functions with distinct gradients; each thread takes two of them, so every function is
# compiled by several threads at once and every thread also compiles a function of its own.
FUNCTIONS = module_from("""
    import numpy as np


    def f0(x):
        return np.sum(np.sin(x) * x)


    def f1(x):
        s = 0.0
        for i in range(3):
            s = s + np.tanh(x[i]) * i
        return s


    def f2(x):
        y = x * 1.0
        if np.sum(x) > 0.0:
            y = y * y
        return np.sum(np.exp(-y))


    def f3(x):
        return np.log(1.0 + np.dot(x, x))
""")


def _expected(name: str, x: np.ndarray) -> np.ndarray:
    if name == "f0":
        return np.cos(x) * x + np.sin(x)
    if name == "f1":
        return np.array([0.0, 1.0, 2.0]) * (1 - np.tanh(x) ** 2)
    if name == "f2":
        y = x * x if np.sum(x) > 0 else x
        dy = 2 * x if np.sum(x) > 0 else np.ones_like(x)
        return -np.exp(-y) * dy
    return 2 * x / (1.0 + np.dot(x, x))


def test_eight_threads_compile_and_call_at_once():
    from tangentish.compiler import cache

    cache.clear()
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    own = [module_from(f"import numpy as np\n\n\ndef g(x):\n    return np.sum(np.sin(x) * {k}.0)\n")
           for k in range(THREADS)]

    def work(k: int) -> None:
        rng = np.random.default_rng(k)
        names = (f"f{k % 4}", f"f{(k + 1) % 4}")
        try:
            start.wait()
            for _ in range(ROUNDS):
                for name in names:
                    x = rng.uniform(-1.0, 1.0, 3)
                    got = tg.grad(getattr(FUNCTIONS, name), fallback="error")(x)
                    np.testing.assert_allclose(got, _expected(name, x), rtol=1e-10, atol=1e-12)
                got = tg.grad(own[k].g, fallback="error")(x)  # a function only this thread uses
                np.testing.assert_allclose(got, np.cos(x) * k, rtol=1e-12)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, f"{len(errors)} thread(s) failed; first: {errors[0]!r}"
