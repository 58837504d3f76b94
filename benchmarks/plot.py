"""Time against model size, log-log, one panel per scaled workload (needs matplotlib)."""

from __future__ import annotations

from benchmarks.results import best
from benchmarks.tools import TOOLS

SCALED = (("mlp", "MLP width (batch 32)"), ("rnn", "RNN hidden size (50 steps, batch 16)"))


def plot(cells: list, path) -> bool:
    """Save the chart to ``path``; False when matplotlib is missing or nothing scaled ran."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    panels = [(w, label, sorted((c for c in cells if c["workload"] == w and "error" not in c),
                                key=lambda c: c["size"])) for w, label in SCALED]
    panels = [p for p in panels if len(p[2]) >= 2]
    if not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.5), squeeze=False)
    for ax, (workload, label, series) in zip(axes[0], panels):
        for n, tool in enumerate(TOOLS):
            points = [(c["size"], best(c, tool.key)) for c in series]
            points = [(x, y) for x, y in points if y is not None]
            if points:  # one colour per tool in every panel; tangentish drawn heavier
                ax.plot(*zip(*points), "--" if tool.kind == "primal" else "-", marker="o",
                        color=f"C{n}", linewidth=3 if tool.key == "tangentish" else 1.5,
                        label=tool.label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.set_ylabel("seconds per call (minimum)")
        ax.set_title(f"{workload}: gradient (solid) and primal (dashed)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
