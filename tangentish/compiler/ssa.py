"""Straight-line reassignments become new names (part of normalize).

Outside loops and branches, ``x = x * 2.0`` followed by ``x = np.sin(x)`` is clearer, and
cheaper to differentiate, as two names: nothing is overwritten, so nothing needs saving.

    _t1 = x * 2.0              x_1 = x * 2.0
    x = _t1            ->      x_2 = np.sin(x_1)
    _t2 = np.sin(x)            y = np.sum(x_2)
    x = _t2
    y = np.sum(x)

Only names that no loop or branch assigns are renamed; their reaching definition is then known
statically at every later statement.
"""

from __future__ import annotations

import gast

from tangentish.compiler.naming import Namer
from tangentish.compiler.nodes import names_in, walk
from tangentish.compiler.ops import Op, op_of

__all__ = ["rename_straight_line"]


def rename_straight_line(body: list[gast.stmt], params: list[str], result: str,
                         namer: Namer) -> tuple[list[gast.stmt], str]:
    """Rename top-level redefinitions; returns the new body and the result's final name."""
    in_blocks: set[str] = set()
    top_counts: dict[str, int] = {p: 1 for p in params}
    for s in body:
        if isinstance(s, gast.Assign):
            name = s.targets[0].id
            top_counts[name] = top_counts.get(name, 0) + 1
        else:
            in_blocks |= names_in(s, gast.Store)
    renamable = {n for n, c in top_counts.items() if c > 1 and n not in in_blocks}
    if not renamable:
        return body, result
    current = {n: n for n in renamable}
    seen = set(params)
    out = []
    for s in body:
        _rename_loads(s, current)
        if isinstance(s, gast.Assign):
            name = s.targets[0].id
            if name in renamable:
                if name in seen:
                    current[name] = namer.fresh(name)
                    s.targets[0].id = current[name]
                seen.add(name)
        out.append(s)
    out = _merge_copies(out, namer.synthetic_names)
    result = current.get(result, result)
    last = out[-1] if out else None
    if (isinstance(last, gast.Assign) and last.targets[0].id == result
            and result in namer.synthetic_names and op_of(last) == Op("copy")
            and last.value.id not in params):
        return out[:-1], last.value.id  # return x_2 rather than y = x_2; return y
    return out, result


def _rename_loads(s: gast.stmt, current: dict[str, str]) -> None:
    for node in walk(s):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) and \
                node.id in current:
            node.id = current[node.id]
    op = op_of(s)
    if op is not None:  # the Op keeps its own operand nodes: rename them too
        for node in list(op.args) + [v for _, v in op.keywords]:
            if isinstance(node, gast.Name) and node.id in current:
                node.id = current[node.id]


def _merge_copies(body: list[gast.stmt], synthetic: set[str]) -> list[gast.stmt]:
    """``_t1 = x * 2.0; x_1 = _t1`` -> ``x_1 = x * 2.0`` when _t1 has no other use."""
    loads: dict[str, int] = {}
    for s in body:
        for node in walk(s):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                loads[node.id] = loads.get(node.id, 0) + 1
    out: list[gast.stmt] = []
    for s in body:
        prev = out[-1] if out else None
        if (isinstance(s, gast.Assign) and isinstance(prev, gast.Assign)
                and isinstance(s.value, gast.Name) and op_of(s) == Op("copy")
                and s.value.id == prev.targets[0].id and s.value.id in synthetic
                and loads.get(s.value.id) == 1
                and s.targets[0].id not in names_in(prev.value)):
            prev.targets[0].id = s.targets[0].id
            continue
        out.append(s)
    return out
