"""C5b: tg.vjp's pullback needed a name assigned twice in the branch not taken."""


def f(x, y):
    if y > 0.0:
        x = x * 2.0
    else:
        t2 = y * 3.0
        t2 = t2 * x
        x = x + t2
    return x


ARGS = (1.0, 0.5)
WRT = (0, 1)
