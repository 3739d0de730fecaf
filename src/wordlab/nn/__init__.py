"""The neural-network toolkit every wordlab model shares.

Each concern lives in its own module so that a numpy-only model (word2vec, GloVe) can use the numpy references
and the gradient checker without importing torch or Lightning:

- :mod:`wordlab.nn.np_functional`: numerically stable numpy primitives (log-sum-exp, softmax, sigmoid).
- :mod:`wordlab.nn.np_losses`, :mod:`wordlab.nn.np_activations`: numpy references with hand-derived gradients.
- :mod:`wordlab.nn.losses`, :mod:`wordlab.nn.activations`: the torch versions, chosen by name from config.
- :mod:`wordlab.nn.init`, :mod:`wordlab.nn.np_init`: Xavier/Glorot, small-uniform for embeddings, zero biases.
- :mod:`wordlab.nn.gradcheck`: the central-difference gradient checker every model's tests use;
  :mod:`wordlab.nn.autograd`: the same gradients from torch autograd, the second witness.
- :mod:`wordlab.nn.twolayer`: the worked example, a two-layer network with hand-written backpropagation.
- :mod:`wordlab.nn.optim`: optimisers and learning-rate schedules instantiated from Hydra config.
- :mod:`wordlab.nn.regularization`: inverted dropout, max-norm, gradient clipping (torch and numpy);
  :mod:`wordlab.nn.callbacks`: the ``regularization`` group as Lightning Trainer arguments (clipping, max-norm,
  early stopping); :mod:`wordlab.nn.config`: that group's schema.
- :mod:`wordlab.nn.curves`, :mod:`wordlab.nn.diagnosis`: learning curves (MLflow + DVC plot TSVs) and reading them.
- :mod:`wordlab.nn.sanity`: the "can it overfit one batch" check every model's tests use.
- :mod:`wordlab.nn.toy`: a tiny synthetic task and reference LightningModule wired the wordlab way.
"""
