"""Expressions for the compiler paths changed on 2026-11-30 that no generator wrote yet.

``ShapeWriter`` adds to ``IdiomWriter``'s expressions, when a family names them in ``forms``:

* ``keepdims``: reductions kept at rank that elementwise code broadcasts back (softmax and
  logsumexp rows, ``x / np.sum(x, axis=0, keepdims=True)``): ``seeds.unreduce(.., True)``;
* ``sum_of_sums``: ``np.sum(a) + np.sum(b * b)``, the seed of a scalar result in shape variants;
* ``shape_attr``: ``x.shape[0]``, ``x.size``, ``x.ndim``, ``len(x)`` in arithmetic;
* ``new_axis``: ``a[:, None] - b[None, :]`` (outer differences, kernels);
* ``average`` and ``clip``: an active value passed by keyword (``weights=``, ``a_min=``,
  ``a_max=`` in any order): ``inline.keyword_operand``; ``by_name``: a function's main
  operand by its parameter name (``np.mean(a=M)``, ``np.linalg.norm(x=M)``, ``np.dot(v, b=w)``,
  ``np.stack(arrays=..)``, ``np.tensordot(a=.., b=..)``);
* ``square``: a value times itself (``x * x``, ``np.sin(x) * np.sin(x)``, ``np.dot(v, v)``):
  ``optimize.double_repeats`` turns ``dx = g; dx += g`` into ``dx = 2 * g``.

Every form is smooth where the harness accepts it: denominators are sums of exponentials or
``1 +`` squares, and ``np.clip``'s and ``np.max``'s kinks are probed for a margin.
"""

from __future__ import annotations

from tests.fuzz.idioms import IdiomWriter
from tests.fuzz.programs import UNARY, M, S, Scope, V

#: The expression forms of this module, for a family's ``forms``.
SHAPE_FORMS = ("keepdims", "sum_of_sums", "shape_attr", "new_axis", "average", "clip", "square",
               "by_name")


