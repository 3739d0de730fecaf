"""Word embeddings: the training methods (word2vec, GloVe, ...) and the vectors store they all write.

Subpackages are not imported here, so that reading vectors (:mod:`wordlab.embeddings.vectors`) does not compile
or import any trainer.
"""
