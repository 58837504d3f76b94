"""The compiler's corpus: functions over every construct tg.grad supports.

Each ``@case`` registers a function with how to draw its arguments, which to differentiate,
and whether it runs on the duck array and under HIPS autograd (the second oracle, which has no
subscript assignment). ``test_corpus.py`` checks every case against central finite differences
with ``fallback="error"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Case:
    fn: Callable[..., Any]
    make: Callable[[np.random.Generator], tuple]
    wrt: Any = 0
    duck: bool = True
    autograd: bool = True

    @property
    def id(self) -> str:
        return self.fn.__name__


CASES: list[Case] = []


def case(make, wrt=0, duck=True, autograd=True):
    def register(fn):
        CASES.append(Case(fn, make, wrt, duck, autograd))
        return fn

    return register


def vec(n=3):
    return lambda rng: (rng.standard_normal(n),)


def mat(*shape):
    return lambda rng: (rng.standard_normal(shape),)


def pos(n=3):
    return lambda rng: (rng.uniform(0.5, 2.0, n),)


def scalar(rng):
    return (float(rng.uniform(0.2, 1.2)),)


def two(n=3):
    return lambda rng: (rng.standard_normal(n), rng.standard_normal(n))


# ---------------------------------------------------------------- straight-line scalar code


@case(scalar, duck=False)
def scalar_poly(x):
    return 3.0 * x * x - 2.0 * x + 1.0


@case(scalar, duck=False)
def scalar_trig(x):
    return np.sin(x) * np.cos(x) + np.tanh(x)


@case(scalar, duck=False)
def scalar_exp_log(x):
    return np.log(np.exp(x) + 1.0) / x


@case(scalar, duck=False)
def scalar_pow(x):
    return x ** 3 + x ** 0.5 + 2.0 ** x


@case(scalar, duck=False)
def scalar_neg_sub_div(x):
    return -x / (1.0 + x * x) - (x - 2.0)


@case(lambda rng: (0.7, 1.3), wrt=(0, 1), duck=False)
def scalar_two_args(x, y):
    z = x * y + x / y
    return z * z


@case(scalar, duck=False, autograd=False)
def scalar_math_module(x):
    return math.sin(x) * math.exp(x)


@case(scalar, duck=False)
def scalar_reuse_many(x):
    a = x * x
    b = a * x
    c = a + b
    return c * a * b


@case(scalar, duck=False)
def scalar_sqrt_abs(x):
    return np.sqrt(np.abs(x) + 1.0) * abs(x - 3.0)


# ---------------------------------------------------------------- arrays and broadcasting


@case(vec())
def arr_sum_sin(x):
    return np.sum(np.sin(x))


@case(vec())
def arr_mean_sq(x):
    return np.mean(x ** 2)


@case(two(), wrt=(0, 1))
def arr_dot(x, y):
    return np.dot(x, y)


@case(lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal(3)), wrt=1)
def arr_tanh_layer(x, w):
    z = x @ w
    h = np.tanh(z)
    return np.sum(h)


@case(lambda rng: (rng.standard_normal((2, 3)), rng.standard_normal(3)), wrt=(0, 1))
def arr_broadcast_add(a, b):
    return np.sum((a + b) ** 2)


@case(lambda rng: (rng.standard_normal((2, 3)), rng.standard_normal((2, 1))), wrt=(0, 1))
def arr_broadcast_mul_col(a, b):
    return np.sum(a * b * a)


@case(lambda rng: (rng.standard_normal(3), 1.5), wrt=(0, 1))
def arr_scalar_broadcast(x, s):
    return np.sum(np.exp(x * s) / s)


@case(mat(3, 4))
def arr_axis_sum(x):
    s = np.sum(x, axis=0)
    return np.sum(s * s)


@case(mat(3, 4))
def arr_methods(x):
    return (x.T @ x).sum() + x.mean() + x.reshape(4, 3)[0].sum()


@case(mat(3, 4))
def arr_transpose_reshape(x):
    y = np.reshape(np.transpose(x), (2, 6))
    return np.sum(y[1] * y[0])


@case(mat(3, 3))
def arr_matmul_chain(a):
    return np.sum(a @ a @ a)


@case(two(4), wrt=(0, 1))
def arr_maximum(x, y):
    return np.sum(np.maximum(x, y) * x)


@case(vec(4))
def arr_slice_ops(x):
    return np.sum(x[1:] * x[:-1]) + x[0] * x[-1]


@case(mat(3, 4))
def arr_2d_index(x):
    return np.sum(x[:, 1] * x[2, :3]) + x[1, 2]


@case(pos(4))
def arr_log_sqrt(x):
    return np.sum(np.log(x) * np.sqrt(x))


@case(vec(4), autograd=False)  # autograd has no unary +
def arr_unary_neg(x):
    y = -x
    return np.sum(+y * np.abs(x))


@case(vec(3))
def arr_constant_array(x):
    w = np.array([1.0, -2.0, 0.5])
    return np.sum(w * x * x)


@case(lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((2, 2))), wrt=(0, 1))
def arr_logistic(x, w):
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    return np.mean(p * p)


@case(vec(3))
def arr_shape_arithmetic(x):
    n = x.shape[0]
    m = len(x) * 2 + n
    return np.sum(x) * m / x.size


# ---------------------------------------------------------------- if / elif / else


@case(scalar, duck=False)
def if_scalar(x):
    if x > 0.5:
        y = x * x
    else:
        y = 2.0 * x
    return y


@case(scalar, duck=False)
def if_elif_else(x):
    if x > 1.0:
        y = np.sin(x)
    elif x > 0.6:
        y = x ** 3
    else:
        y = np.exp(x)
    return y * x


@case(vec(3))
def if_on_array_data(x):
    if np.sum(x) > 0:
        y = np.sum(x * x)
    else:
        y = np.sum(np.sin(x))
    return y


@case(scalar, duck=False)
def if_without_else(x):
    y = x
    if x > 0.3:
        y = y * 3.0
    return y * x


@case(scalar, duck=False)
def if_conditional_expression(x):
    y = x * x if x > 0.5 else -x
    return y + (x if x < 1.0 else 1.0)


@case(scalar, duck=False)
def if_and_or(x):
    if x > 0.1 and x < 2.0 or x > 100.0:
        y = np.sin(x)
    else:
        y = x
    return y


@case(scalar, duck=False)
def if_not(x):
    big = x > 0.8
    if not big:
        return x * 3.0
    return x * x


@case(scalar, duck=False)
def if_early_return(x):
    if x > 10.0:
        return x
    y = x * 2.0
    if y > 100.0:
        return y
    return y * x


@case(scalar, duck=False)
def if_nested(x):
    y = 0.0
    if x > 0.1:
        if x > 0.5:
            y = x * x
        else:
            y = x
        y = y + x
    return y * 2.0


@case(scalar, duck=False)
def if_one_branch_unused(x):
    y = x * x
    if x > 100.0:
        z = y * 2.0
    else:
        z = 3.0
    return y + z


@case(lambda rng: (0.3,), duck=False)
def if_value_defined_on_one_path(x):
    if x > 0.5:
        t = x * x
    if x > 0.7:
        y = t * 2.0
    else:
        y = x * 3.0
    return y


@case(lambda rng: (0.8,), duck=False)
def if_value_defined_on_one_path_taken(x):
    if x > 0.5:
        t = x * x
    if x > 0.7:
        y = t * 2.0
    else:
        y = x * 3.0
    return y


@case(lambda rng: (rng.standard_normal(3), -1))
def if_then_overwritten(x, c):
    if c > 0:
        t = x * 2.0
    t = x * 3.0
    return np.sum(t * x)


# ---------------------------------------------------------------- for loops


@case(scalar, duck=False)
def for_range_scalar(x):
    s = 0.0
    for i in range(5):
        s = s + x * i
    return s * x


@case(scalar, duck=False)
def for_range_overwrite(x):
    y = x
    for _ in range(4):
        y = np.sin(y) * 1.5
    return y


@case(lambda rng: (rng.standard_normal(3), 4), duck=True)
def for_range_bound_from_arg(x, n):
    s = np.zeros(3)
    for i in range(1, n):
        s = s + x ** i / i
    return np.sum(s)


@case(mat(4, 3))
def for_over_array_rows(x):
    s = 0.0
    for row in x:
        s = s + np.sum(row * row)
    return s


@case(lambda rng: ([rng.standard_normal(3) for _ in range(3)],))
def for_over_list(xs):
    s = 0.0
    for x in xs:
        s = s + np.sum(np.sin(x))
    return s


@case(lambda rng: ((rng.standard_normal(2), rng.standard_normal(2)),))
def for_over_tuple(xs):
    p = 1.0
    for x in xs:
        p = p * np.sum(x)
    return p


@case(mat(3, 2))
def for_enumerate(x):
    s = 0.0
    for i, row in enumerate(x):
        s = s + np.sum(row) * (i + 1)
    return s


@case(lambda rng: (rng.standard_normal((3, 2)), rng.standard_normal((3, 2))), wrt=(0, 1))
def for_zip(a, b):
    s = 0.0
    for u, v in zip(a, b):
        s = s + np.sum(u * v)
    return s


@case(scalar, duck=False)
def for_nested(x):
    s = 0.0
    for i in range(3):
        for j in range(i + 1):
            s = s + x ** (i + j) * 0.5
    return s


@case(scalar, duck=False)
def for_break(x):
    s = x
    for i in range(20):  # noqa: B007  (the compiler must handle it)
        if s > 5.0:
            break
        s = s * 1.7 + x
    return s


@case(scalar, duck=False)
def for_continue(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s = s + x * i
    return s * s


@case(scalar, duck=False)
def for_return_inside(x):
    s = x
    for i in range(10):  # noqa: B007  (the compiler must handle it)
        s = s * 1.5
        if s > 2.0:
            return s * x
    return s


@case(scalar, duck=False)
def for_nested_break(x):
    s = 0.0
    for i in range(4):
        for j in range(4):
            if j > i:
                break
            s = s + x * (i - j + 1)
        s = s * x
    return s


@case(vec(3))
def for_accumulate_array(x):
    acc = np.zeros(3)
    for i in range(3):
        acc = acc + x * x[i]
    return np.sum(acc)


@case(vec(4))
def for_running_product(x):
    p = 1.0
    for i in range(len(x)):
        p = p * (1.0 + x[i] * 0.1)
    return p


@case(lambda rng: (rng.standard_normal(3), 3), duck=True)
def for_loop_var_used_after(x, n):
    for k in range(n):  # noqa: B007  (the compiler must handle it)
        x = x * 0.5 + 1.0
    return np.sum(x) * k


@case(scalar, duck=False)
def for_data_dependent_branch(x):
    s = 0.0
    for i in range(5):
        if np.sin(x * i) > 0:
            s = s + np.sin(x * i)
        else:
            s = s - x
    return s


@case(mat(3, 2))
def for_reversed(x):
    s = 0.0
    k = 1.0
    for row in reversed(x):
        s = s + np.sum(row) * k
        k = k + 1.0
    return s


@case(lambda rng: (0.4, 0.9), wrt=(0, 1), duck=False)
def builtin_max_min(a, b):
    return max(a, b) * min(a * a, b)


# ---------------------------------------------------------------- while loops


@case(scalar, duck=False)
def while_data_dependent(x):
    y = x
    while y < 10.0:
        y = y * 1.5 + x
    return y


@case(scalar, duck=False)
def while_counter(x):
    i = 0
    s = 0.0
    while i < 4:
        s = s + x ** i
        i += 1
    return s


@case(scalar, duck=False)
def while_break(x):
    y = x
    while True:
        y = y * 2.0
        if y > 3.0:
            break
    return y * x


@case(scalar, duck=False)
def while_in_for(x):
    s = 0.0
    for i in range(3):
        y = x
        while y < 2.0 + i:
            y = y * 1.3
        s = s + y
    return s


@case(scalar, duck=False)
def while_return(x):
    y = x
    while y < 100.0:
        y = y * 3.0
        if y > 5.0:
            return y + x
    return y


# ---------------------------------------------------------------- assignment forms


@case(vec(3))
def assign_augmented(x):
    y = x * 1.0
    y += x
    y *= x
    y -= 1.0
    y /= 2.0
    return np.sum(y)


@case(lambda rng: (0.4, 0.9), wrt=(0, 1), duck=False)
def assign_tuple_unpack(x, y):
    a, b = x * y, x + y
    return a * b


@case(lambda rng: (0.4, 0.9), wrt=(0, 1), duck=False)
def assign_swap(x, y):
    a, b = x, y
    for _ in range(3):
        a, b = b, a * b + 1.0
    return a + b


@case(scalar, duck=False)
def assign_chained(x):
    a = b = x * 2.0
    return a * b


@case(vec(3), autograd=False)
def assign_subscript(x):
    y = x * 1.0
    y[0] = x[1] * x[2]
    return np.sum(y * y)


@case(mat(3, 3), autograd=False)
def assign_column_aug(x):
    y = x * 1.0
    y[:, 1] += x[:, 0] * 2.0
    return np.sum(y * y)


@case(vec(4), autograd=False)
def assign_subscript_in_loop(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] = x[i] * x[(i + 1) % 4]
    return np.sum(y * y)


@case(vec(3), autograd=False)
def assign_subscript_overwrite_param(x):
    x[1] = x[0] * 3.0
    return np.sum(x * x)


@case(mat(2, 3), autograd=False)
def assign_nested_subscript(x):
    rows = [x[0] * 1.0, x[1] * 2.0]
    rows[1][2] = rows[0][1] * rows[1][0]
    y = x * 1.0
    y[1][0] = np.sin(y[0][2])
    return np.sum(rows[1] * rows[0]) + np.sum(y * y)


@case(vec(3), autograd=False)  # autograd has no // on traced values
def floor_div_and_mod(x):
    return np.sum((x % 1.0) * x + (x // 0.5) * x)


@case(lambda rng: ((0.3, 0.8),), duck=False)
def assign_unpack_tuple_arg(t):
    a, b = t
    return a * b * b


@case(vec(3))
def assign_nested_unpack(x):
    (a, b), c = (x[0], x[1]), x[2]
    return a * b + c * c


# ---------------------------------------------------------------- user functions, closures


def _layer(x, w, scale=1.0):
    return np.tanh(x @ w) * scale


def _square(x):
    return x * x


def _total(*xs):
    s = 0.0
    for x in xs:
        s = s + np.sum(x)
    return s


def _two_outputs(x):
    return np.sin(x), np.cos(x)


@case(lambda rng: (rng.standard_normal((2, 3)), rng.standard_normal((3, 3))), wrt=1)
def call_user_function(x, w):
    h = _layer(x, w)
    return np.sum(_layer(h, w, scale=2.0))


@case(vec(3))
def call_nested_user_calls(x):
    return np.sum(_square(_square(x)) + _square(x))


@case(two(3), wrt=(0, 1))
def call_varargs(x, y):
    return _total(x, y * y, x * y)


@case(vec(3))
def call_tuple_result(x):
    s, c = _two_outputs(x)
    return np.sum(s * c)


@case(vec(3))
def call_keyword_args(x):
    return np.sum(_layer(x=x, w=np.eye(3), scale=0.5))


def _make_scaled(k):
    def scaled(x):
        return np.sum(np.sin(x) * k)

    return scaled


corpus_closure = _make_scaled(2.5)
CASES.append(Case(corpus_closure, vec(3)))


@case(vec(3))
def call_nested_function(x):
    def inner(v, p=2.0):
        return v ** p

    return np.sum(inner(x) + inner(x, 3.0))


@case(vec(3))
def call_nested_closure_over_local(x):
    w = x * 2.0

    def inner(v):
        return v * w

    return np.sum(inner(x))


@case(vec(3))
def call_lambda(x):
    f = lambda v: np.exp(v) * v  # noqa: E731
    return np.sum(f(x) + f(2.0 * x))


class _Model:
    def __init__(self):
        self.w = np.array([0.5, -1.0, 2.0])

    def predict(self, x):
        return np.tanh(x * self.w)

    def loss(self, x):
        return np.sum(self.predict(x) ** 2)


_model = _Model()
CASES.append(Case(_model.loss, vec(3), autograd=False))


@case(scalar, duck=False)
def call_user_in_loop(x):
    s = x
    for _ in range(3):
        s = _square(s) * 0.5 + x
    return s


# ---------------------------------------------------------------- lists, tuples, dicts


@case(mat(4, 3))
def list_append_and_index(x):
    hs = []
    for row in x:
        hs.append(np.sin(row))
    return np.sum(hs[0] * hs[-1]) + np.sum(hs[2])


@case(mat(4, 3))
def list_stack(x):
    hs = []
    for i in range(4):
        hs.append(x[i] * (i + 1.0))
    return np.sum(np.stack(hs) ** 2)


@case(vec(4))
def list_comprehension(x):
    ys = [v * v for v in x]
    return ys[0] + ys[3] * ys[1]


@case(vec(4))
def list_comprehension_filtered(x):
    ys = [np.sin(x[i]) for i in range(4) if i != 2]
    s = 0.0
    for y in ys:
        s = s + y
    return s


@case(vec(3))
def list_literal(x):
    parts = [x, x * 2.0, np.sin(x)]
    return np.sum(parts[0] * parts[2]) + np.sum(parts[1])


@case(vec(3))
def tuple_literal(x):
    t = (x, x * x)
    a, b = t
    return np.sum(a * b)


@case(vec(3))
def dict_literal(x):
    d = {"a": x, "b": np.exp(x)}
    return np.sum(d["a"] * d["b"])


def _params(rng):
    return ({"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)},
            rng.standard_normal((4, 3)))


@case(_params)
def dict_params(params, x):
    h = np.tanh(x @ params["W"] + params["b"])
    return np.mean(h ** 2)


@case(lambda rng: ([rng.standard_normal(2), rng.standard_normal(2)],))
def list_params(ws):
    return np.sum(ws[0] * ws[1] + ws[1])


@case(lambda rng: ((rng.standard_normal(2), rng.standard_normal(2)),))
def tuple_params(ws):
    a, b = ws
    return np.sum(np.sin(a) * b)


@case(lambda rng: ({"a": [rng.standard_normal(2), 0.7], "b": rng.standard_normal(2)},))
def nested_params(p):
    return np.sum(p["a"][0] * p["a"][1] + p["b"] ** 2)


@case(_params)
def dict_params_loop(params, x):
    s = 0.0
    for k in ["W", "b"]:
        s = s + np.sum(params[k] ** 2)
    return s + np.sum(x @ params["W"])


@case(_params)
def dict_params_items(params, x):
    s = 0.0
    for name, value in params.items():  # noqa: B007  (the compiler must handle it)
        s = s + np.sum(np.sin(value))
    return s


@case(lambda rng: (rng.standard_normal((5, 2)), rng.standard_normal((2, 2))), wrt=1)
def rnn_python_loop(xs, w):
    h = np.zeros(2)
    for x in xs:
        h = np.tanh(h @ w + x)
    return np.sum(h)


@case(lambda rng: (rng.standard_normal((4, 2)), rng.standard_normal((2, 2))), wrt=(0, 1))
def rnn_collect_states(xs, w):
    h = xs[0]
    states = []
    for t in range(1, len(xs)):
        h = np.tanh(h @ w) + xs[t]
        states.append(h)
    return np.sum(np.stack(states) ** 2)


# ---------------------------------------------------------------- integers, bools, pass-through


@case(vec(3))
def int_bool_passthrough(x):
    n = len(x)
    flag = n > 2
    count = 0
    for i in range(n):  # noqa: B007  (the compiler must handle it)
        count += 1
    assert count == n, "counted"
    scale = 2.0 if flag else 1.0
    return np.sum(x * x) * scale * count


@case(vec(3))
def print_passthrough(x, capsys=None):
    y = np.sum(x * x)
    print("loss", y is None)
    return y


@case(lambda rng: (rng.standard_normal(3), 2), duck=True)
def int_argument_not_differentiated(x, k):
    return np.sum(x ** k) * k


@case(vec(4))
def argmax_passthrough(x):
    i = np.argmax(x)
    return x[i] * np.sum(x)


@case(vec(3))
def constant_result_part(x):
    c = 3.0
    d = c * 2.0
    return np.sum(x) * d + c


@case(vec(3))
def unused_computation(x):
    unused = np.exp(x)  # noqa: F841
    y = np.sum(x * 2.0)
    return y


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal(3)), wrt=(0, 1))
def argument_not_used(x, y):
    return np.sum(x * x)


@case(vec(3))
def docstring_and_pass(x):
    """A docstring is not code."""
    pass
    return np.sum(x)


@case(scalar, duck=False, autograd=False)  # autograd cannot float() a traced value
def float_of_array(x):
    a = np.array([x, 2.0 * x])
    return float(np.sum(a * a))


@case(vec(3))
def keyword_only_and_default(x, *, k=2.0):
    return np.sum(x ** k)


@case(mat(2, 3))
def numpy_constants(x):
    return np.sum(x * np.pi) + np.e * x[0, 0]


@case(vec(3))
def sum_builtin_over_list(x):
    parts = [x[0], x[1] * 2.0, x[2] ** 2]
    return sum(parts)


@case(vec(3))
def max_min_builtin_two_args(x):
    return np.sum(np.maximum(x, 0.0)) + abs(x[0])


@case(scalar, duck=False)
def deep_expression(x):
    return ((x + 1.0) * (x - 1.0) / (x * x + 2.0)) ** 2 - np.sin(np.cos(np.tanh(x)))


@case(vec(3))
def same_value_many_uses(x):
    y = np.sin(x)
    return np.sum(y * y * y + y)


@case(vec(3))
def reassign_param(x):
    x = x * 2.0
    x = np.sin(x)
    return np.sum(x)


@case(vec(3))
def shadowed_names(x):
    d = x * 2.0
    dx = d + 1.0
    np_ = dx * d
    return np.sum(np_)


@case(lambda rng: (rng.standard_normal(3), 3))
def names_the_compiler_uses(stack, trips):
    unbroadcast = stack * 2.0
    zero_grad = 0.0
    cond, items, dy, y, tg = 1.0, 2.0, 3.0, 4.0, 5.0
    for i in range(trips):
        if np.sum(unbroadcast) > -100.0:
            zero_grad = zero_grad + np.sum(np.sin(unbroadcast * i)) * cond
    d_t1 = items * dy * y * tg
    return zero_grad * d_t1


@case(lambda rng: (rng.standard_normal(3), rng.standard_normal(3)), wrt="y")
def wrt_by_name(x, y):
    return np.sum(x * np.exp(y))


@case(scalar, duck=False)
def loop_many_iterations(x):
    s = 0.0
    for i in range(200):
        s = s + np.sin(x + i * 0.01)
    return s
