"""Hypothesis strategies that write random, well-typed, smooth Python functions as source text.

A drawn ``Program`` is the text of a module (helpers, then ``def f(...)``), the arguments to call
``f`` with, and which of them to differentiate. Values have one of three static types:

* ``S`` a float, ``V`` a vector of shape ``(3,)``, ``M`` a matrix of shape ``(2, 3)``;

binary operators broadcast (``S`` with ``V``, ``V`` with ``M``), reductions and subscripts move
between types, and statements cover what users write in numerical code: assignment and
overwriting, ``+=`` and subscript writes, ``if``/``else`` on data, ``for`` loops that accumulate,
``while`` loops with data-dependent exits, ``break``/``continue``, helper calls, lists that grow
by ``append`` and dictionaries passed as parameters.

Every function is smooth where it is evaluated: transcendental functions only see bounded or
shifted arguments (``np.exp(-x ** 2)``, ``np.log(1.0 + x ** 2)``), and branch conditions are
checked for a margin at the drawn inputs by the harness (see ``harness.condition_margin``).

No array is ever aliased by two names: every array-valued assignment or ``append`` gets a freshly
computed array, and in-place updates only target such fresh locals. So NumPy's in-place
semantics and the functional semantics of an autodiff system agree, and a mismatch is a bug.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

S, V, M = "S", "V", "M"
SHAPES = {S: (), V: (3,), M: (2, 3)}
RANK = {S: 0, V: 1, M: 2}

#: Constants the generator writes; small, non-zero, and exact in decimal.
CONSTANTS = (0.5, -0.3, 1.25, 0.2, -1.5, 2.0, 0.7)

#: Same-type operations, ``{0}`` is an atom. Each is smooth everywhere on the reals.
UNARY = (
    "np.sin({0})",
    "np.cos({0})",
    "np.tanh({0})",
    "np.exp(-{0} ** 2)",
    "np.log(1.0 + {0} ** 2)",
    "np.sqrt(1.0 + {0} ** 2)",
    "({0} ** 2)",
    "(-{0})",
    "(0.5 * {0})",
    "({0} / 2.0)",
)

#: Broadcasting binary operations; the divisor is kept away from zero.
BINARY = (
    "({0} + {1})",
    "({0} * {1})",
    "({0} - {1})",
    "({0} / (1.0 + {1} ** 2))",
)

#: Statement kinds, simplest first (hypothesis shrinks towards the front of the list).
STATEMENTS = (
    "assign", "overwrite", "augassign", "subscript", "if", "for", "for_rows", "while",
    "break", "continue", "list", "append", "dict", "dict_write",
)

#: Further Python the compiler claims (docs/supported-python.md): tuple assignment and swaps,
#: ``elif``, ``enumerate`` over a list, list comprehensions.
EXTRA_STATEMENTS = ("unpack", "swap", "elif", "enumerate", "comprehension", "chain", "iterate")

#: Module globals of ``extras`` programs (read by the compiler when it first compiles ``f``).
GLOBALS = {"SCALE": (S, "0.7"), "OFFSET": (V, "np.array([0.5, -0.3, 1.25])")}

#: Math-module functions on floats (the tape must not turn them into ``float(tensor)``).
MATH = ("math.sin({0})", "math.cos({0})", "math.tanh({0})", "math.exp(-{0} ** 2)")

FEATURE_OF = {
    "augassign": "augassign", "subscript": "subscript_write", "if": "if", "for": "for",
    "for_rows": "for", "while": "while", "break": "break", "continue": "continue",
    "list": "list", "append": "list", "dict": "dict", "dict_write": "dict",
    "unpack": "unpack", "swap": "unpack", "elif": "if", "enumerate": "for",
    "comprehension": "comprehension", "chain": "unpack", "iterate": "for",
}


@dataclass(frozen=True)
class Program:
    """One generated function: module source, call arguments, differentiated positions."""

    source: str
    args: tuple[Any, ...]
    wrt: tuple[int, ...]
    features: frozenset[str]
    name: str = "f"

    def __repr__(self) -> str:
        return (f"Program(wrt={self.wrt!r}, features={sorted(self.features)})\n"
                f"{self.source}\nARGS = {args_source(self.args)}")


def args_source(value: Any) -> str:
    """Python source that rebuilds ``value`` (floats, ints, ndarrays, lists, tuples, dicts)."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {args_source(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(args_source(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(args_source(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


