"""A small training loop: a two-layer network fit to sin(x) with tg.optim.SGD (momentum).

Run: python examples/tape_sgd_training.py
"""

import math

import tangentish as torch

torch.manual_seed(0)
x = torch.linspace(-math.pi, math.pi, 64).reshape(-1, 1)
y = torch.sin(x)

w1 = (torch.randn(1, 16) * 0.5).requires_grad_()
b1 = torch.zeros(16, requires_grad=True)
w2 = (torch.randn(16, 1) * 0.5).requires_grad_()
b2 = torch.zeros(1, requires_grad=True)
opt = torch.optim.SGD([w1, b1, w2, b2], lr=0.05, momentum=0.9)

for step in range(301):
    opt.zero_grad()
    pred = torch.tanh(x @ w1 + b1) @ w2 + b2
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    opt.step()
    if step % 100 == 0:
        print(f"step {step:3d}  loss {loss.item():.5f}")

with torch.no_grad():
    final = ((torch.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()
print("final loss below 0.01:", final.item() < 0.01)
