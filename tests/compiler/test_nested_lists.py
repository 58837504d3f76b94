"""NumPy functions given *nested* Python lists mixing differentiated values and numbers.

``np.stack([a[0], [a[0, 0], a[1, 1]]])`` takes the inner list as one row: its adjoint is an
array row, which ``complete_grad`` used to spread whole over every element of the inner list
(an internal ValueError in ``scatter_add``, or a wrong gradient for a list argument). These
check the first derivative, forward mode and second order (forward over reverse, reverse over
reverse) against central differences, and a property test draws the lists.
"""

from __future__ import annotations

import importlib.util
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tangentish as tg
from tangentish.checking import numerical_grad
from tests.duck import duck, host


def stack_of_row_and_list(a):
    return np.sum(np.stack([a[0], [a[0, 0], a[1, 1]]]) ** 2)


def asarray_of_nested(x):
    return np.sum(np.asarray([[x[0], 1.0], [x[1] * x[2], x[0]]]) ** 3)


def array_of_nested(x):
    return np.sum(np.sin(np.array([[x[0], 1.0], [x[1] * x[2], x[0]]])) * x[1])


def concatenate_with_list(x):
    return np.sum(np.concatenate([x, [x[0] * x[2], 1.0]]) ** 3)


def stack_of_lists(x):
    return np.sum(np.stack([[x[0], x[1] ** 2], [2.0, x[2]]], axis=1) * [3.0, -1.0])


def add_reduce_of_list(x):
    return np.sum(np.add.reduce([x[0], x[1] * x[2], 1.0]) ** 3)


def add_reduce_of_rows(x):
    return np.sum(np.add.reduce([x, x * x, [1.0, x[0], 2.0]]) ** 2)


def max_of_nested(x):
    return np.max([[x[0], x[1]], [x[2] ** 2, 1.0]]) ** 2


def where_of_nested(x):
    return np.sum(np.where([[True, False], [False, True]],
                           [[x[0], 1.0], [x[1] * x[2], x[0]]], x[1]) ** 3)


def multiply_of_lists(x):
    return np.sum(np.multiply([x[0], x[1]], [x[2], 2.0]) ** 2)


def reductions_of_arrays(m):
    return np.sum(np.multiply.reduce(m * m)) + np.sum(np.maximum.reduce(m, 1) ** 2)


# On the duck array, as on CuPy, NumPy dispatches on a list's top-level elements only, and
# only for joins: np.stack([a[0], [b, c]]) runs there, np.stack([[a, b], [c, d]]) does not.
ON_DUCK = [stack_of_row_and_list, concatenate_with_list]
NUMPY_ONLY = [asarray_of_nested, array_of_nested, stack_of_lists, add_reduce_of_list,
              add_reduce_of_rows, max_of_nested, where_of_nested, multiply_of_lists,
              reductions_of_arrays]
ALL = ON_DUCK + NUMPY_ONLY


def arg_for(f):
    if f in (stack_of_row_and_list, reductions_of_arrays):
        return np.array([[0.7, -1.3, 0.4], [1.9, 0.6, -0.8]])[:, :2 if f is
                                                               stack_of_row_and_list else 3]
    return np.array([0.7, -1.3, 1.9])


def numeric(f, x):
    return numerical_grad(f, (x,), 0)[0][0]


