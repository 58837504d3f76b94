"""Read numbers out of cell records: a tool's times, its ratio to the NumPy primal, labels.

Comparisons (ratios, the verdict, the chart) use each tool's minimum time. The machines these
run on are shared; the minimum is the sample least disturbed by other processes (timeit's
advice), while medians, printed beside it, wander with the load.
"""

from __future__ import annotations

from benchmarks.cases import BY_NAME


def entry(cell: dict, key: str) -> dict | None:
    return cell.get("tools", {}).get(key)


def ok(cell: dict, key: str) -> bool:
    found = entry(cell, key)
    return bool(found) and found.get("status") == "ok" and "median_s" in found


def median(cell: dict, key: str) -> float | None:
    return entry(cell, key)["median_s"] if ok(cell, key) else None


def best(cell: dict, key: str) -> float | None:
    """The minimum over samples: on a shared machine, the run least disturbed by others."""
    return entry(cell, key)["min_s"] if ok(cell, key) else None


def ratio(cell: dict, key: str) -> float | None:
    """The tool's best time over the NumPy primal's: the gradient's cost in primals."""
    top, base = best(cell, key), best(cell, "numpy")
    return top / base if top is not None and base else None


def is_extra(cell: dict) -> bool:
    return BY_NAME[cell["workload"]].extra


def size_label(cell: dict) -> str:
    size = cell["size"]
    text = f"1e{len(str(size)) - 1}" if size >= 10**4 and str(size).strip("0") == "1" else str(size)
    note = BY_NAME[cell["workload"]].note
    if cell.get("size_name") == "-":
        return "—"
    return f"{cell.get('size_name', 'n')}={text}" + (f" ({note})" if note else "")


def find(cells: list, workload: str, size: int | None = None) -> dict | None:
    for cell in cells:
        if cell["workload"] == workload and (size is None or cell["size"] == size):
            return cell
    return None


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"
