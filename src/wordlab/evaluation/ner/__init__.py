"""Extrinsic evaluation of word vectors: named-entity recognition on CoNLL-2003 (train / testa / testb).

Two taggers over the same token features (a word vector, frozen or fine-tuned, and a casing embedding):
Collobert et al. (2011)'s window classifier and a bidirectional LSTM with an optional CRF output layer, each a
Lightning module configured by one entry of the ``ner`` config group and scored with seqeval in strict IOB2 mode.

- :mod:`~wordlab.evaluation.ner.schema`: the config entries' schemas (torch-free).
- :mod:`~wordlab.evaluation.ner.casing`, :mod:`~wordlab.evaluation.ner.vocab`: token features and word lookup.
- :mod:`~wordlab.evaluation.ner.data`: the Hub-shaped DatasetDict encoded with ``.map``, batched for Lightning.
- :mod:`~wordlab.evaluation.ner.embedding`, :mod:`~wordlab.evaluation.ner.networks`,
  :mod:`~wordlab.evaluation.ner.crf`, :mod:`~wordlab.evaluation.ner.heads`: the models.
- :mod:`~wordlab.evaluation.ner.module`, :mod:`~wordlab.evaluation.ner.selection`: training and model selection.
- :mod:`~wordlab.evaluation.ner.scoring`, :mod:`~wordlab.evaluation.ner.predictions`: scores and output files.
- :mod:`~wordlab.evaluation.ner.run`: :func:`run_ner`, the stage's entry point.

Only the schema is imported here, so that the root config can validate entries without importing torch.
"""

from wordlab.evaluation.ner.schema import (
    NER_SCHEMAS,
    BiLstmNerConfig,
    NerConfig,
    WindowNerConfig,
    check_ner_entry,
    validate_ner_entry,
)

__all__ = [
    "NER_SCHEMAS",
    "BiLstmNerConfig",
    "NerConfig",
    "WindowNerConfig",
    "check_ner_entry",
    "run_ner",
    "validate_ner_entry",
]


def __getattr__(name: str) -> object:
    if name == "run_ner":  # torch and Lightning load only when a stage asks for the runner
        from wordlab.evaluation.ner.run import run_ner

        return run_ner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
