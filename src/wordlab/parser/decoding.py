"""Batched greedy parsing with Chen & Manning's pre-computation.

Many sentences are parsed at once: each step extracts the features of every unfinished state (numba), scores
them in one call, and applies each state's best legal transition (numba). Sentences are batched by length so that
few states idle while the longest finishes.

The hidden layer's pre-activation is a sum over the 48 feature positions of ``W1[:, block_p] e_id``. Instead of
the (B, 3300) x (3300, 200) product per step, the decoder sums looked-up rows: for every POS and label id (and
FEATS id, when the network reads them) at every position (a few thousand rows, all computed once), for the
``precomputed`` most frequent (position, word) pairs of the training configurations (computed once), and, per
batch of sentences, for the (position, word) pairs that batch can reach and the frequent table lacks (computed
once per batch, written after the fixed rows in place: the fixed table, 160 MB at 100,000 pairs and a hidden layer
of 400, is never copied). A step then costs 48 row additions per state rather than 660,000 multiply-adds.

An ensemble's members each keep their own tables; a step averages their transition probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from wordlab.parser import transitions as T
from wordlab.parser.data import LABEL_OFFSET, Encoded
from wordlab.parser.network import ChenManningNetwork


def frequent_word_pairs(features: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` most frequent (position, word id) pairs among the training configurations' word features."""
    words = features[:, : T.N_POSITIONS].astype(np.int64)
    vocab = int(words.max(initial=0)) + 1
    keys = (np.arange(T.N_POSITIONS)[None, :] * vocab + words).ravel()
    unique, counts = np.unique(keys, return_counts=True)
    top = unique[np.argsort(-counts, kind="stable")[:count]]
    return np.stack([top // vocab, top % vocab], axis=1)


SPARE_ROWS = 65_536  # a batch of 512 sentences reaches some 2,000 words at 18 positions, most of them in the table


@dataclass
class _Tables:
    rows: torch.Tensor  # (R, hidden) pre-activation contributions: the first R rows of ``storage``
    storage: torch.Tensor  # the fixed rows, then room for a batch's own word rows
    word_index: np.ndarray  # (18, vocab) row of (position, word), -1 when not computed
    pos_base: int
    label_base: int
    feats_base: int  # where the FEATS rows start (after the labels' rows; none when the network reads no FEATS)
    n_fixed: int  # rows kept across batches


class PrecomputedScorer:
    """One network's transition scores from looked-up pre-computed rows (the network is put in eval mode)."""

    def __init__(self, network: ChenManningNetwork, frequent_pairs: np.ndarray | None = None) -> None:
        self.network = network.eval()
        with torch.no_grad():
            self.tables = self._fixed_tables(np.zeros((0, 2), np.int64) if frequent_pairs is None else frequent_pairs)

    def _fixed_tables(self, pairs: np.ndarray) -> _Tables:
        net = self.network
        vocab = net.words.weight.shape[0]
        pairs = pairs[pairs[:, 1] < vocab]
        word_index = np.full((T.N_POSITIONS, vocab), -1, np.int64)
        word_rows = net.position_products("words", torch.as_tensor(pairs[:, 1]), torch.as_tensor(pairs[:, 0]))
        word_index[pairs[:, 0], pairs[:, 1]] = np.arange(len(pairs))
        n_pos, n_lab = net.pos.weight.shape[0], net.labels.weight.shape[0]
        pos_ids = torch.arange(n_pos).repeat(T.N_POSITIONS)
        pos_positions = torch.arange(T.N_POSITIONS).repeat_interleave(n_pos)
        label_ids = torch.arange(n_lab).repeat(T.N_CHILD_POSITIONS)
        label_positions = torch.arange(T.N_CHILD_POSITIONS).repeat_interleave(n_lab)
        parts = [
            word_rows,
            net.position_products("pos", pos_ids, pos_positions),
            net.position_products("labels", label_ids, label_positions),
        ]
        if net.feats is not None:
            n_feats = net.feats.weight.shape[0]
            feats_ids = torch.arange(n_feats).repeat(T.N_POSITIONS)
            feats_positions = torch.arange(T.N_POSITIONS).repeat_interleave(n_feats)
            parts.append(net.position_products("feats", feats_ids, feats_positions))
        fixed = sum(len(part) for part in parts)
        # room after the fixed rows for a batch's own word rows (untouched memory costs nothing until written)
        storage = torch.empty(fixed + SPARE_ROWS, parts[0].shape[1], dtype=parts[0].dtype)
        torch.cat(parts, out=storage[:fixed])
        label_base = len(pairs) + len(pos_ids)
        return _Tables(storage[:fixed], storage, word_index, len(pairs), label_base, label_base + len(label_ids), fixed)

    def prepare(self, words: np.ndarray) -> None:
        """Compute the rows of the (position, word) pairs ``words`` can reach that no table holds yet."""
        tables = self.tables
        fixed = tables.n_fixed
        tables.rows = tables.storage[:fixed]
        tables.word_index[tables.word_index >= fixed] = -1
        ids = np.union1d(np.unique(words), [T.NULL_ID, T.UNK_ID, T.ROOT_ID])
        missing_pos, missing_ids = np.nonzero(tables.word_index[:, ids] < 0)
        if not len(missing_pos):
            return
        missing_ids = ids[missing_ids]
        with torch.no_grad():
            extra = self.network.position_products("words", torch.as_tensor(missing_ids), torch.as_tensor(missing_pos))
        needed = fixed + len(extra)
        if needed > len(tables.storage):  # grown once in a while, with room for larger batches to come
            grown = torch.empty(fixed + 2 * len(extra), tables.storage.shape[1], dtype=tables.storage.dtype)
            grown[:fixed] = tables.storage[:fixed]
            tables.storage = grown
        tables.storage[fixed:needed] = extra
        tables.word_index[missing_pos, missing_ids] = fixed + np.arange(len(missing_ids))
        tables.rows = tables.storage[:needed]

    def scores(self, features: np.ndarray) -> torch.Tensor:
        """Transition scores (B, n_transitions) of (B, 48) feature ids ((B, 66) with FEATS), after :meth:`prepare`
        for the words they read."""
        tables, net = self.tables, self.network
        n_pos, n_lab = net.pos.weight.shape[0], net.labels.weight.shape[0]
        rows = np.empty_like(features)
        positions = np.arange(T.N_POSITIONS)
        rows[:, : T.N_POSITIONS] = tables.word_index[positions, features[:, : T.N_POSITIONS]]
        rows[:, T.N_POSITIONS : 2 * T.N_POSITIONS] = (
            tables.pos_base + positions * n_pos + features[:, T.N_POSITIONS : 2 * T.N_POSITIONS]
        )
        rows[:, 2 * T.N_POSITIONS : T.N_FEATURES] = (
            tables.label_base + np.arange(T.N_CHILD_POSITIONS) * n_lab + features[:, 2 * T.N_POSITIONS : T.N_FEATURES]
        )
        if net.feats is not None:
            n_feats = net.feats.weight.shape[0]
            rows[:, T.N_FEATURES :] = tables.feats_base + positions * n_feats + features[:, T.N_FEATURES :]
        with torch.no_grad():
            # one fused gather-and-sum per state: no (states, 48, hidden) intermediate
            pre = torch.nn.functional.embedding_bag(torch.from_numpy(rows), tables.rows, mode="sum") + net.hidden.bias
            return net.scores_from_hidden(pre)


class GreedyDecoder:
    """Parses encoded sentences with one trained network, or an ensemble of them whose transition probabilities
    are averaged at each step (the members must share their vocabularies and feature layout)."""

    def __init__(
        self,
        networks: ChenManningNetwork | Sequence[ChenManningNetwork],
        system: int,
        n_labels: int,
        frequent_pairs: np.ndarray | None = None,
        *,
        root_label: int = 0,
        fallback_label: int = 0,
    ) -> None:
        members = [networks] if isinstance(networks, ChenManningNetwork) else list(networks)
        self.scorers = [PrecomputedScorer(network, frequent_pairs) for network in members]
        self.n_features = members[0].n_features
        self.system, self.n_labels = system, n_labels
        self.root_label, self.fallback_label = root_label, fallback_label

    def prepare(self, words: np.ndarray) -> None:
        for scorer in self.scorers:
            scorer.prepare(words)

    def scores(self, features: np.ndarray) -> np.ndarray:
        """One network's scores; an ensemble's mean transition probabilities (the best legal move is the same
        argmax either way for one network, and the scores need no softmax then)."""
        if len(self.scorers) == 1:
            return self.scorers[0].scores(features).numpy()
        with torch.no_grad():
            probabilities = torch.stack([torch.softmax(scorer.scores(features), dim=1) for scorer in self.scorers])
            return probabilities.mean(dim=0).numpy()

    def parse(self, encoded: Encoded, batch_size: int = 512, progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Heads (0 = root) and label indices of every word, flat as ``encoded``'s arrays (``progress``: a bar of
        the sentences parsed, for a user's long file)."""
        heads = np.zeros(len(encoded.words), np.int64)
        labels = np.zeros(len(encoded.words), np.int64)
        with tqdm(total=len(encoded.lengths), desc="parsing", unit="sentence", disable=not progress) as bar:
            for chosen in length_batches(encoded.lengths, batch_size):
                self._parse_batch(encoded, chosen, heads, labels)
                bar.update(len(chosen))
        return heads, labels

    def _parse_batch(self, encoded: Encoded, chosen: np.ndarray, heads: np.ndarray, labels: np.ndarray) -> None:
        starts = encoded.offsets[chosen]
        lengths = encoded.lengths[chosen]
        self.prepare(np.concatenate([encoded.words[s : s + n] for s, n in zip(starts, lengths, strict=True)]))
        states = T.States.start(lengths)
        stack, depth, next_word, length, s_heads, s_labels, children = states.arrays()
        active = np.arange(len(chosen))
        active = T.still_parsing(self.system, stack, depth, next_word, length, active)
        while len(active):
            features = T.batch_features(
                stack, depth, next_word, length, s_labels, children, encoded.words, encoded.pos, encoded.feats,
                starts, active, LABEL_OFFSET, self.n_features,
            )  # fmt: skip
            scores = self.scores(features)
            T.step_best(self.system, self.n_labels, stack, depth, next_word, length, s_heads, s_labels, children,
                        scores, active)  # fmt: skip
            active = T.still_parsing(self.system, stack, depth, next_word, length, active)
        for i, (start, n) in enumerate(zip(starts, lengths, strict=True)):
            sentence_heads, sentence_labels = complete_tree(
                s_heads[i, 1 : n + 1], s_labels[i, 1 : n + 1], self.root_label, self.fallback_label
            )
            heads[start : start + n] = sentence_heads
            labels[start : start + n] = sentence_labels


def length_batches(lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
    """Sentence indices in batches of similar length (sorted by length, stable), so that few states idle while
    a batch's longest sentence finishes."""
    order = np.argsort(lengths, kind="stable")
    return [order[first : first + batch_size] for first in range(0, len(order), batch_size)]


def complete_tree(
    heads: np.ndarray, labels: np.ndarray, root_label: int, fallback_label: int
) -> tuple[np.ndarray, np.ndarray]:
    """A single-rooted tree from a final state: words left without a head (arc-eager can leave some on the stack)
    attach to the root word with ``fallback_label``, or the first becomes the root word when there is none."""
    heads, labels = heads.copy(), labels.copy()
    headless = np.flatnonzero(heads < 0)
    if len(headless):
        roots = np.flatnonzero(heads == 0)
        if len(roots):
            root_word = int(roots[0]) + 1
        else:
            root_word = int(headless[0]) + 1
            heads[headless[0]], labels[headless[0]] = 0, root_label
            headless = headless[1:]
        heads[headless] = root_word
        labels[headless] = fallback_label
    return heads, labels
