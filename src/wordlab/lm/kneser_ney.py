"""Interpolated modified Kneser-Ney n-gram language model: the count-based baseline the neural LMs are contrasted with.

Why it is here: the course's fixed-window, RNN, GRU and LSTM language models are judged against the strongest
classical model on the same tokens, and that is Kneser-Ney smoothing with Chen & Goodman's (1998) modified
discounts, interpolated — SRILM's ``ngram-count -kndiscount -interpolate``, KenLM's ``lmplz``, and the "KN5" row
(141.2 test perplexity on PTB) of Mikolov's (2012) thesis that the neural models are usually compared with.

The model. For an order-``k`` context ``h`` (``k - 1`` tokens), a word ``w`` and the order's adjusted counts ``a``::

    p_k(w | h) = max(a(hw) - D_k(a(hw)), 0) / a(h.) + gamma_k(h) p_{k-1}(w | h')
    gamma_k(h) = (D_k1 N_1(h.) + D_k2 N_2(h.) + D_k3+ N_3+(h.)) / a(h.)

where ``h'`` is ``h`` without its first token, ``a(h.)`` the sum of ``a(hw)`` over words, ``N_j(h.)`` the number of
words with ``a(hw) = j`` (``>= 3`` for ``N_3+``), and ``p_0`` the uniform distribution over the ``V`` words, so every
word has nonzero probability. A context that no word follows at order ``k`` (unseen, or seen only at a sentence's
end) backs off whole: ``p_k(w | h) = p_{k-1}(w | h')``.

Adjusted counts (KenLM's convention, as SRILM's ``-kndiscount``): the highest order keeps raw counts; a lower-order
n-gram's count is its number of distinct left extensions (its continuation count), except that an n-gram starting
with ``<s>`` has no left extension and keeps its raw count. The discounts of order ``k`` come from the count-of-counts
``n_1..n_4`` of the order's adjusted counts (``<s>``-initial n-grams included, as KenLM counts them), by Chen &
Goodman's equation (26): ``Y = n1 / (n1 + 2 n2)``, ``D1 = 1 - 2Y n2/n1``, ``D2 = 2 - 3Y n3/n2``,
``D3+ = 3 - 4Y n4/n3``. On small or artificial data a count-of-counts can be zero, or the formula can leave
``(0, j]``, where KenLM refuses to build the model. Here such a discount falls back to the unmodified Kneser-Ney
discount ``Y`` (Ney's estimate, in ``(0, 1]`` when ``n1 > 0``), or to ``j`` when ``n1 = 0`` (the formula's own value
when ``Y = 0``); see :func:`modified_discounts`. A discount of 0 (clipping a negative one) is avoided on purpose: a
context whose followers were all discounted by 0 would give no mass to the lower order, so unseen words would get
probability 0 and a held-out perplexity would be infinite. With every ``D_j`` in ``(0, j]``, ``max(a - D, 0) = a - D``,
each context's distribution sums to one, and every word has nonzero probability after every context.

Sentences: each is a 1-D array of ids in ``0..V-1`` that already ends with the end-of-sentence id (PTB's ``<eos>``,
appended by :func:`wordlab.data.readers.text.iter_token_lines`). Every token of it is predicted, ``<eos>`` included;
the history before the first one is a single begin symbol ``<s>`` (internally the id ``V``), never predicted. So
:meth:`KneserNeyLM.perplexity` is ``exp`` of the mean negative log-likelihood per token with ``<eos>`` counted, the
convention of PyTorch's word_language_model and of the neural models here, on the same tokens.

Storage: no dictionary per n-gram. Each order's n-grams are a sorted int64 array of keys ``prefix * (V + 1) + last``,
where ``prefix`` is the index of the n-gram's first ``k - 1`` tokens in the previous order's array — the levels of a
trie, which keeps keys small for any order (``(V + 1) ** 5`` would overflow int64 for PTB). Counting is
:func:`numpy.unique` over all positions at once, and scoring looks every position's n-gram up with
:func:`numpy.searchsorted`, one order at a time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

Ids = NDArray[np.int64]
Floats = NDArray[np.float64]

_MISSING = -1


def modified_discounts(count_of_counts: ArrayLike) -> Floats:
    """Chen & Goodman's modified Kneser-Ney discounts ``(D1, D2, D3+)`` from the count-of-counts ``(n1, n2, n3, n4)``.

    ``D_j = j - (j + 1) Y n_{j+1} / n_j`` with ``Y = n1 / (n1 + 2 n2)``. ``count_of_counts`` may have leading
    dimensions (one row per order). Where ``D_j`` is undefined (``n_j = 0`` or ``n1 + 2 n2 = 0``) or not positive it
    is ``Y`` instead, the unmodified Kneser-Ney discount, or ``j`` where ``Y`` is not positive (``n1 = 0``): every
    discount lies in ``(0, j]``.
    """
    n = np.asarray(count_of_counts, dtype=np.float64)
    if n.shape[-1] != 4 or np.any(n < 0):
        raise ValueError(f"count-of-counts must be four non-negative numbers (n1..n4), got {n.tolist()}")
    n1, n2 = n[..., 0], n[..., 1]
    y_denominator = n1 + 2 * n2
    y = n1 / np.where(y_denominator > 0, y_denominator, 1.0)
    discounts = np.empty((*n.shape[:-1], 3))
    for j in (1, 2, 3):
        n_j, n_next = n[..., j - 1], n[..., j]
        formula = j - (j + 1) * y * n_next / np.where(n_j > 0, n_j, 1.0)
        usable = (n_j > 0) & (y_denominator > 0) & (formula > 0)
        discounts[..., j - 1] = np.where(usable, formula, np.where(y > 0, y, float(j)))
    return discounts


@dataclass(frozen=True)
class _Order:
    """One order's n-grams and what scoring needs of them.

    ``keys`` (sorted) are ``prefix * (V + 1) + last``; ``weight[i]`` is n-gram ``i``'s discounted term
    ``max(a - D, 0) / a(h.)``; ``backoff[c]`` and ``seen[c]`` are ``gamma(h)`` and ``a(h.) > 0`` for context ``c``,
    an index into the previous order's keys.
    """

    keys: Ids
    weight: Floats
    backoff: Floats
    seen: NDArray[np.bool_]

    def lookup(self, prefix: Ids, last: Ids, base: int) -> Ids:
        """The index of each n-gram ``(prefix, last)``, or ``-1`` where it was not seen (or ``prefix`` is ``-1``)."""
        if self.keys.size == 0:
            return np.full(prefix.shape, _MISSING, dtype=np.int64)
        keys = prefix * base + last
        found = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        hit = (prefix != _MISSING) & (self.keys[found] == keys)
        return np.where(hit, found, _MISSING).astype(np.int64)


@dataclass(frozen=True)
class _Flat:
    """Sentences laid end to end, each preceded by ``<s>``: ``depth`` is a token's position in its padded sentence."""

    tokens: Ids
    depth: Ids


