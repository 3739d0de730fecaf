"""The toolkit's tested specifications, used by tests and benchmarks rather than by training.

Numpy-only where it can be, so that a numpy model (word2vec, GloVe) checks its gradients without torch:

- :mod:`.functional`: numerically stable numpy primitives (log-sum-exp, softmax, sigmoid).
- :mod:`.activations`, :mod:`.losses`, :mod:`.init`: numpy twins of the torch toolkit, with hand-derived gradients.
- :mod:`.gradcheck`: the central-difference gradient checker; :mod:`.autograd`: the same gradients from torch
  autograd, the second witness.
- :mod:`.twolayer`: the worked example, a two-layer network with hand-written backpropagation.
- :mod:`.feature_mlp`: the parser's network; :mod:`.rnn_lm`: the Elman RNN language model with back-propagation
  through time written out (the gradient of a shared weight summed over the steps).
- :mod:`.sanity`: the "can it overfit one batch" check every model's tests use.
- :mod:`.toy`, :mod:`.diagnosis`: a tiny synthetic task wired the wordlab way, and reading its learning curves to
  name what went wrong (too high or too low a rate, underfitting, overfitting).
"""
