"""The dynamic oracle's costs against an exhaustive search, and the exploration pass on the whole of EWT train."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from wordlab.data.readers.conllu_reader import read_conllu
from wordlab.parser import transitions as T
from wordlab.parser.config import NonProjective
from wordlab.parser.data import Symbols, encode, symbols_of, training_trees
from wordlab.parser.decoding import GreedyDecoder
from wordlab.parser.dynamic_oracle import ILLEGAL, transition_costs
from wordlab.parser.exploration import exploration_examples
from wordlab.parser.network import ChenManningNetwork
from wordlab.text.vocab import vocabulary_from_tokens

N_LABELS = 2


def _random_projective_tree(n: int, rng: random.Random) -> list[int]:
    """Heads (0 the root) of a random projective tree over words 1..n: each span's head is drawn, its two sides
    become its dependents' spans."""
    heads = [0] * n

    def split(first: int, last: int, head: int) -> None:
        if first > last:
            return
        word = rng.randint(first, last)
        heads[word - 1] = head
        split(first, word - 1, word)
        split(word + 1, last, word)

    split(1, n, 0)
    return heads


def _copy(states: T.States) -> T.States:
    return T.States(*(array.copy() for array in states.arrays()))


def _moves(system: int, states: T.States) -> list[int]:
    stack, depth, next_word, length, heads, _, children = states.arrays()
    kinds = [T.transition_kind(system, N_LABELS, t)[0] for t in range(T.n_transitions(system, N_LABELS))]
    return [
        t
        for t, kind in enumerate(kinds)
        if T.legal(system, N_LABELS, stack, depth, next_word, length, heads, children, 0, kind)
    ]


def _after(system: int, states: T.States, t: int) -> T.States:
    moved = _copy(states)
    stack, depth, next_word, _, heads, labels, children = moved.arrays()
    T.apply(system, N_LABELS, stack, depth, next_word, heads, labels, children, 0, t)
    return moved


def _dependent(system: int, states: T.States, kind: int) -> int:
    """The word an arc of ``kind`` (1 left, 2 right) attaches in ``states``."""
    top = int(states.stack[0, states.depth[0] - 1])
    if system == T.ARC_STANDARD:
        return int(states.stack[0, states.depth[0] - 2]) if kind == 1 else top
    return top if kind == 1 else int(states.next_word[0])


def _fewest_errors(system: int, states: T.States, gold: tuple[list[int], list[int]], memo: dict) -> int:
    """The fewest words with a wrong head or label (a word left without a head is wrong) over every legal
    transition sequence from ``states`` to a final state: the loss, by exhaustive search. An arc's label changes
    nothing but that arc's own error, so the search gives each arc its dependent's gold label only."""
    key = b"".join(array.tobytes() for array in states.arrays())
    if key not in memo:
        stack, depth, next_word, length = states.stack, states.depth, states.next_word, states.length
        if T.is_terminal(system, stack, depth, next_word, length, 0):
            n = int(length[0])
            heads, labels = states.heads[0, 1 : n + 1], states.labels[0, 1 : n + 1]
            memo[key] = sum(int(h != gh or lab != gl) for h, lab, gh, gl in zip(heads, labels, *gold, strict=True))
        else:
            best = len(gold[0]) + 1
            for t in _moves(system, states):
                kind, label = T.transition_kind(system, N_LABELS, t)
                if kind in (1, 2) and label != gold[1][_dependent(system, states, kind) - 1]:
                    continue
                best = min(best, _fewest_errors(system, _after(system, states, t), gold, memo))
            memo[key] = best
    return memo[key]


