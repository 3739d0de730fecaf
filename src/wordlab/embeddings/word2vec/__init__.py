"""word2vec (skip-gram and CBOW; negative sampling, hierarchical softmax, full softmax) trained by a numba kernel.

- :mod:`.config`: the settings, schema and runtime object in one (numba-free).
- :mod:`.reference`: the losses and hand-derived gradients in numpy, the specification the kernel is tested against.
- :mod:`.kernel`: the fused, GIL-free training loop.
- :mod:`.training`: state, chunked training with a run-wide learning-rate decay, checkpoints.
- :mod:`.huffman`, :mod:`.sampling`: the tables the kernel reads (Huffman paths, subsampling, noise words).
"""
