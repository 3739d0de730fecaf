"""Word embeddings: co-occurrence counting (:mod:`.cooccurrence`), word2vec and GloVe, each with the same file roles
(``config``, ``reference``, ``kernel``, ``training``), the numba helpers they share (:mod:`.native`), the Lightning
module that drives a kernel (:mod:`.module`) and the stage's one call (:mod:`.run`).

Subpackages are not imported here, so that validating a config or reading vectors (:mod:`wordlab.text.vectors`)
does not compile or import any trainer.
"""
