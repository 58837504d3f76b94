"""Shared fixtures: the array backends every array test runs on."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tests.duck import duck, host

# "ci" draws the same examples on every run, so a red CI is a real regression, never luck; the
# "dev" and "long" profiles draw fresh examples to find new bugs (docs/reliability.md).
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _cupy_backend():
    try:
        import cupy

        cupy.cuda.runtime.getDeviceCount()
        return cupy
    except Exception:
        return None


class Backend:
    """How a test moves arrays onto a backend and back to the host to compare."""

    def __init__(self, name, to, back):
        self.name, self.to, self.back = name, to, back

    def __repr__(self):
        return self.name


_cupy = _cupy_backend()
BACKENDS = [
    pytest.param(Backend("numpy", lambda x: x, lambda x: x), id="numpy"),
    pytest.param(Backend("duck", duck, host), id="duck"),
    pytest.param(
        Backend("cupy", (lambda x: _cupy.asarray(x) if isinstance(x, np.ndarray) else x),
                (lambda x: _cupy.asnumpy(x) if hasattr(x, "get") else x)),
        id="cupy",
        marks=[pytest.mark.gpu,
               pytest.mark.skipif(_cupy is None, reason="CuPy with a CUDA device not found")],
    ),
]


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Runs a test on NumPy, on the duck array double, and on CuPy where a GPU is present."""
    return request.param
