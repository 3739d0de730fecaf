"""Intrinsic evaluation of word vectors: analogies and word similarity, with metrics keyed for DVC and MLflow.

Vectors arrive as ``(words, vectors)`` with rows in descending frequency; both evaluations follow gensim's
conventions (see the modules' docstrings) so that their numbers equal gensim's on the same vectors.
- :mod:`.config`: the group's schema; :mod:`.analogy`: 3CosAdd and 3CosMul over the top of the vocabulary;
  :mod:`.similarity`: Spearman's rho against human ratings.
Nothing is imported here, so that the root config can validate the group without importing scipy.
"""
