"""The tools compared, each as an adapter from (workload, arguments, wrt) to one timed call.

``prepare`` returns a ``Prepared``: ``call()`` runs one evaluation (a primal value or a full
gradient), which is what the timer repeats; ``grads(result)`` turns a gradient's result into a
tuple of float64 NumPy arrays for the agreement check. A tool that is not installed, or lacks
the API it needs, raises ``Unavailable``; anything else it raises is reported as a failure.
Arguments are converted to the tool's array type once, outside the timed call, as a user of
that tool would hold them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.namespaces import rebind, torch_numpy


class Unavailable(Exception):
    """The tool is not installed here, or lacks the API this benchmark needs."""


@dataclass
class Prepared:
    call: Callable[[], Any]
    grads: Callable[[Any], tuple]
    traced: bool = True  # its arrays are visible to tracemalloc (NumPy's allocator is)


@dataclass(frozen=True)
class Tool:
    key: str
    label: str
    kind: str  # "primal" or "grad"
    prepare: Callable[[Callable, tuple, tuple], Prepared]
    needs: tuple[str, ...] = ()  # modules imported before the first call's clock starts
    machine_code: bool = False  # compiles to machine code (excluded from scalar_loop's target)

    def load(self):
        """Import what the tool needs, so its first call times compilation, not imports."""
        for module in self.needs:
            _need(module)


def host(g) -> np.ndarray:
    """A gradient of any tool as a float64 NumPy array."""
    if hasattr(g, "detach"):
        g = g.detach()
    if hasattr(g, "numpy") and not isinstance(g, np.ndarray):
        g = g.numpy()
    return np.asarray(g, dtype=np.float64)


def as_grads(result) -> tuple:
    if not isinstance(result, (tuple, list)):
        result = (result,)
    return tuple(host(g) for g in result)


def _need(module: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as err:
        raise Unavailable(f"{module} is not installed") from err


def _numpy(fn, args, wrt):
    return Prepared(lambda: fn(*args), as_grads)


def _tangentish(fn, args, wrt):
    tg = _need("tangentish")
    if not hasattr(tg, "grad"):
        raise Unavailable("tangentish has no tg.grad yet")
    # fallback="error": a function the compiler cannot transform must fail here, not be timed
    # silently on the tape under the compiler's name.
    grad = tg.grad(fn, wrt=wrt, fallback="error")
    return Prepared(lambda: grad(*args), as_grads)


def _tape(fn, args, wrt):
    tg = _need("tangentish")
    autograd = getattr(tg, "autograd", None)
    if not hasattr(tg, "tensor") or not hasattr(autograd, "grad"):
        raise Unavailable("tangentish has no tg.tensor / tg.autograd.grad yet")
    full = list(args)
    leaves = [tg.tensor(args[i], dtype=tg.float64, requires_grad=True) for i in wrt]
    for i, leaf in zip(wrt, leaves):
        full[i] = leaf

    def call():
        return autograd.grad(fn(*full), leaves)

    return Prepared(call, as_grads)


def _autograd(fn, args, wrt):
    autograd = _need("autograd")
    anp = _need("autograd.numpy")
    grad = autograd.grad(rebind(fn, anp), argnum=wrt)
    return Prepared(lambda: grad(*args), as_grads)


def _torch_args(args, wrt, grad=True):
    """Arrays and the differentiated floats as tensors (torch's math refuses Python floats)."""
    import torch

    out = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray):
            a = torch.from_numpy(a.copy())
        elif isinstance(a, float) and i in wrt:
            a = torch.tensor(a, dtype=torch.float64)
        if i in wrt and grad:
            a.requires_grad_(True)
        out.append(a)
    return out


def _torch(fn, args, wrt):
    torch = _need("torch")
    targs = _torch_args(args, wrt)
    leaves = [targs[i] for i in wrt]
    f = rebind(fn, torch_numpy())

    def call():
        return torch.autograd.grad(f(*targs), leaves)

    return Prepared(call, as_grads, traced=False)


def _torch_primal(fn, args, wrt):
    torch = _need("torch")
    targs = _torch_args(args, wrt, grad=False)
    f = rebind(fn, torch_numpy())

    def call():
        with torch.no_grad():
            return f(*targs)

    return Prepared(call, as_grads, traced=False)


def _jax(jit):
    def prepare(fn, args, wrt):
        jax = _need("jax")
        jax.config.update("jax_enable_x64", True)
        jnp = _need("jax.numpy")
        jargs = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
        grad = jax.grad(rebind(fn, jnp), argnums=wrt)
        if jit:
            grad = jax.jit(grad)
        return Prepared(lambda: jax.block_until_ready(grad(*jargs)), as_grads, traced=False)

    return prepare


def _tangent(fn, args, wrt):
    tangent = _need("tangent")
    grad = tangent.grad(fn, wrt=wrt, verbose=0)
    return Prepared(lambda: grad(*args), as_grads)


TOOLS = [
    Tool("numpy", "NumPy primal", "primal", _numpy),
    Tool("torch_primal", "torch primal", "primal", _torch_primal, ("torch",)),
    Tool("tangentish", "tangentish", "grad", _tangentish, ("tangentish",)),
    Tool("tape", "tangentish tape", "grad", _tape, ("tangentish",)),
    Tool("autograd", "autograd", "grad", _autograd, ("autograd",)),
    Tool("torch", "torch", "grad", _torch, ("torch",)),
    Tool("jax", "jax.grad", "grad", _jax(jit=False), ("jax",)),
    Tool("jax_jit", "jax.jit(grad)", "grad", _jax(jit=True), ("jax",), machine_code=True),
    Tool("tangent", "tangent-ad", "grad", _tangent, ("tangent",)),
]

BY_KEY = {tool.key: tool for tool in TOOLS}
