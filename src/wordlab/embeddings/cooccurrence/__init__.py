"""Word-word co-occurrence counts X_ij from a prepared corpus (the input of GloVe).

``count_cooccurrences`` counts arrays in memory; ``write_cooccurrences`` is the pipeline stage (prepared
corpus directory in, CSR ``.npz`` and stats JSON out, within a memory budget); ``load_cooccurrences`` reads
the ``.npz`` back. Conventions are Stanford cooccur's: see ``counting``.
"""
