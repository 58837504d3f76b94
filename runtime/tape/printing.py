"""``repr`` of a Tensor, laid out as torch's ``_tensor_str`` lays it out.

Four significant decimals, scientific notation when magnitudes span more than 1000x, integers
printed as ``3.``, 80-column lines, and the ``dtype=``/``grad_fn=``/``requires_grad=`` suffixes.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["tensor_repr", "set_printoptions"]

_OPTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """torch.set_printoptions for the keys this printer knows."""
    for key, value in (("precision", precision), ("threshold", threshold),
                       ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _OPTS[key] = value
    _OPTS["sci_mode"] = sci_mode


class _Formatter:
    """One width and one notation for every element, chosen from all of them."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            for v in values.reshape(-1).tolist():
                self.width = max(self.width, len(_plain(v)))
            return
        flat = values.reshape(-1).astype(np.float64)
        nonzero = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero.size == 0:
            return
        mags = np.abs(nonzero)
        lo, hi = float(mags.min()), float(mags.max())
        p = _OPTS["precision"]
        self.int_mode = bool(np.all(nonzero == np.ceil(nonzero)))
        if self.int_mode:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
            fmt = (lambda v: f"{v:.{p}e}") if self.sci_mode else (lambda v: f"{v:.0f}.")
        else:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
            fmt = (lambda v: f"{v:.{p}e}") if self.sci_mode else (lambda v: f"{v:.{p}f}")
        for v in nonzero.tolist():
            self.width = max(self.width, len(fmt(v)))
        if _OPTS["sci_mode"] is not None:
            self.sci_mode = _OPTS["sci_mode"]

    def format(self, v) -> str:
        p = _OPTS["precision"]
        if not self.floating:
            text = _plain(v)
        elif self.sci_mode:
            text = f"{v:{self.width}.{p}e}"
        elif self.int_mode:
            text = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            text = f"{v:.{p}f}"
        return " " * (self.width - len(text)) + text


def _plain(v) -> str:
    return str(v)


class _ComplexFormatter:
    """torch prints complex values as a real part and an imaginary part, each formatted as
    floats of its own (``1.+2.j``)."""

    def __init__(self, values: np.ndarray):
        self.real, self.imag = _Formatter(values.real), _Formatter(values.imag)
        self.width = self.real.width + self.imag.width + 1

    def format(self, v) -> str:
        real = self.real.format(v.real)
        imag = (self.imag.format(v.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _summarized(a: np.ndarray, summarize: bool) -> np.ndarray:
    """The elements that will be shown (edge items only, for large tensors)."""
    e = _OPTS["edgeitems"]
    if not summarize or a.ndim == 0:
        return a
    if a.shape[0] > 2 * e:
        a = np.concatenate([a[:e], a[-e:]])
    if a.ndim == 1:
        return a
    return np.stack([_summarized(row, summarize) for row in a])


def _vector(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    e = _OPTS["edgeitems"]
    per_line = max(1, int(math.floor((_OPTS["linewidth"] - indent) / (fmt.width + 2))))
    if summarize and a.shape[0] > 2 * e:
        data = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."]
                + [fmt.format(v) for v in a[-e:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = _OPTS["edgeitems"]
    if summarize and a.shape[0] > 2 * e:
        rows = ([_nested(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."]
                + [_nested(a[i], indent + 1, summarize, fmt)
                   for i in range(a.shape[0] - e, a.shape[0])])
    else:
        rows = [_nested(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _OPTS["linewidth"]:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(values: np.ndarray, *, dtype_name: str, default_dtype: bool, device: str,
                grad_fn_name: str | None, requires_grad: bool) -> str:
    """torch's text for a tensor holding ``values`` (a host ndarray)."""
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    if device != "cpu":
        suffixes.append(f"device='{device}'")
    if values.size == 0:
        body = "[]"
        if values.shape != (0,):
            suffixes.append(f"size={tuple(values.shape)}")
        # empty tensors name even int64 and bool, all but the default float dtype
        default_dtype = default_dtype and dtype_name not in ("int64", "bool")
    else:
        summarize = values.size > _OPTS["threshold"]
        shown = _summarized(values, summarize)
        fmt = _ComplexFormatter(shown) if values.dtype.kind == "c" else _Formatter(shown)
        body = _nested(values, indent, summarize, fmt)
    if not default_dtype:
        suffixes.append(f"dtype=torch.{dtype_name}")
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
