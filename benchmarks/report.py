"""A run as markdown: the timing table, first calls, overhead and memory, failures, verdict.

A tool that was not installed, lacked an API, failed, or disagreed with the others gets a cell
that says so with a numbered note giving the reason: nothing is dropped silently.
"""

from __future__ import annotations

from benchmarks.results import best, entry, find, fmt_time, is_extra, ok, ratio, size_label
from benchmarks.tools import BY_KEY, TOOLS

COMPILERS = ("tangentish", "tangent", "jax_jit")  # tools whose first call compiles


class Notes:
    """Numbered reasons, each distinct text once."""

    def __init__(self):
        self.texts: list[str] = []

    def ref(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return f"[{self.texts.index(text) + 1}]"

    def render(self) -> str:
        return "\n".join(f"{i}. {text}" for i, text in enumerate(self.texts, 1))


def _cell_text(cell: dict, key: str, notes: Notes) -> str:
    found = entry(cell, key)
    if found is None:
        return "—"
    if not ok(cell, key):
        status = found.get("status", "failed")
        word = "n/a" if status.startswith(("unavailable", "skipped")) else "failed"
        return f"{word} " + notes.ref(found["label"] + ": " + status)
    text = f"{fmt_time(found['median_s'])} ({fmt_time(found['min_s'])})"
    r = ratio(cell, key)
    return text + (f" ×{r:.2f}" if r is not None and key != "numpy" else "")


def timing_table(cells: list, keys, notes: Notes) -> str:
    labels = [BY_KEY[k].label for k in keys]
    rows = ["| workload | size | " + " | ".join(labels) + " |",
            "|---|---|" + "---|" * len(keys)]
    for cell in cells:
        if is_extra(cell):
            continue
        if "error" in cell:
            rows.append(f"| {cell['workload']} | {cell['size']} | process failed "
                        f"{notes.ref(cell['workload'] + ': ' + cell['error'])} |")
            continue
        texts = [_cell_text(cell, k, notes) for k in keys]
        rows.append(f"| {cell['workload']} | {size_label(cell)} | " + " | ".join(texts) + " |")
    return "\n".join(rows)


def first_call_table(cells: list) -> str:
    """First call (compilation included) and, for jax.jit, that minus a steady call."""
    keys = [k for k in COMPILERS if any(ok(c, k) for c in cells)]
    if not keys:
        return ""
    rows = ["| workload | size | " + " | ".join(BY_KEY[k].label for k in keys) + " |",
            "|---|---|" + "---|" * len(keys)]
    for cell in cells:
        if "error" in cell:
            continue
        texts = []
        for key in keys:
            first = entry(cell, key).get("first_call_s") if ok(cell, key) else None
            texts.append(fmt_time(first))
        rows.append(f"| {cell['workload']} | {size_label(cell)} | " + " | ".join(texts) + " |")
    return "\n".join(rows)


def _per_tool(cell: dict, value) -> str:
    parts = [f"{BY_KEY[k].label} {value(cell, k)}" for k in cell.get("tools", {}) if ok(cell, k)]
    return ", ".join(parts) or "no tool measured"


def extras(cells: list) -> str:
    lines = []
    cell = find(cells, "overhead")
    if cell and "error" not in cell:
        lines.append("- Cached-call overhead (gradient of `x + y` on two floats, minimum per "
                     "call): " + _per_tool(cell, lambda c, k: fmt_time(best(c, k))))
    cell = find(cells, "compile")
    if cell and "error" not in cell:
        first = {k: entry(cell, k)["first_call_s"] for k in COMPILERS if ok(cell, k)}
        runs = max((len(entry(cell, k).get("first_calls_s", [0])) for k in first), default=1)
        lines.append("- First call of the 50-line function's gradient, compilation included, "
                     "after the tool compiled another function (one-time start-up excluded; "
                     f"the fastest of {runs} fresh processes): "
                     + (", ".join(f"{BY_KEY[k].label} {fmt_time(s)}" for k, s in first.items())
                        or "no compiler measured"))
    for cell in cells:
        if "error" in cell or not any("peak_bytes" in e for e in cell.get("tools", {}).values()):
            continue
        base = entry(cell, "numpy").get("peak_bytes") if ok(cell, "numpy") else None

        def peak(c, k, base=base):
            got = entry(c, k).get("peak_bytes")
            if got is None:
                return "not visible to tracemalloc"
            return f"{got / 2**20:.1f} MiB" + (f" ({got / base:.1f}x)" if base else "")

        lines.append(f"- Peak memory on {cell['workload']} {size_label(cell)} "
                     f"(tracemalloc, x primal): " + _per_tool(cell, peak))
    return "\n".join(lines)


def verdict_text(lines: list[dict]) -> str:
    return "\n".join(f"- **{v['status']}** {v['target']}: {v['detail']}" for v in lines)


def machine_text(meta: dict) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v)
    load = meta.get("load_average")
    load = f", load average {load:.2f} at start" if load is not None else ""
    return (f"{meta['date']}, {meta['cpu']} ({meta['cores']} cores{load}), "
            f"Python {meta['python']}, NumPy BLAS {meta.get('numpy_blas')}, commit "
            f"{meta['commit']}; one thread per library; {versions}.")


def render(cells: list, meta: dict, verdict: list[dict]) -> str:
    notes = Notes()
    keys = [t.key for t in TOOLS if any(entry(c, t.key) for c in cells)]
    parts = [
        f"Machine: {machine_text(meta)}",
        "Each cell: median (minimum) time per call, and ×ratio of its minimum to the NumPy "
        "primal's minimum.",
        timing_table(cells, keys, notes),
        first_call_table(cells) and "First call (compilation included):",
        first_call_table(cells),
        extras(cells),
        "Verdict:",
        verdict_text(verdict),
    ]
    if notes.texts:
        parts += ["Notes:", notes.render()]
    return "\n\n".join(p for p in parts if p)
