"""NumPy's ndarray members on Tensor, with NumPy's meaning in NumPy code run on the tape.

Under the compiler's tape fallback a NumPy float array is handed to the user's code as an
untracked Tensor, so every ndarray member that code calls must give NumPy's answer: checked
here against NumPy on plain data (on NumPy and the duck array), the differentiable ones
against central finite differences, and once through ``tg.grad``'s fallback end to end.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import tangentish as tg
from tangentish.checking import numerical_grad
from tangentish.runtime.tape import TapeWarning
from tangentish.runtime.tape.fallback import grad_via_tape
from tangentish.runtime.tape.grad_mode import _state as grad_state
from tangentish.runtime.tape.tensor import Tensor

V = np.array([0.5, -0.3, 1.25, 2.0, -0.7])
S = np.array([-1.5, -0.2, 0.4, 0.9, 2.5])  # sorted, no ties
M = np.array([[2.0, 0.3, -0.1, 0.8], [0.35, 1.0, 0.4, -2.0], [1.1, 2.2, 3.3, -0.6]])
I = np.array([0, 2, 1, 1, 0])  # noqa: E741  (indices for choose)


@pytest.fixture
def numpy_code(monkeypatch):
    """What the fallback sets while it runs the user's NumPy code."""
    monkeypatch.setattr(grad_state, "fallback", True)


def _put(a, *args, **kwargs):
    a.put(*args, **kwargs)
    return a


def _flat_set(a, index, value):
    a.flat[index] = value
    return a


def _flat_assign(a, value):
    a.flat = value
    return a


def _in_place(method, *args, **kwargs):
    def run(a):
        getattr(a, method)(*args, **kwargs)
        return a

    run.__name__ = method
    return run