def _flatten(sentences: Sequence[ArrayLike], vocab_size: int, eos: int | None) -> _Flat:
    """Check the sentences' ids and lay them end to end, ``<s>`` (id ``vocab_size``) before each."""
    arrays = [np.asarray(sentence) for sentence in sentences]
    for index, array in enumerate(arrays):
        if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
            raise ValueError(f"sentence {index} is not a 1-D array of integer ids (shape {array.shape}, {array.dtype})")
        if eos is not None and (array.size == 0 or array[-1] != eos):
            raise ValueError(f"sentence {index} does not end with the end-of-sentence id {eos}")
    lengths = np.array([array.size for array in arrays], dtype=np.int64) + 1
    body = np.concatenate([np.zeros(0, np.int64), *(array.astype(np.int64) for array in arrays)])
    if body.size and (body.min() < 0 or body.max() >= vocab_size):
        raise ValueError(f"token ids must lie in 0..{vocab_size - 1}, found {body.min()}..{body.max()}")
    starts = np.cumsum(lengths) - lengths
    tokens = np.full(int(lengths.sum()), vocab_size, dtype=np.int64)
    is_word = np.ones(tokens.size, dtype=bool)
    is_word[starts] = False
    tokens[is_word] = body
    depth = np.arange(tokens.size, dtype=np.int64) - np.repeat(starts, lengths)
    return _Flat(tokens, depth)


def _shift(ids: Ids) -> Ids:
    """``ids`` one position later: what ends at ``p - 1`` is the context of what ends at ``p``."""
    shifted = np.full_like(ids, _MISSING)
    shifted[1:] = ids[:-1]
    return shifted


@dataclass(frozen=True)
class _Counted:
    """One order's distinct n-grams from the training text: keys, raw counts, and per n-gram whether it starts with
    ``<s>`` and the index of its suffix (the n-gram without its first token) in the previous order."""

    keys: Ids
    raw: Ids
    starts_with_bos: NDArray[np.bool_]
    suffix: Ids


