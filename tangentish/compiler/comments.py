"""``# grad of:`` comments that quote the primal as it finally reads.

The reverse pass writes each comment from the normalized primal, one primitive per statement
with its temporaries. ``fuse`` later folds single-use temporaries back into the statement that
reads them, so a comment would quote ``_t2 = _t1 + b1``, a line the reader can no longer find
above. This pass points such a comment at the primal statement that now computes the value:

    h1 = np.tanh(_t1 + b1)          # grad of: h1 = np.tanh(_t2)   ->  h1 = np.tanh(_t1 + b1)
                                    # grad of: _t2 = _t1 + b1      ->  (merged into the above)

and merges neighbouring comments that come to quote the same line. A comment whose target the
primal assigns more than once (a user's ``x = x / 2`` and ``x = x * 3``) keeps its own text.
"""

from __future__ import annotations

import re

import gast

from tangentish.compiler.optimize import _walk
from tangentish.compiler.printer import unparse
from tangentish.compiler.reverse import COMMENT, Adjoint, is_comment

__all__ = ["requote"]

_PREFIX = "grad of: "
_TARGET = re.compile(r"([A-Za-z_]\w*) = ")


def requote(adj: Adjoint, folded: dict[str, gast.stmt]) -> None:
    """Rewrite the adjoint's comments against the final primal; ``folded`` maps each
    temporary ``fuse`` folded away to the statement it went into."""
    count: dict[str, int] = {}
    line: dict[str, gast.stmt] = {}
    live: set[int] = set()
    for s in _walk(adj.primal):
        live.add(id(s))
        name = _target(s)
        if name is not None:
            count[name] = count.get(name, 0) + 1
            line[name] = s
    quoted: dict[int, str] = {}

    def home(name: str) -> gast.stmt | None:
        """The primal statement that computes ``name``'s value now, if one is sure."""
        seen: set[str] = set()
        while name in folded and name not in seen:  # folded, maybe again with its reader
            seen.add(name)
            reader = folded[name]
            if id(reader) in live:
                return reader
            name = _target(reader) or ""
        return line[name] if count.get(name) == 1 else None

    def quote(text: str) -> str:
        if not text.startswith(_PREFIX) or "   (" in text:  # "(on the tape)" etc. stay as made
            return text
        match = _TARGET.match(text, len(_PREFIX))
        if match is None:
            return text
        copied = text[match.end():]  # "s = _t4": a copy of a folded value quotes its home
        stmt = home(copied if copied in folded else match.group(1))
        if stmt is None:
            return text
        if id(stmt) not in quoted:
            quoted[id(stmt)] = _PREFIX + unparse(stmt).split("\n")[0]
        return quoted[id(stmt)]

    adj.adjoint = _requote_block(adj.adjoint, quote)


def _target(s: gast.stmt) -> str | None:
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        return s.targets[0].id
    return None


def _requote_block(stmts: list[gast.stmt], quote) -> list[gast.stmt]:
    out: list[gast.stmt] = []
    last = None  # the text of this block's latest comment
    for s in stmts:
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body, s.orelse = _requote_block(s.body, quote), _requote_block(s.orelse, quote)
        if is_comment(s):
            text = quote(s.value.value[len(COMMENT):])
            if text == last:
                continue  # the statements below belong to the line just quoted
            last = text
            s.value.value = COMMENT + text
        elif isinstance(s, (gast.If, gast.For, gast.While)):
            last = None
        out.append(s)
    return out
