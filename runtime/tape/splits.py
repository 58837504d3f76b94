"""``np.split`` and its kin for NumPy code under the compiler's fallback: the parts as views.

NumPy's parts share the array's memory: an in-place update of the array shows in the parts,
one of a part shows in the array. Recorded as one primitive with several outputs, the parts
were plain tensors of their own, so either update was lost (a wrong value and gradient). Cut
as slices instead (``t[:, 2:4]``), each part is a view the tape follows like any other.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SPLITS", "split_views"]

#: The split functions and the axis they split along (None: the ``axis`` argument's).
SPLITS = {np.split: None, np.array_split: None, np.vsplit: 0, np.hsplit: 1, np.dsplit: 2}


def split_views(func, a, *args, **kwargs) -> list:
    """``func(a, *args, **kwargs)`` as a list of basic slices of Tensor ``a``."""
    # the same call on a stand-in of a's shape: NumPy's checks, and the size of each part
    parts = func(np.broadcast_to(np.empty((), dtype=bool), a.shape), *args, **kwargs)
    axis = SPLITS[func]
    if axis is None:
        axis = kwargs.get("axis", args[1] if len(args) > 1 else 0)
    elif func is np.hsplit and a.ndim == 1:
        axis = 0
    axis %= a.ndim
    lead, start, out = (slice(None),) * axis, 0, []
    for p in parts:
        stop = start + p.shape[axis]
        out.append(a[(*lead, slice(start, stop))])
        start = stop
    return out
