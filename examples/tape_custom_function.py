"""A custom autograd.Function (MyReLU from the seed articles) with its own backward.

Run: python examples/tape_custom_function.py
"""

import tangentish as torch


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


w = torch.tensor([[3.0, 1.0]], requires_grad=True)
b = torch.tensor([[3.0]], requires_grad=True)
X = torch.tensor([[-1.0, -1.0], [1.0, 1.0]])
Y = torch.tensor([[2.0, 3.0]])

Y_hat = MyReLU.apply(X @ w.t() + b)
loss = torch.mean(torch.pow(Y_hat - Y, 2))
loss.backward()

print("Y_hat:", Y_hat)
print("grad_fn:", type(Y_hat.grad_fn).__name__)
print("dloss/dw:", w.grad, "dloss/db:", b.grad)

# The same gradient from the built-in relu:
w2 = w.detach().clone().requires_grad_()
b2 = b.detach().clone().requires_grad_()
torch.mean(torch.pow(torch.relu(X @ w2.t() + b2) - Y, 2)).backward()
print("built-in relu agrees:", torch.allclose(w.grad, w2.grad), torch.allclose(b.grad, b2.grad))
