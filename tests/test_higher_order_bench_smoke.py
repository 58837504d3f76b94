"""The forward-mode / HVP benchmark runs end to end on tiny sizes and checks what it times."""

import numpy as np

from benchmarks import higher_order


def test_tiny_table_end_to_end(capsys):
    argv = ["--only", "rosenbrock,mlp", "--tools", "tangentish", "--size", "4",
            "--budget", "0.01"]
    assert higher_order.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("| workload | size | tool | jvp / primal | hvp / primal |")
    rows = [line.split("|")[1:-1] for line in out.splitlines() if "tangentish" in line]
    assert len(rows) == 2
    for row in rows:
        ratios = [float(cell) for cell in row[3:]]  # a failure would be words, not a number
        assert all(r > 0 for r in ratios)


def test_a_wrong_tangent_is_reported_not_timed(monkeypatch):
    def wrong(pb):
        ops = higher_order._tangentish(pb)
        ops["hvp"] = lambda: 2.0 * pb.v
        return ops

    monkeypatch.setitem(higher_order.PREPARE, "tangentish", wrong)
    pb = higher_order.problem("rosenbrock", 5)
    result = higher_order.measure(pb, ("tangentish",), 0.01)
    assert result["tangentish"]["hvp"].startswith("failed: disagrees")
    assert isinstance(result["tangentish"]["jvp"], float)


def test_reference_is_the_analytic_rosenbrock_hvp():
    pb = higher_order.problem("rosenbrock", 3)
    x, v = pb.args[0], pb.v
    h = np.array([[1200 * x[0] ** 2 - 400 * x[1] + 2, -400 * x[0], 0.0],
                  [-400 * x[0], 200 + 1200 * x[1] ** 2 - 400 * x[2] + 2, -400 * x[1]],
                  [0.0, -400 * x[1], 200.0]])
    np.testing.assert_allclose(higher_order._reference(pb)["hvp"], h @ v, rtol=1e-5)
