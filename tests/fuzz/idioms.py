"""Constructs of real NumPy code that the first generator never wrote, and that hid bugs.

The lead found C14-C18 (docs/reliability.md) by hand on 2026-11-30 after 10,000 clean programs:
the generator wrote none of these. ``IdiomWriter`` adds them to ``programs.py``'s writer:

* how ``f`` is reached: a ``functools.partial`` of a function, a callable instance, the second
  of two lambdas with the same parameters on one line, or a lambda in a dict literal (C14);
* expressions: NumPy functions given Python lists (``np.max([a, b])``, ``np.mean([x, 2 * x],
  axis=0)``, ``np.where(MASK, [a, b, c], v)``, C16), ``sum([..])``, ``float(..)``,
  ``.item()``, ``.copy()``/``np.copy``, slices with negative steps, ``np.concatenate``;
* statements: ``for`` headers nesting ``enumerate``/``zip``/``reversed``/``.items()`` over lists
  and arrays (C15), lists built in a loop and stacked or concatenated, chained comparisons in an
  ``if``, a copy written into, repeated fancy-index writes ``t[[0, 0, 2]] = v`` (C18), and
  tuple assignments into elements ``t[0], t[1] = t[1], t[0]`` (C22);
* with ``idioms=2``, what the compiler refuses so that the tape takes over with a
  ``TransformWarning`` (feature ``falls_back``): in-place calls (``t.fill(v)``, ``t.sort()``,
  ``np.put``, ``np.copyto``, ``np.add.at``, ``out=``, ``xs.extend``, C17), lambdas kept in a
  dict or tuple, and ``max``/``min`` of a list. The harness checks that those warn and give the
  right gradient, or raise a clear error, never a wrong number.
"""

from __future__ import annotations

from tests.fuzz.programs import CONSTANTS, RANK, UNARY, M, S, Scope, V, _Writer

#: A constant boolean mask for ``np.where`` (a module global of idiom programs).
MASK = "np.array([True, False, True])"

#: How ``f`` is defined.
ENTRIES = ("def", "partial", "callable", "lambda_pair", "lambda_table")

#: Features of constructs the compiler refuses (the tape takes over).
FALLS_BACK = "falls_back"


