"""``python -m benchmarks.show WORKLOAD [SIZE]``: print tangentish's gradient source for it.

The gradient is called once on the workload's own data first, so the source shown is the one
the benchmark times (the compiler may specialise to argument types).
"""

import argparse

import numpy as np

from benchmarks.cases import BY_NAME


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.show", description=__doc__)
    parser.add_argument("workload", choices=sorted(BY_NAME))
    parser.add_argument("size", type=int, nargs="?")
    opts = parser.parse_args(argv)
    import tangentish as tg

    case = BY_NAME[opts.workload]
    args = case.make(opts.size or case.quick[0], np.random.default_rng(0))
    grad = tg.grad(case.fn, wrt=case.wrt, fallback="error")
    grad(*args)
    print(tg.source(grad))


if __name__ == "__main__":
    main()
