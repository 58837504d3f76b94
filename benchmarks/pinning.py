"""Thread counts pinned to one for every library a cell may load, before any of them loads.

BLAS pools (OpenBLAS, MKL, Accelerate), OpenMP (torch's intra-op pool) and XLA each start
their own threads; the comparison is of one core against one core.
"""

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
