"""The public functions of the source-transformation half: grad, vjp, jvp, source, ..."""

from tangentish.checking import gradcheck

__all__ = ["gradcheck"]
