"""Functions whose generated source is kept in tests/compiler/golden/ (see test_golden.py)."""

import numpy as np


def loss(x, w):
    z = x @ w
    h = np.tanh(z)
    return np.sum(h)


def piecewise(x):
    if x > 1.0:
        y = x * x
    else:
        y = np.sin(x)
    return y * 2.0


def rnn(h, w, xs):
    for x in xs:
        h = np.tanh(h @ w + x)
    return np.sum(h)


def damped(x, n):
    s = 0.0
    for i in range(n):
        if s > 10.0:
            break
        s = s + np.exp(-x * i)
    return s


def mlp(params, x):
    h = np.tanh(x @ params["W"] + params["b"])
    return np.mean(h ** 2)


GOLDEN = {
    "loss_wrt_w": (loss, 1),
    "piecewise": (piecewise, 0),
    "rnn_wrt_w": (rnn, 1),
    "damped_break": (damped, 0),
    "mlp_dict_params": (mlp, 0),
}
