"""C7: a list built from list arguments gave None, not zeros, for unused gradient entries."""


def f(a, b):
    pair = [a, b]
    return pair[0][1] * 2.0 + pair[1][0]


ARGS = ([0.5, 0.25], [1.0, 2.0])
WRT = (0, 1)
