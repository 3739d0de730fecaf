"""What every embedding method writes, so later stages treat all embeddings alike.

``out_dir`` holds ``vectors.txt`` and ``vectors.bin`` (the word2vec text and binary formats, which gensim's
``KeyedVectors.load_word2vec_format`` reads), ``V.npy`` (the input vectors, what users keep as "the" vectors) and
``U.npy`` (the output or context vectors). The directory is replaced as a whole, atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wordlab.io import atomic_directory

VECTORS_TEXT = "vectors.txt"
VECTORS_BINARY = "vectors.bin"


def save_embedding_outputs(out_dir: Path, words: list[str], vectors: np.ndarray, V: np.ndarray, U: np.ndarray) -> None:
    from wordlab.text.vectors import Vectors

    store = Vectors(list(words), np.asarray(vectors, dtype=np.float32))
    with atomic_directory(out_dir) as staging:
        store.save_word2vec_format(staging / VECTORS_TEXT, binary=False)
        store.save_word2vec_format(staging / VECTORS_BINARY, binary=True)
        np.save(staging / "V.npy", V)
        np.save(staging / "U.npy", U)