# (array, NumPy code): the same code runs on the plain array and on it as an untracked Tensor
VALUES = {
    "put": (V, lambda a: _put(a, [0, 2], [9.0, 8.0])),
    "put_repeats_values": (V, lambda a: _put(a, [0, 1, 3], [7.0, -1.0])),
    "put_last_write_wins": (V, lambda a: _put(a, [-1, 0, 0], [1.0, 2.0, 3.0])),
    "put_scalar": (V, lambda a: _put(a, 2, 5.0)),
    "put_wrap": (V, lambda a: _put(a, [7, -8], [1.0, 2.0], mode="wrap")),
    "put_clip": (V, lambda a: _put(a, [7, -8], [1.0, 2.0], mode="clip")),
    "put_2d": (M, lambda a: _put(a, np.array([[1, 5], [11, 6]]), [1.0, 2.0, 3.0, 4.0])),
    "put_0d": (np.array(1.5), lambda a: _put(a, [0, 0], [4.0, 6.0])),
    "flat_read": (M, lambda a: a.flat[5]),
    "flat_read_slice": (M, lambda a: a.flat[1:9:3]),
    "flat_iter": (M, lambda a: np.array([float(v) for v in a.flat]) + len(a.flat)),
    "flat_write": (M, lambda a: _flat_set(a, [1, 7], [9.0, 8.0])),
    "flat_write_slice": (M, lambda a: _flat_set(a, slice(None, None, 2), 0.5)),
    "flat_assign_repeats": (V, lambda a: _flat_assign(a, [1.0, 2.0])),
    "searchsorted": (S, lambda a: a.searchsorted(0.7)),
    "searchsorted_right": (S, lambda a: a.searchsorted([-0.2, 0.4, 9.0], side="right")),
    "searchsorted_sorter": (V, lambda a: a.searchsorted([0.0, 1.0], sorter=np.argsort(V))),
    "argpartition": (V, lambda a: a.argpartition(2)),
    "argpartition_axis": (M, lambda a: a.argpartition(1, axis=0)),
    "partition": (V, _in_place("partition", 2)),
    "partition_axis": (M, _in_place("partition", [0, 2], axis=1)),
    "compress": (V, lambda a: a.compress([True, False, True])),
    "compress_axis0": (M, lambda a: a.compress([False, True, True], axis=0)),
    "compress_axis1": (M, lambda a: a.compress([True, False, False, True], axis=1)),
    "trace": (M, lambda a: a.trace()),
    "trace_offset": (M, lambda a: a.trace(1)),
    "trace_below": (M, lambda a: a.trace(offset=-1, dtype=np.float32)),
    "trace_axes": (M.reshape(2, 3, 2), lambda a: a.trace(axis1=1, axis2=2)),
    "choose": (None, lambda a: I.choose([V, 2.0 * V, -V])),
    "resize_pad": (V, _in_place("resize", 7)),
    "resize_cut": (M, _in_place("resize", 2, 3)),
    "resize_tuple": (V, _in_place("resize", (2, 2))),
    "byteswap": (V, lambda a: a.byteswap()),
    "byteswap_in_place": (V, _in_place("byteswap", True)),
    "getfield_same": (V, lambda a: a.getfield(np.float64)),
    "getfield_bits": (V, lambda a: a.getfield(np.int32, 4)),
    "setfield_same": (V, lambda a: (a.setfield(3.0, np.float64), a)[1]),
    "setfield_bits": (V, lambda a: (a.setfield(0, np.int32, 4), a)[1]),
    "view": (V, lambda a: a.view()),
    "view_ndarray": (V, lambda a: a.view(np.ndarray)),
    "view_dtype": (V, lambda a: a.view(np.int64)),
    "view_same_dtype": (V, lambda a: a.view(dtype=np.float64)),
    "tobytes": (M, lambda a: np.frombuffer(a.tobytes(), np.float64)),
    "tobytes_fortran": (M, lambda a: np.frombuffer(a.tobytes("F"), np.float64)),
    "dumps": (M, lambda a: pickle.loads(a.dumps())),
    "flags": (M, lambda a: (a.flags.c_contiguous, a.flags.writeable)),
    "to_device": (V, lambda a: a.to_device("cpu")),
    "reshape_fortran": (M, lambda a: a.reshape(2, 6, order="F")),
    "reshape_fortran_free": (M, lambda a: a.reshape((4, -1), order="F")),
    "ravel_fortran": (M, lambda a: a.ravel("F")),
    "flatten_fortran": (M, lambda a: a.flatten("F")),
    "flatten": (M, lambda a: a.flatten()),
    "copy_order": (M, lambda a: a.copy("F")),
    "astype_name": (V, lambda a: a.astype("float32")),
    "astype_no_copy": (V, lambda a: a.astype(np.float32, copy=False)),
    "sum_axis_dtype": (M, lambda a: a.sum(0, np.float32)),
    "mean_axis_dtype": (M, lambda a: a.mean(1, np.float32)),
    "prod_axis_dtype": (M, lambda a: a.prod(0, np.float32)),
    "cumsum_axis": (M, lambda a: a.cumsum(1)),
    "cumsum_dtype": (M, lambda a: a.cumsum(0, np.float64)),
    "argsort_flat": (M, lambda a: a.argsort(axis=None)),
    "argsort_kind": (M, lambda a: a.argsort(0, "stable")),
    "sort_kind": (M, _in_place("sort", 0, "stable")),
    "sort_kind_keyword": (M, _in_place("sort", kind="stable")),
    "squeeze_axis": (M[:1], lambda a: a.squeeze(axis=0)),
    "all_axis": (M, lambda a: a.all(axis=0)),
    "any_axis_keepdims": (M > 0.5, lambda a: a.any(axis=1, keepdims=True)),
    "argmax_keepdims": (M, lambda a: a.argmax(axis=0, keepdims=True)),
    "argmin_keepdims": (M, lambda a: a.argmin(1, keepdims=True)),
    "diagonal": (M, lambda a: a.diagonal(1)),
    "take_wrap": (V, lambda a: a.take([6, -7], mode="wrap")),
    "repeat": (M, lambda a: a.repeat([1, 0, 2], axis=0)),
    "cumprod": (M, lambda a: a.cumprod(axis=1)),
    "nonzero": (M > 0.5, lambda a: a.nonzero()),
    "item": (M, lambda a: a.item(5)),
    "tolist": (M, lambda a: a.tolist()),
    "fill": (M, _in_place("fill", 2.5)),
    "clip": (V, lambda a: a.clip(-0.5, 1.0)),
    "transpose": (M.reshape(2, 3, 2), lambda a: a.transpose(1, 0, 2)),
    "swapaxes": (M, lambda a: a.swapaxes(0, 1)),
    "sum_where_initial": (M, lambda a: a.sum(axis=0, where=M > 0.5, initial=1.5)),
    "prod_where": (M, lambda a: a.prod(1, where=[True, False, True, True], keepdims=True)),
    "mean_where": (M, lambda a: a.mean(axis=1, where=M > 0.0)),
    "mean_where_all": (M, lambda a: a.mean(where=M < 1.0)),
    "max_initial": (V, lambda a: a.max(initial=3.0)),
    "max_where_initial": (M, lambda a: a.max(axis=1, where=M < 2.0, initial=-5.0)),
    "min_initial_axis": (M, lambda a: a.min(0, initial=0.0)),
}


