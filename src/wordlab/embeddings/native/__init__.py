"""Helpers the numba kernels of every embedding method share: software prefetch, scratch memory, thread counts."""
