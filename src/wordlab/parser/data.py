"""EWT as the parser reads it: flat id arrays over all words of a split, the label and POS tables, and the
oracle's training examples extracted once for the whole training set.

Sentences are concatenated: ``offsets[i]:offsets[i + 1]`` are sentence i's words in ``words``, ``pos``,
``feats``, ``heads`` (1-based within the sentence, 0 the root) and ``labels``. POS, FEATS and label ids start after
the special ids the feature tables share (:data:`~wordlab.parser.transitions.NULL_ID`, ``UNK_ID``, ``ROOT_ID``): a
POS tag, a FEATS value or a relation seen only at test time reads UNK and is still parsed. A word's FEATS value is
its whole FEATS column (``Number=Sing|PronType=Prs``), one symbol, as UDPipe 1's parser embeds it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from wordlab.data.readers.conllu_reader import ConlluSentence, ConlluWord
from wordlab.parser import transitions as T
from wordlab.parser.config import NonProjective
from wordlab.parser.projective import is_projective, projectivize
from wordlab.text.vocab import WordVocabulary

N_SPECIAL_IDS = 3  # NULL, UNK, ROOT: the first rows of the POS table (labels use NULL and UNK only)
LABEL_OFFSET = 2  # label l reads row LABEL_OFFSET + l of the label table


@dataclass(frozen=True)
class Symbols:
    """The POS tags and relations the parser knows, in training order; relations may carry lift encodings.
    ``feats`` holds the FEATS values when the parser reads them, and is empty when it does not."""

    pos: tuple[str, ...]
    labels: tuple[str, ...]
    feats: tuple[str, ...] = ()

    @cached_property
    def _pos_index(self) -> dict[str, int]:
        return {tag: N_SPECIAL_IDS + i for i, tag in enumerate(self.pos)}

    @cached_property
    def _feats_index(self) -> dict[str, int]:
        return {value: N_SPECIAL_IDS + i for i, value in enumerate(self.feats)}

    @cached_property
    def _label_index(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}

    def pos_id(self, tag: str) -> int:
        return self._pos_index.get(tag, T.UNK_ID)

    def feats_id(self, value: str) -> int:
        return self._feats_index.get(value, T.UNK_ID)

    @property
    def with_feats(self) -> bool:
        return bool(self.feats)

    def label_index(self, label: str) -> int:
        """The index of a relation among the predicted labels, -1 when unknown."""
        return self._label_index.get(label, -1)

    @property
    def n_pos_ids(self) -> int:
        return N_SPECIAL_IDS + len(self.pos)

    @property
    def n_feats_ids(self) -> int:
        return N_SPECIAL_IDS + len(self.feats) if self.feats else 0

    @property
    def n_label_ids(self) -> int:
        return LABEL_OFFSET + len(self.labels)


@dataclass(frozen=True)
class Encoded:
    """A split as flat arrays (see the module docstring)."""

    offsets: np.ndarray
    words: np.ndarray
    pos: np.ndarray
    feats: np.ndarray  # FEATS ids, all UNK when the parser does not read them
    heads: np.ndarray
    labels: np.ndarray  # label indices; -1 for a relation the parser does not know

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


def encode(
    sentences: Sequence[ConlluSentence],
    vocabulary: WordVocabulary,
    symbols: Symbols,
    trees: Sequence[tuple[Sequence[int], Sequence[str]]] | None = None,
) -> Encoded:
    """Flat arrays of ``sentences``; ``trees`` (heads, labels per sentence) replace the treebank's when given."""
    offsets = np.zeros(len(sentences) + 1, np.int64)
    offsets[1:] = np.cumsum([len(s.words) for s in sentences])
    forms = [w.form for s in sentences for w in s.words]
    words = np.asarray(vocabulary.ids(forms), np.int32)
    pos = np.asarray([symbols.pos_id(w.upos) for s in sentences for w in s.words], np.int32)
    if symbols.with_feats:
        feats = np.asarray([symbols.feats_id(feats_value(w)) for s in sentences for w in s.words], np.int32)
    else:
        feats = np.full(len(words), T.UNK_ID, np.int32)
    if trees is None:
        trees = [([w.head for w in s.words], [w.deprel for w in s.words]) for s in sentences]
    heads = np.asarray([h for tree_heads, _ in trees for h in tree_heads], np.int64)
    labels = np.asarray([symbols.label_index(label) for _, tree_labels in trees for label in tree_labels], np.int64)
    return Encoded(offsets, words, pos, feats, heads, labels)


