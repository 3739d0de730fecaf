"""The two random decisions of word2vec, precomputed as integer tables for the kernel.

Both are drawn with word2vec.c's 48-bit linear congruential generator (``next = next * 25214903917 + 11``), whose
bits 16..47 serve as a uniform 32-bit integer ``r``. Comparing ``r`` with a precomputed integer threshold costs
one multiply-add and one compare, which is why gensim and the C tool precompute them too.

- Frequent-word subsampling (Mikolov et al. 2013, as implemented in word2vec.c and gensim): a word of count f
  is kept with probability ``(sqrt(f / (s N)) + 1) (s N) / f`` (capped at 1), s the ``sample`` setting and N the
  number of tokens. Stored as ``threshold = round(p 2^32)``; the word is kept when ``r < threshold``.
- Negative sampling draws noise words from the unigram distribution raised to 0.75. word2vec.c uses a 1e8-entry
  table (400 MB) and gensim a binary search over the cumulative table; we use Walker's alias method, O(1) per draw
  from a (V, 2) table that fits in cache: pick a column ``i`` uniformly, keep it with probability ``prob_i`` or
  take its alias. Its distribution is the same up to the 2^-32 quantisation of ``prob_i``.
"""

from __future__ import annotations

import numpy as np

LCG_MULTIPLIER = 25214903917
LCG_INCREMENT = 11
LCG_MASK = (1 << 48) - 1
ALWAYS_KEEP = 1 << 32  # a subsampling threshold above every 32-bit draw


def subsample_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """uint64 per word: keep the word when the 32-bit draw is below it (``ALWAYS_KEEP`` when sample is 0)."""
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.full(len(counts), ALWAYS_KEEP, dtype=np.uint64)
    threshold_count = sample * counts.sum()
    with np.errstate(divide="ignore"):
        keep = (np.sqrt(counts / threshold_count) + 1.0) * threshold_count / counts
    keep = np.minimum(np.nan_to_num(keep, nan=1.0, posinf=1.0), 1.0)
    return np.round(keep * 2.0**32).astype(np.uint64)


def noise_weights(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    return np.asarray(counts, dtype=np.float64) ** power


def alias_table(weights: np.ndarray) -> np.ndarray:
    """Walker/Vose alias table as a (V, 2) uint32 array of ``[keep threshold * 2^32, alias]`` rows.

    Column ``i`` is chosen with probability 1/V and kept when the next 32-bit draw is below ``table[i, 0]``,
    otherwise the draw is ``table[i, 1]``. Both fields sit in one 8-byte row, so a draw touches one cache line.
    """
    weights = np.asarray(weights, dtype=np.float64)
    n = len(weights)
    if n == 0 or not np.all(weights >= 0) or weights.sum() <= 0:
        raise ValueError("alias table needs non-negative weights with a positive sum")
    scaled = (weights * (n / weights.sum())).tolist()
    alias = list(range(n))
    small = [i for i, p in enumerate(scaled) if p < 1.0]
    large = [i for i, p in enumerate(scaled) if p >= 1.0]
    while small and large:
        s, g = small.pop(), large[-1]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        if scaled[g] < 1.0:
            small.append(large.pop())
    for i in small + large:  # what is left is 1 up to round-off
        scaled[i] = 1.0
        alias[i] = i
    table = np.empty((n, 2), dtype=np.uint32)
    table[:, 0] = np.minimum(np.round(np.asarray(scaled) * 2.0**32), 2.0**32 - 1).astype(np.uint32)
    table[:, 1] = np.asarray(alias, dtype=np.uint32)
    return table


def alias_probabilities(table: np.ndarray) -> np.ndarray:
    """The exact distribution an alias table samples (for tests and diagnostics)."""
    n = len(table)
    keep = table[:, 0].astype(np.float64) / 2.0**32
    probs = keep / n
    np.add.at(probs, table[:, 1].astype(np.int64), (1.0 - keep) / n)
    return probs


def mix_seed(*parts: int) -> int:
    """A well-spread 48-bit LCG seed from integers (splitmix64 finaliser), e.g. (run seed, epoch, chunk, block).

    Every block of work gets its own generator derived this way, so a run's randomness is a function of the seed
    and the position in the corpus: resuming from a checkpoint needs no saved generator state.
    """
    mask = (1 << 64) - 1
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h = (h ^ (int(part) & mask)) & mask
        h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & mask
        h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & mask
        h ^= h >> 31
    return h & LCG_MASK
