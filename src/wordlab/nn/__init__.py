"""The neural-network toolkit every wordlab model trains with, chosen by name from config.

- :mod:`.activations`, :mod:`.losses`, :mod:`.init`: activations and losses by name; Xavier/Glorot, small-uniform
  for embeddings, zero biases.
- :mod:`.optim`: optimisers and learning-rate schedules instantiated from Hydra ``_target_`` nodes.
- :mod:`.regularization`: inverted dropout, max-norm, gradient clipping; :mod:`.callbacks`: a task's
  ``regularization`` node as Lightning Trainer arguments (clipping, max-norm, early stopping); :mod:`.config`:
  that node's schema.
- :mod:`.curves`, :mod:`.curve_files`: learning curves (MLflow and DVC-plot TSVs); :mod:`.selection`: keep-best
  model selection and epoch timing.
- :mod:`.reference`: the tested specifications that tests and benchmarks use, not training: numpy twins with
  hand-derived gradients, the central-difference gradient checker, the two-layer network, the overfit-one-batch
  check and the diagnosis runs.
"""
