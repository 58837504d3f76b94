"""Before normalize: reject a write through memory that another live name shares (C19).

The compiler treats writes functionally: ``v[0] = a`` becomes ``v = index_set(v, 0, a)`` (a
new array) and ``v += g`` on a name becomes ``v = v + g``. NumPy writes into ``v``'s memory,
so every name sharing it (``v = y[1:]`` makes ``v`` a view of ``y``) sees the change; the
compiled code would not, and its gradient would be silently wrong. This analysis finds such a
write before any transformation, so the function goes to the tape (which follows views) or
raises TransformError at the user's line.

A may-alias analysis, flow-sensitive, over each function body in source order: every local
name points to a set of abstract buffers. A view or alias of a name shares its buffers (a
plain name, a subscript, ``.T``, ``.reshape``/``.ravel``/..., ``np.reshape``/``np.asarray``/...);
any other value is a fresh buffer named after its statement (older buffers of the same
statement, from earlier loop steps, are told apart from the newest: recency). Where paths
meet (after a branch, at a loop's head) their states are kept apart, up to ``_PATHS`` of them:
a join name by name would make ``a, b = b, a`` in a loop put both names on both buffers (C21).
Loops iterate to a fixpoint. A write into ``v`` is rejected when, in some state, another name
that shares ``v``'s buffers is live after it (read before being rebound; parameters only if
the function itself reads them later: the caller's array is never modified by compiled code).

Some sharing depends on types the source does not show: ``a += g`` rebinds a number but writes
into an array, and ``t = y[0, 0]`` is a copy (a number) or a view (a row). Such writes get a
run-time check before them instead, ``check_unshared(a, (y,), ...)`` (``runtime.shared_writes``),
whose ``SharedWriteError`` sends the call to the tape. In an inlined helper the parameters are
the caller's arguments: they count as read at its returns, and a write found there sends the
whole caller to the tape (the call alone on the tape would hide the write from the caller).
Not caught: ``p += g`` on a helper's array parameter ``p`` itself, which NumPy writes into the
caller's array (the argument has no name in the helper's analysis).

>>> import gast
>>> src = '''
... def f(x):
...     y = x * 1.0
...     v = y[1:]
...     v[0] = 2.0 * x[0]
...     return np.sum(y)
... '''
>>> node, message = first_shared_write(gast.parse(src).body[0])
>>> node.lineno, message.split(", read later")[0]
(5, 'tangentish cannot transform a write into v, which shares memory with y (v = y[1:] on line 4)')
>>> first_shared_write(gast.parse(src.replace("y[1:]", "y[1:].copy()")).body[0]) is None
True

Limits (may-alias over names only): what a list or dict holds is not followed (``xs.append(h)``
then a write into ``xs[-1]``); a helper's write into a closure variable is not followed.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import gast

from tangentish.compiler.diagnostics import error_at
from tangentish.compiler.nodes import names_in, statements, unparse, walk

__all__ = ["check_writes", "first_shared_write"]

#: methods returning a view of (or the very) object they are called on
_VIEW_METHODS = frozenset({"reshape", "ravel", "transpose", "squeeze", "swapaxes", "view",
                           "diagonal", "pop", "get", "setdefault", "__getitem__"})
#: module functions (``np.reshape(a, ...)``) returning a view of (or) their array arguments
_VIEW_FUNCS = frozenset({
    "reshape", "ravel", "transpose", "squeeze", "expand_dims", "swapaxes", "moveaxis",
    "rollaxis", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray", "atleast_1d",
    "atleast_2d", "atleast_3d", "broadcast_to", "broadcast_arrays", "diagonal", "real",
    "imag", "split", "array_split", "hsplit", "vsplit", "dsplit", "permute_dims",
    "matrix_transpose", "unstack", "flip", "fliplr", "flipud", "rot90", "require"})
#: list methods that put their (last) argument into the list
_ADDING = frozenset({"append", "insert"})
#: attributes that are views of the array they are read from
_VIEW_ATTRS = frozenset({"T", "mT", "real", "imag", "flat", "base", "data"})
#: attributes and builtins whose values are immutable (numbers, shapes, dtypes)
_INERT_ATTRS = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes", "strides"})
_INERT_CALLS = frozenset({"len", "int", "float", "bool", "complex", "range", "round", "str",
                          "isinstance", "abs"})

Labels = frozenset


def check_writes(parsed: Any, inlined: bool = False) -> None:
    """Raise TransformError at the first write through shared memory in ``parsed``'s function
    or in a function nested in it (each analysed on its own). A write that shares memory only
    if a value is an array (``a += g`` on a name; a write where one side came from an index,
    ``t = y[0, 0]``, a number or a row) is left to a run-time check instead:
    ``parsed.extra["shared_updates"]`` maps its (line, column) to the checks there, each the
    name written, the names to check it against, the words of the error and, for ``a op= g``,
    the in-place method (``runtime.shared_writes``).

    An ``inlined`` function (a helper, and any nested function) shares its parameters with its
    caller's arguments, which the caller may read after the call: they count as read at its
    returns (``p += g`` on an array parameter itself is not caught: the caller's argument has
    no name here)."""
    if not _has_writes(parsed.node):
        return
    is_module = _module_test(getattr(parsed, "fn", None))
    guards: dict[tuple[int, int], list[tuple[str, tuple[str, ...], str, str | None]]] = {}
    for fdef in walk(parsed.node):
        if not isinstance(fdef, gast.FunctionDef):
            continue
        inner = inlined or fdef is not parsed.node
        for stmt, root, certain, maybe, state in _shared_writes(fdef, is_module, inner):
            checkable = not (set(certain) | set(maybe)) & state.unbound
            if checkable and (_updates_name(stmt) or not certain):
                where = (f"{root} {_OPS.get(type(stmt.op), '?')}= ... (line {stmt.lineno})"
                         if _updates_name(stmt) else f"the write into {root} (line {stmt.lineno})")
                update = _INPLACE.get(type(stmt.op)) if _updates_name(stmt) else None
                guards.setdefault((stmt.lineno, stmt.col_offset), []).append(  # y[0], z[0] = ..
                    (root, tuple(certain + maybe), where, update))
                continue
            err = error_at(parsed.where(stmt), _message(stmt, root, (certain + maybe)[0], state))
            # the memory is the caller's argument: running this call alone on the tape would
            # hide the write from the caller's compiled code, so the caller goes to the tape
            err.whole_function = inner and any(_from_outside(lab) for lab in state.labels(root))
            raise err
    if guards:
        parsed.extra["shared_updates"] = guards


def first_shared_write(fdef: gast.FunctionDef, is_module: Callable[[str], bool] | None = None
                       ) -> tuple[gast.stmt, str] | None:
    """The first write (in source order) into memory a live other name surely shares, with the
    error's words; None when no write is surely seen by the rest of the function."""
    for stmt, root, certain, _maybe, state in _shared_writes(fdef, is_module):
        if certain:
            return stmt, _message(stmt, root, certain[0], state)
    return None


