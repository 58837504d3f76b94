"""The benchmark workloads, each written once, as plain NumPy.

This file is the source that tangentish, tangent-ad and the tape differentiate as it stands.
HIPS autograd, JAX and torch run the very same code objects with the global ``np`` rebound to
their own array module (``tools.rebind``), so no workload exists in a second copy. That is why
every function here reaches NumPy only through the module-level name ``np``, and why each uses
only calls all those array modules share (``np.max(z, axis=1, keepdims=True)``, ``@``,
``np.transpose(a, axes)``).
"""

import numpy as np


def scalar_loop(x, y):
    """1,000 iterations of scalar float math: the cost of one primitive, not of its arithmetic."""
    for _ in range(1000):
        x = x + 0.001 * np.sin(x * y)
        y = y - 0.001 * np.cos(y) * x
    return x * y


def control_loop(x):
    """Data-dependent control flow: a branch on the value of ``x`` at every iteration."""
    for _ in range(100):
        if np.sum(x) > 1.0:
            x = x / 2.0
        else:
            x = np.tanh(x) * 1.5 + 0.05
    return np.sum(x * x)


def rosenbrock(x):
    """The extended Rosenbrock function, vectorised: memory-bound elementwise work."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def mlp(w1, b1, w2, b2, w3, b3, x, y):
    """A 3-layer tanh MLP with softmax cross-entropy; ``y`` holds one-hot labels."""
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    z = h2 @ w3 + b3
    z = z - np.max(z, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(y * logp) / x.shape[0]


def rnn(wx, wh, b, xs, h):
    """A vanilla tanh RNN over the time axis of ``xs``; the loss reads the final state."""
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ wx + h @ wh + b)
    return np.sum(h * h) / h.shape[0]


def logreg(w, b, X, y):
    """Mean logistic loss of a linear model; labels ``y`` are -1 or +1."""
    z = X @ w + b
    return np.sum(np.log(1.0 + np.exp(-y * z))) / X.shape[0]


def gmm(alpha, mu, q, l, x, tril_idx, tril_mask, gamma, m, const):
    """Negative log posterior of a Gaussian mixture with a Wishart prior (GradBench's gmm).

    Component k has precision factor Q_k = diag(exp(q_k)) + L_k, where the strictly lower
    triangle of L_k is the packed vector ``l[k]`` (gathered through ``tril_idx`` and zeroed
    above the diagonal by ``tril_mask``). ``const`` carries the terms that depend on no
    parameter (the 2*pi normaliser and the Wishart normaliser), so the value matches the spec.
    """
    n = x.shape[0]
    qdiag = np.exp(q)
    sum_q = np.sum(q, axis=1)
    lower = l[:, tril_idx] * tril_mask
    xc = x[None, :, :] - mu[:, None, :]
    qx = qdiag[:, None, :] * xc + xc @ np.transpose(lower, (0, 2, 1))
    inner = (alpha + sum_q)[:, None] - 0.5 * np.sum(qx**2, axis=2)
    top = np.max(inner, axis=0, keepdims=True)
    lse = top + np.log(np.sum(np.exp(inner - top), axis=0, keepdims=True))
    amax = np.max(alpha)
    lse_alpha = amax + np.log(np.sum(np.exp(alpha - amax)))
    loglik = np.sum(lse) - n * lse_alpha
    frob = np.sum(qdiag**2, axis=1) + np.sum(l**2, axis=1)
    logprior = np.sum(m * sum_q - 0.5 * gamma * gamma * frob)
    return -(loglik + logprior + const)


def ode(y, a, b):
    """Classic Runge-Kutta 4 on dy/dt = tanh(a @ y + b) - y, 100 steps of dt = 0.01."""
    dt = 0.01
    for _ in range(100):
        k1 = np.tanh(a @ y + b) - y
        y1 = y + 0.5 * dt * k1
        k2 = np.tanh(a @ y1 + b) - y1
        y2 = y + 0.5 * dt * k2
        k3 = np.tanh(a @ y2 + b) - y2
        y3 = y + dt * k3
        k4 = np.tanh(a @ y3 + b) - y3
        y = y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return np.sum(y * y)


def lse(x):
    """A numerically stable logsumexp of a vector."""
    top = np.max(x)
    return top + np.log(np.sum(np.exp(x - top)))


def scalar_add(x, y):
    """One scalar add: what a cached gradient call costs beyond its arithmetic."""
    return x + y


def fifty_lines(x, w):
    """A 50-line straight-line function, for the first-call compile time."""
    a = np.sin(x)
    b = np.cos(x)
    c = a * b + x
    d = np.tanh(c @ w)
    e = np.exp(-d * d)
    f = d * e + 1.0
    g = np.log(f * f + 1.0)
    h = g @ w
    i = np.sin(h) * np.cos(h)
    j = i + a
    k = np.tanh(j)
    l = k * k
    m = np.sum(l, axis=0)
    n = m / x.shape[0]
    o = np.exp(-n)
    p = o * n + 1.0
    r = np.log(p)
    s = np.sum(r)
    t = np.tanh(x @ w)
    u = t - np.max(t, axis=1, keepdims=True)
    v = np.exp(u)
    z = v / np.sum(v, axis=1, keepdims=True)
    aa = np.sum(z * t)
    bb = aa * s
    cc = np.sin(bb)
    dd = x * x
    ee = np.sum(dd, axis=1)
    ff = np.sqrt(ee + 1.0)
    gg = np.sum(ff)
    hh = gg * cc
    ii = np.cos(w)
    jj = np.sum(ii * w)
    kk = jj / (1.0 + jj * jj)
    ll = kk + hh
    mm = np.tanh(ll)
    nn = x @ ii
    oo = np.sum(nn * nn)
    pp = np.log(oo + 1.0)
    qq = pp * mm
    rr = np.exp(-qq * qq)
    ss = rr + qq
    tt = np.sin(ss) + np.cos(ss)
    uu = tt * tt
    vv = uu - 0.5 * ss
    ww = np.tanh(vv)
    xx = ww * ww + vv
    yy = xx / (1.0 + np.exp(-xx))
    zz = yy + s + aa + gg + jj + oo
    return zz * 0.5 + yy
