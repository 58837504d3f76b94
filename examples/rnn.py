"""An RNN written as a plain Python loop, differentiated by source transformation.

The forward sweep pushes each step's hidden state onto a stack; the adjoint sweep pops them
and runs the loop backwards (backpropagation through time, generated).

Run: python examples/rnn.py
"""

import numpy as np

import tangentish as tg


def rnn_loss(params, xs, target):
    h = np.zeros(params["Wh"].shape[0])
    for x in xs:
        h = np.tanh(params["Wh"] @ h + params["Wx"] @ x + params["b"])
    out = params["Wo"] @ h
    return np.sum((out - target) ** 2)


def init(rng, n_in, n_hidden, n_out):
    return {
        "Wh": 0.3 * rng.standard_normal((n_hidden, n_hidden)),
        "Wx": 0.3 * rng.standard_normal((n_hidden, n_in)),
        "b": np.zeros(n_hidden),
        "Wo": 0.3 * rng.standard_normal((n_out, n_hidden)),
    }


def main(steps=20, lr=0.05):
    rng = np.random.default_rng(0)
    params = init(rng, 3, 8, 2)
    xs = rng.standard_normal((10, 3))  # 10 time steps
    target = np.array([0.5, -0.5])
    grad = tg.value_and_grad(rnn_loss)
    first = None
    for _ in range(steps):
        value, g = grad(params, xs, target)
        first = value if first is None else first
        params = {k: params[k] - lr * g[k] for k in params}
    print(f"loss: {first:.4f} -> {value:.4f}")
    assert value < first
    tg.gradcheck(rnn_loss, (params, xs, target))
    print("gradcheck through 10 time steps: ok")
    print(tg.source(tg.grad(rnn_loss)))


if __name__ == "__main__":
    main()