def _as_plain(v, backend):
    """A result as NumPy data (Tensors unwrapped, nests too) to compare with NumPy's."""
    if isinstance(v, Tensor):
        return np.asarray(backend.back(v._data))
    if isinstance(v, tuple):
        return tuple(_as_plain(x, backend) for x in v)
    if hasattr(v, "shape") and not isinstance(v, (np.ndarray, np.generic)):
        return np.asarray(backend.back(v))
    return v


@pytest.mark.parametrize("name", VALUES)
def test_values_are_numpys(name, backend, numpy_code):
    data, code = VALUES[name]
    if data is None:  # choose: an integer Tensor (an argmax) choosing among float arrays
        want = code(None)
        got = Tensor._wrap(backend.to(I.copy())).choose(
            [Tensor._wrap(backend.to(c)) for c in (V, 2.0 * V, -V)])
    else:
        want = code(data.copy())
        got = code(Tensor._wrap(backend.to(data.copy())))
    got = _as_plain(got, backend)
    np.testing.assert_equal(got, want)
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape


def test_members_of_numpys_memory(numpy_code):
    a = np.array(M)
    t = Tensor._wrap(a)
    assert t.strides == a.strides and t[:, ::2].strides == a[:, ::2].strides
    assert t.ctypes.data == a.ctypes.data
    assert t.base is None and t[1:].base is t
    t.setflags(write=False)
    assert not a.flags.writeable and not t.flags.writeable


def test_numpys_errors(numpy_code):
    t = Tensor._wrap(V.copy())
    with pytest.raises(IndexError, match="index 9 is out of bounds for axis 0 with size 5"):
        t.put([1, 9], [0.0, 0.0])
    np.testing.assert_array_equal(t._data, V)  # nothing written
    with pytest.raises(ValueError, match="invalid entry in choice array"):
        Tensor._wrap(np.array([0, 3])).choose([V[:2], V[2:4]])
    with pytest.raises(ValueError, match="cannot resize this array: it does not own its data"):
        t[1:].resize(9)
    t.resize(7)
    t.resize(2, 2)
    np.testing.assert_array_equal(t._data, V[:4].reshape(2, 2))
    with pytest.raises(TypeError, match="Tensor.trace: out= is not supported"):
        Tensor._wrap(M.copy()).trace(out=np.zeros(()))
    with pytest.raises(AttributeError, match="'Tensor' object has no attribute 'itemset'"):
        t.itemset(0, 1.0)  # gone from NumPy 2 too


def test_every_public_ndarray_member_is_there():
    t = Tensor._wrap(M.copy())
    missing = [name for name in dir(np.ndarray)
               if not name.startswith("_") and not hasattr(t, name)]
    assert missing == []


def test_outside_numpy_code_put_is_torchs():
    t = tg.tensor([1.0, 2.0, 3.0, 4.0])
    out = t.put(tg.tensor([3, 0]), tg.tensor([9.0, 8.0]))
    np.testing.assert_array_equal(out.numpy(), [8.0, 2.0, 3.0, 9.0])
    np.testing.assert_array_equal(t.numpy(), [1.0, 2.0, 3.0, 4.0])
    t.put_(tg.tensor([1, 1, -1]), tg.tensor([1.0, 2.0, 5.0]), accumulate=True)
    np.testing.assert_array_equal(t.numpy(), [1.0, 5.0, 3.0, 9.0])
    assert t.partition(1) is not None  # torch has no in-place partition: a new tensor


