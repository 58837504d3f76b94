"""Writes test functions into real module files, so the compiler reads them like user code."""

from __future__ import annotations

import textwrap
from typing import Any

from tests.fuzz.harness import load_module


def module_from(source: str) -> Any:
    """Import dedented ``source`` from a fresh file (``inspect.getsource`` works on it)."""
    return load_module(textwrap.dedent(source).lstrip())