class IdiomWriter(_Writer):
    """``_Writer`` plus the constructs above; all randomness still comes from ``draw``."""

    module: list[str]  # module-level lines after the globals (lambda tables)
    entries: tuple[str, ...] = ()  # how f may be defined (default: ENTRIES)
    tail: list[str]  # lines after f's body (f = functools.partial(...))

    # ------------------------------------------------------------------ how f is defined

    def begin(self, names: list[str], sc: Scope) -> None:
        self.module, self.tail = [f"MASK = {MASK}\n"], []
        entry = self.pick((self.entries or ENTRIES) if self.idioms == 1 else ("def",))
        self.features.add("entry_" + entry)
        params = ", ".join(names)
        if entry == "partial":
            sc.vars["scale"] = S  # bound by the partial, read as a float
            self.lines.append(f"def _f({params}, scale):")
            self.tail = ["", "", f"f = functools.partial(_f, scale={self.const()})"]
        elif entry == "callable":
            self.lines += ["class Model:", "    def __init__(self):",
                           f"        self.scale = {self.const()}", "",
                           f"    def __call__(self, {params}):"]
            self.extra_leaves[S] = ["self.scale"]
            self.indent = 2
            self.tail = ["", "", "f = Model()"]
            return
        elif entry in ("lambda_pair", "lambda_table"):
            # Two lambdas with the same parameters: the compiler must pick the right one.
            first, second = self.expr(sc, S, 3), self.expr(sc, S, 3)
            if entry == "lambda_pair":
                self.lines.append(f"PAIR = (lambda {params}: {first}, lambda {params}: {second})")
                self.lines.append("f = PAIR[1]")
            else:
                self.lines += ["TABLE = {", f'    "a": lambda {params}: {first},',
                               f'    "b": lambda {params}: {second},', "}", 'f = TABLE["b"]']
            self.expression_only = True
            return
        else:
            self.lines.append(f"def f({params}):")
        self.indent = 1

    def end(self) -> None:
        self.lines += self.tail

    def module_lines(self) -> str:
        return "".join(self.module)

    def lambda_table(self) -> None:
        """Local functions kept in a dict or tuple, inside ``f`` or at module level: the
        compiler refuses these (a lambda used as a value), the tape runs them."""
        if not self.coin(0.5):
            return
        a, b = self.pick(UNARY).format("u"), self.pick(UNARY).format("u")
        form = self.pick(["dict", "tuple", "module"])
        if form == "dict":
            self.emit(f'ops = {{"a": lambda u: {a}, "b": lambda u: {b}}}')
            self.local_functions += ['ops["a"]', 'ops["b"]']
        elif form == "tuple":
            self.emit(f"g0, g1 = lambda u: {a}, lambda u: {b}")
            self.local_functions += ["g0", "g1"]
        else:
            self.module.append(f'ACT = {{"a": lambda u: {a}, "b": lambda u: {b}}}\n')
            self.local_functions += ['ACT["a"]', 'ACT["b"]']
        self.features |= {"lambda_table", FALLS_BACK}

    # ------------------------------------------------------------------ expressions

    def idiom_expr(self, sc: Scope, t: str, depth: int) -> str | None:
        def e(u: str) -> str:
            return self.expr(sc, u, depth - 1)

        form = self.pick(["np_list", "copy", "neg_slice", "other"])
        if form == "np_list":  # a NumPy reduction over a Python list of values (C16)
            fn = self.pick(["max", "min", "sum", "mean"])
            if t == S:
                second = e(S) if self.coin() else f"{e(S)} * 2.0"
                return f"np.{fn}([{e(S)}, {second}])"
            if t == V and self.coin(0.3):
                return f"np.where(MASK, [{e(S)}, {e(S)}, {e(S)}], {e(V)})"
            items = ", ".join(e(t) for _ in range(self.draw_count()))
            return f"np.{fn}([{items}], axis=0)"
        if form == "copy" and t != S:
            return f"np.copy({e(t)})" if self.coin() else f"{e(t)}.copy()"
        if form == "neg_slice":
            if t == S:
                step = self.pick(["::-2", "2::-1", "2:0:-1", "-1::-2"])
                return f"np.sum({e(V)}[{step}])"
            if t == V:
                return f"{e(M)}[{self.index(sc, 2)}, ::-1]" if self.coin() else f"{e(V)}[::-1]"
            return f"{e(M)}[{self.pick(['::-1', ':, ::-1', '::-1, ::-1'])}]"
        if t == S:
            if self.idioms > 1 and self.coin(0.3):  # builtins over a list: the tape's
                self.features |= {"list_builtin", FALLS_BACK}
                return f"{self.pick(['max', 'min'])}([{e(S)}, {e(S)}, {e(S)}])"
            form = self.pick(["sum", "float", "item"])
            if form == "sum":
                return f"sum([{e(S)}, {e(S)}])"
            if form == "float":
                return f"float({e(S)})"
            return f"np.sum({e(V)}).item()"
        if t == V:
            return f"np.concatenate([{e(V)}[:1], {e(V)}[1:]])"
        return None

    def draw_count(self) -> int:
        return 2 + int(self.coin(0.4))

    # ------------------------------------------------------------------ statements

    def _loop(self, header: str, inner: Scope, depth: int) -> None:
        self.emit(header)
        self.indent += 1
        self.block(inner, depth + 1, self.draw_count() - 1)
        self.indent -= 1

    def _iterables(self, sc: Scope) -> list[tuple[str, str]]:
        """What a ``for`` may walk: lists (their elements), vectors (floats), matrices (rows)."""
        out = [(n, t) for n, t in sorted(sc.lists.items())]
        out += [(n, {V: S, M: V}[t]) for n, t in sorted(sc.vars.items()) if t in (V, M)]
        return out

    def _item(self, inner: Scope, t: str) -> str:
        # A row of a matrix is a view: named row* so that swaps leave it alone (_swappable).
        name = self.new_name("row" if t == V else "w")
        inner.vars[name] = t
        return name

    def st_nested_for(self, sc: Scope, depth: int) -> None:
        """``for`` headers nesting ``enumerate``, ``zip``, ``reversed`` and ``.items()`` (C15)."""
        sources = self._iterables(sc)
        if not sources or depth >= self.max_depth:
            return self.st_assign(sc, depth)
        self.features.add("for")
        inner = sc.child(in_loop=True)
        (xs, tx), (ys, ty) = self.pick(sources), self.pick(sources)
        inner.fresh -= {xs, ys}
        inner.local_lists -= {xs, ys}
        j = self.new_name("j")
        inner.loop_ints[j] = 99  # read as a number, never as an index
        uniform = sorted(n for n, keys in sc.dicts.items() if len(set(keys.values())) == 1)
        form = self.pick(["enumerate_zip", "enumerate_reversed", "zip_reversed", "zip_enumerate"]
                         + (["enumerate_items"] if uniform else []))
        a = self._item(inner, tx)
        if form == "enumerate_zip":
            b = self._item(inner, ty)
            header = f"for {j}, ({a}, {b}) in enumerate(zip({xs}, {ys})):"
        elif form == "enumerate_reversed":
            header = f"for {j}, {a} in enumerate(reversed({xs})):"
        elif form == "zip_reversed":
            b = self._item(inner, ty)
            del inner.loop_ints[j]
            header = f"for {a}, {b} in zip({xs}, reversed({ys})):"
        elif form == "zip_enumerate":
            b = self._item(inner, ty)
            header = f"for ({j}, {a}), {b} in zip(enumerate({xs}), {ys}):"
        else:
            d = self.pick(uniform)
            del inner.vars[a]
            a = self._item(inner, next(iter(sc.dicts[d].values())))
            inner.local_dicts.discard(d)
            header = f"for {j}, (key, {a}) in enumerate({d}.items()):"
        self._loop(header, inner, depth)

    def st_loop_stack(self, sc: Scope, depth: int) -> None:
        """A list built in a loop, then stacked or concatenated into an array."""
        parts, i, name = self.new_name("parts"), self.new_name("i"), self.new_name("t")
        form = self.pick(["stack_floats", "stack_rows", "concatenate_rows", "mean_rows"])
        item, n = (S, 3) if form == "stack_floats" else (V, 2 if form != "mean_rows" else 3)
        inner = sc.child(in_loop=True)
        inner.loop_ints[i] = n
        self.emit(f"{parts} = []")
        self.emit(f"for {i} in range({n}):")
        self.emit(f"    {parts}.append({self.expr(inner, item, 2, fresh=True)})")
        value, t = {
            "stack_floats": (f"np.stack({parts})", V),
            "stack_rows": (f"np.stack({parts})", M),
            "concatenate_rows": (f"np.concatenate({parts}).reshape(2, 3)", M),
            "mean_rows": (f"np.mean(np.stack({parts}), axis=0)", V),
        }[form]
        self.emit(f"{name} = {value}")
        sc.vars[name], sc.lists[parts] = t, item
        sc.fresh.add(name)
        sc.local_lists.add(parts)

    def st_chain_if(self, sc: Scope, depth: int) -> None:
        """``if lo < expr < hi:`` (the margin probe sees both comparisons)."""
        if depth >= self.max_depth:
            return self.st_assign(sc, depth)
        lo, hi = sorted(self.draw_distinct_constants())
        self.features.add("if")
        value = self.expr(sc, S, 2)
        cond = f"{lo} < {value} < {hi}" if self.coin() else f"{hi} > {value} > {lo}"
        self.emit(f"if {cond}:")
        self.nested(sc, depth)
        if self.coin(0.6):
            self.emit("else:")
            self.nested(sc, depth)

    def draw_distinct_constants(self) -> tuple[float, float]:
        a = self.pick(CONSTANTS)
        b = self.pick([c for c in CONSTANTS if c != a])
        return a, b

    def st_copy(self, sc: Scope, depth: int) -> None:
        """A copy of an array, then written into: the original must not see the write."""
        arrays = sorted(n for n, t in sc.vars.items() if t in (V, M))
        if not arrays:
            return self.st_assign(sc, depth)
        source, name = self.pick(arrays), self.new_name("t")
        copy = f"np.copy({source})" if self.coin() else f"{source}.copy()"
        self.emit(f"{name} = {copy}")
        sc.vars[name] = sc.vars[source]
        sc.fresh.add(name)
        if self.coin(0.7):
            self.features |= {"array_inplace", "subscript_write"}
            index = self.index(sc, 3 if sc.vars[name] == V else 2)
            self.emit(f"{name}[{index}] {self.pick(['=', '+=', '*='])} {self.expr(sc, S, 2)}")

    def _owned_array(self, sc: Scope, depth: int) -> str:
        arrays = sorted(n for n in sc.fresh if sc.vars.get(n) in (V, M))
        if arrays:
            return self.pick(arrays)
        self.st_assign(sc, depth)
        arrays = sorted(n for n in sc.fresh if sc.vars.get(n) in (V, M))
        return self.pick(arrays) if arrays else ""

    def st_fancy_write(self, sc: Scope, depth: int) -> None:
        """Repeated fancy indices: NumPy keeps the last write to a cell (C18)."""
        name = self._owned_array(sc, depth)
        if not name:
            return
        op = self.pick(["=", "+="])
        if sc.vars[name] == V:
            index = self.pick(["[0, 0, 2]", "[2, 1, 2]", "[1, 1, 1]"])
            value = self.expr(sc, self.pick([S, V]), 2)
            target = f"{name}[{index}]"
        elif self.coin():
            target, value = f"{name}[[1, 0, 1]]", self.expr(sc, self.pick([S, V]), 2)
        else:
            target, value = f"{name}[:, [0, 0, 2]]", self.expr(sc, self.pick([S, V]), 2)
        self.features |= {"array_inplace", "subscript_write", "fancy_write"}
        self.emit(f"{target} {op} {value}")

    def st_element_swap(self, sc: Scope, depth: int) -> None:
        """Tuple assignments into elements (C22): a vector's numbers swapped or carried, a
        matrix's rows swapped as copies, and a new array unpacked into rows or elements. (Rows
        swapped as they are, ``t[0], t[1] = t[1], t[0]``, are views: NumPy leaves two equal
        rows, aliasing this generator never writes; the compiler sends those to the tape.)"""
        name = self._owned_array(sc, depth)
        if not name:
            return
        self.features |= {"array_inplace", "subscript_write", "unpack"}
        numbers = sorted(n for n, t in sc.vars.items() if t == S)
        if sc.vars[name] == V:
            i, j = self.index(sc, 3), self.index(sc, 3)
            form = self.pick(["swap", "reversed", "unpack"] + (["carry"] if numbers else []))
            if form == "swap":
                line = f"{name}[{i}], {name}[{j}] = {name}[{j}], {name}[{i}]"
            elif form == "reversed":
                line = f"{name}[0], {name}[1] = {name}[1::-1]"
            elif form == "unpack":
                line = f"{name}[{i}], {name}[{j}] = ({self.expr(sc, V, 2, fresh=True)})[:2]"
            else:  # a number carried along the vector
                s = self.pick(numbers)
                line = f"{s}, {name}[{i}] = {name}[{i}], {s}"
        elif self.coin():
            line = f"{name}[0], {name}[1] = {name}[1].copy(), {name}[0].copy()"
        else:
            line = f"{name}[0], {name}[1] = {self.expr(sc, M, 2, fresh=True)}"
        self.emit(line)

    def st_inplace_call(self, sc: Scope, depth: int) -> None:
        """Calls that write into their argument (C17): refused by the compiler."""
        if self.idioms < 2:
            return self.st_fancy_write(sc, depth)
        if sc.local_lists and self.coin(0.2):
            xs = self.pick(sorted(sc.local_lists))
            t = sc.lists[xs]
            self.emit(f"{xs}.extend([{self.expr(sc, t, 2, fresh=True)}, "
                      f"{self.expr(sc, t, 2, fresh=True)}])")
        else:
            name = self._owned_array(sc, depth)
            if not name:
                return
            t = sc.vars[name]
            lower = self.pick([u for u in (S, V, M) if RANK[u] <= RANK[t]])
            form = self.pick(["fill", "sort", "put", "copyto", "add_at", "out", "out_unary"])
            self.emit({
                "fill": lambda: f"{name}.fill({self.expr(sc, S, 2)})",
                "sort": lambda: f"{name}.sort()",
                "put": lambda: f"np.put({name}, [0, 2], {self.expr(sc, S, 2)})",
                "copyto": lambda: f"np.copyto({name}, {self.expr(sc, lower, 2)})",
                "add_at": lambda: f"np.add.at({name}, [0, 0, 1], {self.expr(sc, S, 2)})",
                "out": lambda: (f"np.multiply({self.expr(sc, t, 2)}, {self.expr(sc, lower, 2)},"
                                f" out={name})"),
                "out_unary": lambda: f"np.sin({self.expr(sc, t, 2)}, out={name})",
            }[form]())
        self.features |= {"inplace_call", "array_inplace", FALLS_BACK}


#: Statement kinds of idiom programs (``st_inplace_call`` writes a fancy write below idioms=2).
IDIOM_STATEMENTS = ("nested_for", "loop_stack", "chain_if", "copy", "fancy_write",
                    "element_swap")
FALLBACK_STATEMENTS = ("inplace_call",) * 3
