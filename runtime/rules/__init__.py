"""THE derivative table: every primitive's VJP and JVP, one module per op family.

Importing this package registers every family. See ``table`` for the rule signatures and
docs/rules.md for how to add a primitive.
"""

# Importing a family registers its rules. tape_extras: primitives torch has and NumPy lacks.
from . import (  # noqa: F401
    einsum,
    elementwise,
    linalg,
    matrix,
    nondiff,
    reductions,
    shape,
    table,
    tape_extras,
)

__all__ = ["table"]
