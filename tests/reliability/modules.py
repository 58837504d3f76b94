"""Writes test functions into real module files, so the compiler reads them like user code."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from tests.fuzz.harness import load_module


def module_from(source: str) -> Any:
    """Import dedented ``source`` from a fresh file (``inspect.getsource`` works on it)."""
    return load_module(textwrap.dedent(source).lstrip())


def _tape_present() -> bool:
    try:
        from tangentish.runtime.tape import fallback  # noqa: F401
    except ImportError:
        return False
    return True


#: Until the tape is merged into main (remove then: a skip must not outlive the merge).
needs_tape = pytest.mark.skipif(not _tape_present(), reason="tape not merged into main yet")
