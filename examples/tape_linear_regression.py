"""Linear regression with the tape, as the seed articles write it for torch.

Run: python examples/tape_linear_regression.py
Swap the import for ``import torch`` and the script prints the same thing.
"""

import tangentish as torch

w = torch.tensor([[3.0, 1.0]], requires_grad=True)
b = torch.tensor([[3.0]], requires_grad=True)
X = torch.tensor([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.0]])
Y = torch.tensor([[1.0], [2.0], [3.0]])

Y_hat = X @ w.t() + b
loss = torch.mean(torch.pow(Y_hat - Y, 2))
loss.backward()

print("loss:", loss)
print("is_leaf:", w.is_leaf, X.is_leaf, Y_hat.is_leaf, loss.is_leaf)
print("dloss/dw:", w.grad)
print("dloss/db:", b.grad)
print("graph:", loss.grad_fn, "<-", loss.grad_fn.next_functions[0][0])
