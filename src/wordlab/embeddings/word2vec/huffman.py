"""The Huffman tree of hierarchical softmax, built as word2vec.c builds it.

Hierarchical softmax replaces the V-way softmax by ~log2(V) binary decisions along the word's path from the root;
a Huffman tree over the counts makes the expected path length minimal, so frequent words are cheapest. word2vec.c
builds it in linear time with two queues (the count-sorted leaves and the merged nodes, which come out already
sorted); we do the same, so code lengths and tie-breaking follow the C tool rather than a heap's arbitrary order.

Internal node ``n`` (0 <= n < V - 1) owns row ``n`` of the output matrix; the root is ``V - 2``. Code ``0`` at a
node means "go to the child whose probability is sigma(u_n . v)".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_CODE_LENGTH = 40  # word2vec.c's MAX_CODE_LENGTH; Huffman depth over 2^40 tokens cannot exceed it


@dataclass(frozen=True)
class HuffmanTree:
    """Per word: the path's internal nodes (root first) and the branch codes, padded to the longest path."""

    points: np.ndarray  # int32 (V, max_len): internal node ids along the path, root first
    codes: np.ndarray  # int8 (V, max_len): 0/1 branch taken at each of those nodes
    lengths: np.ndarray  # int32 (V,): path length of each word

    @property
    def n_nodes(self) -> int:
        return len(self.lengths) - 1

    def path(self, word: int) -> tuple[np.ndarray, np.ndarray]:
        n = int(self.lengths[word])
        return self.points[word, :n], self.codes[word, :n]


def build_huffman_tree(counts: np.ndarray) -> HuffmanTree:
    """The tree word2vec.c's CreateBinaryTree builds; ``counts`` must be sorted in descending order."""
    counts = np.asarray(counts, dtype=np.int64)
    n_words = len(counts)
    if n_words < 2:
        raise ValueError("hierarchical softmax needs at least 2 words")
    if np.any(np.diff(counts) > 0):
        raise ValueError("counts must be sorted in descending order (the prepared vocabulary's order)")
    weight = np.concatenate([counts, np.full(n_words - 1, np.iinfo(np.int64).max // 4, dtype=np.int64)]).tolist()
    parent = [0] * (2 * n_words - 1)
    branch = [0] * (2 * n_words - 1)
    leaf, merged = n_words - 1, n_words  # next leaf (walking down the counts) and next merged node
    for node in range(n_words, 2 * n_words - 1):
        smallest = []
        for _ in range(2):
            if leaf >= 0 and weight[leaf] < weight[merged]:
                smallest.append(leaf)
                leaf -= 1
            else:
                smallest.append(merged)
                merged += 1
        weight[node] = weight[smallest[0]] + weight[smallest[1]]
        parent[smallest[0]] = parent[smallest[1]] = node
        branch[smallest[1]] = 1
    return _paths(np.asarray(parent, dtype=np.int64), np.asarray(branch, dtype=np.int8), n_words)


def _paths(parent: np.ndarray, branch: np.ndarray, n_words: int) -> HuffmanTree:
    """Walk every leaf up to the root at once, then reverse each path so that it starts at the root."""
    root = 2 * n_words - 2
    node = np.arange(n_words)
    lengths = np.zeros(n_words, dtype=np.int32)
    codes_up = np.zeros((n_words, MAX_CODE_LENGTH), dtype=np.int8)
    points_up = np.zeros((n_words, MAX_CODE_LENGTH), dtype=np.int32)
    active = node != root
    step = 0
    while active.any():
        if step == MAX_CODE_LENGTH:
            raise ValueError(f"a Huffman code is longer than {MAX_CODE_LENGTH}")
        rows = np.flatnonzero(active)
        codes_up[rows, step] = branch[node[rows]]
        points_up[rows, step] = parent[node[rows]] - n_words
        node[rows] = parent[node[rows]]
        lengths[rows] += 1
        active = node != root
        step += 1
    width = max(int(lengths.max()), 1)
    depth = np.arange(width)
    upward = lengths[:, None] - 1 - depth[None, :]  # column of the up-walk that holds depth d of the path
    valid = upward >= 0
    safe = np.where(valid, upward, 0)
    rows = np.arange(n_words)[:, None]
    codes = np.where(valid, codes_up[rows, safe], 0).astype(np.int8)
    points = np.where(valid, points_up[rows, safe], 0).astype(np.int32)
    return HuffmanTree(points=np.ascontiguousarray(points), codes=np.ascontiguousarray(codes), lengths=lengths)
