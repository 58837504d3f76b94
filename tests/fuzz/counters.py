"""Loops that index arrays with counter arithmetic: what ``compiler/recompute.py`` recomputes.

Since 2026-11-30 a reverse loop computes ``j = i + 1``, ``k = 2 * i % 3`` and items of arrays
the loop never changes (``x[j]``, ``x[i, j]`` with an outer counter, ``x[t, 1:]``) again
instead of pushing and popping them. ``CounterWriter`` writes such loops, and the cases where
recomputing would be wrong:

* ``counter_loop``: ``for i in range(n)`` (``n`` a literal, ``k``, ``x.shape[0]`` or
  ``len(x)``) with counters derived from ``i``, an accumulation of items read at them, then
  random statements (``break``/``continue`` where the family has them); sometimes the counter
  is rebound in the body, or the array read is rebound or written in place (before or after the
  read: its items must then be pushed), and the counters are used after the loop;
* ``nested_counters``: ``for i ..: for j ..: v = X[i, j]`` with rows ``X[i, 1:]``, columns and
  windows ``x[i:i + 2]`` read at the counters.

Every counter has a known exclusive bound (``Scope.loop_ints``), so every index is valid.
"""

from __future__ import annotations

from tests.fuzz.programs import M, S, Scope, V
from tests.fuzz.reductions import ShapeWriter

#: Statement kinds of this module.
COUNTER_STATEMENTS = ("counter_loop", "nested_counters", "counter_while")