@pytest.mark.parametrize("f", ON_DUCK)
def test_joins_of_nested_lists_compile(f, backend):
    x = arg_for(f)
    g = tg.grad(f, fallback="error")(backend.to(x))
    np.testing.assert_allclose(backend.back(g), numeric(f, x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", NUMPY_ONLY)
def test_numpy_functions_of_nested_lists_compile(f):
    x = arg_for(f)
    assert tg.gradcheck(f, (x,), grad=tg.grad(f, fallback="error"))


def check_higher_orders(f, to, back):
    x = arg_for(f)
    v = np.linspace(-0.6, 0.9, x.size).reshape(x.shape)
    grad = tg.grad(f, fallback="error")
    assert np.isclose(back(tg.jvp(f, (to(x),), (to(v),))[1]), np.sum(numeric(f, x) * v),
                      rtol=1e-6)
    vb = to(v)

    def along(y):
        return np.sum(grad(y) * vb)

    expected = numeric(along, x)  # the Hessian times v, from differences of the gradient
    np.testing.assert_allclose(back(tg.hvp(f, to(x), vb)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(back(tg.grad(along, fallback="error")(to(x))), expected,
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", NUMPY_ONLY)
def test_forward_and_second_order(f):
    check_higher_orders(f, np.asarray, np.asarray)


@pytest.mark.parametrize("f", ON_DUCK)
def test_forward_and_second_order_on_backends(f, backend):
    check_higher_orders(f, backend.to, backend.back)


def grads_of_list_argument(xs):
    return np.sum(np.max(xs, axis=0) ** 2) + xs[0][1] * xs[1][0]


def test_a_nested_list_argument_gets_a_gradient_of_its_structure():
    """The adjoint of a list NumPy took as an array is split back over the list, not spread."""
    xs = [[1.0, 5.0], [3.0, 2.0]]
    g = tg.grad(grads_of_list_argument, fallback="error")(xs)
    assert isinstance(g, list) and all(isinstance(row, list) for row in g)
    np.testing.assert_allclose(np.array(g, dtype=float), [[0.0, 13.0], [11.0, 0.0]])


def test_duck_gradient_stays_on_the_duck():
    x = duck(np.array([0.7, -1.3, 1.9]))
    g = tg.grad(concatenate_with_list, fallback="error")(x)
    assert type(g).__name__ == "DuckArray"
    np.testing.assert_allclose(host(g), numeric(concatenate_with_list, host(x)), rtol=1e-6)


# ---------------------------------------------------------------- drawn nests
# A source file per drawn function: the compiler reads source, and a list display must reach it
# as written. Leaves are x's elements, products, sines and numbers; rows may be slices of x.

X = np.array([0.7, -1.3, 1.9, 0.45])
CONSTANTS = ["0.25", "-2.5", "3.75", "1.5"]


def leaf():
    i = st.integers(0, 3)
    return st.one_of(i.map(lambda k: f"x[{k}]"),
                     st.tuples(i, i).map(lambda ij: f"x[{ij[0]}] * x[{ij[1]}]"),
                     i.map(lambda k: f"np.sin(x[{k}])"),
                     st.sampled_from(CONSTANTS))


@st.composite
def nests(draw, array_first=False):
    """A rectangular nest's source and a mask of its shape; ``array_first``: the first row is a
    slice of x (what lets np.stack dispatch to the duck array, as to CuPy)."""
    rows, cols = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    out = []
    for r in range(rows):
        start = draw(st.integers(0, 4 - cols))
        if (array_first and r == 0) or draw(st.integers(0, 3)) == 0:  # an array among lists
            out.append(f"x[{start}:{start + cols}]")
        else:
            out.append("[" + ", ".join(draw(leaf()) for _ in range(cols)) + "]")
    if not any("x" in r for r in out):
        out[0] = f"x[0:{cols}]" if cols > 1 else "[x[0]]"
    mask = [[draw(st.booleans()) for _ in range(cols)] for _ in range(rows)]
    return "[" + ", ".join(out) + "]", mask


CONSUMERS = {
    "array": "np.sum(np.array({m}) ** 3)",
    "stack": "np.sum(np.sin(np.stack({m}, axis=-1)) * x[1])",
    "concatenate": "np.sum(np.concatenate({m}) ** 2)",
    "sum": "np.sum({m}, axis=0) @ np.sum({m}, axis=0)",
    "max": "np.max({m}) * x[2]",
    "where": "np.sum(np.where({mask}, {m}, x[3]) ** 2)",
    "add_reduce": "np.sum(np.add.reduce({m}) ** 2)",
}


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("nested_lists")


def compiled_function(folder: Path, consumer: str, nest: str, mask: list) -> object:
    src = ("import numpy as np\n\n\ndef f(x):\n    return "
           + CONSUMERS[consumer].format(m=nest, mask=mask) + "\n")
    name = f"tg_nested_{zlib.crc32(src.encode()):08x}"
    path = folder / f"{name}.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def check_drawn(f, x):
    expected = numeric(f, X)
    got = tg.grad(f, fallback="error")(x)
    np.testing.assert_allclose(host(got), expected, rtol=1e-5, atol=1e-6)
    return expected


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
@given(drawn=nests())
def test_drawn_nested_lists_match_differences(source_dir, consumer, drawn):
    f = compiled_function(source_dir, consumer, *drawn)
    expected = check_drawn(f, X)
    v = np.array([0.3, -0.7, 0.5, 1.1])
    np.testing.assert_allclose(tg.jvp(f, (X,), (v,))[1], expected @ v, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("consumer", ["stack", "concatenate"])
@given(drawn=nests(array_first=True))
def test_drawn_joins_on_the_duck_array(source_dir, consumer, drawn):
    check_drawn(compiled_function(source_dir, consumer, *drawn), duck(X))
