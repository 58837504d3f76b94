"""Thread counts pinned to one for every library a cell may load, before any of them loads.

BLAS pools (OpenBLAS, MKL, Accelerate), OpenMP (torch's intra-op pool) and XLA each start
their own threads; the comparison is of one core against one core. The variables alone are not
enough: jaxlib 0.10's CPU client ignores ``--xla_cpu_multi_thread_eigen`` and sized its pool to
the machine (a 1024 x 1024 product took 0.56 s of CPU in 0.30 s of wall time on two cores), so
the cell's process is also bound to one core, which every pool sizes itself by.
"""

import os

THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def pin_to_one_core() -> int | None:
    """Bind this process to one core it may run on; that core, or None where the OS cannot."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    core = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core