# ---------------------------------------------------------------- gradients


def put_values(x):
    a = x[:4] * 1.0
    a.put([0, 2, 0], x[1:4] * x[2:5])  # the first write into 0 is overwritten
    return np.sum(a * a * x[:4])


def put_repeats(x):
    a = np.sin(x)
    a.put([4, -1, 1, 3], x[:3] ** 2, mode="wrap")
    return np.sum(a * np.cos(x))


def put_clip_2d(x):
    a = np.outer(x[:2], x[1:4])
    a.put([-3, 2, 99], np.exp(x[2:5]), mode="clip")
    return np.sum(a ** 2)


def put_into_a_constant(x):
    c = np.ones(5)
    c.put([1, 3], x[::2][:2] * 3.0)
    c.put([0, 4], [x[1], 2.0])  # a list holding a tracked value
    return np.sum(c * x)


def flat_reads_and_writes(x):
    a = np.outer(x[:2], x[2:]) * 1.0
    a.flat[[1, 4]] = x[:2] ** 2
    a.flat[::4] = np.tanh(x[3])
    return np.sum(a * a) + np.sum(a.flat[2:5] * x[:3])


def flat_assigned(x):
    a = x * 1.0
    a.flat = x[1:3] * 2.0
    return np.sum(a * x)


def partition_in_place(x):
    a = x * np.array([1.0, -2.0, 0.5, 3.0, -1.0])
    a.partition(2)
    return np.sum(a[:3] ** 2) + a[2] * x[0]


def compress_trace_choose(x):
    m = np.outer(x[:3], x[1:4])
    picked = m.compress([True, False, True], axis=1)
    chosen = np.argmax(m, axis=0).choose([x[:3], x[2:5] ** 2, -x[1:4]])
    return np.sum(picked ** 2) + m.trace(1) * x[4] + m.trace() + np.sum(chosen * x[:3])


def resized(x):
    a = x * 1.0
    a.resize(7)  # padded with zeros
    head = np.sum(a[:3] ** 2)  # (a view the tape's nodes may keep: resized all the same)
    a.resize(8)
    b = np.outer(x, x[:2])
    b.resize(2, 3)  # cut
    return np.sum(a * np.arange(8.0)) + np.sum(b ** 2) + head


def fortran_order(x):
    m = np.outer(x[:2], x[1:4] ** 2)
    return np.sum(m.reshape(3, 2, order="F") * np.arange(6.0).reshape(3, 2)) + np.sum(
        m.ravel("F") * x[:1]) + np.sum(m.flatten("F")[::2])


def masked_reductions(x):
    m = np.outer(x[:3], x[1:4])
    keep = np.array([[True, False, True], [False, True, True], [True, True, False]])
    return (np.sum(m.sum(axis=0, where=keep, initial=0.5) ** 2)
            + np.sum(m.mean(axis=1, where=keep)) * x[4]
            + m.max(where=keep, initial=-9.0) + np.sum(m.min(1, initial=0.1))
            + m.prod(where=keep))


def audited_members(x):
    m = np.outer(x[:3], x[1:5])
    m.sort(0, "stable")  # NumPy's positional kind, not torch's descending
    return (np.sum(m.diagonal(1) ** 2) + np.sum(m.repeat([1, 0, 2], axis=0) * 0.5)
            + np.sum(m.take([7, -13], mode="wrap") * x[:2]) + np.sum(m.cumprod(axis=1))
            + np.sum(m.clip(-0.5, 0.5) * m) + np.sum(m.sum(0, np.float64) ** 2)
            + m.mean(1, np.float64)[2] + np.sum(m.ravel("F")[::3] * 2.0))


def same_dtype_field_and_view(x):
    a = x * 2.0
    a.setfield(x[::-1] ** 2, np.float64)
    return np.sum(a.getfield(np.float64) * a.view(np.ndarray) * x.view())