def _shared_writes(fdef: gast.FunctionDef, is_module: Callable[[str], bool] | None,
                   inlined: bool = False
                   ) -> list[tuple[gast.stmt, str, list[str], list[str], _State]]:
    """Each write into memory a live other name may share, in source order: (statement, name
    written, the names surely sharing it if arrays, those that may share it, the state
    before it)."""
    if not _has_writes(fdef):
        return []
    flow = _Aliases(is_module or (lambda name: name in ("np", "numpy")))
    args = fdef.args
    params = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
    params |= {a.id for a in (args.vararg, args.kwarg) if a is not None}
    flow.block(fdef.body, [_State({}, {}, frozenset(names_in(fdef.body, gast.Store) - params))])
    if not flow.writes:
        return []
    live = _Liveness(frozenset(params) if inlined else frozenset())
    live.block(fdef.body, live.exit)
    closures = _closure_reads(fdef)
    found = []
    writes = [w for seen in flow.writes.values() for w in seen]
    for (stmt, root), group in _by_write(writes):
        after = sorted((live.after.get(id(stmt), frozenset()) | closures) - {root})
        certain: set[str] = set()
        maybe: set[str] = set()
        sharing = []  # the states in which some name shares the write (each path on its own)
        for _, _, written, state in group:
            bases = {_strip(lab) for lab in written}
            here = {name for name in after if state.labels(name) & written}
            there = {name for name in after if name not in here and bases & {
                _strip(lab) for lab in state.labels(name)}}
            if here or there:
                sharing.append(state)
            certain |= here
            maybe |= there
        if sharing:
            found.append((stmt, root, sorted(certain), sorted(maybe - certain), _join(sharing)))
    return found