@pytest.mark.parametrize("system", [T.ARC_STANDARD, T.ARC_EAGER])
def test_costs_equal_an_exhaustive_search(system: int) -> None:
    """In random states reached by random legal moves on random projective trees of 1-7 words, every legal
    transition's cost is the loss after it plus its own arc's error minus the loss before it, losses found by
    trying every transition sequence; illegal transitions cost ILLEGAL. Arc-standard's costs come from the
    dynamic programme, arc-eager's from counting lost arcs: both are checked against the same search."""
    rng = random.Random(7)
    checked = 0
    costs = np.empty(T.n_transitions(system, N_LABELS), np.int64)
    while checked < 600:
        n = rng.randint(1, 7)
        gold = (_random_projective_tree(n, rng), [rng.randrange(N_LABELS) for _ in range(n)])
        gold_heads, gold_labels = np.array(gold[0], np.int64), np.array(gold[1], np.int64)
        states = T.States.start(np.array([n]))
        for _ in range(rng.randint(0, 2 * n)):
            if T.is_terminal(system, states.stack, states.depth, states.next_word, states.length, 0):
                break
            states = _after(system, states, rng.choice(_moves(system, states)))
        if T.is_terminal(system, states.stack, states.depth, states.next_word, states.length, 0):
            continue
        memo: dict = {}
        before = _fewest_errors(system, states, gold, memo)
        stack, depth, next_word, length, heads, _, children = states.arrays()
        transition_costs(system, N_LABELS, stack, depth, next_word, length, heads, children, gold_heads, gold_labels,
                         0, 0, costs)  # fmt: skip
        legal = set(_moves(system, states))
        for t in range(len(costs)):
            if t not in legal:
                assert costs[t] == ILLEGAL
                continue
            after = _fewest_errors(system, _after(system, states, t), gold, memo)
            assert costs[t] == after - before, (gold, stack[0, : depth[0]].tolist(), int(next_word[0]), t)
            checked += 1


@pytest.fixture(scope="module")
def ewt_train_encoded(data_dir: Path) -> tuple:
    sentences = read_conllu(data_dir / "ud-english-ewt" / "en_ewt-ud-train.conllu")
    trees = training_trees(sentences, NonProjective.lift)
    symbols = symbols_of(trees.sentences, trees.trees)
    vocabulary = vocabulary_from_tokens((w.form for s in trees.sentences for w in s.words), 2, True)
    table = np.random.default_rng(0).uniform(-0.01, 0.01, (len(vocabulary), 50)).astype(np.float32)
    return encode(trees.sentences, vocabulary, symbols, trees.trees), symbols, table


def _untrained(system: int, symbols: Symbols, table: np.ndarray) -> ChenManningNetwork:
    return ChenManningNetwork(
        table, symbols.n_pos_ids, symbols.n_label_ids, T.n_transitions(system, len(symbols.labels)),
        generator=torch.Generator().manual_seed(0),
    )  # fmt: skip


@pytest.mark.parametrize("system", [T.ARC_STANDARD, T.ARC_EAGER])
def test_following_the_oracle_rebuilds_every_training_tree(ewt_train_encoded: tuple, system: int) -> None:
    """Never exploring, the pass takes the best-scoring least costly move in every state, and lands on every
    (pseudo-projectivised) EWT training tree exactly, whatever the network prefers among the correct moves."""
    encoded, symbols, table = ewt_train_encoded
    network = _untrained(system, symbols, table)
    examples, built = exploration_examples(
        network, encoded, system, len(symbols.labels), None, explore=0.0, rng=np.random.default_rng(0)
    )
    assert np.array_equal(built, encoded.heads)
    if system == T.ARC_STANDARD:
        assert len(examples.transitions) == 2 * len(encoded.words)
    assert network.training  # the pass leaves the network as training found it


def test_always_exploring_parses_as_the_greedy_decoder(ewt_train_encoded: tuple) -> None:
    """Always following the network, the pass builds the trees greedy decoding builds, and its examples teach a
    correct move in states the gold path never visits (the untrained network's UAS is far from 1)."""
    encoded, symbols, table = ewt_train_encoded
    network = _untrained(T.ARC_STANDARD, symbols, table)
    examples, built = exploration_examples(
        network, encoded, T.ARC_STANDARD, len(symbols.labels), None, explore=1.0, rng=np.random.default_rng(0)
    )
    heads, _ = GreedyDecoder(network, T.ARC_STANDARD, len(symbols.labels)).parse(encoded)
    assert np.array_equal(built, heads)
    assert np.mean(built == encoded.heads) < 0.5
    assert len(examples.transitions) == 2 * len(encoded.words)
