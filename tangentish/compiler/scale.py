"""Numbers and signs in adjoint products gathered into one constant: one pass over the array
instead of two or three.

Inlined rules multiply by their own constants (``dy * 100.0`` then ``* 2``) and negate
(``-d_t4`` from a subtraction); once ``fuse`` has put them in one expression, each is still a
full pass over the array. Here a negation moves into a number of the product it scales and
adjacent numbers are multiplied at compile time:

>>> from tangentish.compiler.nodes import unparse
>>> def simplified(src):
...     node = gast.parse(src).body[0].value
...     unbroadcast = lambda call: call.func.id == "unbroadcast"
...     return unparse(gather(node, unbroadcast, unbroadcast))
>>> simplified("d_t6 * 100.0 * 2 * _t4")
'd_t6 * 200.0 * _t4'
>>> simplified("-(d_t9 * 2 * _t8)")
'd_t9 * -2 * _t8'

``unbroadcast`` is linear, so ``unbroadcast(-g, t) * 2`` becomes ``unbroadcast(g, t) * -2``
(``linear`` says which calls are), and as it may sum, ``unbroadcast(-g, t)`` alone becomes
``-unbroadcast(g, t)``, negating the smaller array. Only the adjoint sweep is rewritten: its
rounding may change in the last bit, the primal's must not.

>>> simplified("unbroadcast(-g, t) * 2"), simplified("dx + unbroadcast(-g, t)")
('unbroadcast(g, t) * -2', 'dx + -unbroadcast(g, t)')
"""

from __future__ import annotations

from collections.abc import Callable

import gast

__all__ = ["gather"]


def gather(node: gast.expr, linear: Callable[[gast.Call], bool],
           reduces: Callable[[gast.Call], bool] = lambda call: False) -> gast.expr:
    """``node`` with negations and numeric factors of products folded into one number each;
    ``reduces`` (a linear call that may sum, like ``unbroadcast``) takes its argument's
    negation outside."""
    if isinstance(node, gast.BinOp):  # products and their operands; the rest stays as it is
        node.left = gather(node.left, linear, reduces)
        node.right = gather(node.right, linear, reduces)
    elif isinstance(node, gast.UnaryOp):
        node.operand = gather(node.operand, linear, reduces)
    elif isinstance(node, gast.Call):
        node.args = [gather(a, linear, reduces) for a in node.args]
        first = node.args[0] if node.args else None
        if (reduces(node) and isinstance(first, gast.UnaryOp)
                and isinstance(first.op, gast.USub)):
            node.args[0] = first.operand  # negate the sum, not every term of it
            return gast.UnaryOp(op=gast.USub(), operand=node)
    else:
        return node
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult) and _number(node.right):
        left, c = node.left, node.right.value
        if (isinstance(left, gast.BinOp) and isinstance(left.op, gast.Mult)
                and _number(left.right)):
            return _times(left.left, left.right.value * c)
        inner = _negated(left, linear)
        if inner is not None:
            return _times(inner, -c)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        if _negate_factor(node.operand):
            return node.operand
    return node


def _number(node: gast.expr) -> bool:
    return (isinstance(node, gast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def _times(x: gast.expr, c: float) -> gast.BinOp:
    return gast.BinOp(left=x, op=gast.Mult(), right=gast.Constant(value=c, kind=None))


def _negated(node: gast.expr, linear: Callable[[gast.Call], bool]) -> gast.expr | None:
    """``x`` for ``-x`` or for a linear call of ``-x`` (rewritten to call ``x``), else None."""
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        return node.operand
    if isinstance(node, gast.Call) and node.args and linear(node):
        inner = _negated(node.args[0], linear)
        if inner is not None:
            node.args[0] = inner
            return node
    return None


def _negate_factor(node: gast.expr) -> bool:
    """Negate the number on the left spine of a product ``x * c * y``, if there is one."""
    while isinstance(node, gast.BinOp) and isinstance(node.op, gast.Mult):
        if _number(node.right):  # a new node: a constant may be shared with the primal
            node.right = gast.Constant(value=-node.right.value, kind=None)
            return True
        node = node.left
    return False
