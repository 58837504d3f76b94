"""The backward engine: walk the graph from the roots in topological order, once.

Gradients travel as raw arrays, or as Tensors when ``create_graph`` asks for a differentiable
result (then the rules run on Tensors and are themselves recorded). Hooks, ``retain_grad`` and
accumulation into ``.grad`` live in ``hooks.py``; this module only orders the work.
"""

from __future__ import annotations

from .function import AccumulateGrad
from .grad_mode import set_grad_enabled
from .hooks import accumulate_into, add_grad, run_pre_hooks

__all__ = ["run_backward", "edge"]


def edge(t):
    """The (node, output number) that gradients for tensor ``t`` flow into."""
    return (t.grad_fn, t._output_nr) if t.grad_fn is not None else (t._accumulator(), 0)


def run_backward(roots, seeds, *, retain_graph, create_graph, inputs=None, accumulate=True):
    """Backpropagate ``seeds`` from ``roots``; return the gradients reaching ``inputs``.

    ``accumulate`` adds gradients into ``.grad`` (of every leaf, or of ``inputs`` only);
    otherwise (``autograd.grad``) no ``.grad`` is touched.
    """
    targets: dict = {}  # (node, output nr) -> positions in inputs (a tensor may repeat)
    for i, t in enumerate(inputs or ()):
        targets.setdefault(edge(t), []).append(i)
    order = _toposort([edge(r)[0] for r in roots])
    target_nodes = {n for n, _ in targets}
    needed = _needed(order, target_nodes) if inputs is not None else None
    pending: dict = {}
    for r, s in zip(roots, seeds):
        node, nr = edge(r)
        add_grad(pending.setdefault(node, {}), nr, s)
    captured = [None] * len(inputs or ())
    with set_grad_enabled(create_graph):
        for node in order:
            grads = pending.pop(node, None)
            if grads is None or (needed is not None and node not in needed
                                 and node not in target_nodes):
                continue
            if node._pre_hooks or node._retain:
                grads = run_pre_hooks(node, grads, create_graph)
            if node in target_nodes:
                for nr, g in grads.items():
                    for i in targets.get((node, nr), ()):
                        captured[i] = g
                        if accumulate:
                            accumulate_into(inputs[i], g, create_graph)
            if isinstance(node, AccumulateGrad):
                if accumulate and inputs is None:
                    accumulate_into(node.variable, grads[0], create_graph)
                continue
            if needed is not None and node not in needed:
                continue
            outs = node.apply(grads, create_graph)
            for hook in node._post_hooks:
                hook(outs, grads)
            if not retain_graph:
                node.release()
            for (nxt, nr), g in zip(node.next_functions, outs):
                if nxt is not None and g is not None:
                    add_grad(pending.setdefault(nxt, {}), nr, g)
    return captured


def _toposort(roots):
    """Nodes reachable from ``roots``, each before every node it sends gradients to."""
    seen, post = set(), []
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, children = stack[-1]
            for child, _ in children:
                if child is not None and child not in seen:
                    seen.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                stack.pop()
                post.append(node)
    return post[::-1]


def _needed(order, target_nodes):
    """Nodes with a path to a target: the only ones ``autograd.grad`` has to run."""
    needed = set()
    for node in reversed(order):
        if any(n in needed or n in target_nodes for n, _ in node.next_functions if n is not None):
            needed.add(node)
    return needed