def feats_value(word: ConlluWord) -> str:
    """A word's FEATS column as written in CoNLL-U (``_`` when empty)."""
    return "|".join(f"{key}={value}" for key, value in word.feats) or "_"


@dataclass(frozen=True)
class TrainingTrees:
    """The training trees the oracle learns from, and what making them projective took."""

    sentences: list[ConlluSentence]
    trees: list[tuple[list[int], list[str]]]
    nonprojective_sentences: int
    arcs: int
    lifted_arcs: int
    lifts: int


def training_trees(sentences: Sequence[ConlluSentence], mode: NonProjective) -> TrainingTrees:
    """Projective trees for every training sentence (``lift``) or the projective sentences alone (``drop``)."""
    kept: list[ConlluSentence] = []
    trees: list[tuple[list[int], list[str]]] = []
    nonprojective = lifted_arcs = lifts = 0
    for sentence in sentences:
        heads = [w.head for w in sentence.words]
        labels = [w.deprel for w in sentence.words]
        if not is_projective(heads):
            nonprojective += 1
            if mode == NonProjective.drop:
                continue
            lifted = projectivize(heads, labels)
            heads, labels = lifted.heads, lifted.labels
            lifted_arcs += len(lifted.lifted_words)
            lifts += lifted.lifts
        kept.append(sentence)
        trees.append((heads, labels))
    return TrainingTrees(kept, trees, nonprojective, sum(len(s.words) for s in sentences), lifted_arcs, lifts)


def symbols_of(
    sentences: Sequence[ConlluSentence],
    trees: Sequence[tuple[Sequence[int], Sequence[str]]],
    *,
    with_feats: bool = False,
) -> Symbols:
    """POS tags, relations (and FEATS values) of the training set, most frequent first (ties alphabetically)."""
    pos = Counter(w.upos for s in sentences for w in s.words)
    labels = Counter(label for _, tree_labels in trees for label in tree_labels)
    feats = Counter(feats_value(w) for s in sentences for w in s.words) if with_feats else Counter()
    return Symbols(_by_frequency(pos), _by_frequency(labels), _by_frequency(feats))


def _by_frequency(counts: Counter[str]) -> tuple[str, ...]:
    return tuple(sorted(counts, key=lambda value: (-counts[value], value)))


@dataclass(frozen=True)
class OracleExamples:
    features: np.ndarray  # (N, 48) int32, (N, 66) with FEATS
    transitions: np.ndarray  # (N,) int32


def oracle_examples(encoded: Encoded, system: int, n_labels: int, *, with_feats: bool = False) -> OracleExamples:
    """Every configuration the static oracle visits on the (projective) training trees, with its transition.

    Raises if the oracle's parse differs from any tree: a tree the system cannot build would otherwise be
    learnt as a broken sequence of moves."""
    examples, moves, heads, labels = T.oracle_examples(
        system, n_labels, encoded.words, encoded.pos, encoded.feats, encoded.heads, encoded.labels, encoded.offsets,
        LABEL_OFFSET, T.feature_width(with_feats),
    )  # fmt: skip
    wrong = np.flatnonzero((heads != encoded.heads) | (labels != encoded.labels))
    if len(wrong):
        sentence = int(np.searchsorted(encoded.offsets, wrong[0], side="right") - 1)
        raise ValueError(f"the oracle does not rebuild training sentence {sentence} (word {wrong[0]}): not projective?")
    return OracleExamples(examples, moves)
