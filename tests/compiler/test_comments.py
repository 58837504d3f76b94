"""``# grad of:`` comments quote the primal line as it reads after ``fuse``."""

import numpy as np

import tangentish as tg


def _comments(source: str) -> list[str]:
    return [line.strip()[len("# grad of: "):] for line in source.splitlines()
            if line.strip().startswith("# grad of: ")]


def _primal(source: str) -> set[str]:
    lines = source.split("# primal", 1)[1].split("# grad of:", 1)[0].splitlines()
    return {line.strip() for line in lines}


def layer(x, w, b):
    h = np.tanh(x @ w + b)
    return np.sum(h ** 2)


def loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.exp(-x * i))
    return s


def test_a_folded_temporary_quotes_the_line_it_went_into():
    source = tg.source(tg.grad(layer, wrt=(1, 2)))
    quoted = _comments(source)
    assert "h = np.tanh(_t1 + b)" in quoted
    assert not any(q.startswith("_t2 = ") for q in quoted)  # folded into h's line
    # every quote is a line the reader can find, or says it is not computed (the result of a
    # function whose gradient is all that is returned)
    computed = {q for q in quoted if not q.endswith("   (not computed)")}
    assert computed <= _primal(source)
    assert quoted.index("y = np.sum(h ** 2)   (not computed)") == 0
    assert "y = np.sum(h ** 2)" not in _primal(source)


def test_neighbours_quoting_one_line_merge():
    source = tg.source(tg.grad(layer, wrt=(1, 2)))
    quoted = _comments(source)
    assert len(quoted) == len(set(quoted))


def test_loop_bodies_quote_their_final_lines():
    source = tg.source(tg.grad(loop, wrt=0))
    assert set(_comments(source)) <= _primal(source) | {"s = 0.0"}
    df = tg.grad(loop, wrt=0)
    x = np.array([0.3, -0.2])
    eye = np.eye(2) * 1e-6
    numeric = [(loop(x + e, 3) - loop(x - e, 3)) / 2e-6 for e in eye]
    np.testing.assert_allclose(df(x, 3), numeric, rtol=1e-6)


def test_a_name_assigned_twice_keeps_its_own_quote():
    def twice(x):
        y = np.sin(x)
        y = y * np.cos(x)
        return np.sum(y)

    quoted = _comments(tg.source(tg.grad(twice)))
    assert "y = np.sin(x)" in quoted
