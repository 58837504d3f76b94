"""The tape examples run, and print what torch prints for the same script."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(path: Path, module: str = "tangentish") -> str:
    src = path.read_text().replace("import tangentish as torch", f"import {module} as torch")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(src, str(path), "exec"), {"__name__": "__main__"})
    return re.sub(r" object at 0x[0-9a-f]+", "", out.getvalue())


@pytest.mark.parametrize("name", ["tape_linear_regression.py", "tape_custom_function.py"])
def test_example_prints_what_torch_prints(name):
    got = _run(EXAMPLES / name)
    pytest.importorskip("torch")
    assert got == _run(EXAMPLES / name, "torch")


def test_sgd_training_loop_converges():
    assert _run(EXAMPLES / "tape_sgd_training.py").splitlines()[-1] == "final loss below 0.01: True"
