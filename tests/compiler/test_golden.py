"""Generated sources kept as files, so their readability cannot degrade silently.

Regenerate after an intended change with
``TANGENTISH_REGOLD=1 pytest tests/compiler/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
import pathlib

import pytest

import tangentish as tg
from tests.compiler.golden_sources import GOLDEN

HERE = pathlib.Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_generated_source_matches_golden_file(name):
    fn, wrt = GOLDEN[name]
    text = tg.source(tg.grad(fn, wrt=wrt, fallback="error"))
    path = HERE / f"{name}.txt"
    if os.environ.get("TANGENTISH_REGOLD"):
        path.write_text(text)
    assert text == path.read_text()


def test_generation_is_deterministic():
    from tangentish.compiler.pipeline import Options, compile_gradient

    fn, wrt = GOLDEN["rnn_wrt_w"]
    first = compile_gradient(fn, wrt, "grad", Options()).source
    assert compile_gradient(fn, wrt, "grad", Options()).source == first
