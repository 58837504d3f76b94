"""Quickstart: differentiate a NumPy function by source transformation and read the result.

Run: python examples/quickstart.py
"""

import numpy as np

import tangentish as tg


def loss(x, w):
    z = x @ w
    h = np.tanh(z)
    return np.sum(h)


def main():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal(3)

    dloss = tg.grad(loss, wrt=1)  # gradient w.r.t. w, same shape as w
    print("dloss/dw =", dloss(x, w))
    print(tg.source(dloss))  # the generated adjoint, as plain Python

    # Both gradients at once, and the value too.
    value, (dx, dw) = tg.value_and_grad(loss, wrt=(0, 1))(x, w)
    print(f"loss = {value:.4f}, |dx| = {np.linalg.norm(dx):.4f}")

    # Control flow is fine: the adjoint replays the same path backwards.
    def clipped_power(x, n):
        y = x
        for _ in range(n):
            y = y * x
            if y > 10.0:
                break
        return y

    print("d/dx clipped_power(1.5, 8) =", tg.grad(clipped_power)(1.5, 8))
    tg.gradcheck(loss, (x, w), wrt=(0, 1))
    print("gradcheck: ok")


if __name__ == "__main__":
    main()
