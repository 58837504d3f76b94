"""``Variable``: the pre-0.4 torch wrapper, today just a Tensor (kept for old scripts)."""

from tangentish.runtime.tape.tensor import Tensor

__all__ = ["Variable"]


def Variable(data, requires_grad=False, volatile=False):  # noqa: N802  (torch's name)
    """``Variable(t, requires_grad=True)``: a leaf sharing ``t``'s memory."""
    t = data.detach() if isinstance(data, Tensor) else Tensor._wrap(data)
    return t.requires_grad_(requires_grad)