def _by_write(writes: list[tuple]) -> list[tuple[tuple[gast.stmt, str], list[tuple]]]:
    """The writes grouped by statement and name written, in source order."""
    groups: dict[tuple[int, str], list[tuple]] = {}
    for w in writes:
        groups.setdefault((id(w[0]), w[1]), []).append(w)
    return sorted((((g[0][0], g[0][1]), g) for g in groups.values()),
                  key=lambda item: (item[0][0].lineno, item[0][0].col_offset))


def _updates_name(stmt: gast.stmt) -> bool:
    return isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Name)


def _has_writes(fdef: gast.FunctionDef) -> bool:
    """Any subscript store or augmented assignment (most functions have neither: skip them)."""
    for s in statements(fdef.body):
        kind = type(s)
        if kind is gast.AugAssign:
            return True
        if kind is gast.Assign or kind is gast.AnnAssign:
            for t in s.targets if kind is gast.Assign else [s.target]:
                if type(t) is not gast.Name and any(
                        type(n) is gast.Subscript for n in walk(t)):
                    return True
    return False


def _module_test(fn: Any) -> Callable[[str], bool]:
    """Is a name a module in ``fn``'s closure or globals (``np`` in ``np.reshape(...)``)?"""
    env = getattr(fn, "__globals__", None)
    if env is None:
        return lambda name: name in ("np", "numpy")
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))

    def is_module(name: str) -> bool:
        cell = cells.get(name)
        try:
            value = cell.cell_contents if cell is not None else env.get(name)
        except ValueError:  # an empty cell
            return False
        return isinstance(value, types.ModuleType)

    return is_module


def _closure_reads(fdef: gast.FunctionDef) -> frozenset:
    """Names read inside nested functions and lambdas: they may run at any later call."""
    out: set[str] = set()
    for node in walk(fdef):
        if node is not fdef and isinstance(node, (gast.FunctionDef, gast.Lambda)):
            out |= names_in(node.body)
    return frozenset(out)


def _message(stmt: gast.stmt, root: str, other: str, state: _State) -> str:
    target = stmt.target if isinstance(stmt, gast.AugAssign) else None
    if isinstance(target, gast.Name):
        what = f"an in-place update of {root} ({root} {_OPS.get(type(stmt.op), '?')}= ...)"
        hint = f"; if {root} is a number, write {root} = {root} {_OPS.get(type(stmt.op), '+')} ..."
    else:
        what, hint = f"a write into {root}", ""
    name = root if state.via.get(root) is not None else other
    via = state.via.get(name)
    origin = ""
    if isinstance(via, gast.Assign) and len(via.targets) == 1:
        target, value = via.targets[0], via.value
        origin = f" ({unparse(target)} = {unparse(value)} on line {via.lineno})"
        if isinstance(target, gast.Name):
            hint = f"; copy first: {unparse(target)} = {_copied(value)}" + hint
        elif _pairs(target, value):  # (a, b) = (b, a): copy the one value ``name`` gets
            values = [_copied(v) if isinstance(t, gast.Name) and t.id == name else unparse(v)
                      for t, v in zip(target.elts, value.elts)]
            hint = f"; copy first: {unparse(target)} = ({', '.join(values)})" + hint
    elif isinstance(via, gast.stmt):
        origin = f" (line {via.lineno})"
    return (f"tangentish cannot transform {what}, which shares memory with {other}{origin}, "
            f"read later: the compiled code would not see the write{hint}")


