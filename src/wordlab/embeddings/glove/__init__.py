"""GloVe (Pennington et al., 2014) trained like Stanford's glove.c: AdaGrad over the nonzeros of X, Hogwild.

- :mod:`.config`: the settings, schema and runtime object in one (numba-free).
- :mod:`.reference`: the loss, its gradient and glove.c's step in numpy, the specification the kernel is tested
  against.
- :mod:`.kernel`: the numba update loop (and :mod:`.shuffle` and :mod:`wordlab.embeddings.native.prefetch`,
  which keep it fed).
- :mod:`.pairs`: the nonzeros packed as training records; :mod:`.state`: vectors and accumulators, resumable.
- :mod:`.training`: the epoch/chunk interface a LightningModule drives.
"""