class ShapeWriter(IdiomWriter):
    """``IdiomWriter`` plus the forms above (only those in ``self.forms``)."""

    forms: tuple[str, ...] = ()

    def expr(self, sc: Scope, t: str, depth: int, fresh: bool = False) -> str:
        if self.forms and depth > 0 and self.coin(0.25):
            form = self.pick(self.forms)
            text = getattr(self, "form_" + form)(sc, t, depth)
            if text is not None:
                self.features.add(form)
                # A fresh array must not be a view: these are new arrays, but a unary keeps
                # the promise obvious (as for IdiomWriter's forms).
                return self.pick(UNARY).format(text) if fresh and t != S else text
        return super().expr(sc, t, depth, fresh)

    def _e(self, sc: Scope, t: str, depth: int) -> str:
        return self.expr(sc, t, depth - 1)

    def _operand(self, sc: Scope, t: str, depth: int) -> str:
        """A leaf if there is one (the same name read twice), else an expression."""
        options = [o for o in self.leaves(sc, t) if o.isidentifier()]
        return self.pick(options) if options and self.coin(0.7) else self._e(sc, t, depth)

    # ------------------------------------------------------------------ forms

    def form_keepdims(self, sc: Scope, t: str, depth: int) -> str | None:
        if t == S:
            inner = self.form_keepdims(sc, self.pick([V, M]), depth)
            return f"np.sum({inner})"
        z = self._operand(sc, t, depth)
        axis = "axis=0, " if t == V else self.pick(["axis=0, ", "axis=1, ", "axis=-1, ", ""])
        exp = f"np.exp({z})"
        return self.pick([
            f"({z} - np.log(np.sum({exp}, {axis}keepdims=True)))",  # log-softmax
            f"({exp} / np.sum({exp}, {axis}keepdims=True))",  # softmax
            f"({z} / (1.0 + np.sum({z} ** 2, {axis}keepdims=True)))",
            f"({z} - np.mean({z}, {axis}keepdims=True))",
            f"({z} * np.sqrt(1.0 + np.var({z}, {axis}keepdims=True)))",
            f"({z} - np.max({z}, {axis}keepdims=True))",  # a kink: probed
            f"({z} * {z}.sum({axis}keepdims=True))",
        ])

    def form_sum_of_sums(self, sc: Scope, t: str, depth: int) -> str | None:
        if t != S:
            return None
        a, b = self._e(sc, self.pick([V, M]), depth), self._operand(sc, self.pick([V, M]), depth)
        return self.pick([f"(np.sum({a}) + np.sum({b} * {b}))",
                          f"(np.sum({a}) * np.sum({b}))",
                          f"np.sum(np.sum({self._e(sc, M, depth)}, axis=0))",
                          f"({a}.sum() - np.sum({b}) / 2.0)"])

    def form_shape_attr(self, sc: Scope, t: str, depth: int) -> str | None:
        arrays = sorted(n for n, u in sc.vars.items() if u in (V, M))
        if not arrays:
            return None
        a, u = self.pick(arrays), self.pick([V, M])
        value = self._e(sc, t, depth)
        return self.pick([
            f"({value} * {a}.shape[0])",
            f"({value} / {a}.shape[-1])",
            f"({value} * ({a}.size - 1.5))",
            f"({value} / {a}.ndim)",
            f"({value} * len({a}))",
            f"({value} + np.sum({self._e(sc, u, depth)}) / {a}.size)",
        ])

    def form_new_axis(self, sc: Scope, t: str, depth: int) -> str | None:
        a, b = self._operand(sc, V, depth), self._e(sc, V, depth)
        if t == S:
            return self.pick([f"np.sum({a}[None, :] * {self._e(sc, M, depth)})",
                              f"np.sum(({a}[:, None] - {b}[None, :]) ** 2)"])
        if t == V:
            return self.pick([f"np.sum(({a}[:, None] - {b}[None, :]) ** 2, axis=1)",
                              f"(np.exp(-({a}[:, None] - {b}[None, :]) ** 2) @ "
                              f"{self._e(sc, V, depth)})",
                              f"np.mean({a}[None, :] * {b}[:, None], axis=0)"])
        m = self._operand(sc, M, depth)
        return self.pick([f"({m}[:, {self.index(sc, 3)}][:, None] * {a}[None, :])",
                          f"({m}[:, None, :] - {self._e(sc, M, depth)}[None, :, :]).sum(axis=1)",
                          f"({a}[None, :] - {m})"])

    def form_average(self, sc: Scope, t: str, depth: int) -> str | None:
        w = f"(1.0 + {self._e(sc, V, depth)} ** 2)"
        if t == S:
            return self.pick([f"np.average({self._e(sc, V, depth)}, weights={w})",
                              f"np.sum(np.average({self._e(sc, M, depth)}, axis=1, "
                              f"weights={w}))"])
        if t == V:
            m = self._e(sc, M, depth)
            rows = f"np.exp({self._e(sc, M, depth)}[:, {self.index(sc, 3)}])"
            return self.pick([f"np.average({m}, axis=0, weights={rows})",
                              f"np.average({m}, weights={rows}, axis=0)",
                              f"np.average(a={m}, weights={rows}, axis=0)",
                              f"(np.average({m}, axis=1, weights={w}) @ {m})",
                              f"np.average({m}, 0, {rows})"])  # by position, beside
        return None

    def form_by_name(self, sc: Scope, t: str, depth: int) -> str | None:
        """A NumPy function's main operand given by its parameter name (``np.mean(a=M)``)."""
        if t == S:
            v, m = self._e(sc, V, depth), self._e(sc, M, depth)
            return self.pick([f"np.sum(a={v})", f"np.mean(a={m})", f"np.dot({v}, b={v})",
                              f"np.sum(np.linalg.norm(x={m}, axis=1))"])
        if t == V:
            m = self._e(sc, M, depth)
            column = f"{self._e(sc, M, depth)}[:, {self.index(sc, 3)}]"
            return self.pick([f"np.mean(a={m}, axis=0)", f"np.sum(a={m}, axis=0)",
                              f"np.tensordot(a={column}, b={m}, axes=1)",
                              f"np.tensordot({column}, b={m}, axes=1)"])
        return f"np.stack(arrays=[{self._e(sc, V, depth)}, {self._e(sc, V, depth)}], axis=0)"

    def form_clip(self, sc: Scope, t: str, depth: int) -> str | None:
        x = self._e(sc, t, depth)
        lo = self._e(sc, self.pick([S, t]), depth)
        width = self.pick(["0.5", "1.5", "2.0"])
        return self.pick([
            f"np.clip({x}, a_min={lo}, a_max={lo} + {width})",
            f"np.clip({x}, a_max={lo} + {width}, a_min={lo})",
            f"np.clip({x}, {lo}, {lo} + {width})",
            f"np.clip({x}, a_min=None, a_max={lo})",
            f"np.clip({x}, a_min={lo}, a_max=None)",
            f"np.clip(a={x}, a_max={lo} + {width}, a_min={lo})",
        ])

    def form_square(self, sc: Scope, t: str, depth: int) -> str | None:
        a = self._operand(sc, t, depth)
        forms = [f"({a} * {a})", f"(np.sin({a}) * np.sin({a}))", f"({a} * {a} * {a})",
                 f"({a} + {a})", f"(np.tanh({a}) * 0.5 * np.tanh({a}))"]
        if t == S:
            v = self._operand(sc, V, depth)
            forms += [f"np.dot({v}, {v})", f"np.sum({v} * {v})"]
        return self.pick(forms)
