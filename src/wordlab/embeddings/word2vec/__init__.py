"""word2vec (skip-gram and CBOW; negative sampling, hierarchical softmax, full softmax) trained by a numba kernel.

- :mod:`.reference`: the losses and hand-derived gradients in numpy, the specification the kernel is tested against.
- :mod:`.kernel`: the fused, GIL-free training loop.
- :mod:`.trainer`: configuration, state, chunked training with a run-wide learning-rate decay, checkpoints.
- :mod:`.huffman`, :mod:`.sampling`: the tables the kernel reads (Huffman paths, subsampling, noise words).
"""

from wordlab.embeddings.word2vec.huffman import HuffmanTree, build_huffman_tree
from wordlab.embeddings.word2vec.trainer import (
    DEFAULT_ALPHA,
    ChunkResult,
    Progress,
    SamplingTables,
    Word2VecConfig,
    Word2VecState,
    alpha_at,
    chunk_seed,
    load_checkpoint,
    plan_chunks,
    save_checkpoint,
    train,
    train_chunk,
)

__all__ = [
    "DEFAULT_ALPHA",
    "ChunkResult",
    "HuffmanTree",
    "Progress",
    "SamplingTables",
    "Word2VecConfig",
    "Word2VecState",
    "alpha_at",
    "build_huffman_tree",
    "chunk_seed",
    "load_checkpoint",
    "plan_chunks",
    "save_checkpoint",
    "train",
    "train_chunk",
]
