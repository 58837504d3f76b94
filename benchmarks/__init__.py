"""Benchmarks: tangentish against the tools a user would pick instead.

``python -m benchmarks`` runs every workload, one process per workload and size, and prints a
markdown table and a verdict against the targets of issue 7; ``--quick`` runs a fast subset.
This package must not import NumPy at import time: each cell's process pins the BLAS and
OpenMP thread counts before NumPy loads (see ``pinning``).
"""
