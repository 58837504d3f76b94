"""THE derivative table: every primitive's VJP and JVP, one module per op family.

Importing this package registers every family. See ``table`` for the rule signatures and
docs/rules.md for how to add a primitive.
"""

from . import elementwise, linalg, matrix, nondiff, reductions, shape, table  # noqa: F401  (register rules)

__all__ = ["table"]