def written_through_views(x):
    m = np.outer(x[:3], x[1:4])
    m[1].put([0, 2], [x[0] ** 2, 3.0])  # NumPy writes into m: so does the tape
    m.T.put([1, 5], x[3:5])
    m[2].flat[1] = np.sin(x[4])
    c = np.zeros_like(m[:2])  # (in the program's library: a duck array's values go in)
    c[1].put([2, 0], x[:2])
    c.T.flat[1] = x[4]
    return np.sum(m ** 3) + np.sum(c * c * x[1:4])


def sorted_and_partitioned_views(x):
    m = np.outer(x[:3], x[1:4])
    m[0].partition(1)
    m[:, 1].sort()  # (nothing the backward reads is changed by either write)
    return np.sum(m * np.arange(9.0).reshape(3, 3))


GRADIENT_CASES = [put_values, put_repeats, put_clip_2d, put_into_a_constant,
                  flat_reads_and_writes, flat_assigned, partition_in_place,
                  compress_trace_choose, resized, fortran_order, same_dtype_field_and_view,
                  written_through_views, sorted_and_partitioned_views, masked_reductions,
                  audited_members]
X0 = np.array([0.3, -0.7, 1.1, 0.45, -1.3])


@pytest.mark.parametrize("f", GRADIENT_CASES, ids=lambda f: f.__name__)
def test_gradients_match_finite_differences(f, backend, saving):
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        got = grad_via_tape(f, (backend.to(X0.copy()),))
    expect = numerical_grad(f, [X0.copy()], 0)[0][0]
    np.testing.assert_allclose(np.asarray(backend.back(got)), expect, rtol=1e-6, atol=1e-8)


def test_torchs_put_gradients():
    x = tg.tensor([0.3, -0.7, 1.1, 0.45], requires_grad=True)
    v = tg.tensor([2.0, -1.0, 0.5], requires_grad=True)
    out = x.put(tg.tensor([0, 2, 0]), v * v)
    (out * out).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, -1.4, 0.0, 0.9], rtol=1e-6)
    np.testing.assert_allclose(v.grad.numpy(), [0.0, -4.0, 0.5], rtol=1e-6)  # v[0] overwritten
    v.grad = None
    y = x * 1.0
    y.put_(tg.tensor([1, 1]), v[:2], accumulate=True)
    (y * y).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [0.6, 0.6, 0.0], rtol=1e-6)  # 2 y[1] = 0.6


def members_called_by_numpy_code(x):
    try:  # (try: the compiler leaves the function to the tape)
        a = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
        a.put([0, 3], x[:2] * x[3])
        a.flat[4] = np.sin(x[4])
        k = np.sort(x).searchsorted(0.0)
        a.partition(1)
        b = np.outer(x[:2], x[2:]).compress([True, False, True], axis=1)
        return np.sum(a * x) * k + b.trace() + np.sum(a[:2] ** 2) * len(M.tobytes())
    finally:
        pass


def test_through_tg_grads_fallback():
    with pytest.warns(tg.TransformWarning), warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        got = tg.grad(members_called_by_numpy_code)(X0.copy())
    expect = numerical_grad(members_called_by_numpy_code, [X0.copy()], 0)[0][0]
    np.testing.assert_allclose(got, expect, rtol=1e-6, atol=1e-8)
    assert type(got) is np.ndarray


def test_jvp_and_hvp_on_the_tape():
    v = np.array([0.2, -1.0, 0.7, 0.3, 0.5])
    f = members_called_by_numpy_code
    with warnings.catch_warnings():
        warnings.simplefilter("error", TapeWarning)
        warnings.simplefilter("ignore", tg.TransformWarning)
        value, tangent = tg.jvp(f, (X0.copy(),), (v,))
        hessian_v = tg.hvp(f, X0.copy(), v)
        eps, g = 1e-5, tg.grad(f)
        expect_hv = (g(X0 + eps * v) - g(X0 - eps * v)) / (2 * eps)
    assert value == pytest.approx(f(X0.copy()))
    assert tangent == pytest.approx(np.sum(numerical_grad(f, [X0.copy()], 0)[0][0] * v),
                                    rel=1e-6)
    np.testing.assert_allclose(hessian_v, expect_hv, rtol=1e-5, atol=1e-7)