def _pairs(target: gast.expr, value: gast.expr) -> bool:
    """Does ``target = value`` bind each name of a tuple to its own value (``a, b = b, a``)?"""
    return (isinstance(target, (gast.Tuple, gast.List)) and isinstance(value, (gast.Tuple,
            gast.List)) and len(target.elts) == len(value.elts)
            and not any(isinstance(x, gast.Starred) for x in target.elts + value.elts))


def _copied(value: gast.expr) -> str:
    text = unparse(value)
    return f"{text}.copy()" if isinstance(value, (gast.Name, gast.Subscript, gast.Attribute,
                                                  gast.Call)) else f"({text}).copy()"


#: the method ``a op= g`` calls to update ``a`` in place (a type without it rebinds ``a``)
_INPLACE = {gast.Add: "__iadd__", gast.Sub: "__isub__", gast.Mult: "__imul__",
            gast.Div: "__itruediv__", gast.MatMult: "__imatmul__", gast.Pow: "__ipow__",
            gast.FloorDiv: "__ifloordiv__", gast.Mod: "__imod__", gast.BitAnd: "__iand__",
            gast.BitOr: "__ior__", gast.BitXor: "__ixor__", gast.LShift: "__ilshift__",
            gast.RShift: "__irshift__"}
_OPS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.MatMult: "@",
        gast.Pow: "**", gast.FloorDiv: "//", gast.Mod: "%", gast.BitAnd: "&", gast.BitOr: "|",
        gast.BitXor: "^", gast.LShift: "<<", gast.RShift: ">>"}


class _State:
    """Per name: the abstract buffers it may point to, and the statement that made it a view."""

    def __init__(self, pts: dict[str, Labels], via: dict[str, gast.AST], unbound: frozenset):
        self.pts, self.via = pts, via
        self.unbound = unbound  # locals not bound on some path here

    def labels(self, name: str) -> Labels:
        found = self.pts.get(name)
        return found if found is not None else frozenset({("in", name)})

    def copy(self) -> _State:
        return _State(dict(self.pts), dict(self.via), self.unbound)

    def bind(self, name: str, labels: Labels, via: gast.AST | None) -> None:
        self.pts[name] = labels
        self.unbound = self.unbound - {name}
        if via is None:
            self.via.pop(name, None)
        else:
            self.via[name] = via

    def renew(self, label: Any) -> None:
        """A statement makes a new buffer ``label``: names holding its last one hold an old one."""
        old, held = ("old", label), ("holds", label)
        for name, labels in self.pts.items():
            if label in labels:
                labels = (labels - {label}) | {old}
            if held in labels:
                labels = (labels - {held}) | {("holds", old)}
            self.pts[name] = labels

    def key(self) -> tuple:
        """Equal for states that say the same (``via`` is only for messages)."""
        return frozenset(self.pts.items()), self.unbound

    def within(self, other: _State) -> bool:
        """Does ``other`` allow everything this state allows (so this one adds nothing)?"""
        return self.unbound <= other.unbound and all(
            self.labels(name) <= other.labels(name) for name in set(self.pts) | set(other.pts))


#: the most states kept apart at one point (past it, ``_merge`` joins some)
_PATHS = 16


def _copies(states: list[_State]) -> list[_State]:
    return [st.copy() for st in states]


def _merge(states: list[_State]) -> list[_State]:
    """The states of the paths meeting at a point, kept apart rather than joined name by name:
    after ``a, b = b, a`` in a loop, ``a`` is on one buffer and ``b`` on the other on every
    path, yet a join would put both names on both buffers, as if they shared one (C21).
    Repeats and states another one covers are dropped; past ``_PATHS``, states are joined
    where that makes no two names share that shared in neither (branches that bind a name to
    different new arrays), and past it still, all are joined."""
    unique = list({st.key(): st for st in states}.values())
    if len(unique) > 1:
        unique = [st for k, st in enumerate(unique) if not any(
            k != j and st.within(other) and (j < k or not other.within(st))
            for j, other in enumerate(unique))]
    if len(unique) <= _PATHS:
        return unique
    groups: list[tuple[_State, frozenset]] = []
    for st in unique:
        pairs = _sharing(st)
        for k, (group, known) in enumerate(groups):
            joined = _join([group, st])
            if _sharing(joined) <= known | pairs:
                groups[k] = (joined, known | pairs)
                break
        else:
            groups.append((st, pairs))
    return [_join([g for g, _ in groups])] if len(groups) > _PATHS else [g for g, _ in groups]


