"""Extrinsic evaluation of word vectors: named-entity recognition on CoNLL-2003 (train / testa / testb).

Two taggers over the same token features (a word vector, frozen or fine-tuned, and a casing embedding):
Collobert et al. (2011)'s window classifier and a bidirectional LSTM with an optional CRF output layer, each a
Lightning module configured by one entry of the ``ner`` config group and scored with seqeval in strict IOB2 mode.

The parts every text model shares (vocabulary from vectors, token embedding, character CNN, casing, CRF, RNN
encoder, batching) are in :mod:`wordlab.text`; this package holds what is NER's own:

- :mod:`.config`: the config entries' schemas (torch-free).
- :mod:`.data`: CoNLL-2003 as a Hub-shaped DatasetDict encoded with ``.map``, batched for Lightning.
- :mod:`.window`, :mod:`.bilstm`: the two networks; :mod:`.build`: vocabulary, table and tagger from an entry.
- :mod:`.module`: the LightningModule (loss, decoding, optimiser); :mod:`.scoring`: seqeval strict IOB2.
- :mod:`.predictions`: the output files; :mod:`.run`: :func:`run_ner`, the stage's entry point.

Only the schema is imported here, so that the root config can validate entries without importing torch.
"""

from wordlab.ner.config import (
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
        from wordlab.ner.run import run_ner

        return run_ner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