def _count(flat: _Flat, order: int, base: int) -> list[_Counted]:
    """Every order's distinct n-grams, numbered level by level (each key holds its prefix's index)."""
    counted: list[_Counted] = []
    previous = np.zeros(flat.tokens.size, dtype=np.int64)  # the empty context, index 0, ends everywhere
    for k in range(1, order + 1):
        contexts = counted[-1].keys.size if counted else 1
        if contexts * base >= np.iinfo(np.int64).max:
            raise OverflowError(f"too many distinct {k - 1}-grams ({contexts}) for int64 keys with {base} symbols")
        valid = flat.depth >= k - 1  # an order-k n-gram ends here without reaching before <s>
        prefix = previous if k == 1 else _shift(previous)
        keys, inverse, raw = np.unique(
            prefix[valid] * base + flat.tokens[valid], return_inverse=True, return_counts=True
        )
        starts_with_bos = np.zeros(keys.size, dtype=bool)
        starts_with_bos[inverse] = flat.depth[valid] == k - 1
        suffix = np.zeros(keys.size, dtype=np.int64)
        if k > 1:
            suffix[inverse] = previous[valid]  # the order-(k-1) n-gram ending at the same position
        counted.append(_Counted(keys, raw, starts_with_bos, suffix))
        current = np.full(flat.tokens.size, _MISSING, dtype=np.int64)
        current[valid] = inverse
        previous = current
    return counted


def _adjusted_counts(counted: list[_Counted], base: int) -> list[Ids]:
    """KenLM's adjusted counts: raw at the highest order and for ``<s>``-initial n-grams, else left extensions.

    The unigram ``<s>`` gets 0: it is never predicted.
    """
    adjusted: list[Ids] = []
    for k, level in enumerate(counted, start=1):
        if k == len(counted):
            counts = level.raw.copy()
        else:
            extensions = np.bincount(counted[k].suffix, minlength=level.keys.size).astype(np.int64)
            counts = np.where(level.starts_with_bos, level.raw, extensions)
        if k == 1:
            counts[level.keys == base - 1] = 0
        adjusted.append(counts)
    return adjusted


def _count_of_counts(adjusted: Ids) -> Ids:
    """``(n1, n2, n3, n4)``: how many n-grams have adjusted count 1, 2, 3 and 4."""
    return np.bincount(np.minimum(adjusted, 5), minlength=6)[1:5].astype(np.int64)


def _order_tables(keys: Ids, adjusted: Ids, discounts: Floats, contexts: int, base: int) -> _Order:
    """One order's discounted terms per n-gram and interpolation weights per context."""
    prefix = keys // base
    capped = np.minimum(adjusted, 3)
    discount = np.where(adjusted > 0, discounts[np.maximum(capped, 1) - 1], 0.0)
    total = np.bincount(prefix, weights=adjusted.astype(np.float64), minlength=contexts)
    discounted_mass = np.bincount(prefix, weights=discount, minlength=contexts)
    seen = total > 0
    safe_total = np.where(seen, total, 1.0)
    backoff = np.where(seen, discounted_mass / safe_total, 1.0)
    weight = np.maximum(adjusted - discount, 0.0) / safe_total[prefix]
    return _Order(keys, weight, backoff, seen)


