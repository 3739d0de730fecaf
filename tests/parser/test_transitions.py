"""Transition systems and the oracle on the course's worked example, and the oracle on every EWT training tree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.parser import transitions as T
from wordlab.parser.config import NonProjective
from wordlab.parser.data import LABEL_OFFSET, Symbols, encode, oracle_examples, symbols_of, training_trees
from wordlab.text.vocab import vocabulary_from_tokens

# CS224n's worked example: "I parsed this sentence correctly".
WORDS = ["I", "parsed", "this", "sentence", "correctly"]
HEADS = [2, 0, 4, 2, 2]
RELATIONS = ["nsubj", "root", "det", "obj", "advmod"]
LABELS = ("nsubj", "root", "det", "obj", "advmod")


def _example_oracle(system: int) -> tuple[list[tuple[str, str | None]], list[list[int]], T.States]:
    """Run the oracle on the example; return the transitions (kind, label), the stack after each, the state."""
    n_labels = len(LABELS)
    gold_heads = np.array(HEADS, np.int64)
    gold_labels = np.array([LABELS.index(r) for r in RELATIONS], np.int64)
    states = T.States.start(np.array([len(WORDS)]))
    stack, depth, next_word, length, heads, labels, children = states.arrays()
    moves: list[tuple[str, str | None]] = []
    stacks: list[list[int]] = []
    names = {0: "SHIFT", 1: "LEFT", 2: "RIGHT", 3: "REDUCE"}
    while not T.is_terminal(system, stack, depth, next_word, length, 0):
        t = T.oracle(system, n_labels, stack, depth, next_word, length, heads, children, gold_heads, gold_labels, 0, 0)
        kind, label = T.transition_kind(system, n_labels, t)
        assert T.legal(system, n_labels, stack, depth, next_word, length, heads, children, 0, kind)
        T.apply(system, n_labels, stack, depth, next_word, heads, labels, children, 0, t)
        moves.append((names[kind], LABELS[label] if label >= 0 else None))
        stacks.append(stack[0, : depth[0]].tolist())
    return moves, stacks, states


def test_arc_standard_worked_example() -> None:
    moves, stacks, states = _example_oracle(T.ARC_STANDARD)
    assert moves == [
        ("SHIFT", None), ("SHIFT", None), ("LEFT", "nsubj"), ("SHIFT", None), ("SHIFT", None), ("LEFT", "det"),
        ("RIGHT", "obj"), ("SHIFT", None), ("RIGHT", "advmod"), ("RIGHT", "root"),
    ]  # fmt: skip
    assert stacks == [[0, 1], [0, 1, 2], [0, 2], [0, 2, 3], [0, 2, 3, 4], [0, 2, 4], [0, 2], [0, 2, 5], [0, 2], [0]]
    assert states.heads[0, 1:].tolist() == HEADS


def test_arc_eager_worked_example() -> None:
    moves, stacks, states = _example_oracle(T.ARC_EAGER)
    assert moves == [
        ("SHIFT", None), ("LEFT", "nsubj"), ("RIGHT", "root"), ("SHIFT", None), ("LEFT", "det"), ("RIGHT", "obj"),
        ("REDUCE", None), ("RIGHT", "advmod"),
    ]  # fmt: skip
    assert stacks == [[0, 1], [0], [0, 2], [0, 2, 3], [0, 2], [0, 2, 4], [0, 2], [0, 2, 5]]
    assert states.heads[0, 1:].tolist() == HEADS


def test_preconditions() -> None:
    """Arc-standard: no arc into the root, the root's arc only when the buffer is empty; arc-eager: one root."""
    n_labels = len(LABELS)
    states = T.States.start(np.array([2]))
    stack, depth, next_word, length, heads, labels, children = states.arrays()
    system = T.ARC_STANDARD
    assert not T.legal(system, n_labels, stack, depth, next_word, length, heads, children, 0, 1)
    T.apply(system, n_labels, stack, depth, next_word, heads, labels, children, 0, T.SHIFT)
    assert not T.legal(system, n_labels, stack, depth, next_word, length, heads, children, 0, 1)  # s2 is the root
    assert not T.legal(system, n_labels, stack, depth, next_word, length, heads, children, 0, 2)  # buffer not empty
    eager = T.States.start(np.array([2]))
    stack, depth, next_word, length, heads, labels, children = eager.arrays()
    right_root = T.transition_id(T.ARC_EAGER, n_labels, 2, 1)
    T.apply(T.ARC_EAGER, n_labels, stack, depth, next_word, heads, labels, children, 0, right_root)
    T.apply(T.ARC_EAGER, n_labels, stack, depth, next_word, heads, labels, children, 0, 1)  # REDUCE word 1
    assert not T.legal(T.ARC_EAGER, n_labels, stack, depth, next_word, length, heads, children, 0, 2)  # 2nd root


