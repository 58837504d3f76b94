"""``nodes.Visitor`` and ``nodes.Transformer`` do what ``ast.NodeVisitor`` and
``ast.NodeTransformer`` do, in the same order, on the printer's table of constructs."""

from __future__ import annotations

import gast
import pytest

from tangentish.compiler.nodes import Transformer, Visitor, unparse
from tests.compiler.test_printer import _MATCH, SNIPPETS, _trees


def _recorder(base):
    class _Record(base):
        def __init__(self):
            self.seen = []

        def visit(self, node):
            self.seen.append(node)
            return super().visit(node)

        def visit_Call(self, node):  # a visit_ method that recurses itself
            self.seen.append("call")
            self.generic_visit(node)
            return node

    return _Record


def _rewriter(base):
    class _Rewrite(base):
        def visit_Pass(self, node):  # removed
            return None

        def visit_Expr(self, node):  # replaced by two statements
            self.generic_visit(node)
            return [node, gast.Pass()]

        def visit_Constant(self, node):
            if isinstance(node.value, int) and not isinstance(node.value, bool):
                return gast.Constant(value=node.value + 1, kind=None)
            return node

        def visit_Name(self, node):
            return gast.Name(id=node.id + "_", ctx=node.ctx, annotation=node.annotation,
                             type_comment=None)

    return _Rewrite


@pytest.mark.parametrize("source", [*SNIPPETS, _MATCH])
def test_visits_and_rewrites_match_ast(source):
    for tree in _trees(source):
        fast, slow = _recorder(Visitor)(), _recorder(gast.NodeVisitor)()
        fast.visit(tree)
        slow.visit(tree)
        assert fast.seen == slow.seen
    for (a, b) in zip(_trees(source), _trees(source)):
        assert unparse(_rewriter(Transformer)().visit(a)) == unparse(
            _rewriter(gast.NodeTransformer)().visit(b))
