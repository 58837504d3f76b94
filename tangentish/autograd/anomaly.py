"""``detect_anomaly`` / ``set_detect_anomaly``: accepted so torch scripts run; no extra checks.

torch records a forward traceback per node and checks gradients for NaN; the tape does
neither (docs/tape.md). The error messages already name the node that failed.
"""

from __future__ import annotations

import contextlib

__all__ = ["detect_anomaly", "set_detect_anomaly"]


class set_detect_anomaly(contextlib.AbstractContextManager):  # noqa: N801  (torch's name)
    def __init__(self, mode: bool, check_nan: bool = True):
        self.mode, self.check_nan = mode, check_nan

    def __exit__(self, *exc):
        return False


class detect_anomaly(set_detect_anomaly):  # noqa: N801
    def __init__(self, check_nan: bool = True):
        super().__init__(True, check_nan)
