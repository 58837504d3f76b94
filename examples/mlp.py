"""A two-layer MLP trained with tg.grad over a dict of parameters, on a synthetic dataset.

Run: python examples/mlp.py
"""

import numpy as np

import tangentish as tg


def init(rng, sizes):
    params = {}
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"W{i}"] = rng.standard_normal((m, n)) / np.sqrt(m)
        params[f"b{i}"] = np.zeros(n)
    return params


def predict(params, x):
    h = np.tanh(x @ params["W0"] + params["b0"])
    return h @ params["W1"] + params["b1"]


def loss(params, x, y):
    err = predict(params, x) - y
    return np.mean(err * err)


def make_data(rng, n=256):
    x = rng.uniform(-2.0, 2.0, (n, 1))
    y = np.sin(2.0 * x) + 0.05 * rng.standard_normal((n, 1))
    return x, y


def train(steps=300, lr=0.1, seed=0):
    rng = np.random.default_rng(seed)
    x, y = make_data(rng)
    params = init(rng, [1, 32, 1])
    dloss = tg.value_and_grad(loss)
    history = []
    for _ in range(steps):
        value, grads = dloss(params, x, y)
        params = {k: params[k] - lr * grads[k] for k in params}
        history.append(value)
    return params, history


def main():
    _, history = train()
    print(f"loss: {history[0]:.4f} -> {history[-1]:.4f} after {len(history)} steps")
    assert history[-1] < 0.25 * history[0], "training should reduce the loss"
    print(tg.source(tg.grad(loss)))


if __name__ == "__main__":
    main()
