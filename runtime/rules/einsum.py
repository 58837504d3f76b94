"""``np.einsum``: rules for any subscripts (implicit output, repeated letters, ellipses).

einsum is multilinear: its JVP for one operand is the same einsum with that operand replaced by
its tangent, and its VJP contracts the cotangent with the other operands onto the operand's own
term (``einsum_grad``). np.einsum takes operands as ``*operands``, so there is one rule per
operand position, for the first eight. Only the subscripts-string form is supported (not the
interleaved sublist form).
"""

import string

import numpy as np

from ..backend import asarray_like
from ..support import is_array, shape_of, unbroadcast
from .table import defjvp, defvjp

# ---------------------------------------------------------------- helpers


def einsum_terms(subscripts, operands):
    """The input terms and output term of an einsum, every ``...`` spelled out as letters.

    Ellipsis dimensions line up from the right (broadcasting), so an operand with fewer of them
    takes the last letters; the implicit output is NumPy's: ellipsis, then once-used letters in
    sorted order.
    """
    spec = subscripts.replace(" ", "")
    inputs, _, out = spec.partition("->")
    terms = inputs.split(",")
    spare = [c for c in string.ascii_letters if c not in spec]
    widths = [np.ndim(op) - len(t.replace("...", "")) for t, op in zip(terms, operands)]
    width = max([w for t, w in zip(terms, widths) if "..." in t], default=0)
    letters = "".join(spare[:width])
    if "->" not in spec:
        once = sorted(c for c in inputs if c.isalpha() and inputs.count(c) == 1)
        out = ("..." if "..." in inputs else "") + "".join(once)
    terms = [t.replace("...", letters[width - w:] if w else "") for t, w in zip(terms, widths)]
    return terms, out.replace("...", letters)


def einsum_grad(dy, subscripts, operands, i, optimize=False):
    """Cotangent of ``operands[i]``: dy contracted with the other operands onto its term.

    Letters only operand i carries make the gradient constant along them (a ones vector), and
    a letter repeated in its term (a trace or diagonal) puts the gradient on that diagonal
    (an identity matrix).
    """
    terms, out = einsum_terms(subscripts, operands)
    x, term = operands[i], terms[i]
    if not is_array(dy):  # a Python scalar seed: keep the result in x's library
        dy = asarray_like(dy, x)
    others = [t for j, t in enumerate(terms) if j != i]
    carried = set(out + "".join(others))
    unique = "".join(dict.fromkeys(term))
    produced = "".join(c for c in unique if c in carried)
    g = np.einsum(",".join([out] + others) + "->" + produced, dy,
                  *[op for j, op in enumerate(operands) if j != i], optimize=optimize)
    spare = [c for c in string.ascii_letters if c not in "".join(terms) + out]
    target, extra, factors = list(term), [], []
    for c in unique:
        where = [k for k, t in enumerate(term) if t == c]
        n = shape_of(x)[where[0]]
        if c not in carried:
            extra.append(c)
            factors.append(np.ones_like(x, shape=(n,)))
        for k in where[1:]:
            target[k] = spare.pop()
            extra.append(c + target[k])
            factors.append(np.eye(n, dtype=x.dtype, like=x))
    if extra:
        g = np.einsum(",".join([produced] + extra) + "->" + "".join(target), g, *factors,
                      optimize=optimize)
    return unbroadcast(g, x)


def replaced(operands, i, value):
    """``operands`` with the i-th replaced by ``value``."""
    return tuple(value if j == i else op for j, op in enumerate(operands))


# ---------------------------------------------------------------- einsum, one rule per operand
# Argument 0 is the subscripts string; operand k is argument k + 1.


def einsum_vjp_0(dy, y, subscripts, *operands, optimize=False, **options):
    return einsum_grad(dy, subscripts, operands, 0, optimize)


def einsum_vjp_1(dy, y, subscripts, *operands, optimize=False, **options):
    return einsum_grad(dy, subscripts, operands, 1, optimize)


def einsum_vjp_2(dy, y, subscripts, *operands, optimize=False, **options):
    return einsum_grad(dy, subscripts, operands, 2, optimize)


def einsum_vjp_3(dy, y, subscripts, *operands, optimize=False, **options):
    return einsum_grad(dy, subscripts, operands, 3, optimize)


def einsum_vjp_4(dy, y, subscripts, *operands, optimize=False, **options):
    return einsum_grad(dy, subscripts, operands, 4, optimize)


