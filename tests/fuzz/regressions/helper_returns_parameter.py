"""C2: inlining a helper that returns its parameter, called with a constant; fuzzer, 2026-11-29."""


def h(a):
    return a


def f(x):
    t = h(0.5)
    return t * x


ARGS = (0.3,)
WRT = (0,)
