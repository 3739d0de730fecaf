"""Dependency parsing: Chen & Manning (2014)'s neural greedy transition parser, trained on UD English EWT.

- :mod:`.config`: the config entries' schemas (torch-free); :mod:`.transitions`: arc-standard and arc-eager, their
  static oracles and the 48 features (66 with the treebank's FEATS, an option; numba); :mod:`.projective`:
  projectivity and pseudo-projective lifting.
- :mod:`.data`: the treebank as flat id arrays and the oracle's examples; :mod:`.network`: the network;
  :mod:`.decoding`: batched greedy parsing with pre-computed hidden-layer contributions, for one network or an
  ensemble's averaged probabilities.
- :mod:`.dynamic_oracle`: every transition's cost in any state (numba); :mod:`.exploration`: training examples
  from the states the network's own moves reach, an epoch at a time (``oracle: dynamic``).
- :mod:`.module`: the LightningModule; :mod:`.scoring`: UAS/LAS by the CoNLL 2018 convention; :mod:`.output`:
  CoNLL-U predictions; :mod:`.run`: the stage's entry point; :mod:`.parse`: the command for users' own files.

Only the schema is imported here, so that the root config can validate entries without importing torch.
"""

from wordlab.parser.config import PARSER_SCHEMAS, ParserConfig

__all__ = ["PARSER_SCHEMAS", "ParserConfig"]