def einsum_vjp_5(dy, y, subscripts, *operands, optimize=False, **options):
    return einsum_grad(dy, subscripts, operands, 5, optimize)


def einsum_vjp_6(dy, y, subscripts, *operands, optimize=False, **options):
    return einsum_grad(dy, subscripts, operands, 6, optimize)


def einsum_vjp_7(dy, y, subscripts, *operands, optimize=False, **options):
    return einsum_grad(dy, subscripts, operands, 7, optimize)


def einsum_jvp_0(dx, y, subscripts, *operands, optimize=False, **options):
    return np.einsum(subscripts, *replaced(operands, 0, dx), optimize=optimize)


def einsum_jvp_1(dx, y, subscripts, *operands, optimize=False, **options):
    return np.einsum(subscripts, *replaced(operands, 1, dx), optimize=optimize)


def einsum_jvp_2(dx, y, subscripts, *operands, optimize=False, **options):
    return np.einsum(subscripts, *replaced(operands, 2, dx), optimize=optimize)


def einsum_jvp_3(dx, y, subscripts, *operands, optimize=False, **options):
    return np.einsum(subscripts, *replaced(operands, 3, dx), optimize=optimize)


def einsum_jvp_4(dx, y, subscripts, *operands, optimize=False, **options):
    return np.einsum(subscripts, *replaced(operands, 4, dx), optimize=optimize)


def einsum_jvp_5(dx, y, subscripts, *operands, optimize=False, **options):
    return np.einsum(subscripts, *replaced(operands, 5, dx), optimize=optimize)


def einsum_jvp_6(dx, y, subscripts, *operands, optimize=False, **options):
    return np.einsum(subscripts, *replaced(operands, 6, dx), optimize=optimize)


def einsum_jvp_7(dx, y, subscripts, *operands, optimize=False, **options):
    return np.einsum(subscripts, *replaced(operands, 7, dx), optimize=optimize)


defvjp(np.einsum, None, einsum_vjp_0, einsum_vjp_1, einsum_vjp_2, einsum_vjp_3, einsum_vjp_4,
       einsum_vjp_5, einsum_vjp_6, einsum_vjp_7)
defjvp(np.einsum, None, einsum_jvp_0, einsum_jvp_1, einsum_jvp_2, einsum_jvp_3, einsum_jvp_4,
       einsum_jvp_5, einsum_jvp_6, einsum_jvp_7)

# ---------------------------------------------------------------- rules of einsum_grad
# Generated adjoints call einsum_grad and are differentiated again (hessians, grad of grad).


def einsum_operands_grad(dz, dy, subscripts, operands, i, optimize=False):
    """Cotangents of the other operands of ``einsum_grad(dy, ..., i)``: einsum being
    multilinear, operand j's is einsum_grad for j with dz standing in for operand i."""
    return tuple(None if j == i else einsum_grad(dy, subscripts, replaced(operands, i, dz), j,
                                                 optimize) for j in range(len(operands)))


def einsum_operands_tangent(doperands, dy, subscripts, operands, i, optimize=False):
    """Tangent of ``einsum_grad(dy, ..., i)`` for tangents of the other operands (None: none)."""
    tangent = 0
    for j, d in enumerate(doperands):
        if j != i and d is not None:
            tangent = tangent + einsum_grad(dy, subscripts, replaced(operands, j, d), i, optimize)
    return tangent


def einsum_grad_vjp_dy(dz, z, dy, subscripts, operands, i, optimize=False):
    return np.einsum(subscripts, *replaced(operands, i, dz), optimize=optimize)


def einsum_grad_vjp_operands(dz, z, dy, subscripts, operands, i, optimize=False):
    return einsum_operands_grad(dz, dy, subscripts, operands, i, optimize)


def einsum_grad_jvp_dy(ddy, z, dy, subscripts, operands, i, optimize=False):
    return einsum_grad(ddy, subscripts, operands, i, optimize)


def einsum_grad_jvp_operands(doperands, z, dy, subscripts, operands, i, optimize=False):
    return einsum_operands_tangent(doperands, dy, subscripts, operands, i, optimize)


# (dy, subscripts, operands, i): operands carry gradients, the subscripts never do.
defvjp(einsum_grad, einsum_grad_vjp_dy, None, einsum_grad_vjp_operands)
defjvp(einsum_grad, einsum_grad_jvp_dy, None, einsum_grad_jvp_operands)
