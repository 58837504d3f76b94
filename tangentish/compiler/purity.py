"""Which calls in generated code compute a value and nothing else, and which act elementwise.

The folding passes (``fuse``, ``cse``) move or merge expressions; that is only safe across
statements that change no array in place, and only worth it for elementwise arithmetic (whose
temporaries NumPy can reuse). The answers come from the objects the names stand for, found in
the generated function's namespace.

>>> import numpy as np, operator
>>> elementwise(np.exp), elementwise(operator.matmul), pure(np.sum), pure(np.copyto)
(True, False, True, False)
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

import gast
import numpy as np

from tangentish.compiler.nodes import scan

__all__ = ["elementwise", "pure", "resolve", "pure_expr", "safe_between", "scan"]

#: operators that apply elementwise (``@`` is not one of them)
_OPERATORS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
              operator.neg, operator.pos}

#: NumPy functions that write into an argument
_NUMPY_MUTATORS = {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"}

#: runtime helpers that update an argument in place (a helper whose name contains one of these
#: words is treated the same way, so new in-place helpers stay barriers without a list edit)
_MUTATING_WORDS = ("accumulate", "inplace", "in_place", "into", "scatter", "index_set")

_BUILTINS = {len, range, tuple, int, float, abs, min, max, isinstance}

#: expression nodes that read values and call nothing
_PLAIN = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare, gast.BoolOp,
          gast.Subscript, gast.Tuple, gast.Slice, gast.Attribute, gast.keyword,
          gast.expr_context, gast.operator, gast.unaryop, gast.cmpop, gast.boolop, gast.IfExp)


def elementwise(obj: Any) -> bool:
    """A function whose result has its array argument's shape when the others are numbers."""
    return obj in _OPERATORS or (isinstance(obj, np.ufunc) and obj.nin <= 2 and obj.nout == 1)


def pure(obj: Any) -> bool:
    """A function that returns a value and changes none of its arguments."""
    if elementwise(obj) or isinstance(obj, np.ufunc) or obj in _BUILTINS:
        return True
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__name__", "")
    if module == "_operator":  # the in-place ones are iadd, imul, ... and setitem, delitem
        return not name.startswith("i") and name not in ("setitem", "delitem")
    if module.startswith("numpy"):
        return not module.startswith("numpy.random") and name not in _NUMPY_MUTATORS
    if module.startswith("tangentish.runtime"):
        return not any(word in name for word in _MUTATING_WORDS)
    return False


def resolve(func: gast.expr, objects: dict[str, Any]) -> Any:
    """The object a call's ``func`` (``name`` or ``module.attr``) stands for, or None."""
    if isinstance(func, gast.Name):
        if func.id in objects:
            return objects[func.id]
        return getattr(builtins, func.id, None)
    if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
        base = objects.get(func.value.id)
        if base is not None and type(base).__name__ == "module":
            return getattr(base, func.attr, None)
    return None


def pure_expr(node: gast.AST, objects: dict[str, Any]) -> bool:
    """True when evaluating ``node`` changes nothing (calls only pure functions, no ``out=``)."""
    for n in scan(node):
        if isinstance(n, gast.Call):
            if any(k.arg == "out" for k in n.keywords) or not pure(resolve(n.func, objects)):
                return False
        elif not isinstance(n, _PLAIN):
            return False
    return True


def safe_between(s: gast.stmt, objects: dict[str, Any], stack: str | None) -> bool:
    """Can an expression be moved across statement ``s``: does ``s`` leave every array as it
    was (it may bind names; the callers check those)? Comments and stack pushes and pops do."""
    if isinstance(s, gast.Expr):
        v = s.value
        if isinstance(v, gast.Constant):  # a comment marker
            return True
        if _stack_call(v, stack):
            return True
        return pure_expr(v, objects)
    if isinstance(s, gast.Assign) and all(isinstance(t, gast.Name) for t in s.targets):
        return _stack_call(s.value, stack) or pure_expr(s.value, objects)
    return False


def _stack_call(v: gast.expr, stack: str | None) -> bool:
    return (stack is not None and isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute)
            and isinstance(v.func.value, gast.Name) and v.func.value.id == stack
            and v.func.attr in ("append", "pop"))
