"""The command line: a demo for newcomers, and ``show`` to print generated source."""

from __future__ import annotations

import argparse
import importlib
import sys

import numpy as np


def _demo() -> int:
    import tangentish as tg
    from tangentish.runtime.rules import table

    entries = table.registered()
    differentiable = [e for e in entries if e.vjp]
    print(f"tangentish {tg.__version__}: {len(differentiable)} differentiable primitives, "
          f"{sum(e.nondiff for e in entries)} marked non-differentiable")

    grad = getattr(tg, "grad", None)
    if grad is None:
        return 0

    def loss(x, w):
        z = x @ w
        h = np.tanh(z)
        return np.sum(h)

    dloss = grad(loss, wrt=1)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal(3)
    print("\ndef loss(x, w):\n    z = x @ w\n    h = np.tanh(z)\n    return np.sum(h)\n")
    print("gradient w.r.t. w:", np.array2string(dloss(x, w), precision=4))
    print("\ngenerated source (tg.source(dloss)):\n")
    print(tg.source(dloss))
    tg.gradcheck(loss, (x, w), wrt=1)
    print("gradcheck against central finite differences: ok")
    return 0


def _show(target: str, wrt: str, mode: str) -> int:
    import tangentish as tg

    module_name, _, func_name = target.partition(":")
    if not func_name:
        print("usage: python -m tangentish show package.module:function [--wrt 0,1]",
              file=sys.stderr)
        return 2
    sys.path.insert(0, "")
    obj = importlib.import_module(module_name)
    for part in func_name.split("."):
        obj = getattr(obj, part)
    positions = tuple(int(p) if p.strip().isdigit() else p.strip() for p in wrt.split(","))
    spec = positions[0] if len(positions) == 1 else positions
    if mode == "reverse":
        df = tg.grad(obj, wrt=spec, fallback="error")
    else:
        forward = getattr(tg, "jvp_function", None)
        if forward is None:
            print("forward mode is not available in this build", file=sys.stderr)
            return 2
        df = forward(obj, wrt=spec)
    try:
        print(tg.source(df))
    except tg.TransformError as err:
        print(f"tangentish cannot transform {target}:\n{err}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tangentish")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="show a gradient and its generated source")
    show = sub.add_parser("show", help="print the generated source of a function's gradient")
    show.add_argument("target", help="package.module:function")
    show.add_argument("--wrt", default="0", help="comma-separated positions or names")
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    args = parser.parse_args(argv)
    if args.command == "show":
        return _show(args.target, args.wrt, args.mode)
    return _demo()