def _sharing(st: _State) -> frozenset:
    """The pairs of names that may share a buffer (or hold one's item) in a state."""
    owners: dict[Any, set[str]] = {}
    for name, labels in st.pts.items():
        for lab in labels:
            owners.setdefault(_strip(lab), set()).add(name)
    for lab, names in owners.items():  # a parameter not rebound is on its own buffer
        if _kind(lab) == "in" and lab[1] not in st.pts:
            names.add(lab[1])
    return frozenset((a, b) for names in owners.values() for a in names for b in names if a < b)


def _join(live: list[_State]) -> _State:
    out = live[0].copy()
    for s in live[1:]:
        for name in set(out.pts) | set(s.pts):
            out.pts[name] = out.labels(name) | s.labels(name)
        for name, via in s.via.items():
            out.via.setdefault(name, via)
        out.unbound = out.unbound | s.unbound
    return out


def _is_box(label: Any) -> bool:
    """A buffer made by a list, tuple or dict display: subscripts give its elements."""
    return _kind(label) == "box"


def _elements(labels: Labels, key: gast.expr | None) -> Labels:
    """What ``a[key]`` points to: the same buffers for a slice of an array (a view); for an
    index, ``("item", b)``: a view of ``b`` (a row) or a copy (a number), the analysis cannot
    tell which; for a key or a container display, its element ``("elem", b)``."""
    by_name = isinstance(key, gast.Constant) and isinstance(key.value, str)
    sliced = _is_slice(key)
    out = set()
    for lab in labels:
        if _kind(lab) == "holds":  # an item the container holds: that object itself
            out.add(lab if sliced else lab[1])
        elif by_name or _is_box(lab):
            lab = _strip(lab)
            out.add(lab if _kind(lab) == "elem" else ("elem", lab))
        elif sliced or _kind(lab) == "item":
            out.add(lab)
        else:
            out.add(("item", lab))
    return frozenset(out)


def _held(label: Any) -> Any:
    return label if _kind(label) == "holds" else ("holds", label)


def _is_slice(key: gast.expr | None) -> bool:
    parts = key.elts if isinstance(key, gast.Tuple) else [key]
    return any(isinstance(p, gast.Slice) or (isinstance(p, gast.Constant) and (
        p.value is None or p.value is Ellipsis)) for p in parts)


def _kind(label: Any) -> Any:
    return label[0] if type(label) is tuple else None


def _from_outside(label: Any) -> bool:
    """Is the buffer (or the container it is an item or element of) a parameter or global?"""
    while _kind(label) in ("item", "elem"):
        label = label[1]
    return _kind(label) == "in"


def _strip(label: Any) -> Any:
    """``b`` for ``("item", b)``: the buffer an item may be a view of."""
    return label[1] if _kind(label) == "item" else label


