"""Training with the dynamic oracle: each epoch's examples are the states the network's own moves reach.

The first epoch learns from the static oracle's states, as UDPipe 1's parser does (a network that knows nothing
yet would only explore noise). From the second on, at the start of each epoch, the network as it stands parses
every training sentence in batches, as the greedy decoder does; in each state reached, the example's transition
is the best-scoring among the least costly (:mod:`.dynamic_oracle`; Goldberg & Nivre 2012: the network is taught
the correct move it already likes best), and the parser moves on by the network's own best legal move with
probability ``explore`` (UDPipe: always), by that example's transition otherwise. The draws come from (seed,
epoch) alone and the network is the one the epoch starts from, so a resumed run sees the same examples.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import lightning.pytorch as pl
import numpy as np
from numba import njit
from torch.utils.data import DataLoader

from wordlab.parser import transitions as T
from wordlab.parser.data import LABEL_OFFSET, Encoded, OracleExamples
from wordlab.parser.decoding import PrecomputedScorer, length_batches
from wordlab.parser.dynamic_oracle import ILLEGAL, transition_costs
from wordlab.parser.network import ChenManningNetwork

log = logging.getLogger(__name__)

STATIC_EPOCHS = 1  # epochs that learn from the static oracle before the network explores


@njit(cache=True, nogil=True)
def explore_step(system, n_labels, stack, depth, next_word, length, heads, labels, children, scores, active,
                 gold_heads, gold_labels, starts, follow, targets):  # fmt: skip
    """In each state of ``active``: the example's transition into ``targets`` (-1 when no move is legal), then the
    network's best legal move where ``follow``, the example's transition elsewhere."""
    n_moves = scores.shape[1]
    costs = np.empty(n_moves, np.int64)
    for i in range(len(active)):
        b = active[i]
        transition_costs(system, n_labels, stack, depth, next_word, length, heads, children, gold_heads,
                         gold_labels, starts[b], b, costs)  # fmt: skip
        least = costs.min()
        target = -1
        preferred = -1
        for t in range(n_moves):
            if costs[t] >= ILLEGAL:
                continue
            if preferred < 0 or scores[i, t] > scores[i, preferred]:
                preferred = t
            if costs[t] == least and (target < 0 or scores[i, t] > scores[i, target]):
                target = t
        targets[i] = target
        if target < 0:  # no legal move (cannot happen in a well-formed state): finish the sentence
            next_word[b] = length[b] + 1
            depth[b] = 1
            continue
        move = preferred if follow[i] else target
        T.apply(system, n_labels, stack, depth, next_word, heads, labels, children, b, move)


def exploration_examples(
    network: ChenManningNetwork,
    encoded: Encoded,
    system: int,
    n_labels: int,
    frequent_pairs: np.ndarray | None,
    *,
    explore: float,
    rng: np.random.Generator,
    batch_size: int = 512,
) -> tuple[OracleExamples, np.ndarray]:
    """The examples of one pass of ``network`` over ``encoded`` (gold heads and labels: projective trees), and
    the heads it built (flat, -1 where a word got none), for the caller's accuracy figure and for tests."""
    was_training = network.training
    try:
        scorer = PrecomputedScorer(network, frequent_pairs)
        width = network.n_features
        features: list[np.ndarray] = []
        transitions: list[np.ndarray] = []
        built = np.full(len(encoded.words), -1, np.int64)
        for chosen in length_batches(encoded.lengths, batch_size):
            starts, lengths = encoded.offsets[chosen], encoded.lengths[chosen]
            scorer.prepare(np.concatenate([encoded.words[s : s + n] for s, n in zip(starts, lengths, strict=True)]))
            states = T.States.start(lengths)
            stack, depth, next_word, length, heads, labels, children = states.arrays()
            active = T.still_parsing(system, stack, depth, next_word, length, np.arange(len(chosen)))
            while len(active):
                rows = T.batch_features(stack, depth, next_word, length, labels, children, encoded.words, encoded.pos,
                                        encoded.feats, starts, active, LABEL_OFFSET, width)  # fmt: skip
                scores = scorer.scores(rows).numpy()
                targets = np.empty(len(active), np.int64)
                follow = rng.random(len(active)) < explore
                explore_step(system, n_labels, stack, depth, next_word, length, heads, labels, children, scores,
                             active, encoded.heads, encoded.labels, starts, follow, targets)  # fmt: skip
                kept = targets >= 0
                features.append(rows[kept].astype(np.int32))
                transitions.append(targets[kept].astype(np.int32))
                active = T.still_parsing(system, stack, depth, next_word, length, active)
            for i, (start, n) in enumerate(zip(starts, lengths, strict=True)):
                built[start : start + n] = heads[i, 1 : n + 1]
    finally:
        network.train(was_training)
    examples = OracleExamples(np.concatenate(features), np.concatenate(transitions))
    return examples, built


class ExplorationData(pl.LightningDataModule):
    """Lightning's data for a parser trained with the dynamic oracle: the static oracle's examples in the first
    epoch, then each epoch a new exploration pass (the Trainer reloads the training loader every epoch).

    ``loader(features, transitions, seed)`` makes the shuffled training loader, ``dev`` is the validation one."""

    def __init__(
        self,
        network: ChenManningNetwork,
        encoded: Encoded,
        system: int,
        n_labels: int,
        frequent_pairs: np.ndarray,
        static: OracleExamples,
        *,
        explore: float,
        seed: int,
        parse_batch: int,
        loader: Any,
        dev: DataLoader,
    ) -> None:
        super().__init__()
        self.network, self.encoded, self.system, self.n_labels = network, encoded, system, n_labels
        self.frequent_pairs, self.static = frequent_pairs, static
        self.explore, self.seed, self.parse_batch = explore, seed, parse_batch
        self.loader, self.dev = loader, dev

    def train_dataloader(self) -> DataLoader:
        epoch = int(self.trainer.current_epoch) if self.trainer is not None else 0
        if epoch < STATIC_EPOCHS:
            return self.loader(self.static.features, self.static.transitions, self.seed)
        began = time.perf_counter()
        examples, built = exploration_examples(
            self.network, self.encoded, self.system, self.n_labels, self.frequent_pairs, explore=self.explore,
            rng=np.random.default_rng([self.seed, epoch]), batch_size=self.parse_batch,
        )  # fmt: skip
        log.info(
            "epoch %d: %d explored configurations in %.1f s (training UAS of the exploring parse %.4f)",
            epoch, len(examples.transitions), time.perf_counter() - began, float(np.mean(built == self.encoded.heads)),
        )  # fmt: skip
        return self.loader(examples.features, examples.transitions, self.seed)

    def val_dataloader(self) -> DataLoader:
        return self.dev
