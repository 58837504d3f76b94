"""Runs the seed articles' script (tests/tape/spec/seed_examples.py) with tangentish as torch."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

SPEC = Path(__file__).parent / "spec"
_ADDRESS = re.compile(r" object at 0x[0-9a-fA-F]+")


def normalize(text: str) -> str:
    """Drop object addresses (the expected output has them removed)."""
    return _ADDRESS.sub("", text)


def seed_source() -> str:
    src = (SPEC / "seed_examples.py").read_text()
    src = src.replace("import math, numpy as np, torch",
                      "import math, numpy as np, tangentish as torch", 1)
    return src.replace("from torch.autograd import Variable",
                       "from tangentish.autograd import Variable")


def run_seed() -> str:
    """What the seed script prints when run on tangentish."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(seed_source(), str(SPEC / "seed_examples.py"), "exec"),
             {"__name__": "__seed__"})
    return normalize(out.getvalue())


def expected() -> str:
    return (SPEC / "seed_examples.expected.txt").read_text()


if __name__ == "__main__":
    print(run_seed(), end="")
