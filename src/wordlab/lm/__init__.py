"""Language models: n-gram, fixed-window neural, RNN, GRU and LSTM, trained on PTB (WikiText-2 by config).

- :mod:`.config`: the entries' schemas (torch-free); :mod:`.data`: the closed-vocabulary corpora as id streams and
  the reference example's batches.
- One model per file: :mod:`.kneser_ney` (counts), :mod:`.fixed_window` (Bengio et al.), :mod:`.recurrent` (RNN,
  GRU, LSTM over torch's fused modules); :mod:`.cells` writes the three cells out from the course's equations.
- :mod:`.module`: truncated BPTT under manual optimisation; :mod:`.gradients`: the vanishing-gradient picture;
  :mod:`.saved` and :mod:`.generate`: a trained model's file and the sampling command; :mod:`.run`: the stage's calls.

Only the schemas are imported here, so that the root config can validate entries without importing torch.
"""

from wordlab.lm.config import LM_SCHEMAS, KneserNeyConfig, NeuralLMConfig

__all__ = ["LM_SCHEMAS", "KneserNeyConfig", "NeuralLMConfig"]