class KneserNeyLM:
    """An interpolated modified Kneser-Ney language model of a given order over a closed vocabulary of ``V`` ids.

    Fit it with :meth:`fit`. After fitting, ``discounts[k - 1]`` holds order ``k``'s ``(D1, D2, D3+)`` and
    ``count_of_counts[k - 1]`` its ``(n1, n2, n3, n4)``.
    """

    def __init__(self, order: int = 5) -> None:
        if order < 1:
            raise ValueError(f"the order must be at least 1, got {order}")
        self.order = order
        self.vocab_size = 0
        self.eos: int | None = None
        self.discounts: Floats = np.zeros((order, 3))
        self.count_of_counts: Ids = np.zeros((order, 4), dtype=np.int64)
        self._orders: list[_Order] = []

    @classmethod
    def fit(
        cls, sentences: Sequence[ArrayLike], vocab_size: int, order: int = 5, eos: int | None = None
    ) -> KneserNeyLM:
        """Count ``sentences`` (1-D arrays of ids in ``0..vocab_size-1``) into a model of ``order``.

        When ``eos`` is given, every sentence must end with it (a guard against forgetting to append it).
        """
        if vocab_size < 1:
            raise ValueError(f"the vocabulary must hold at least one word, got {vocab_size}")
        if len(sentences) == 0:
            raise ValueError("no sentences to count")
        model = cls(order)
        model.vocab_size = vocab_size
        model.eos = eos
        base = vocab_size + 1
        counted = _count(_flatten(sentences, vocab_size, eos), order, base)
        adjusted = _adjusted_counts(counted, base)
        model.count_of_counts = np.stack([_count_of_counts(counts) for counts in adjusted])
        model.discounts = modified_discounts(model.count_of_counts)
        contexts = [1] + [level.keys.size for level in counted[:-1]]
        model._orders = [
            _order_tables(level.keys, counts, discounts, size, base)
            for level, counts, discounts, size in zip(counted, adjusted, model.discounts, contexts, strict=True)
        ]
        return model

    def state(self) -> dict[str, Any]:
        """The fitted model as plain arrays and numbers (what :mod:`wordlab.lm.saved` writes; :meth:`from_state`
        rebuilds it): per order the trie level's keys, discounted terms, and the contexts' weights."""
        self._require_fitted()
        return {
            "order": self.order,
            "vocab_size": self.vocab_size,
            "eos": -1 if self.eos is None else self.eos,
            "discounts": self.discounts,
            "count_of_counts": self.count_of_counts,
            "levels": [
                {"keys": o.keys, "weight": o.weight, "backoff": o.backoff, "seen": o.seen} for o in self._orders
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> KneserNeyLM:
        model = cls(int(state["order"]))
        model.vocab_size = int(state["vocab_size"])
        model.eos = None if int(state["eos"]) < 0 else int(state["eos"])
        model.discounts = np.asarray(state["discounts"], dtype=np.float64)
        model.count_of_counts = np.asarray(state["count_of_counts"], dtype=np.int64)
        model._orders = [
            _Order(
                np.asarray(level["keys"], dtype=np.int64),
                np.asarray(level["weight"], dtype=np.float64),
                np.asarray(level["backoff"], dtype=np.float64),
                np.asarray(level["seen"], dtype=np.bool_),
            )
            for level in state["levels"]
        ]
        if len(model._orders) != model.order:
            raise ValueError(f"a model of order {model.order} with {len(model._orders)} levels")
        return model

    def _require_fitted(self) -> None:
        if not self._orders:
            raise RuntimeError("the model is not fitted: build it with KneserNeyLM.fit")

    def log_probs(self, sentences: Sequence[ArrayLike]) -> Floats:
        """The natural-log probability of every token of every sentence (``<eos>`` included), in order."""
        self._require_fitted()
        flat = _flatten(sentences, self.vocab_size, self.eos)
        base = self.vocab_size + 1
        predicted = flat.depth >= 1
        probability = np.full(flat.tokens.size, 1.0 / self.vocab_size)
        previous = np.zeros(flat.tokens.size, dtype=np.int64)
        for k, level in enumerate(self._orders, start=1):
            context = previous if k == 1 else _shift(previous)
            context = np.where(flat.depth >= k - 1, context, _MISSING)
            ngram = level.lookup(context, flat.tokens, base)
            known = np.maximum(context, 0)
            use = predicted & (context != _MISSING) & level.seen[known]
            weight = np.where(ngram != _MISSING, level.weight[np.maximum(ngram, 0)], 0.0)
            probability = np.where(use, weight + level.backoff[known] * probability, probability)
            previous = ngram
        with np.errstate(divide="ignore"):
            return np.asarray(np.log(probability[predicted]), dtype=np.float64)

    def perplexity(self, sentences: Sequence[ArrayLike]) -> float:
        """``exp`` of the mean negative log-likelihood per predicted token (``<eos>`` included)."""
        log_probs = self.log_probs(sentences)
        if log_probs.size == 0:
            raise ValueError("no tokens to score")
        return math.exp(-float(np.mean(log_probs)))

    def probabilities(self, context: Sequence[int], at_sentence_start: bool = True) -> Floats:
        """The distribution over the ``V`` words after ``context``.

        By default ``context`` is the sentence so far (possibly empty), so ``<s>`` precedes it when it is shorter
        than ``order - 1`` tokens. With ``at_sentence_start=False`` it is a window of a sentence whose earlier
        tokens are unknown: a context shorter than ``order - 1`` then uses only the orders it fills (the
        ``len(context) + 1``-gram estimate, interpolated down to the uniform distribution).
        """
        self._require_fitted()
        history = [int(token) for token in context]
        if any(not 0 <= token < self.vocab_size for token in history):
            raise ValueError(f"context ids must lie in 0..{self.vocab_size - 1}, got {history}")
        if at_sentence_start:
            history = [self.vocab_size, *history]
        base = self.vocab_size + 1
        words = np.arange(self.vocab_size, dtype=np.int64)
        probability = np.full(self.vocab_size, 1.0 / self.vocab_size)
        for k, level in enumerate(self._orders, start=1):
            if k - 1 > len(history):
                break
            index = self._context_index(history[len(history) - (k - 1) :], base)
            if index == _MISSING or not level.seen[index]:
                continue
            ngram = level.lookup(np.full(self.vocab_size, index, dtype=np.int64), words, base)
            weight = np.where(ngram != _MISSING, level.weight[np.maximum(ngram, 0)], 0.0)
            probability = weight + level.backoff[index] * probability
        return probability

    def _context_index(self, tokens: Sequence[int], base: int) -> int:
        """The index of the n-gram ``tokens`` in its order's keys (0 for the empty context), or -1 if unseen."""
        index = 0
        for level, token in zip(self._orders, tokens, strict=False):
            index = int(level.lookup(np.array([index]), np.array([token]), base)[0])
            if index == _MISSING:
                break
        return index
