"""The globals of a generated function: every object its code refers to, under one name each.

User code, inlined callees and inlined rules each bring names from their own modules; two
different objects may share a name (two modules' ``W``). ``Namespace.ref`` gives each object one
name in the generated module, preferring the name the source used, and records it so codegen
can ``exec`` the generated source against exactly these objects.
"""

from __future__ import annotations

import inspect
import keyword
from typing import Any

from tangentish.compiler.naming import Namer

__all__ = ["Namespace"]


class Namespace:
    """Maps names in generated code to the objects they stand for."""

    def __init__(self, namer: Namer):
        self.namer = namer
        self.objects: dict[str, Any] = {}
        self._by_id: dict[tuple[int, str], str] = {}

    def ref(self, obj: Any, preferred: str) -> str:
        """The generated code's name for ``obj``; ``preferred`` unless taken by another object."""
        key = (id(obj), preferred)
        if key in self._by_id:
            return self._by_id[key]
        if self.objects.get(preferred, _MISSING) is obj:
            return preferred
        if (preferred.isidentifier() and not keyword.iskeyword(preferred)
                and preferred not in self.namer.used and preferred not in self.objects):
            name = self.namer.reserve(preferred)
        else:
            name = self.namer.fresh(preferred if preferred != "_" else "obj")
        self.objects[name] = obj
        self._by_id[key] = name
        return name

    def module_ref(self, module: Any) -> str:
        preferred = {"numpy": "np", "math": "math", "operator": "operator"}.get(
            module.__name__, module.__name__.rpartition(".")[2])
        return self.ref(module, preferred)

    def helper(self, obj: Any) -> str:
        """A runtime helper function by its own name."""
        return self.ref(obj, obj.__name__)

    def describe(self) -> dict[str, str]:
        return {k: (v.__name__ if inspect.ismodule(v) else repr(v)) for k, v in
                self.objects.items()}


_MISSING = object()