@dataclass
class Scope:
    """What a statement may read and write at one point of the function."""

    vars: dict[str, str] = field(default_factory=dict)  # name -> S/V/M
    fresh: set[str] = field(default_factory=set)  # arrays this function owns (may be mutated)
    lists: dict[str, str] = field(default_factory=dict)  # name -> element type, never empty
    local_lists: set[str] = field(default_factory=set)  # lists built here (may be appended to)
    dicts: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> key -> type
    local_dicts: set[str] = field(default_factory=set)  # dicts built here (may be written)
    loop_ints: dict[str, int] = field(default_factory=dict)  # int name -> exclusive bound
    in_loop: bool = False

    def child(self, *, in_loop: bool | None = None) -> Scope:
        """A nested block: sees everything; its new names are dropped when it ends."""
        return Scope(dict(self.vars), set(self.fresh), dict(self.lists), set(self.local_lists),
                     {k: dict(v) for k, v in self.dicts.items()}, set(self.local_dicts),
                     dict(self.loop_ints), self.in_loop if in_loop is None else in_loop)


@dataclass(frozen=True)
class Helper:
    name: str
    params: tuple[str, ...]  # types
    result: str
    defaults: int = 0  # how many trailing parameters have a default


class _Writer:
    """Draws one program; all randomness comes from hypothesis ``draw`` so it shrinks."""

    def __init__(self, draw: Any, max_depth: int, statements: tuple[str, ...],
                 extras: bool = False, idioms: int = 0):
        self.draw = draw
        self.extras = extras
        self.idioms = idioms  # 1: tests/fuzz/idioms.py's constructs; 2: also those that fall back
        self.max_depth = max_depth
        self.statements = statements
        self.lines: list[str] = []
        self.indent = 1
        self.helpers: list[Helper] = []
        self.local_functions: list[str] = []  # lambdas or nested defs, applied elementwise
        self.extra_leaves: dict[str, list[str]] = {}  # type -> read-only leaves (self.scale)
        self.expression_only = False  # f is a lambda: no statements
        self.features: set[str] = set()
        self._ids = itertools.count()

    # ------------------------------------------------------------------ small draws

    def pick(self, options: Any) -> Any:
        return self.draw(st.sampled_from(list(options)))

    def coin(self, p_true: float = 0.5) -> bool:
        # integers shrink to 0, so the shrunk program takes the "False" (simpler) branch.
        return self.draw(st.integers(0, 99)) < int(p_true * 100)

    def new_name(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)

    def const(self) -> str:
        c = self.pick(CONSTANTS)
        return f"({c})" if c < 0 else repr(c)

    # ------------------------------------------------------------------ expressions

    def index(self, sc: Scope, bound: int) -> str:
        """A valid index below ``bound``: a constant or a loop counter known to stay below it."""
        ints = [n for n, b in sc.loop_ints.items() if b <= bound]
        if ints and self.coin(0.4):
            return self.pick(sorted(ints))
        low = -bound if self.extras else 0
        return str(self.draw(st.integers(0, bound - 1 - low)) + low)

    def leaves(self, sc: Scope, t: str) -> list[str]:
        out = [n for n, ty in sorted(sc.vars.items()) if ty == t]
        out += self.extra_leaves.get(t, [])
        out += [f"{n}[{k}]" for n, ty in sorted(sc.lists.items()) if ty == t for k in (0, -1)]
        out += [f'{n}["{k}"]' for n, keys in sorted(sc.dicts.items())
                for k, ty in sorted(keys.items()) if ty == t]
        if self.extras:
            out += [f"sum({n})" for n, ty in sorted(sc.lists.items()) if ty == t]
            out += [n for n, (ty, _) in GLOBALS.items() if ty == t]
            if t != M:
                axis = ", axis=0" if t == V else ""
                out += [f"np.mean(np.stack({n}){axis})" for n, ty in sorted(sc.lists.items())
                        if ty == V or t == S]
        if t == S:
            out += [f"{n}[{self.index(sc, 3)}]" for n, ty in sorted(sc.vars.items()) if ty == V]
            out += [f"{n}[{self.index(sc, 2)}, {self.index(sc, 3)}]"
                    for n, ty in sorted(sc.vars.items()) if ty == M]
            out += [f"({n} * 0.25)" for n in sorted(sc.loop_ints)]
            out += [f"np.sum({n}[{self.pick(['1:', ':2', '::2'])}])"
                    for n, ty in sorted(sc.vars.items()) if ty == V]
            out += [f"np.sum({n}[:, {self.index(sc, 3)}])"
                    for n, ty in sorted(sc.vars.items()) if ty == M]
        if t == V:
            out += [f"{n}[{self.index(sc, 2)}]" for n, ty in sorted(sc.vars.items()) if ty == M]
            out += [f"{n}[::-1]" for n, ty in sorted(sc.vars.items()) if ty == V]
        return out

    def constant(self, t: str) -> str:
        if t == S:
            return self.const()
        values = [self.pick(CONSTANTS) for _ in range(int(np.prod(SHAPES[t])))]
        return f"np.array({np.reshape(values, SHAPES[t]).tolist()!r})"

    def expr(self, sc: Scope, t: str, depth: int, fresh: bool = False) -> str:
        """An atom of type ``t``; with ``fresh`` an array result is a new array, never a view."""
        if depth <= 0 or self.coin(0.3):
            options = self.leaves(sc, t)
            if options and self.coin(0.85):
                text = self.pick(options)
            else:
                text = self.constant(t)
                # A constant array scaled by data keeps the expression data-dependent.
                lower = [u for u in (S, V) if RANK[u] < RANK[t] and self.leaves(sc, u)]
                if lower and not options:
                    return f"({text} * {self.pick(self.leaves(sc, self.pick(lower)))})"
            if fresh and t != S and not text.startswith("np.array("):
                text = self.pick(UNARY).format(text)
            return text
        kinds = ["unary", "binary", "binary", "reduce", "helper"]
        extra = ["method", "ifexp", "math", "stack", "kink", "local_function", "transpose"]
        kinds = kinds + extra if self.extras else kinds
        kind = self.pick(kinds + ["idiom", "idiom"] if self.idioms else kinds)
        if kind == "idiom":
            text = self.idiom_expr(sc, t, depth)
            if text is not None:
                return self.pick(UNARY).format(text) if fresh and t != S else text
            kind = "binary"
        if kind == "kink":
            if t == S and self.coin():
                a, b = self.expr(sc, S, depth - 1), self.expr(sc, S, depth - 1)
                return f"{self.pick(['max', 'min'])}({a}, {b})"
            text = f"abs({self.expr(sc, t, depth - 1)})"
            return self.pick(UNARY).format(text) if fresh else text
        if kind == "local_function" and self.local_functions:
            return f"{self.pick(self.local_functions)}({self.expr(sc, t, depth - 1)})"
        if kind == "transpose" and t != S:
            m = self.expr(sc, M, depth - 1)
            if t == V:
                return f"{m}.T.sum(axis=1)"
            # A reshape and a transpose are views: of a parameter (``p["w"]``) too (c21).
            text = f"{m}.reshape(3, 2).T"
            return self.pick(UNARY).format(text) if fresh else text
        if kind == "transpose":
            return f"float({self.expr(sc, V, depth - 1)}.dot({self.expr(sc, V, depth - 1)}))"
        if kind == "ifexp":
            a, b = self.expr(sc, t, depth - 1), self.expr(sc, t, depth - 1)
            text = f"({a} if {self.condition(sc)} else {b})"
            return self.pick(UNARY).format(text) if fresh else text
        if kind == "method" and t != M:
            if t == S:
                arr = self.expr(sc, self.pick([V, M]), depth - 1)
                return f"{arr}.{self.pick(['sum', 'mean'])}()"
            return f"{self.expr(sc, M, depth - 1)}.{self.pick(['sum', 'mean'])}(axis=0)"
        if kind == "math" and t == S:
            return self.pick(MATH).format(self.expr(sc, S, depth - 1))
        if kind == "stack" and t == M:
            return f"np.stack([{self.expr(sc, V, depth - 1)}, {self.expr(sc, V, depth - 1)}])"
        if kind == "unary":
            return self.pick(UNARY).format(self.expr(sc, t, depth - 1))
        if kind == "reduce" and t != M:
            text = self.reduce(sc, t, depth)
            # ``m[i]`` of a variable is a view of it: an owned array must be a copy.
            return self.pick(UNARY).format(text) if fresh and text.endswith("]") else text
        if kind == "helper":
            helpers = [h for h in self.helpers if h.result == t]
            if helpers:
                return self.call(sc, self.pick(helpers), depth)
        # binary with broadcasting: one operand has type t, the other any type of rank <= t.
        other = self.pick([u for u in (S, V, M) if RANK[u] <= RANK[t]])
        a, b = (t, other) if self.coin() else (other, t)
        return self.pick(BINARY).format(self.expr(sc, a, depth - 1), self.expr(sc, b, depth - 1))

    def idiom_expr(self, sc: Scope, t: str, depth: int) -> str | None:
        """An expression of tests/fuzz/idioms.py (the subclass there), or None."""
        return None

    def call(self, sc: Scope, h: Helper, depth: int) -> str:
        """A call of helper ``h``: arguments positional, then by keyword in any order, and a
        parameter with a default sometimes left out."""
        positional, keyword, skipped = [], [], False
        for j, p in enumerate(h.params):
            mode = self.pick(["pos", "kw", "omit"] if j >= len(h.params) - h.defaults
                             else ["pos", "kw"])
            if mode == "pos" and not keyword and not skipped:
                positional.append(self.expr(sc, p, depth - 1))
            elif mode != "omit":
                keyword.append(f"a{j}={self.expr(sc, p, depth - 1)}")
            skipped = skipped or mode == "omit"
        if len(keyword) > 1:
            keyword = self.draw(st.permutations(keyword))
        return f"{h.name}({', '.join(positional + list(keyword))})"

    def reduce(self, sc: Scope, t: str, depth: int) -> str:
        if t == V:
            m = self.expr(sc, M, depth - 1)
            return self.pick([f"np.sum({m}, axis=0)", f"np.mean({m}, axis=0)",
                              f"{m}[{self.index(sc, 2)}]"])
        form = self.pick(["sum", "mean", "dot", "matvec", "index"])
        if form == "dot":
            return f"np.dot({self.expr(sc, V, depth - 1)}, {self.expr(sc, V, depth - 1)})"
        if form == "matvec":
            return f"np.sum({self.expr(sc, M, depth - 1)} @ {self.expr(sc, V, depth - 1)})"
        if form == "index":
            return f"{self.expr(sc, V, depth - 1)}[{self.index(sc, 3)}]"
        arr = self.expr(sc, self.pick([V, M]), depth - 1)
        return f"np.{form}({arr})"

    def condition(self, sc: Scope) -> str:
        text = self.comparison(sc)
        if not self.extras or not self.coin(0.3):
            return text
        form = self.pick(["and", "or", "not"])
        # Parenthesised: it may end up after ``k < n and`` in a while loop.
        return f"(not {text})" if form == "not" else f"({text} {form} {self.comparison(sc)})"

    def comparison(self, sc: Scope) -> str:
        op = self.pick([">", "<"])
        return f"{self.expr(sc, S, 2)} {op} {self.const()}"

    # ------------------------------------------------------------------ statements

    def block(self, sc: Scope, depth: int, count: int) -> None:
        for _ in range(count):
            self.statement(sc, depth)

    def statement(self, sc: Scope, depth: int) -> None:
        kind = self.pick(self.statements)
        nested = depth < self.max_depth
        fresh_arrays = sorted(n for n in sc.fresh if sc.vars.get(n) in (V, M))
        if kind in ("if", "for", "for_rows", "while") and not nested:
            kind = "assign"
        if kind in ("break", "continue") and not sc.in_loop:
            kind = "assign"
        if kind == "subscript" and not fresh_arrays:
            kind = "assign"
        if kind == "for_rows" and not any(t == M for t in sc.vars.values()):
            kind = "for"
        if kind == "append" and not sc.local_lists:
            kind = "list"
        if kind == "dict_write" and not sc.local_dicts:
            kind = "dict"
        if kind == "overwrite" and not sc.vars:
            kind = "assign"
        if kind == "elif" and not nested:
            kind = "assign"
        if kind in ("enumerate", "comprehension") and (not sc.lists or not nested):
            kind = "list"
        if kind == "swap" and not self._swappable(sc):
            kind = "unpack"
        self.features.add(FEATURE_OF.get(kind, kind))
        getattr(self, "st_" + kind)(sc, depth)

    def st_assign(self, sc: Scope, depth: int) -> None:
        t = self.pick([S, V, M])
        name = self.new_name("t")
        self.emit(f"{name} = {self.expr(sc, t, 3, fresh=True)}")
        sc.vars[name] = t
        if t != S:
            sc.fresh.add(name)

    def st_overwrite(self, sc: Scope, depth: int) -> None:
        name = self.pick(sorted(sc.vars))
        t = sc.vars[name]
        self.emit(f"{name} = {self.expr(sc, t, 3, fresh=True)}")
        # Only a straight-line overwrite makes the name owned for what follows; inside a branch
        # or loop body the other path may keep the caller's array.
        if t != S and depth == 0:
            sc.fresh.add(name)

    def st_augassign(self, sc: Scope, depth: int) -> None:
        targets = sorted(n for n, t in sc.vars.items() if t == S or n in sc.fresh)
        if not targets:
            return self.st_assign(sc, depth)
        name = self.pick(targets)
        t = sc.vars[name]
        value_type = self.pick([u for u in (S, V, M) if RANK[u] <= RANK[t]])
        op = self.pick(["+=", "-=", "*="])
        self.features.add("scalar_augassign" if t == S else "array_inplace")
        self.emit(f"{name} {op} {self.expr(sc, value_type, 2)}")

    def st_subscript(self, sc: Scope, depth: int) -> None:
        name = self.pick(sorted(n for n in sc.fresh if sc.vars.get(n) in (V, M)))
        op = self.pick(["=", "+=", "*="])
        value_type = S
        if sc.vars[name] == V:
            target = f"{name}[{self.pick([self.index(sc, 3), '1:', ':2', '::2'])}]"
        else:
            form = self.pick(["row", "element", "column", "row_slice"])
            if form == "row":
                target, value_type = f"{name}[{self.index(sc, 2)}]", self.pick([S, V])
            elif form == "element":
                target = f"{name}[{self.index(sc, 2)}, {self.index(sc, 3)}]"
            elif form == "column":
                target = f"{name}[:, {self.index(sc, 3)}]"
            else:
                target = f"{name}[{self.index(sc, 2)}, 1:]"
        self.features.add("array_inplace")
        self.emit(f"{target} {op} {self.expr(sc, value_type, 2)}")

    def nested(self, sc: Scope, depth: int, *, in_loop: bool | None = None) -> None:
        self.indent += 1
        self.block(sc.child(in_loop=in_loop), depth + 1, self.draw(st.integers(1, 3)))
        self.indent -= 1

    def st_if(self, sc: Scope, depth: int, elifs: int = 0, p_else: float = 0.7) -> None:
        self.emit(f"if {self.condition(sc)}:")
        self.nested(sc, depth)
        for _ in range(elifs):
            self.emit(f"elif {self.condition(sc)}:")
            self.nested(sc, depth)
        if self.coin(p_else):
            self.emit("else:")
            self.nested(sc, depth)

    def st_for(self, sc: Scope, depth: int) -> None:
        i = self.new_name("i")
        if self.coin(0.2) and "k" in sc.loop_ints:
            bound_text, bound = "k", 2  # k is 1 or 2
        else:
            bound = self.draw(st.integers(1, 4))
            bound_text = str(bound)
        self.emit(f"for {i} in range({bound_text}):")
        inner = sc.child(in_loop=True)
        inner.loop_ints[i] = bound
        self.indent += 1
        self.block(inner, depth + 1, self.draw(st.integers(1, 3)))
        self.indent -= 1

    def st_for_rows(self, sc: Scope, depth: int) -> None:
        matrices = sorted(n for n, t in sc.vars.items() if t == M)
        row, source = self.new_name("row"), self.pick(matrices)
        self.emit(f"for {row} in {source}:")
        inner = sc.child(in_loop=True)
        inner.vars[row] = V
        inner.fresh.discard(row)
        # Writing the matrix while iterating its rows would be legal but obscure; forbid it.
        inner.fresh.discard(source)
        self.indent += 1
        self.block(inner, depth + 1, self.draw(st.integers(1, 3)))
        self.indent -= 1

    def st_while(self, sc: Scope, depth: int) -> None:
        k = self.new_name("k")
        bound = self.draw(st.integers(1, 4))
        self.emit(f"{k} = 0")
        self.emit(f"while {k} < {bound} and {self.condition(sc)}:")
        self.indent += 1
        # The counter goes first so a ``continue`` in the body cannot skip it.
        self.emit(f"{k} += 1")
        self.block(sc.child(in_loop=True), depth + 1, self.draw(st.integers(1, 3)))
        self.indent -= 1

    def st_break(self, sc: Scope, depth: int) -> None:
        self.emit(f"if {self.condition(sc)}:")
        self.emit("    break")

    def st_continue(self, sc: Scope, depth: int) -> None:
        self.emit(f"if {self.condition(sc)}:")
        self.emit("    continue")

    def st_unpack(self, sc: Scope, depth: int) -> None:
        a, b = self.new_name("t"), self.new_name("t")
        ta, tb = self.pick([S, V, M]), self.pick([S, V, M])
        self.emit(f"{a}, {b} = {self.expr(sc, ta, 2, fresh=True)}, "
                  f"{self.expr(sc, tb, 2, fresh=True)}")
        for name, t in ((a, ta), (b, tb)):
            sc.vars[name] = t
            if t != S:
                sc.fresh.add(name)

    def st_swap(self, sc: Scope, depth: int) -> None:
        a, b = self.pick(self._swappable(sc))
        # Both or neither owned: a swap inside a branch leaves ownership as it was either way.
        self.emit(f"{a}, {b} = {b}, {a}")

    @staticmethod
    def _swappable(sc: Scope) -> list[tuple[str, str]]:
        # A loop's row is a view of its matrix: swapping it into another name would alias them.
        names = [n for n in sc.vars if not n.startswith("row")]
        return sorted((n, m) for n in names for m in names
                      if n < m and sc.vars[n] == sc.vars[m] and (n in sc.fresh) == (m in sc.fresh))

    def st_elif(self, sc: Scope, depth: int) -> None:
        self.st_if(sc, depth, elifs=1, p_else=0.5)

    def st_enumerate(self, sc: Scope, depth: int) -> None:
        source = self.pick(sorted(sc.lists))
        j, item = self.new_name("j"), self.new_name("v")
        self.emit(f"for {j}, {item} in enumerate({source}):")
        inner = sc.child(in_loop=True)
        inner.vars[item] = sc.lists[source]
        inner.loop_ints[j] = 99  # only used as a number, never as an index
        inner.local_lists.discard(source)  # appending to the list being iterated never ends
        self.indent += 1
        self.block(inner, depth + 1, self.draw(st.integers(1, 3)))
        self.indent -= 1

    def st_comprehension(self, sc: Scope, depth: int) -> None:
        source = self.pick(sorted(sc.lists))
        item, name = self.new_name("v"), self.new_name("xs")
        inner = sc.child()
        inner.vars[item] = sc.lists[source]
        t = self.pick([S, V])
        value = self.expr(inner, t, 2, fresh=True)
        if self.coin(0.3):  # a filter that keeps the first element: the list is never empty
            j = self.new_name("j")
            self.emit(f"{name} = [{value} for {j}, {item} in enumerate({source}) if {j} != 1]")
        else:
            self.emit(f"{name} = [{value} for {item} in {source}]")
        sc.lists[name] = t
        sc.local_lists.add(name)

    def st_chain(self, sc: Scope, depth: int) -> None:
        a, b = self.new_name("t"), self.new_name("t")
        t = self.pick([S, V, M])
        self.emit(f"{a} = {b} = {self.expr(sc, t, 2, fresh=True)}")
        sc.vars[a] = sc.vars[b] = t  # one array under two names: neither may be updated in place

    def st_iterate(self, sc: Scope, depth: int) -> None:
        """``for`` over ``reversed(xs)``, ``zip(xs, ys)`` or ``d.items()``."""
        forms = ["reversed"] if sc.lists else []
        forms += ["zip"] if sc.lists else []
        uniform = sorted(n for n, keys in sc.dicts.items() if len(set(keys.values())) == 1)
        forms += ["items"] if uniform else []
        if not forms or not depth < self.max_depth:
            return self.st_list(sc, depth)
        form = self.pick(forms)
        inner = sc.child(in_loop=True)
        a, b = self.new_name("v"), self.new_name("v")
        if form == "reversed":
            xs = self.pick(sorted(sc.lists))
            self.emit(f"for {a} in reversed({xs}):")
            inner.vars[a] = sc.lists[xs]
            inner.local_lists.discard(xs)
        elif form == "zip":
            xs, ys = self.pick(sorted(sc.lists)), self.pick(sorted(sc.lists))
            self.emit(f"for {a}, {b} in zip({xs}, {ys}):")
            inner.vars[a], inner.vars[b] = sc.lists[xs], sc.lists[ys]
            inner.local_lists -= {xs, ys}
        else:
            d = self.pick(uniform)
            key = self.new_name("key")
            self.emit(f"for {key}, {a} in {d}.items():")
            inner.vars[a] = next(iter(sc.dicts[d].values()))
            inner.local_dicts.discard(d)
        self.indent += 1
        self.block(inner, depth + 1, self.draw(st.integers(1, 3)))
        self.indent -= 1

    def st_list(self, sc: Scope, depth: int) -> None:
        t = self.pick([S, V])
        name = self.new_name("xs")
        self.emit(f"{name} = [{self.expr(sc, t, 2, fresh=True)}]")
        sc.lists[name] = t
        sc.local_lists.add(name)

    def st_append(self, sc: Scope, depth: int) -> None:
        name = self.pick(sorted(sc.local_lists))
        self.emit(f"{name}.append({self.expr(sc, sc.lists[name], 2, fresh=True)})")

    def st_dict(self, sc: Scope, depth: int) -> None:
        name = self.new_name("d")
        keys = {"a": self.pick([S, V]), "b": self.pick([S, V])}
        items = ", ".join(f'"{k}": {self.expr(sc, t, 2, fresh=True)}' for k, t in keys.items())
        self.emit(f"{name} = {{{items}}}")
        sc.dicts[name] = keys
        sc.local_dicts.add(name)

    def st_dict_write(self, sc: Scope, depth: int) -> None:
        name = self.pick(sorted(sc.local_dicts))
        key = self.pick(sorted(sc.dicts[name]))
        self.emit(f'{name}["{key}"] = {self.expr(sc, sc.dicts[name][key], 2, fresh=True)}')

    def st_return(self, sc: Scope, locals_: list[str]) -> None:
        terms = []
        for name in locals_[-4:]:
            if name in sc.vars:
                terms.append(name if sc.vars[name] == S else f"np.sum({name})")
        for name in sorted(sc.local_lists)[-1:]:
            last = f"{name}[-1]"
            terms.append(last if sc.lists[name] == S else f"np.sum({last})")
        terms.append(self.expr(sc, S, 2))
        self.emit("return " + " + ".join(terms))

    # ------------------------------------------------------------------ whole functions

    def helper(self, index: int) -> None:
        params = tuple(self.pick([S, V, M]) for _ in range(self.draw(st.integers(1, 2))))
        result = self.pick([S, max(params, key=RANK.get)])
        names = [f"a{j}" for j in range(len(params))]
        sc = Scope(vars=dict(zip(names, params)))
        defaults = self.draw(st.integers(0, len(params)))
        signature = [n if j < len(params) - defaults else f"{n}={self.constant(params[j])}"
                     for j, n in enumerate(names)]
        self.lines.append(f"def h{index}({', '.join(signature)}):")
        self.indent = 1
        self.block(sc, self.max_depth, self.draw(st.integers(0, 2)))
        self.emit(f"return {self.expr(sc, result, 2, fresh=True)}")
        self.lines += ["", ""]
        self.helpers.append(Helper(f"h{index}", params, result, defaults))


