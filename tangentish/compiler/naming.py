"""Deterministic, readable names for generated code.

One ``Namer`` per compiled function knows every name already in use (the user's variables, the
names of imported helpers) and hands out new ones: ``dx`` for the adjoint of ``x``, ``_t1`` for
a temporary with no better name. Names never depend on ids or randomness, so the generated
source is byte-identical from run to run.

>>> n = Namer({"x", "dx", "d"})
>>> n.adjoint("x"), n.adjoint("y"), n.fresh("x"), n.temp()
('dx_1', 'dy', 'x_1', '_t1')
"""

from __future__ import annotations

import keyword
import re

__all__ = ["Namer"]


class Namer:
    """Hands out fresh names that collide with nothing already in ``used``."""

    def __init__(self, used: set[str] | None = None):
        self.used: set[str] = set(used or ())
        self._adjoints: dict[str, str] = {}
        self._tangents: dict[str, str] = {}
        self._temps = 0
        self._suffix: dict[str, int] = {}
        #: names the compiler made up (temporaries, conditions), which optimize may fold away
        self.synthetic_names: set[str] = set()

    def reserve(self, name: str) -> str:
        self.used.add(name)
        return name

    def fresh(self, base: str) -> str:
        """``base`` itself if free, else ``base_1``, ``base_2``, ..."""
        if re.search(r"\W", base):  # "<lambda>" and the like
            base = re.sub(r"\W", "_", base).strip("_") or "f"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = f"v_{base}"
        if base not in self.used:
            return self.reserve(base)
        # names are never released, so the first free suffix only grows: start from the last
        # one found (2,000 renamings of one variable were quadratic)
        k = self._suffix.get(base, 1)
        while f"{base}_{k}" in self.used:
            k += 1
        self._suffix[base] = k
        return self.reserve(f"{base}_{k}")

    def temp(self) -> str:
        """``_t1``, ``_t2``, ... for intermediate values with no user-facing name."""
        while True:
            self._temps += 1
            name = f"_t{self._temps}"
            if name not in self.used:
                self.synthetic_names.add(name)
                return self.reserve(name)

    def synthetic(self, base: str) -> str:
        """A fresh name for a value the compiler introduces (``cond``, ``items``)."""
        name = self.fresh(base)
        self.synthetic_names.add(name)
        return name

    def adjoint(self, name: str) -> str:
        """The adjoint of variable ``name``: ``dname``, the same answer every time."""
        if name not in self._adjoints:
            base = "d" + name
            self._adjoints[name] = self.fresh(base)
        return self._adjoints[name]

    def tangent(self, name: str) -> str:
        """The tangent of variable ``name`` (forward mode): ``tname``, the same every time.

        >>> Namer({"x", "tx"}).tangent("x")
        'tx_1'
        """
        if name not in self._tangents:
            self._tangents[name] = self.fresh("t" + name)
        return self._tangents[name]

    def adjoint_names(self) -> dict[str, str]:
        return dict(self._adjoints)
