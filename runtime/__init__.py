"""What generated code and the tape call at run time.

Installed as ``tangentish.runtime``. Nothing here imports the compiler, so generated code
depends on this package only.
"""

from . import backend, support
from .rules import table

__all__ = ["backend", "support", "table"]
