"""tg.nn modules: a torch-style model trains, and its structure reads as torch's."""

from __future__ import annotations

import contextlib
import io

import pytest

SCRIPT = """
import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
print(model)
x = torch.linspace(-3, 3, 64).reshape(-1, 1)
y = torch.sin(x)
opt = torch.optim.Adam(model.parameters(), lr=0.02)
loss_fn = torch.nn.MSELoss()
for step in range(300):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
print(loss.item() < 0.01, [tuple(p.shape) for p in model.parameters()])
print(type(model[0].weight).__name__, model[0].weight.is_leaf, loss.grad_fn.name())
model.zero_grad()
print(all(p.grad is None for p in model.parameters()), len(model.state_dict()))
"""


def _run(module: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(SCRIPT.replace("import torch", f"import {module} as torch"), {})
    return out.getvalue()


def test_model_trains_and_prints_as_torch():
    got = _run("tangentish")
    assert "True [(16, 1), (16,), (1, 16), (1,)]" in got
    pytest.importorskip("torch")
    assert got == _run("torch")


def test_custom_module_registers_parameters_and_submodules():
    import tangentish as tg

    class Net(tg.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = tg.nn.Parameter(tg.ones(1))
            self.body = tg.nn.Linear(2, 3)

        def forward(self, x):
            return self.body(x) * self.scale

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "body.weight", "body.bias"]
    net(tg.ones(4, 2)).sum().backward()
    assert net.scale.grad is not None and net.body.weight.grad.shape == (3, 2)
