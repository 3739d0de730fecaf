"""Readers of the published dataset files: each takes a Path and returns frozen records.

Readers know nothing of the registry or of configuration: the caller resolves the path. Bad input raises
``DataFormatError`` naming the file and line.
"""

from wordlab.data.errors import DataFormatError
from wordlab.data.readers.analogy import AnalogyQuestion, is_semantic, read_analogies
from wordlab.data.readers.conll2003 import (
    Document,
    Sentence,
    TagScheme,
    convert_tags,
    iob1_to_iob2,
    iob2_to_bioes,
    iter_conll2003,
    read_conll2003,
)
from wordlab.data.readers.conllu_reader import ConlluSentence, ConlluWord, iter_conllu, read_conllu
from wordlab.data.readers.similarity import SimilarityPair, read_similarity
from wordlab.data.readers.sst import (
    BINARY_LABELS,
    FINE_LABELS,
    Phrase,
    SstTree,
    binary_label,
    parse_tree,
    read_sst,
)
from wordlab.data.readers.text import EOS, iter_token_lines, iter_tokens

__all__ = [
    "BINARY_LABELS",
    "EOS",
    "FINE_LABELS",
    "AnalogyQuestion",
    "ConlluSentence",
    "ConlluWord",
    "DataFormatError",
    "Document",
    "Phrase",
    "Sentence",
    "SimilarityPair",
    "SstTree",
    "TagScheme",
    "binary_label",
    "convert_tags",
    "iob1_to_iob2",
    "iob2_to_bioes",
    "is_semantic",
    "iter_conll2003",
    "iter_conllu",
    "iter_token_lines",
    "iter_tokens",
    "parse_tree",
    "read_analogies",
    "read_conll2003",
    "read_conllu",
    "read_similarity",
    "read_sst",
]
