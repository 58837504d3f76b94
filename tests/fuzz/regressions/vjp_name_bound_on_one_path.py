"""C5: tg.vjp's pullback captured a loop variable of a branch not taken; fuzzer, 2026-11-29."""


def f(y):
    if y > 2.0:
        for i in range(2):
            y = y * (2.0 + i)
    return y


ARGS = (1.0,)
WRT = (0,)