@dataclass(frozen=True)
class Signature:
    """The parameters of ``f``: names, static kinds, and which may be differentiated."""

    names: tuple[str, ...]
    kinds: tuple[Any, ...]  # S/V/M, ("dict", {key: type}), ("list", type, length), ("int",)


def _value(draw: Any, kind: Any) -> Any:
    # Three decimals: readable regressions, and shrinking moves towards 0.0.
    floats = st.integers(-1500, 1500).map(lambda i: i / 1000)
    if kind == S:
        return draw(floats)
    if kind in (V, M):
        flat = draw(st.lists(floats, min_size=int(np.prod(SHAPES[kind])),
                             max_size=int(np.prod(SHAPES[kind]))))
        return np.array(flat, dtype=np.float64).reshape(SHAPES[kind])
    if kind[0] == "dict":
        return {k: _value(draw, t) for k, t in kind[1].items()}
    if kind[0] == "list":
        return [_value(draw, kind[1]) for _ in range(kind[2])]
    return draw(st.integers(1, 2))  # "int": a loop bound


@st.composite
def programs(draw: Any, statements: tuple[str, ...] = STATEMENTS, max_statements: int = 6,
             max_depth: int = 2, helpers: bool = True, containers: bool = True,
             extras: bool = False, idioms: int = 0, forms: tuple[str, ...] = (),
             entries: tuple[str, ...] = ()) -> Program:
    """A random program using the given statement kinds (see module docstring); ``extras``
    adds methods, conditional expressions, ``math``, ``np.stack``, negative indices and
    ``sum`` of lists to the expressions; ``idioms`` (1, or 2 with constructs that fall back to
    the tape) the constructs of tests/fuzz/idioms.py and tests/fuzz/counters.py, with the
    expression ``forms`` of tests/fuzz/reductions.py and ``f`` defined as one of ``entries``
    (default: all of idioms.ENTRIES)."""
    if idioms:
        from tests.fuzz.counters import CounterWriter  # a subclass of _Writer: imported late

        w = CounterWriter(draw, max_depth, statements, extras, idioms)
        w.forms, w.entries = forms, entries
    else:
        w = _Writer(draw, max_depth, statements, extras)
    for index in range(draw(st.integers(0, 2)) if helpers else 0):
        w.helper(index)
    if w.helpers:
        w.features.add("helper")

    names, kinds = [], []
    for j in range(draw(st.integers(1, 3))):
        names.append("xyz"[j])
        kinds.append(w.pick([S, V, M]))
    if containers and w.coin(0.3):
        keys = {k: w.pick([S, V, M]) for k in ("w", "b")[: draw(st.integers(1, 2))]}
        names.append("p")
        kinds.append(("dict", keys))
        w.features.add("dict_param")
    if containers and w.coin(0.3):
        names.append("ps")
        kinds.append(("list", w.pick([S, V]), 2))
        w.features.add("list_param")
    if w.coin(0.2):
        names.append("k")
        kinds.append(("int",))
        w.features.add("int_param")

    sc = Scope()
    for name, kind in zip(names, kinds):
        if kind in (S, V, M):
            sc.vars[name] = kind
        elif kind[0] == "dict":
            sc.dicts[name] = dict(kind[1])
        elif kind[0] == "list":
            sc.lists[name] = kind[1]  # read by index, never appended to (the caller's list)
        else:
            sc.loop_ints[name] = 3  # k is 1 or 2: a valid index below 3

    if idioms:
        w.begin(names, sc)  # def f, def _f for a partial, class Model, or lambdas in a table
    else:
        w.lines.append(f"def f({', '.join(names)}):")
        w.indent = 1
    if not w.expression_only:
        _body(w, sc, draw, max_statements, extras)
    if idioms:
        w.end()
    header = "import numpy as np\n\n\n"
    if extras or idioms:
        header = (("import functools\n" if idioms else "") + "import math\n\nimport numpy as np\n\n"
                  + "".join(f"{n} = {text}\n" for n, (_, text) in GLOBALS.items())
                  + (w.module_lines() if idioms else "") + "\n\n")
    source = header + "\n".join(w.lines) + "\n"

    args = tuple(_value(draw, kind) for kind in kinds)
    diff = [j for j, kind in enumerate(kinds) if kind != ("int",)]
    chosen = draw(st.lists(st.sampled_from(diff), min_size=1, max_size=len(diff), unique=True))
    return Program(source, args, tuple(sorted(chosen)), frozenset(w.features))


def _body(w: _Writer, sc: Scope, draw: Any, max_statements: int, extras: bool) -> None:
    """The statements of ``f`` and its ``return``."""
    if extras and w.coin(0.4):
        w.local_functions.append("g")
        body = w.pick(UNARY).format("u")
        closure = sorted(n for n in sc.vars if sc.vars[n] == S)
        if closure and w.coin():  # a closure: reads f's variable when called (late binding)
            body = f"{body} * {w.pick(closure)}"
        if w.coin():
            w.emit(f"g = lambda u: {body}")
        else:
            w.emit("def g(u):")
            w.emit(f"    return {body}")
        w.features.add("local_function")
    if w.idioms > 1:
        w.lambda_table()
    before = set(sc.vars)
    for _ in range(draw(st.integers(1, max_statements))):
        w.statement(sc, 0)
    locals_ = [n for n in sc.vars if n not in before]
    w.st_return(sc, locals_)
