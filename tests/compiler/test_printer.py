"""``printer.unparse`` prints exactly what ``ast.unparse`` printed before it existed.

The reference is the old path: ``gast.gast_to_ast``, negative numbers rewritten as unary minus,
``ast.unparse``. Checked on a table of constructs (each with its negative literals also held as
negative constants, as the compiler's folding makes them), on every statement and expression
node of them, and on the generated source of every corpus and golden function.
"""

from __future__ import annotations

import ast
import textwrap

import gast
import pytest

import tangentish as tg
from tangentish.compiler.nodes import names_in, scan, statements, walk
from tangentish.compiler.printer import unparse
from tests.compiler.corpus import CASES
from tests.compiler.golden_sources import GOLDEN


class _UnaryMinus(ast.NodeTransformer):
    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and (
                value < 0 or (value == 0 and str(value).startswith("-"))):
            return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
        return node


def reference(node: gast.AST) -> str:
    tree = _UnaryMinus().visit(gast.gast_to_ast(node))
    ast.fix_missing_locations(tree)
    return ast.unparse(tree)


class _NegativeConstants(gast.NodeTransformer):
    """``-2.0`` as one negative constant, as inlining and folding leave it."""

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, gast.USub) and isinstance(node.operand, gast.Constant) and \
                type(node.operand.value) in (int, float):
            return gast.Constant(value=-node.operand.value, kind=None)
        return node


SNIPPETS = [
    "y = -(a + b) ** -2.0 if c else (x, 1)",
    "y = (-0.3) ** 2 + -x * -1 - (-0.0) + 2 ** -1 ** 2 @ w // 3 % 4",
    "y = not a and (b or c) and not (d and e) or f if g else h",
    "y = a < b <= c is not d in e not in f == g != h",
    "y = -a.b + (-1).real + 1 .real + True .real + x[-1].y[1:2, ::3, -1:]",
    "y = x[()], x[(1,)], x[1,], x[a:b], x[a, b:c], x[:, None], x[...]",
    "y = f(*a, *b, k=1, **kw)(g)[h](i=-2)",
    "a, b = c, d = (1,), ()",
    "y = [1, [2, (3, 4)], {'k': v, **other}, {1, 2}, {*()}]",
    "y = lambda a, *b, c=-1, **d: a + 1",
    "y = [v * 2 for v in xs if v > 0], {k: v for k, v in d.items()}, (u for u in w)",
    "y = f'{a!r:>10} {b + 1} \\n', 'it''s', \"q\\\"\", b'\\x00', 1e400, -1e400, 1j, -2j",
    "y = (yield), x if (y := 3) else z, a[b := 1]",
    "x += 1; del x; assert x, 'message'; raise ValueError('v') from None",
    "y = 'a\\x00tg-comment\\x00grad of: d = \"x\"'",
    "y = 1 if a else 2 if b else 3; z = (1 if a else 2) if b else 3",
    "y = -x ** 2, (-x) ** 2, -(x ** 2), ~x, +x, not -x",
    "y = (a, b)[0], (a + b).c, (-a).b, f(x)(y).z",
    """
    def f(x, /, y=-1.0, *args: int, k, m=2, **kw) -> float:
        '\\x00tg-comment\\x00primal'
        z = x * y
        '\\x00tg-comment\\x00grad of: z = x * y   (it\\'s "quoted")'
        if z > 0:
            z = 1
        elif z < -1:
            pass
        elif z:
            z = 2
        else:
            z = 3
        for i in range(3):
            if i:
                break
            continue
        else:
            z = 4
        while z:
            z = z - 1
        else:
            z = 0

        def inner(a, b=-2):
            '''a docstring'''
            return (a, b)

        @decorated
        def other():
            return

        try:
            z = 1
        except (ValueError, TypeError) as e:
            raise
        finally:
            z = 2
        with open(p) as fh, ctx():
            z = fh
        return z, inner
    """,
    """
    def g(*, k):
        return -k
    """,
    """
    def h():
        u'''unicode docstring'''
        global q
        async def a():
            await b
    """,
]


def _trees(source: str):
    tree = gast.parse(textwrap.dedent(source))
    return [tree, _NegativeConstants().visit(gast.parse(textwrap.dedent(source)))]


@pytest.mark.parametrize("source", SNIPPETS)
def test_every_node_prints_as_ast_unparse_prints_it(source):
    for tree in _trees(source):
        for node in walk(tree):
            if isinstance(node, (gast.stmt, gast.expr, gast.Module)):
                assert unparse(node) == reference(node)


def _generated_sources():
    out = []
    for case in CASES:
        try:
            out.append(tg.source(tg.grad(case.fn, wrt=case.wrt, fallback="error")))
        except Exception:  # noqa: BLE001 - a case needing its arguments' types: skip the source
            continue
    for fn, wrt in GOLDEN.values():
        out.append(tg.source(tg.grad(fn, wrt=wrt, fallback="error")))
        out.append(tg.source(tg.value_and_grad(fn, wrt=wrt, fallback="error")))
    return out


def test_generated_code_prints_as_ast_unparse_prints_it():
    sources = _generated_sources()
    assert len(sources) > 50
    for source in sources:
        for tree in _trees(source):
            assert unparse(tree) == reference(tree)
            for s in walk(tree):
                if isinstance(s, gast.stmt):
                    assert unparse(s) == reference(s)


_MATCH = """
match p:
    case Point(x=0, y=yy) | [1, *rest] | {"k": v, **more}:
        pass
"""


@pytest.mark.parametrize("source", [*SNIPPETS, _MATCH])
def test_walk_visits_what_ast_walk_visits_in_its_order(source):
    for tree in _trees(source):
        assert walk(tree) == list(ast.walk(tree))
        assert [s for s in statements(tree.body) if isinstance(s, gast.stmt)] == [
            s for s in walk(tree) if isinstance(s, gast.stmt)]


_TOKENS = (gast.expr_context, gast.Constant, gast.operator, gast.unaryop, gast.cmpop, gast.boolop)


def _preorder(node, out):
    """The recursion ``scan`` replaced: depth first, fields in order, tokens skipped."""
    if isinstance(node, list):
        for item in node:
            _preorder(item, out)
    elif isinstance(node, gast.AST) and not isinstance(node, _TOKENS):
        out.append(node)
        if not isinstance(node, gast.Name):
            for field in node._fields:
                _preorder(getattr(node, field, None), out)
    return out


@pytest.mark.parametrize("source", [*SNIPPETS, _MATCH])
def test_scan_and_names_in_agree_with_a_plain_recursion(source):
    for tree in _trees(source):
        assert scan(tree) == _preorder(tree, [])
        assert scan(tree.body) == _preorder(tree.body, [])
        for ctx in (gast.Load, gast.Store, None):  # (a parameter's annotation is not read)
            assert names_in(tree, ctx) == {n.id for n in _preorder(tree, []) if isinstance(
                n, gast.Name) and (ctx is None or isinstance(n.ctx, ctx))}
