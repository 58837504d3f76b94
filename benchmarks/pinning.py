"""Thread counts pinned to one for every library a cell may load, before any of them loads.

BLAS pools (OpenBLAS, MKL, Accelerate), OpenMP (torch's intra-op pool) and XLA each start
their own threads; the comparison is of one core against one core. The variables alone are not
enough: jaxlib 0.10's CPU client ignores ``--xla_cpu_multi_thread_eigen`` and sized its pool to
the machine (a 1024 x 1024 product took 0.56 s of CPU in 0.30 s of wall time on two cores), so
the cell's process is bound to one core while the tools load and make their first calls, which
is when the pools are made and sized by the cores the process may use (the product then takes
as much CPU as wall time, also after ``unpin``).
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


def pin_to_one_core() -> set[int] | None:
    """Bind this process to one core it may run on, so that thread pools created now size
    themselves to one; the cores it could use before (for ``unpin``), or None where the OS
    cannot bind."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cores)})
    return cores


def unpin(cores: set[int] | None) -> None:
    """Let the process run on ``cores`` again once every pool exists (each keeps one thread):
    the scheduler may then move it off a core another process is busy on."""
    if cores is not None:
        os.sched_setaffinity(0, cores)
