"""Generated code works under any NumPy import name and never collides with user names."""

from __future__ import annotations

import importlib
import linecache
import sys

import numpy as np
import pytest

import tangentish as tg
from tests.fuzz.harness import load_module
from tests.reliability.modules import module_from

X = np.array([0.3, -0.8, 1.1])


@pytest.mark.parametrize("header, call", [
    ("import numpy", "numpy.sin(x) * numpy.exp(x)"),
    ("import numpy as onp", "onp.sin(x) * onp.exp(x)"),
    ("from numpy import sin, exp", "sin(x) * exp(x)"),
    ("from numpy import sin as s, exp as e", "s(x) * e(x)"),
    ("import numpy as np\nimport math as np_", "np.sin(x) * np.exp(x)"),
])
def test_any_numpy_import_name(header, call):
    module = module_from(f"{header}\n\n\ndef f(x):\n    return ({call}).sum()\n")
    got = tg.grad(module.f, fallback="error")(X)
    np.testing.assert_allclose(got, np.exp(X) * (np.cos(X) + np.sin(X)), rtol=1e-12)


def test_parameters_named_like_generated_names():
    module = module_from("""
        import numpy


        def f(d, dx, np, stack, tg, dy, y, _t1):
            s = d * dx + np * stack
            for i in range(2):
                s = s + numpy.sin(tg) * dy + y * _t1
            return s
    """)
    args = (0.5, -1.5, 0.25, 2.0, 0.3, 0.7, -0.4, 1.2)
    got = tg.grad(module.f, wrt=tuple(range(8)), fallback="error")(*args)
    d, dx, np_, stack, tg_, dy, y, t1 = args
    want = (dx, d, stack, np_, 2 * np.cos(tg_) * dy, 2 * np.sin(tg_), 2 * t1, 2 * y)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_locals_named_like_generated_names():
    module = module_from("""
        import numpy as np


        def f(x):
            stack = [x]
            d = np.sin(x)
            dx = d * 2.0
            dd = dx + x
            stack.append(dd)
            return np.sum(stack[-1] * stack[0])
    """)
    got = tg.grad(module.f, fallback="error")(X)
    dd = 2 * np.sin(X) + X
    np.testing.assert_allclose(got, (2 * np.cos(X) + 1) * X + dd, rtol=1e-12)


def test_redefinition_in_place_invalidates_the_cache(tmp_path):
    """Rewriting a module and reloading it (a notebook cell run again) gives the new gradient."""
    path = tmp_path / "cell.py"
    path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.sin(x))\n")
    sys.path.insert(0, str(tmp_path))
    try:
        cell = importlib.import_module("cell")
        np.testing.assert_allclose(tg.grad(cell.f)(X), np.cos(X), rtol=1e-12)
        path.write_text("import numpy as np\n\n\ndef f(x):\n    return np.sum(np.cos(x))\n")
        cell = importlib.reload(cell)
        np.testing.assert_allclose(tg.grad(cell.f)(X), -np.sin(X), rtol=1e-12)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("cell", None)


def test_redefined_function_with_the_same_name_in_one_namespace():
    source = "import numpy as np\n\n\ndef f(x):\n    return np.sum({} * x)\n"
    first = load_module(source.format("np.sin(x)"))
    second = load_module(source.format("np.cos(x)"))
    np.testing.assert_allclose(tg.grad(first.f)(X), np.sin(X) + X * np.cos(X), rtol=1e-12)
    np.testing.assert_allclose(tg.grad(second.f)(X), np.cos(X) - X * np.sin(X), rtol=1e-12)


HELPER = "import numpy as np\n\n\ndef h0(a):\n    return {}\n\n\ndef f(x):\n    return h0(x) * x\n"


def test_equal_code_in_two_modules_uses_each_modules_helper():
    """``f`` has equal code objects in both modules; each must inline its own ``h0`` (C4)."""
    first, second = load_module(HELPER.format("0.7")), load_module(HELPER.format("0.2"))
    assert first.f.__code__ == second.f.__code__
    assert tg.value_and_grad(first.f)(1.0) == (0.7, 0.7)
    assert tg.value_and_grad(second.f)(1.0) == (0.2, 0.2)


def test_redefining_a_helper_reaches_a_new_grad_of_an_unchanged_function():
    """A notebook: ``h0`` is redefined in the same namespace, ``f`` is not; a new tg.grad must
    see the new helper."""
    module = load_module(HELPER.format("0.7"))
    assert tg.grad(module.f, fallback="error")(1.0) == 0.7
    cell, name = "def h0(a):\n    return 0.2\n", "<ipython-input-2-fuzz>"
    # What IPython does with a cell: its source goes to linecache under a pseudo file name.
    linecache.cache[name] = (len(cell), None, cell.splitlines(True), name)
    exec(compile(cell, name, "exec"), vars(module))
    assert tg.grad(module.f, fallback="error")(1.0) == 0.2