class _Aliases:
    """The forward pass: buffers per name at each write (``writes``: id -> (stmt, written
    name, buffers written, state before the write))."""

    def __init__(self, is_module: Callable[[str], bool]):
        self.is_module = is_module
        self.writes: dict[int, tuple] = {}
        self.loops: list[tuple[list, list]] = []  # (break states, continue states)

    # -- values: (buffers, is it a view of something named)
    def value(self, e: gast.expr, st: _State, site: Any) -> tuple[Labels, bool]:
        fresh = (frozenset({site}), False)
        if isinstance(e, gast.Name):
            return st.labels(e.id), True
        if isinstance(e, gast.Constant):
            return frozenset(), False
        if isinstance(e, gast.Subscript):
            base, view = self.value(e.value, st, site)
            if view:
                return _elements(base, e.slice), True
            return fresh if base else (frozenset(), False)  # ``x.shape[0]``: a number
        if isinstance(e, gast.Attribute):
            if e.attr in _INERT_ATTRS:
                return frozenset(), False
            if isinstance(e.value, gast.Name) and self.is_module(e.value.id):
                return frozenset(), False  # np.pi, np.float64: no array of the function's
            base, view = self.value(e.value, st, site)
            return (base, view) if view else fresh
        if isinstance(e, gast.Call):
            return self.call(e, st, site)
        if isinstance(e, gast.IfExp):
            return self.union([e.body, e.orelse], st, site)
        if isinstance(e, gast.BoolOp):
            return self.union(e.values, st, site)
        if isinstance(e, (gast.List, gast.Tuple, gast.Dict)):  # a container of its items
            held: set = set()
            for item in e.values if isinstance(e, gast.Dict) else e.elts:
                starred = isinstance(item, gast.Starred)
                labels, _ = self.value(item.value if starred else item, st, site)
                held |= {lab for lab in labels if _kind(lab) == "holds"} if starred else {
                    _held(lab) for lab in labels if lab != site}  # (not what it makes itself)
            return frozenset({("box", site)} | held), False
        if isinstance(e, gast.ListComp):
            return frozenset({("box", site)}), False
        if isinstance(e, (gast.BinOp, gast.UnaryOp, gast.Compare)):
            operands = ([e.left, e.right] if isinstance(e, gast.BinOp) else [e.operand]
                        if isinstance(e, gast.UnaryOp) else [e.left, *e.comparators])
            if all(not self.value(o, st, site)[0] for o in operands):
                return frozenset(), False  # arithmetic on numbers: a number
        return fresh

    def union(self, exprs: list[gast.expr], st: _State, site: Any) -> tuple[Labels, bool]:
        parts = [self.value(x, st, site) for x in exprs]
        return frozenset().union(*(p[0] for p in parts)), any(p[1] for p in parts)

    def call(self, e: gast.Call, st: _State, site: Any) -> tuple[Labels, bool]:
        func = e.func
        if isinstance(func, gast.Name) and func.id in _INERT_CALLS:
            return frozenset(), False
        if isinstance(func, gast.Attribute):
            module = isinstance(func.value, gast.Name) and self.is_module(func.value.id)
            if module and (func.attr in _VIEW_FUNCS or (func.attr == "array" and any(
                    k.arg == "copy" and not (isinstance(k.value, gast.Constant) and k.value.value)
                    for k in e.keywords))):
                return self.union([*e.args[:1], *(k.value for k in e.keywords if k.arg == "a")]
                                  if func.attr != "broadcast_arrays" else e.args, st, site)
            if not module and func.attr in _VIEW_METHODS:
                base, view = self.value(func.value, st, site)
                if func.attr in ("pop", "get", "setdefault", "__getitem__"):
                    key = e.args[0] if e.args else None
                    return (_elements(base, key), True) if view else (frozenset({site}), False)
                return (base, True) if view else (frozenset({site}), False)
        return frozenset({site}), False

    # -- statements: on the states of every path reaching them (none after a return, break or
    # continue)
    def block(self, stmts: list[gast.stmt], sts: list[_State]) -> list[_State]:
        for s in stmts:
            if not sts:
                break
            sts = self.stmt(s, sts)
        return sts

    def stmt(self, s: gast.stmt, sts: list[_State]) -> list[_State]:
        if isinstance(s, gast.If):
            return _merge(self.block(s.body, _copies(sts)) + self.block(s.orelse, _copies(sts)))
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s, sts)
        if isinstance(s, (gast.Return, gast.Raise)):
            return []
        if isinstance(s, (gast.Break, gast.Continue)):
            self.loops[-1][isinstance(s, gast.Continue)].extend(sts)
            return []
        self.writes.pop(id(s), None)  # this visit's states replace an earlier round's
        for st in sts:
            self.step(s, st)
        return list({st.key(): st for st in sts}.values()) if len(sts) > 1 else sts

    def step(self, s: gast.stmt, st: _State) -> None:
        """A statement without control flow, on one state (changed in place)."""
        if isinstance(s, (gast.Assign, gast.AnnAssign)):
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            if s.value is None:
                return
            for t in targets:
                self.record_stores(s, t, st)
                if isinstance(t, gast.Subscript):  # xs[i] = h: xs now holds h
                    self.hold(t.value, s.value, st, s)
            self.assign(s, targets, s.value, st)
        elif isinstance(s, gast.AugAssign):
            self.record_stores(s, s.target, st)
            if isinstance(s.target, gast.Name) and not st.labels(s.target.id):
                labels, _ = self.value(gast.BinOp(left=s.target, op=s.op, right=s.value), st,
                                       (id(s), 0))
                st.bind(s.target.id, labels, None)
        elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) and isinstance(
                s.value.func, gast.Attribute) and s.value.func.attr in _ADDING and s.value.args:
            self.hold(s.value.func.value, s.value.args[-1], st, s)  # xs.append(h)
        elif isinstance(s, gast.FunctionDef):
            st.bind(s.name, frozenset(), None)
        elif isinstance(s, gast.Delete):
            for name in names_in(s.targets, None):
                st.bind(name, frozenset(), None)
                st.unbound = st.unbound | {name}

    def hold(self, container: gast.expr, item: gast.expr, st: _State, s: gast.stmt) -> None:
        """The containers ``container`` may be now also hold ``item`` (seen by all their names)."""
        boxes = {lab for lab in self.value(container, st, ("box", id(s)))[0] if _is_box(lab)}
        if not boxes:
            return
        held = {_held(lab) for lab in self.value(item, st, (id(s), "item"))[0]}
        for name, labels in st.pts.items():
            if labels & boxes:
                st.pts[name] = labels | held

    def loop(self, s: gast.For | gast.While, sts: list[_State]) -> list[_State]:
        head = sts
        for _ in range(100):  # the states only grow: a fixpoint comes within a few rounds
            breaks: list[_State] = []
            continues: list[_State] = []
            self.loops.append((breaks, continues))
            body = _copies(head)
            if isinstance(s, gast.For):
                for st in body:
                    self.bind_iteration(s, s.target, s.iter, st)
            end = self.block(s.body, body)
            self.loops.pop()
            new = _merge(head + end + continues)
            if {st.key() for st in new} == {st.key() for st in head}:
                break
            head = new
        return _merge(head + breaks)

    def bind_iteration(self, s: gast.For, target: gast.expr, it: gast.expr, st: _State) -> None:
        """``for target in it``: the elements of ``it``, through enumerate, zip and range."""
        if isinstance(it, gast.Call) and isinstance(it.func, gast.Name) and not it.keywords:
            parts = target.elts if isinstance(target, (gast.Tuple, gast.List)) else None
            if it.func.id == "range":
                for name in names_in(target, None):
                    st.bind(name, frozenset(), None)
                return
            if it.func.id == "enumerate" and parts and len(parts) == 2 and it.args:
                for name in names_in(parts[0], None):
                    st.bind(name, frozenset(), None)
                self.bind_iteration(s, parts[1], it.args[0], st)
                return
            if it.func.id == "zip" and parts and len(parts) == len(it.args):
                for part, arg in zip(parts, it.args):
                    self.bind_iteration(s, part, arg, st)
                return
        labels, view = self.value(it, st, (id(s), 0))
        labels = _elements(labels, None) if view else frozenset({(id(s), 0)})
        for name in names_in(target, None):
            st.bind(name, labels, s if view else None)

    def assign(self, s: gast.stmt, targets: list[gast.expr], value: gast.expr,
               st: _State) -> None:
        for t in targets:
            if _pairs(t, value):
                results = [self.value(v, st, (id(s), k)) for k, v in enumerate(value.elts)]
                for k, (part, (labels, view)) in enumerate(zip(t.elts, results)):
                    self.bind_target(s, part, labels, view, (id(s), k), st)
                continue
            labels, view = self.value(value, st, (id(s), 0))
            if isinstance(t, (gast.Tuple, gast.List)):  # unpacked from one value
                for k, name in enumerate(sorted(names_in(t, gast.Store))):
                    site = (id(s), k + 1)
                    self.bind_target(s, gast.Name(id=name, ctx=gast.Store(), annotation=None,
                                                  type_comment=None),
                                     _elements(labels, None) if view else frozenset({site}),
                                     view, site, st)
            else:
                self.bind_target(s, t, labels, view, (id(s), 0), st)

    def bind_target(self, s: gast.stmt, t: gast.expr, labels: Labels, view: bool, site: Any,
                    st: _State) -> None:
        if not isinstance(t, gast.Name):
            return  # a subscript or attribute store changes no name's buffers
        if site in labels and not view:
            st.renew(site)
        st.bind(t.id, labels, s if view else None)

    def record_stores(self, s: gast.stmt, t: gast.expr, st: _State) -> None:
        """A subscript store (or ``name op= ...``) in target ``t``: what it writes into."""
        if isinstance(t, (gast.Tuple, gast.List)):
            for part in t.elts:
                self.record_stores(s, part, st)
            return
        if isinstance(t, gast.Starred):
            self.record_stores(s, t.value, st)
            return
        if isinstance(t, gast.Subscript):
            written, view = self.value(t.value, st, ("target", id(s)))
        elif isinstance(t, gast.Name) and isinstance(s, gast.AugAssign):
            written, view = st.labels(t.id), True
        else:
            return
        root = t
        while isinstance(root, (gast.Subscript, gast.Attribute)):
            root = root.value
        written = frozenset(lab for lab in written if _kind(lab) != "holds")
        if view and written and isinstance(root, gast.Name):
            self.writes.setdefault(id(s), []).append((s, root.id, written, st.copy()))


