"""``tg.nn``: only ``functional`` (the stateless functions training loops call)."""

from . import functional

__all__ = ["functional"]
