"""The backward engine: walk the graph from the roots in topological order, once.

Gradients travel as raw arrays, or as Tensors when ``create_graph`` asks for a differentiable
result (then the rules run on Tensors and are themselves recorded). Hooks, ``retain_grad`` and
accumulation into ``.grad`` live in ``hooks.py``; this module only orders the work.
"""

from __future__ import annotations

import gc

import numpy as np

from .function import AccumulateGrad
from .grad_mode import set_grad_enabled
from .hooks import accumulate_into, add_grad, run_post_hooks, run_pre_hooks

__all__ = ["run_backward", "edge"]


def edge(t):
    """The (node, output number) that gradients for tensor ``t`` flow into."""
    return (t._grad_fn, t._output_nr) if t._grad_fn is not None else (t._accumulator(), 0)


def run_backward(roots, seeds, *, retain_graph, create_graph, inputs=None, accumulate=True):
    """Backpropagate ``seeds`` from ``roots``; return the gradients reaching ``inputs``.

    ``accumulate`` adds gradients into ``.grad`` (of every leaf, or of ``inputs`` only);
    otherwise (``autograd.grad``) no ``.grad`` is touched.
    """
    # The walk makes no reference cycles, only garbage that reference counting frees: spare it
    # the cyclic collector's passes over the whole graph, which its allocations would trigger.
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        return _walk(roots, seeds, retain_graph, create_graph, inputs, accumulate)
    finally:
        if collecting:
            gc.enable()


def _walk(roots, seeds, retain_graph, create_graph, inputs, accumulate):
    targets: dict = {}  # (node, output nr) -> positions in inputs (a tensor may repeat)
    for i, t in enumerate(inputs or ()):
        targets.setdefault(edge(t), []).append(i)
    target_nodes = {n for n, _ in targets}
    order, needed = _toposort([edge(r)[0] for r in roots],
                              target_nodes if inputs is not None else None)
    pending: dict = {}
    for r, s in zip(roots, seeds):
        node, nr = edge(r)
        add_grad(pending.setdefault(node, {}), nr, s)
    captured = [None] * len(inputs or ())
    owned: set = set()  # ids of the pending sums the engine allocated (see _sum_into)
    leaves = accumulate and inputs is None  # accumulate into every leaf's .grad
    with set_grad_enabled(create_graph):
        for node in order:
            grads = pending.pop(node, None)
            if grads is None:
                continue
            if owned:  # from here on these sums may be aliased: never write to them again
                for g in grads.values():
                    owned.discard(id(g))
            if node._pre_hooks or node._retain:
                grads = run_pre_hooks(node, grads, create_graph)
            if node in target_nodes:
                for nr, g in grads.items():
                    for i in targets.get((node, nr), ()):
                        captured[i] = g
                        if accumulate:
                            accumulate_into(inputs[i], g, create_graph)
                            if type(node) is AccumulateGrad and node.post_accumulate_hooks:
                                _post_accumulate(node)
                if needed is not None and node not in needed:
                    continue  # nothing beyond it leads to an input
            if type(node) is AccumulateGrad:
                if leaves and 0 in grads:
                    accumulate_into(node.variable, grads[0], create_graph)
                    if node.post_accumulate_hooks:
                        _post_accumulate(node)
                continue
            outs = node.apply(grads, create_graph)
            if node._post_hooks:
                outs = run_post_hooks(node, outs, grads, create_graph)
            if not retain_graph:
                node.release()
            for (nxt, nr), g in zip(node.next_functions, outs):
                if nxt is not None and g is not None:
                    into = pending.get(nxt)
                    if into is None:
                        pending[nxt] = {nr: g}
                    elif create_graph or nr not in into:
                        add_grad(into, nr, g)
                    else:
                        _sum_into(into, nr, g, owned)
    return captured


def _post_accumulate(node) -> None:
    for hook in list(node.post_accumulate_hooks):
        if hook(node.variable) is not None:
            raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def _sum_into(grads: dict, nr: int, g, owned: set) -> None:
    """``grads[nr] += g`` for gradients on arrays. A sum the engine made itself is referenced
    by ``grads`` alone until its node runs, so later terms are added into it in place (one
    allocation for a parameter that a loop uses many times, as HIPS autograd does); gradients
    that rules returned may alias other gradients and are never written to."""
    acc = grads[nr]
    if id(acc) in owned and getattr(g, "shape", None) == acc.shape and g.dtype == acc.dtype:
        acc += g
        return
    owned.discard(id(acc))  # replaced (and freed): its id may come back on another array
    acc = grads[nr] = acc + g
    if type(acc) is np.ndarray:
        owned.add(id(acc))


def _toposort(roots, targets=None):
    """Nodes reachable from ``roots``, each before every node it sends gradients to; with
    ``targets``, only the nodes with a path to one of them (and the targets), and that set.

    A depth-first search on an explicit stack of (node, its children still to visit): a node
    is finished once every node below it is, and the finishing order reversed is a
    topological order. A finished child that reaches a target marks its parent's frame.
    """
    seen, post = set(), []
    if targets is None:
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
        post.reverse()
        return post, None
    needed: set = set()  # nodes with a path to a target
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        frames = [[root, iter(root.next_functions), False]]
        while frames:
            frame = frames[-1]
            for child, _ in frame[1]:
                if child is None:
                    continue
                if child not in seen:
                    seen.add(child)
                    frames.append([child, iter(child.next_functions), False])
                    break
                if child in needed or child in targets:  # finished already (a DAG)
                    frame[2] = True
            else:
                frames.pop()
                node, reaches = frame[0], frame[2]
                if reaches:
                    needed.add(node)
                if reaches or node in targets:
                    post.append(node)
                    if frames:
                        frames[-1][2] = True
    post.reverse()
    return post, needed
