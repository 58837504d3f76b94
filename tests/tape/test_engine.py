"""Engine behaviour beyond the torch scenarios: deep graphs, node hooks, pruning, deepcopy."""

from __future__ import annotations

import copy
import gc
import weakref

import numpy as np
import pytest

import tangentish as tg


def test_deep_graph_has_no_recursion_limit():
    w = tg.tensor(np.eye(4) * 0.5, requires_grad=True)
    h = tg.ones(4, dtype=tg.float64)
    for _ in range(5000):
        h = tg.tanh(h @ w + 0.1)
    h.sum().backward()
    assert np.isfinite(w.grad.numpy()).all()


def test_node_post_hook_sees_input_and_output_gradients():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        (grad_inputs[0].tolist(), grad_outputs[0].tolist())))
    y.sum().backward()
    assert seen == [([3.0, 3.0], [1.0, 1.0])]


def test_autograd_grad_runs_only_the_needed_part_of_the_graph():
    x = tg.tensor(1.0, requires_grad=True)
    z = tg.tensor(2.0, requires_grad=True)
    called = []
    a = x * 2
    b = z.exp()
    b.register_hook(lambda g: called.append("b"))
    (g,) = tg.autograd.grad(a + b, x)
    assert g.item() == 2.0 and called == []


def test_deepcopy_of_leaf_and_refusal_for_nonleaf():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    y = copy.deepcopy(x)
    assert y.requires_grad and y.is_leaf and y.grad.tolist() == [2.0, 4.0]
    y.grad.zero_()
    assert x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_gradients_never_alias_each_other():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    seed = tg.tensor([1.0, 1.0])
    (a + b).backward(seed)
    a.grad.mul_(10)
    assert b.grad.tolist() == [1.0, 1.0] and seed.tolist() == [1.0, 1.0]


def test_rules_run_on_tensors_only_under_create_graph():
    x = tg.tensor([0.5, 1.5], requires_grad=True)
    (g,) = tg.autograd.grad(x.sin().sum(), x)
    assert not g.requires_grad and g.grad_fn is None
    (g2,) = tg.autograd.grad(x.sin().sum(), x, create_graph=True)
    assert g2.requires_grad and g2.grad_fn.name() == "MulBackward0"
    np.testing.assert_allclose(g2.detach().numpy(), np.cos([0.5, 1.5]), rtol=1e-6)


def _cuda_available():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001  (no CuPy, no driver, no device: all mean "no GPU")
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda_available(), reason="CuPy with a CUDA device not found")
def test_cuda_tensors_keep_data_and_gradients_on_the_device():
    x = tg.tensor([0.5, 1.0, 2.0], device="cuda", requires_grad=True)
    y = (x.sin() * x).sum()
    y.backward()
    assert x.is_cuda and x.grad.is_cuda and str(x.device) == "cuda:0"
    assert "device='cuda:0'" in repr(x)
    expect = np.cos([0.5, 1.0, 2.0]) * [0.5, 1.0, 2.0] + np.sin([0.5, 1.0, 2.0])
    np.testing.assert_allclose(x.grad.cpu().numpy(), expect, rtol=1e-6)
    z = x.detach().cpu().requires_grad_()
    w = z.cuda() * 2
    w.sum().backward()
    assert not z.grad.is_cuda and z.grad.tolist() == [2.0, 2.0, 2.0]


def test_a_node_keeps_only_the_values_its_rules_read():
    """Like torch's saved tensors: add's rules read neither operand, mul's rule for ``s`` reads
    only the other factor, so nothing in the graph holds the big intermediate ``s``."""
    x = tg.tensor(np.linspace(-1.0, 1.0, 1000), requires_grad=True)
    s = x + 1.0
    y = np.tanh(s * 2.0)
    t = x * x  # both factors are read: x stays in the graph (it is alive anyway)
    kept = weakref.ref(s)
    del s
    gc.collect()
    assert kept() is None
    (y.sum() + t.sum()).backward()
    expected = 2 * (1 - np.tanh(2 * (np.linspace(-1.0, 1.0, 1000) + 1)) ** 2)
    np.testing.assert_allclose(x.grad.numpy(), expected + 2 * np.linspace(-1.0, 1.0, 1000))


def test_nodes_with_stand_ins_run_again_only_when_nothing_was_saved():
    x = tg.tensor(np.ones(1000), requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()  # add saved nothing: a second backward is allowed, as in torch
    assert x.grad.numpy()[0] == 2.0
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        z.backward()


def test_autograd_grad_results_never_alias_each_other_or_the_caller():
    """Results are handed out without a copy only when nothing else holds them."""
    x = tg.tensor(np.ones(5000), requires_grad=True)
    y = tg.tensor(np.ones(5000), requires_grad=True)
    gx, gy = tg.autograd.grad(np.tanh(x + y).sum(), [x, y])  # one fresh array reaches both
    gx.mul_(10)
    np.testing.assert_allclose(gy.numpy(), 1 - np.tanh(2.0) ** 2)
    v = tg.tensor(np.full(5000, 2.0))
    (g,) = tg.autograd.grad(x + 0.0, x, grad_outputs=v)  # add passes the caller's v through
    g.mul_(10)
    assert v.numpy()[0] == 2.0 and g.numpy()[0] == 20.0
    a, b = tg.autograd.grad((x * x).sum(), [x, x])  # one input twice
    a.mul_(10)
    assert b.numpy()[0] == 2.0 and a.numpy()[0] == 20.0