class _Liveness:
    """The backward pass: the names live after each statement (``after``: id -> names), that is
    read on some path before being rebound."""

    def __init__(self, exit: frozenset):
        self.exit = exit  # live when the function returns (an inlined helper's parameters)
        self.after: dict[int, frozenset] = {}
        self.loops: list[tuple[frozenset, frozenset]] = []  # (after the loop, at its head)

    def block(self, stmts: list[gast.stmt], live: frozenset) -> frozenset:
        for s in reversed(stmts):
            live = self.stmt(s, live)
        return live

    def stmt(self, s: gast.stmt, live: frozenset) -> frozenset:
        if isinstance(s, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
            self.after[id(s)] = self.after.get(id(s), frozenset()) | live
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            killed = set() if isinstance(s, gast.AugAssign) else {
                n for t in targets for n in _bound_names(t)}
            reads = names_in(s)
            if isinstance(s, gast.AugAssign):
                reads |= names_in(s.target, None)
            return (live - killed) | reads
        if isinstance(s, gast.If):
            return self.block(s.body, live) | self.block(s.orelse, live) | names_in(s.test)
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s, live)
        if isinstance(s, (gast.Return, gast.Raise)):
            return self.exit | names_in(s)
        if isinstance(s, gast.Break):
            return self.loops[-1][0]
        if isinstance(s, gast.Continue):
            return self.loops[-1][1]
        if isinstance(s, gast.FunctionDef):
            return live - {s.name}
        if isinstance(s, gast.Delete):
            return live - names_in(s.targets, None)
        return live | names_in(s)

    def loop(self, s: gast.For | gast.While, live: frozenset) -> frozenset:
        test = names_in(s.test) if isinstance(s, gast.While) else frozenset()
        bound = _bound_names(s.target) if isinstance(s, gast.For) else frozenset()
        head = live | test
        for _ in range(100):
            self.loops.append((live, head))
            body = self.block(s.body, head)
            self.loops.pop()
            new = head | (body - bound)
            if new == head:
                break
            head = new
        return head | names_in(s.iter) if isinstance(s, gast.For) else head


def _bound_names(t: gast.expr) -> frozenset:
    """The names a target rebinds (not the base of a subscript or attribute store)."""
    if isinstance(t, gast.Name):
        return frozenset({t.id})
    if isinstance(t, (gast.Tuple, gast.List)):
        return frozenset().union(*(_bound_names(x) for x in t.elts))
    if isinstance(t, gast.Starred):
        return _bound_names(t.value)
    return frozenset()
