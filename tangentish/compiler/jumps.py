"""Structured control flow for break, continue and return (used by normalize).

The reverse sweep replays a loop body backwards, so the statements a jump skipped must be skipped
again. Moving "the rest of the block" into the branch that did not jump makes that structural:

    for i in range(n):              for i in range(n):
        if c:                           if c:
            break          ->               break
        s = s + x                       else:
                                            s = s + x

After ``absorb`` every jump is the last statement of its branch, so ``continue`` can be dropped
and a branch ending in ``break`` simply has no more statements to reverse.
"""

from __future__ import annotations

import gast

from tangentish.compiler.nodes import clone

__all__ = ["absorb", "may_jump", "strip", "JUMPS"]

JUMPS = (gast.Return, gast.Break, gast.Continue)


def may_jump(stmts: list[gast.stmt]) -> bool:
    """True when ``stmts`` contain a jump that leaves this block (not one inside a nested loop)."""
    for s in stmts:
        if isinstance(s, JUMPS):
            return True
        if isinstance(s, gast.If) and (may_jump(s.body) or may_jump(s.orelse)):
            return True
    return False


def absorb(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """Move statements that follow a conditional jump into the branches that fall through."""
    out: list[gast.stmt] = []
    for i, s in enumerate(stmts):
        if isinstance(s, JUMPS):
            out.append(s)
            return out  # anything after an unconditional jump never runs
        if isinstance(s, gast.If) and (may_jump(s.body) or may_jump(s.orelse)):
            rest = absorb(stmts[i + 1:])
            s.body = _then(absorb(s.body), rest)
            s.orelse = _then(absorb(s.orelse), clone(rest))
            out.append(s)
            return out
        out.append(s)
    return out


def _then(block: list[gast.stmt], rest: list[gast.stmt]) -> list[gast.stmt]:
    """``block`` followed by ``rest`` on every path of block that falls through."""
    if not rest:
        return block
    if block and isinstance(block[-1], JUMPS):
        return block
    last = block[-1] if block else None
    if isinstance(last, gast.If) and (may_jump(last.body) or may_jump(last.orelse)):
        last.body = _then(last.body, rest)
        last.orelse = _then(last.orelse, clone(rest))
        return block
    return block + rest


def strip(stmts: list[gast.stmt], kind: type) -> list[gast.stmt]:
    """Drop tail jumps of ``kind`` (continue at a loop body's end, return at a function's end)."""
    out = []
    for s in stmts:
        if isinstance(s, kind):
            continue
        if isinstance(s, gast.If):
            s.body = strip(s.body, kind)
            s.orelse = strip(s.orelse, kind)
        out.append(s)
    return out
