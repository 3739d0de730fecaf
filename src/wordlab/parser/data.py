"""EWT as the parser reads it: flat id arrays over all words of a split, the label and POS tables, and the
oracle's training examples extracted once for the whole training set.

Sentences are concatenated: ``offsets[i]:offsets[i + 1]`` are sentence i's words in ``words``, ``pos``,
``heads`` (1-based within the sentence, 0 the root) and ``labels``. POS and label ids start after the special ids
the feature tables share (:data:`~wordlab.parser.transitions.NULL_ID`, ``UNK_ID``, ``ROOT_ID``): a POS tag or a
relation seen only at test time reads UNK and is still parsed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from wordlab.data.readers.conllu_reader import ConlluSentence
from wordlab.parser import transitions as T
from wordlab.parser.config import NonProjective
from wordlab.parser.projective import is_projective, projectivize
from wordlab.text.vocab import WordVocabulary

N_SPECIAL_IDS = 3  # NULL, UNK, ROOT: the first rows of the POS table (labels use NULL and UNK only)
LABEL_OFFSET = 2  # label l reads row LABEL_OFFSET + l of the label table


@dataclass(frozen=True)
class Symbols:
    """The POS tags and relations the parser knows, in training order; relations may carry lift encodings."""

    pos: tuple[str, ...]
    labels: tuple[str, ...]

    @cached_property
    def _pos_index(self) -> dict[str, int]:
        return {tag: N_SPECIAL_IDS + i for i, tag in enumerate(self.pos)}

    @cached_property
    def _label_index(self) -> dict[str, int]:
        return {label: i for i, label in enumerate(self.labels)}

    def pos_id(self, tag: str) -> int:
        return self._pos_index.get(tag, T.UNK_ID)

    def label_index(self, label: str) -> int:
        """The index of a relation among the predicted labels, -1 when unknown."""
        return self._label_index.get(label, -1)

    @property
    def n_pos_ids(self) -> int:
        return N_SPECIAL_IDS + len(self.pos)

    @property
    def n_label_ids(self) -> int:
        return LABEL_OFFSET + len(self.labels)


@dataclass(frozen=True)
class Encoded:
    """A split as flat arrays (see the module docstring)."""

    offsets: np.ndarray
    words: np.ndarray
    pos: np.ndarray
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
    if trees is None:
        trees = [([w.head for w in s.words], [w.deprel for w in s.words]) for s in sentences]
    heads = np.asarray([h for tree_heads, _ in trees for h in tree_heads], np.int64)
    labels = np.asarray([symbols.label_index(label) for _, tree_labels in trees for label in tree_labels], np.int64)
    return Encoded(offsets, words, pos, heads, labels)


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


def symbols_of(sentences: Sequence[ConlluSentence], trees: Sequence[tuple[Sequence[int], Sequence[str]]]) -> Symbols:
    """POS tags and relations of the training set, most frequent first (ties alphabetically)."""
    pos = Counter(w.upos for s in sentences for w in s.words)
    labels = Counter(label for _, tree_labels in trees for label in tree_labels)
    order = sorted(pos, key=lambda t: (-pos[t], t)), sorted(labels, key=lambda t: (-labels[t], t))
    return Symbols(tuple(order[0]), tuple(order[1]))


@dataclass(frozen=True)
class OracleExamples:
    features: np.ndarray  # (N, 48) int32
    transitions: np.ndarray  # (N,) int32


def oracle_examples(encoded: Encoded, system: int, n_labels: int) -> OracleExamples:
    """Every configuration the static oracle visits on the (projective) training trees, with its transition.

    Raises if the oracle's parse differs from any tree: a tree the system cannot build would otherwise be
    learnt as a broken sequence of moves."""
    feats, moves, heads, labels = T.oracle_examples(
        system, n_labels, encoded.words, encoded.pos, encoded.heads, encoded.labels, encoded.offsets, LABEL_OFFSET
    )
    wrong = np.flatnonzero((heads != encoded.heads) | (labels != encoded.labels))
    if len(wrong):
        sentence = int(np.searchsorted(encoded.offsets, wrong[0], side="right") - 1)
        raise ValueError(f"the oracle does not rebuild training sentence {sentence} (word {wrong[0]}): not projective?")
    return OracleExamples(feats, moves)