def test_features_of_a_hand_written_configuration() -> None:
    """Stack [ROOT, parsed, sentence], buffer [correctly], arcs parsed->I (nsubj), sentence->this (det)."""
    n_labels = len(LABELS)
    states = T.States.start(np.array([5]))
    stack, depth, next_word, length, heads, labels, children = states.arrays()
    shift, left = 0, 1  # arc-standard ids: LEFT(l) = 1 + l
    for t in (shift, shift, left + LABELS.index("nsubj"), shift, shift, left + LABELS.index("det")):
        T.apply(T.ARC_STANDARD, n_labels, stack, depth, next_word, heads, labels, children, 0, t)
    words = np.array([101, 102, 103, 104, 105], np.int32)  # word k has id 100 + k, POS 200 + k, FEATS 300 + k
    pos, feats = words + 100, words + 200
    out = np.zeros(T.N_FEATURES, np.int64)
    T.features(stack, depth, next_word, length, labels, children, words, pos, feats, 0, 0, LABEL_OFFSET, out)
    with_feats = np.zeros(T.N_FEATURES_WITH_FEATS, np.int64)
    T.features(stack, depth, next_word, length, labels, children, words, pos, feats, 0, 0, LABEL_OFFSET, with_feats)
    null, root = T.NULL_ID, T.ROOT_ID
    # s1 s2 s3 b1 b2 b3 | lc1 rc1 lc2 rc2 of s1 | of s2 | lc1lc1(s1) rc1rc1(s1) lc1lc1(s2) rc1rc1(s2)
    positions = [4, 2, 0, 5, None, None, 3, None, None, None, 1, None, None, None, None, None, None, None]

    def ids(base: int) -> list[int]:
        return [null if p is None else root if p == 0 else base + p for p in positions]

    expected_labels = [null] * 12
    expected_labels[0] = LABEL_OFFSET + LABELS.index("det")  # lc1(s1) = "this"
    expected_labels[4] = LABEL_OFFSET + LABELS.index("nsubj")  # lc1(s2) = "I"
    assert out.tolist() == ids(100) + ids(200) + expected_labels
    # the 18 tokens' FEATS ids follow, and the first 48 stay Chen & Manning's
    assert with_feats.tolist() == ids(100) + ids(200) + expected_labels + ids(300)


@pytest.fixture(scope="module")
def ewt_train(data_dir: Path) -> list:
    return read_conllu(data_dir / "ud-english-ewt" / "en_ewt-ud-train.conllu")


@pytest.mark.parametrize("system", [T.ARC_STANDARD, T.ARC_EAGER])
@pytest.mark.parametrize("mode", [NonProjective.drop, NonProjective.lift])
def test_oracle_rebuilds_every_training_tree(ewt_train: list, system: int, mode: NonProjective) -> None:
    """Every projective EWT training tree (drop), and every pseudo-projectivised one (lift), comes back exactly
    from the oracle's transitions (oracle_examples raises otherwise); arc-standard takes exactly 2n of them."""
    trees = training_trees(ewt_train, mode)
    symbols: Symbols = symbols_of(trees.sentences, trees.trees)
    vocabulary = vocabulary_from_tokens((w.form for s in trees.sentences for w in s.words), 2, True)
    encoded = encode(trees.sentences, vocabulary, symbols, trees.trees)
    examples = oracle_examples(encoded, system, len(symbols.labels))
    words = len(encoded.words)
    assert len(trees.sentences) == (12_544 if mode is NonProjective.lift else 12_544 - trees.nonprojective_sentences)
    if system == T.ARC_STANDARD:
        assert len(examples.transitions) == 2 * words
    assert examples.features.shape == (len(examples.transitions), T.N_FEATURES)