class CounterWriter(ShapeWriter):
    """``ShapeWriter`` plus the loops above."""

    def _bound(self, sc: Scope) -> tuple[str, int]:
        """A loop bound as text, and its value (at most 3: every counter indexes a vector)."""
        options = [("2", 2), ("3", 3), ("1", 1)]
        options += [("k", 2)] if "k" in sc.loop_ints else []  # k is 1 or 2
        for name, t in sorted(sc.vars.items()):
            if t == V:
                options += [(f"len({name})", 3), (f"{name}.shape[0]", 3)]
            elif t == M:
                options += [(f"{name}.shape[0]", 2), (f"{name}.shape[1]", 3), (f"len({name})", 2)]
        return self.pick(options)

    def _range(self, sc: Scope) -> tuple[str, int]:
        """``range(..)`` whose values all lie in ``range(n)`` (at least one), and ``n``: from 0
        or 1, forwards, backwards or by twos."""
        text, n = self._bound(sc)
        forms = [f"range({text})", f"range({text})", f"range({text} - 1, -1, -1)",
                 f"range(0, {text}, 2)"]
        forms += [f"range(1, {text})"] if n >= 2 and text != "k" else []  # k may be 1
        return self.pick(forms), n

    def _derive(self, inner: Scope, i: str, n: int) -> None:
        """One counter computed from ``i`` (values in ``range(n)``), with its bound."""
        c = self.pick([1, 2])
        text, bound = self.pick([
            (f"{i} + 1", n + 1),
            (f"({c} * {i}) % 3", 3),
            (f"2 * {i} % 3", 3),
            (f"({i} + {c}) % 3", 3),
            (f"{n - 1} - {i}", n),
            (f"{i} // 2", (n + 1) // 2),
            (f"({i} + 1) % {n}", n),
        ])
        name = self.new_name("j")
        self.emit(f"{name} = {text}")
        inner.loop_ints[name] = bound
        self.features.add("counter_arith")

    def _counter(self, sc: Scope, bound: int) -> str | None:
        ints = [n for n, b in sorted(sc.loop_ints.items()) if b <= bound]
        return self.pick(ints) if ints else None

    def _read_item(self, sc: Scope, arrays: list[str], depth: int) -> str:
        """A float read from one of ``arrays`` at the counters in scope."""
        name = self.pick(arrays)
        if sc.vars[name] == V:
            i = self._counter(sc, 3) or self.index(sc, 3)
            two = self._counter(sc, 2)
            if two is not None and self.coin(0.3):  # a window at the counter
                self.features.add("counter_slice")
                return f"np.dot({name}[{two}:{two} + 2], {self._e2(sc, V)}[1:])"
            return f"{name}[{i}]"
        row = self._counter(sc, 2) or self.index(sc, 2)
        col = self._counter(sc, 3) or self.index(sc, 3)
        form = self.pick(["element", "element", "row_tail", "column"])
        if form == "row_tail":
            self.features.add("counter_slice")
            return f"np.sum({name}[{row}, 1:] * {self._e2(sc, V)}[:2])"
        if form == "column":
            return f"np.dot({name}[:, {col}], {self._e2(sc, V)}[:2])"
        return f"{name}[{row}, {col}]"

    def _e2(self, sc: Scope, t: str) -> str:
        return self.expr(sc, t, 1)

    def _readable(self, sc: Scope) -> list[str]:
        return sorted(n for n, t in sc.vars.items() if t in (V, M) and not n.startswith("row"))

    def _change(self, sc: Scope, inner: Scope, arrays: list[str], acc: str) -> None:
        """Rebind an array the loop reads, or write into it if it is owned: its items must then
        be kept, not recomputed."""
        name = self.pick(arrays)
        self.features.add("read_array_changed")
        if name in sc.fresh and name in inner.fresh and self.coin(0.6):
            index = self.index(inner, 3 if sc.vars[name] == V else 2)
            self.features.add("array_inplace")
            if self.coin():
                self.emit(f"{name}[{index}] {self.pick(['+=', '*=', '='])} 0.5 * np.tanh({acc})")
            else:  # all of it, in place
                self.emit(f"{name} {self.pick(['+=', '*='])} 0.5 * np.tanh({acc})")
        else:
            self.emit(f"{name} = {self.pick(['np.sin', 'np.tanh'])}({name}) + 0.1 * {acc}")

    def st_counter_loop(self, sc: Scope, depth: int) -> None:
        arrays = self._readable(sc)
        if not arrays or depth >= self.max_depth:
            return self.st_assign(sc, depth)
        self.features.add("for")
        acc, i = self.new_name("s"), self.new_name("i")
        running = self.new_name("c") if self.coin(0.2) else None
        if running:  # an int carried from one iteration to the next: not the counter's
            self.emit(f"{running} = {self.pick([0, 1, 2])}")
            sc.loop_ints[running] = 3
        inner = sc.child(in_loop=True)
        if self.coin(0.25):  # the counter of an enumerate, beside a float or a row
            source = self.pick(arrays)
            item = self._item(inner, S if sc.vars[source] == V else V)
            header, n = f"{i}, {item} in enumerate({source})", {V: 3, M: 2}[sc.vars[source]]
            inner.fresh.discard(source)  # not written while walked
        else:
            values, n = self._range(sc)
            header = f"{i} in {values}"
        self.emit(f"{acc} = {self.expr(sc, S, 1)}")
        self.emit(f"for {header}:")
        inner.loop_ints[i] = n
        inner.vars[acc] = S
        self.indent += 1
        for _ in range(self.draw_count() - 1):
            self._derive(inner, i, n)
        change = self.coin(0.25)
        if change and self.coin():
            self._change(sc, inner, arrays, acc)
        if self.coin(0.2):  # the counter rebound: reads below see the new value
            self.emit(f"{i} = {self.pick([f'{n - 1} - {i}', f'({i} + 1) % {n}'])}")
            self.features.add("counter_rebind")
        terms = [self._read_item(inner, arrays, depth) for _ in range(self.draw_count() - 1)]
        self.emit(f"{acc} = {acc} + {' * '.join(terms)}")
        if running:
            self.emit(f"{running} = ({running} + {self.pick([1, 2])}) % 3")
        if change and self.coin():
            self._change(sc, inner, arrays, acc)
        counters = dict(inner.loop_ints)  # bound in every iteration, before any break
        self.block(inner, depth + 1, self.draw_count() - 2)
        self.indent -= 1
        self._after(sc, counters, acc)
        if self.coin(0.2):  # changed after the loop: the reverse loop must see the old items
            self._change(sc, sc, [a for a in arrays if a in sc.vars], acc)

    def st_counter_while(self, sc: Scope, depth: int) -> None:
        """A counter kept by hand: ``c = 0; while c < n: ..; c += 1`` (not a ``for`` counter:
        its arithmetic reads a value the loop changes)."""
        arrays = self._readable(sc)
        if not arrays or depth >= self.max_depth:
            return self.st_assign(sc, depth)
        self.features |= {"while", "counter_while"}
        acc, c = self.new_name("s"), self.new_name("c")
        text, n = self._bound(sc)
        self.emit(f"{acc} = {self.expr(sc, S, 1)}")
        self.emit(f"{c} = 0")
        self.emit(f"while {c} < {text}:")
        inner = sc.child(in_loop=True)
        inner.loop_ints[c] = n
        inner.vars[acc] = S
        self.indent += 1
        for _ in range(self.draw_count() - 2):
            self._derive(inner, c, n)
        terms = [self._read_item(inner, arrays, depth) for _ in range(self.draw_count() - 1)]
        self.emit(f"{acc} = {acc} + {' * '.join(terms)}")
        self.emit(self.pick([f"{c} += 1", f"{c} = {c} + 1"]))
        del inner.loop_ints[c]  # now up to n: no longer an index (a continue below is safe)
        counters = dict(inner.loop_ints)
        self.block(inner, depth + 1, self.draw_count() - 2)
        self.indent -= 1
        self._after(sc, counters, acc)

    def _after(self, sc: Scope, bound: dict[str, int], acc: str) -> None:
        """The accumulator, and the counters ``bound`` at the top of every iteration (each loop
        runs at least once), live on after the loop."""
        sc.vars[acc] = S
        counters = {k: b for k, b in bound.items() if k not in sc.loop_ints}
        if counters:
            sc.loop_ints.update(counters)
            vectors = sorted(n for n, t in sc.vars.items() if t == V)
            small = sorted(k for k, b in counters.items() if b <= 3)
            if small and vectors and self.coin(0.4):
                c = self.pick(small)
                self.emit(f"{acc} = {acc} + {self.pick(vectors)}[{c}] * ({c} + 0.5)")
                self.features.add("counter_after_loop")

    def st_nested_counters(self, sc: Scope, depth: int) -> None:
        matrices = sorted(n for n, t in sc.vars.items() if t == M)
        if not matrices or depth + 1 >= self.max_depth:
            return self.st_counter_loop(sc, depth)
        self.features |= {"for", "nested_counters"}
        m = self.pick(matrices)
        acc, i, j, v = (self.new_name(p) for p in ("s", "i", "j", "v"))
        self.emit(f"{acc} = {self.expr(sc, S, 1)}")
        self.emit(f"for {i} in range({self.pick([f'{m}.shape[0]', '2', f'len({m})'])}):")
        outer = sc.child(in_loop=True)
        outer.loop_ints[i] = 2
        outer.vars[acc] = S
        self.indent += 1
        if self.coin(0.2):  # the matrix changed between inner loops
            self._change(sc, outer, [m], acc)
        if self.coin(0.4):  # a row's tail read at the outer counter
            self.emit(f"{acc} = {acc} + np.sum({m}[{i}, 1:] ** 2)")
            self.features.add("counter_slice")
        self.emit(f"for {j} in range({self.pick([f'{m}.shape[1]', '3'])}):")
        inner = outer.child(in_loop=True)
        inner.loop_ints[j] = 3
        self.indent += 1
        self.emit(f"{v} = {m}[{i}, {j}]")
        inner.vars[v] = S
        if self.coin(0.4):
            self._derive(inner, j, 3)
        if self.coin(0.3):  # from both counters
            both = self.new_name("j")
            self.emit(f"{both} = ({i} + {j}) % 3")
            inner.loop_ints[both] = 3
        other = self._read_item(inner, self._readable(inner), depth)
        self.emit(f"{acc} = {acc} + {v} * {other}")
        self.block(inner, depth + 2, self.draw_count() - 2)
        self.indent -= 1
        if self.coin(0.35):  # the inner counter read after its loop, still in the outer one
            self.emit(f"{acc} = {acc} + {m}[{i}, {j}] * {acc}")
            self.features.add("counter_after_loop")
        self.indent -= 1
        self._after(sc, {i: 2}, acc)
