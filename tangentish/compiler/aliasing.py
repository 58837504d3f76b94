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
statement, from earlier loop steps, are told apart from the newest: recency). Branches join
by union; loops iterate to a fixpoint. A write into ``v`` is rejected when another name that
may share ``v``'s buffers is live after it (read before being rebound; parameters only if the
function itself reads them later: the caller's array is never modified by compiled code).

Some sharing depends on types the source does not show: ``a += g`` rebinds a number but writes
into an array, and ``t = y[0, 0]`` is a copy (a number) or a view (a row). Such writes get a
run-time check before them instead, ``check_unshared(a, (y,), ...)`` (``runtime.shared_writes``),
whose ``SharedWriteError`` sends the call to the tape. In an inlined helper the parameters are
the caller's arguments: they count as read at its returns, and a write found there sends the
whole caller to the tape (the call alone on the tape would hide the write from the caller).

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
    ``parsed.extra["shared_updates"]`` maps its (line, column) to the name written, the names
    to check it against and the words of the error (``runtime.shared_writes``).

    An ``inlined`` function (a helper, and any nested function) shares its parameters with its
    caller's arguments, which the caller may read after the call: they count as read at its
    returns, and ``p += g`` on a parameter is checked against the argument itself (an array
    there is written in place by NumPy, which the inlined ``p = p + g`` would not do)."""
    if not _has_writes(parsed.node):
        return
    is_module = _module_test(getattr(parsed, "fn", None))
    guards: dict[tuple[int, int], tuple[str, tuple[str, ...], str]] = {}
    for fdef in walk(parsed.node):
        if not isinstance(fdef, gast.FunctionDef):
            continue
        inner = inlined or fdef is not parsed.node
        for stmt, root, certain, maybe, state in _shared_writes(fdef, is_module, inner):
            checkable = not (set(certain) | set(maybe)) & state.unbound
            if checkable and (_updates_name(stmt) or not certain):
                where = (f"{root} {_OPS.get(type(stmt.op), '?')}= ... (line {stmt.lineno})"
                         if _updates_name(stmt) else f"the write into {root} (line {stmt.lineno})")
                guards[(stmt.lineno, stmt.col_offset)] = (root, tuple(certain + maybe), where)
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
    flow.block(fdef.body, _State({}, {}, frozenset(names_in(fdef.body, gast.Store) - params)))
    if not flow.writes:
        return []
    live = _Liveness(frozenset(params) if inlined else frozenset())
    live.block(fdef.body, live.exit)
    closures = _closure_reads(fdef)
    found = []
    for stmt, root, written, state in sorted(flow.writes.values(),
                                              key=lambda w: (w[0].lineno, w[0].col_offset)):
        after = live.after.get(id(stmt), frozenset()) | closures
        bases = {_strip(lab) for lab in written}
        certain, maybe = [], []
        for name in sorted(after - {root}):
            labels = state.labels(name)
            if labels & written:
                certain.append(name)
            elif {_strip(lab) for lab in labels} & bases:
                maybe.append(name)
        if inlined and _updates_name(stmt) and root in params and ("in", root) in written:
            certain.append(root)  # the caller's argument: ``check_unshared(p, (p,), ...)``
        if certain or maybe:
            found.append((stmt, root, certain, maybe, state))
    return found


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
    via = state.via.get(root) or state.via.get(other)
    origin = ""
    if isinstance(via, gast.Assign) and len(via.targets) == 1:
        name = unparse(via.targets[0])
        origin = f" ({name} = {unparse(via.value)} on line {via.lineno})"
        hint = f"; copy first: {name} = {_copied(via.value)}" + hint
    elif isinstance(via, gast.stmt):
        origin = f" (line {via.lineno})"
    return (f"tangentish cannot transform {what}, which shares memory with {other}{origin}, "
            f"read later: the compiled code would not see the write{hint}")


def _copied(value: gast.expr) -> str:
    text = unparse(value)
    return f"{text}.copy()" if isinstance(value, (gast.Name, gast.Subscript, gast.Attribute,
                                                  gast.Call)) else f"({text}).copy()"


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
        old = ("old", label)
        for name, labels in self.pts.items():
            if label in labels:
                self.pts[name] = (labels - {label}) | {old}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _State) and (self.pts, self.unbound) == (other.pts,
                                                                         other.unbound)

    __hash__ = None  # type: ignore[assignment]


def _join(states: list[_State | None]) -> _State | None:
    live = [s for s in states if s is not None]
    if not live:
        return None
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
        if by_name or _is_box(lab):
            lab = _strip(lab)
            out.add(lab if _kind(lab) == "elem" else ("elem", lab))
        elif sliced or _kind(lab) == "item":
            out.add(lab)
        else:
            out.add(("item", lab))
    return frozenset(out)


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
        if isinstance(e, (gast.List, gast.Tuple, gast.Dict, gast.ListComp)):
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

    # -- statements
    def block(self, stmts: list[gast.stmt], st: _State | None) -> _State | None:
        for s in stmts:
            if st is None:  # after a return, break or continue
                return None
            st = self.stmt(s, st)
        return st

    def stmt(self, s: gast.stmt, st: _State) -> _State | None:
        if isinstance(s, (gast.Assign, gast.AnnAssign)):
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            if s.value is None:
                return st
            for t in targets:
                self.record_stores(s, t, st)
            self.assign(s, targets, s.value, st)
        elif isinstance(s, gast.AugAssign):
            self.record_stores(s, s.target, st)
            if isinstance(s.target, gast.Name) and not st.labels(s.target.id):
                labels, _ = self.value(gast.BinOp(left=s.target, op=s.op, right=s.value), st,
                                       (id(s), 0))
                st.bind(s.target.id, labels, None)
        elif isinstance(s, gast.If):
            return _join([self.block(s.body, st.copy()), self.block(s.orelse, st.copy())])
        elif isinstance(s, (gast.For, gast.While)):
            return self.loop(s, st)
        elif isinstance(s, (gast.Return, gast.Raise)):
            return None
        elif isinstance(s, gast.Break):
            self.loops[-1][0].append(st)
            return None
        elif isinstance(s, gast.Continue):
            self.loops[-1][1].append(st)
            return None
        elif isinstance(s, gast.FunctionDef):
            st.bind(s.name, frozenset(), None)
        elif isinstance(s, gast.Delete):
            for name in names_in(s.targets, None):
                st.bind(name, frozenset(), None)
                st.unbound = st.unbound | {name}
        return st

    def loop(self, s: gast.For | gast.While, st: _State) -> _State | None:
        head = st
        for _ in range(100):  # the sets only grow: a fixpoint comes within a few rounds
            breaks, continues = [], []
            self.loops.append((breaks, continues))
            body = head.copy()
            if isinstance(s, gast.For):
                self.bind_iteration(s, s.target, s.iter, body)
            end = self.block(s.body, body)
            self.loops.pop()
            new = _join([head, end, *continues])
            if new == head:
                break
            head = new
        return _join([head, *breaks])

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
            pairs = isinstance(t, (gast.Tuple, gast.List)) and isinstance(
                value, (gast.Tuple, gast.List)) and len(t.elts) == len(value.elts)
            if pairs and not any(isinstance(x, gast.Starred) for x in t.elts + value.elts):
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
        if view and written and isinstance(root, gast.Name):
            self.writes[id(s)] = (s, root.id, written, st.copy())


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
