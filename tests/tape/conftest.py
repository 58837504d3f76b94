"""Fixtures of the tape tests."""

from __future__ import annotations

import pytest

from tangentish.runtime.tape import dispatch


@pytest.fixture(params=["kept", "stand-ins"])
def saving(request, monkeypatch):
    """Run a test twice: as recorded for small arrays (every input and output kept), and with
    every NumPy array treated as big, so each node keeps only what its rules read as data and
    zero-strided stand-ins take the place of the rest (``OpNode.keep_read``)."""
    if request.param == "stand-ins":
        monkeypatch.setattr(dispatch, "BIG_BYTES", 0)
    return request.param
