"""The modified Kneser-Ney model against hand arithmetic, a dictionary-based reference, and Mikolov's PTB KN5 figure."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from fractions import Fraction
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from wordlab.data.readers.text import EOS, iter_token_lines
from wordlab.lm.kneser_ney import KneserNeyLM, modified_discounts

# The worked examples' vocabulary: three words and the end of sentence.
A, B, C, E = 0, 1, 2, 3


def _zipf_corpus(seed: int, exponent: float, vocab_size: int = 20, sentences: int = 200) -> list[np.ndarray]:
    """Random sentences of 0-9 words drawn Zipf-like from ids ``0..V-2``, each ending with the eos id ``V-1``."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, vocab_size) ** exponent
    weights /= weights.sum()
    return [
        np.append(rng.choice(vocab_size - 1, size=rng.integers(0, 10), p=weights), vocab_size - 1)
        for _ in range(sentences)
    ]


def _queries(sentences: Sequence[np.ndarray], order: int, vocab_size: int, seed: int) -> Iterator[tuple[tuple, bool]]:
    """Contexts to ask about: every sentence prefix (at sentence start), every window of up to ``order - 1`` words
    seen anywhere (mid-sentence), and random word sequences, mostly unseen, both ways."""
    seen: set[tuple[tuple, bool]] = set()
    for sentence in sentences:
        words = tuple(int(token) for token in sentence)
        for end in range(len(words) + 1):
            seen.add((words[:end], True))
            for length in range(order):
                if end - length >= 0:
                    seen.add((words[end - length : end], False))
    rng = np.random.default_rng(seed)
    for _ in range(60):
        words = tuple(int(token) for token in rng.integers(0, vocab_size, rng.integers(0, order)))
        seen.add((words, bool(rng.integers(2))))
    yield from sorted(seen)


class _ReferenceKneserNey:
    """Interpolated modified Kneser-Ney written the plain way, with n-gram tuples in dictionaries (test-only).

    Sentences are padded with one ``"<s>"`` string; adjusted counts are raw at the highest order and for n-grams
    starting with ``"<s>"``, else the number of distinct left extensions.
    """

    BOS = "<s>"

    def __init__(self, sentences: Sequence[np.ndarray], vocab_size: int, order: int) -> None:
        self.vocab_size, self.order = vocab_size, order
        raw: list[Counter] = [Counter() for _ in range(order + 1)]  # raw[k]: k-gram tuple -> occurrences
        for sentence in sentences:
            padded = (self.BOS, *(int(token) for token in sentence))
            for end in range(1, len(padded)):
                for k in range(1, order + 1):
                    if end - k + 1 >= 0:
                        raw[k][padded[end - k + 1 : end + 1]] += 1
        self.followers: list[dict[tuple, dict[object, int]]] = [{} for _ in range(order + 1)]
        self.discounts: list[tuple[Fraction, Fraction, Fraction]] = [(Fraction(0),) * 3]
        for k in range(1, order + 1):
            if k == order:
                adjusted = dict(raw[k])
            else:
                left: dict[tuple, set] = defaultdict(set)
                for longer in raw[k + 1]:
                    left[longer[1:]].add(longer[0])
                adjusted = {g: (n if g[0] == self.BOS else len(left[g])) for g, n in raw[k].items()}
            for ngram, count in adjusted.items():
                self.followers[k].setdefault(ngram[:-1], {})[ngram[-1]] = count
            of_counts = Counter(adjusted.values())
            self.discounts.append(self._discounts(*(of_counts[j] for j in (1, 2, 3, 4))))

    @staticmethod
    def _discounts(n1: int, n2: int, n3: int, n4: int) -> tuple[Fraction, Fraction, Fraction]:
        """Chen & Goodman (26), D_j = j - (j+1) Y n_{j+1}/n_j, Y = n1/(n1+2 n2); the module's documented fallback
        where that is undefined or not positive: Y if n1 > 0, else j."""
        n = {1: n1, 2: n2, 3: n3, 4: n4}
        result = []
        for j in (1, 2, 3):
            value = None
            if n[j] > 0 and n1 + 2 * n2 > 0:
                value = j - (j + 1) * Fraction(n1, n1 + 2 * n2) * Fraction(n[j + 1], n[j])
            if value is None or value <= 0:
                value = Fraction(n1, n1 + 2 * n2) if n1 > 0 else Fraction(j)
            result.append(value)
        return result[0], result[1], result[2]

    @cache  # noqa: B019 - the reference lives for one test
    def prob(self, history: tuple, word: int) -> float:
        """p(word | history), history being at most order - 1 tokens (it may start with "<s>")."""
        lower = 1.0 / self.vocab_size if not history else self.prob(history[1:], word)
        k = len(history) + 1
        followers = self.followers[k].get(history, {})
        total = sum(followers.values())
        if total == 0:
            return lower
        d1, d2, d3 = (float(d) for d in self.discounts[k])
        n1 = sum(1 for count in followers.values() if count == 1)
        n2 = sum(1 for count in followers.values() if count == 2)
        n3_plus = sum(1 for count in followers.values() if count >= 3)
        gamma = (d1 * n1 + d2 * n2 + d3 * n3_plus) / total
        count = followers.get(word, 0)
        discount = 0.0 if count == 0 else (d1, d2, d3)[min(count, 3) - 1]
        return max(count - discount, 0.0) / total + gamma * lower

    def history(self, context: tuple, at_sentence_start: bool) -> tuple:
        full = ((self.BOS,) if at_sentence_start else ()) + tuple(context)
        return full[len(full) - (self.order - 1) :] if len(full) > self.order - 1 else full


# -- 1. every distribution sums to one -------------------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_every_distribution_sums_to_one(order: int) -> None:
    """After every context seen in the corpus (with and without ``<s>``) and random unseen ones; no zeros."""
    corpus = _zipf_corpus(seed=5, exponent=2.0)
    model = KneserNeyLM.fit(corpus, vocab_size=20, order=order)
    for context, at_start in _queries(corpus, order, 20, seed=order):
        distribution = model.probabilities(context, at_sentence_start=at_start)
        assert distribution.shape == (20,)
        assert np.all(distribution > 0), (context, at_start)  # the uniform floor reaches every word
        assert abs(distribution.sum() - 1.0) < 1e-9, (context, at_start)


# -- 2. worked examples by hand ------------------------------------------------------------------------------------


def test_discounts_from_hand_given_count_of_counts() -> None:
    # n = (10, 4, 2, 1): Y = 10 / (10 + 2*4) = 5/9
    # D1 = 1 - 2 * 5/9 * 4/10 = 1 - 4/9 = 5/9;  D2 = 2 - 3 * 5/9 * 2/4 = 2 - 5/6 = 7/6;  D3+ = 3 - 4 * 5/9 * 1/2 = 17/9
    assert modified_discounts([10, 4, 2, 1]) == pytest.approx([5 / 9, 7 / 6, 17 / 9], abs=1e-15)
    # Leading dimensions are rows: n = (6, 2, 1, 1): Y = 6/10; D1 = 1 - 2*.6*2/6 = .6; D2 = 2 - 3*.6/2 = 1.1;
    # D3+ = 3 - 4*.6*1/1 = .6
    assert modified_discounts([[10, 4, 2, 1], [6, 2, 1, 1]])[1] == pytest.approx([0.6, 1.1, 0.6], abs=1e-15)


def test_discount_fallbacks_stay_positive() -> None:
    # No count-of-counts at all: Y = 0/0 and every D_j undefined; Y is not positive, so D_j = j.
    assert modified_discounts([0, 0, 0, 0]).tolist() == [1.0, 2.0, 3.0]
    # n1 = 0 < n2: Y = 0/2 = 0, so D2 = 2 - 3*0*n3/n2 = 2 by the formula itself; D1 and D3+ (n3 = 0) fall back to j.
    assert modified_discounts([0, 2, 0, 1]).tolist() == [1.0, 2.0, 3.0]
    # n = (5, 1, 0, 0): Y = 5/7; D1 = 1 - 2 * 5/7 * 1/5 = 5/7; D2 = 2 - 3 * 5/7 * 0/1 = 2; D3+ undefined (n3 = 0) -> Y.
    assert modified_discounts([5, 1, 0, 0]) == pytest.approx([5 / 7, 2.0, 5 / 7], abs=1e-15)
    # n = (1, 1, 5, 0): Y = 1/3; D2 = 2 - 3 * 1/3 * 5/1 = -3 is not positive -> Y = 1/3; D3+ = 3 - 4 * 1/3 * 0 = 3.
    assert modified_discounts([1, 1, 5, 0]) == pytest.approx([1 / 3, 1 / 3, 3.0], abs=1e-15)
    # n = (1, 1, 1, 1): D3+ = 3 - 4 * 1/3 * 1 = 5/3 exactly in range, kept.
    assert modified_discounts([1, 1, 1, 1])[2] == pytest.approx(5 / 3, abs=1e-15)
    with pytest.raises(ValueError, match="four non-negative"):
        modified_discounts([1, 2, 3])


def _worked_corpus() -> list[np.ndarray]:
    # With <s> written S:   S a a b a b a b a E  /  S a c a a a a b E  /  S c c a b a a b E
    return [np.array(s) for s in ([A, A, B, A, B, A, B, A, E], [A, C, A, A, A, A, B, E], [C, C, A, B, A, A, B, E])]


def test_worked_example_order_three_by_hand() -> None:
    model = KneserNeyLM.fit(_worked_corpus(), vocab_size=4, order=3, eos=E)

    # Trigrams (raw counts, the highest order):
    #   Saa 1, aab 3, aba 4, bab 2, baE 1, Sac 1, aca 1, caa 1, aaa 2, abE 2, Scc 1, cca 1, cab 1, baa 1  (22 in all)
    #   count-of-counts n = (9, 3, 1, 1); Y = 9/15 = 3/5
    #   D1 = 1 - 2 * 3/5 * 3/9 = 3/5;  D2 = 2 - 3 * 3/5 * 1/3 = 7/5;  D3+ = 3 - 4 * 3/5 * 1/1 = 3/5
    # Bigrams (adjusted): S-initial keep raw counts: Sa 2, Sc 1; the others count distinct left extensions:
    #   aa 4 (Saa caa aaa baa), ab 3 (aab bab cab), ba 1 (aba), aE 1 (baE), ac 1 (Sac), ca 2 (aca cca), bE 1 (abE),
    #   cc 1 (Scc);  n = (6, 2, 1, 1); Y = 6/10 = 3/5
    #   D1 = 1 - 2 * 3/5 * 2/6 = 3/5;  D2 = 2 - 3 * 3/5 * 1/2 = 11/10;  D3+ = 3 - 4 * 3/5 * 1/1 = 3/5
    # Unigrams (left extensions among bigram types): a 4 (Sa aa ba ca), b 1 (ab), c 3 (Sc ac cc), E 2 (aE bE)
    #   n = (1, 1, 1, 1); Y = 1/3;  D1 = 1 - 2/3 = 1/3;  D2 = 2 - 3 * 1/3 = 1;  D3+ = 3 - 4/3 = 5/3
    assert model.count_of_counts.tolist() == [[1, 1, 1, 1], [6, 2, 1, 1], [9, 3, 1, 1]]
    expected_discounts = [[1 / 3, 1, 5 / 3], [3 / 5, 11 / 10, 3 / 5], [3 / 5, 7 / 5, 3 / 5]]
    np.testing.assert_allclose(model.discounts, expected_discounts, rtol=0, atol=1e-15)

    # Unigrams: total 10; gamma = (1/3 * 1 + 1 * 1 + 5/3 * 2) / 10 = 7/15, so the uniform share is 7/15 / 4 = 7/60.
    #   p1(a) = (4 - 5/3)/10 + 7/60 = 7/20;  p1(b) = (1 - 1/3)/10 + 7/60 = 11/60
    #   p1(c) = (3 - 5/3)/10 + 7/60 = 1/4;   p1(E) = (2 - 1)/10 + 7/60 = 13/60
    p1 = {A: 7 / 20, B: 11 / 60, C: 1 / 4, E: 13 / 60}
    np.testing.assert_allclose(model.probabilities([], at_sentence_start=False), list(p1.values()), atol=1e-12)

    # First word, context S (raw counts Sa 2, Sc 1; total 3): gamma = (D1 * 1 + D2 * 1) / 3 = (3/5 + 11/10)/3 = 17/30
    #   p(a|S) = (2 - 11/10)/3 + 17/30 * 7/20 = 299/600;  p(b|S) = 17/30 * 11/60 = 187/1800
    #   p(c|S) = (1 - 3/5)/3 + 17/30 * 1/4 = 11/40;       p(E|S) = 17/30 * 13/60 = 221/1800
    np.testing.assert_allclose(model.probabilities([]), [299 / 600, 187 / 1800, 11 / 40, 221 / 1800], atol=1e-12)

    # p(b | S a): trigrams Saa 1, Sac 1 (total 2), gamma = 3/5 * 2 / 2 = 3/5; Sab unseen, so p = 3/5 * p2(b|a).
    #   Context a: aa 4, ab 3, aE 1, ac 1 (total 9); gamma = (3/5 * 2 + 3/5 * 2)/9 = 4/15
    #   p2(b|a) = (3 - 3/5)/9 + 4/15 * 11/60 = 71/225;  p(b|S a) = 3/5 * 71/225 = 71/375
    assert model.probabilities([A])[B] == pytest.approx(71 / 375, abs=1e-12)

    # p(a | a b): trigrams aba 4, abE 2 (total 6); gamma = (D2 * 1 + D3+ * 1)/6 = (7/5 + 3/5)/6 = 1/3
    #   Context b: ba 1, bE 1 (total 2); gamma = 3/5 * 2/2 = 3/5;  p2(a|b) = (1 - 3/5)/2 + 3/5 * 7/20 = 41/100
    #   p(a|a b) = (4 - 3/5)/6 + 1/3 * 41/100 = 211/300
    #   p2(E|b) = (1 - 3/5)/2 + 3/5 * 13/60 = 33/100;  p(E|a b) = (2 - 7/5)/6 + 1/3 * 33/100 = 21/100
    assert model.probabilities([A, B])[A] == pytest.approx(211 / 300, abs=1e-12)
    assert model.probabilities([A, B])[E] == pytest.approx(21 / 100, abs=1e-12)

    # Unseen context b c: back off whole to context c: ca 2, cc 1 (total 3); gamma = (3/5 + 11/10)/3 = 17/30
    #   p(a|b c) = p2(a|c) = (2 - 11/10)/3 + 17/30 * 7/20 = 299/600
    assert model.probabilities([B, C])[A] == pytest.approx(299 / 600, abs=1e-12)
    # Context a E: seen, but nothing follows it (nor E): the unigram distribution.
    assert model.probabilities([A, E])[B] == pytest.approx(11 / 60, abs=1e-12)

    # The sentence "a b E" scored whole: p(a|S) p(b|S a) p(E|a b).
    np.testing.assert_allclose(
        model.log_probs([np.array([A, B, E])]), np.log([299 / 600, 71 / 375, 21 / 100]), rtol=0, atol=1e-12
    )


def test_worked_example_unigram_model_with_an_unseen_word() -> None:
    # Order 1 keeps raw counts: "a a E" with V = 3 (id 2 never occurs): a 2, E 1; n = (1, 1, 0, 0); Y = 1/3
    #   D1 = 1 - 2 * 1/3 * 1/1 = 1/3;  D2 = 2 - 3 * 1/3 * 0/1 = 2
    #   gamma = (1/3 + 2)/3 = 7/9, uniform share 7/27
    #   p(a) = (2 - 2)/3 + 7/27 = 7/27;  p(E) = (1 - 1/3)/3 + 7/27 = 13/27;  p(unseen) = 7/27
    model = KneserNeyLM.fit([np.array([A, A, 1])], vocab_size=3, order=1, eos=1)
    np.testing.assert_allclose(model.probabilities([A, A]), [7 / 27, 13 / 27, 7 / 27], rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.log_probs([np.array([A, 2, 1])]), np.log([7 / 27, 7 / 27, 13 / 27]), atol=1e-12)


# -- 3. against the dictionary-based reference ---------------------------------------------------------------------


@pytest.mark.parametrize("order", [3, 4])
@pytest.mark.parametrize(("seed", "exponent"), [(5, 2.0), (0, 1.1), (0, 2.5)])
def test_matches_a_dictionary_reference(order: int, seed: int, exponent: float) -> None:
    """Every context (seen, unseen, with and without <s>) and word; and every token's log-prob, on the training
    sentences and on held-out ones.

    Exponent 2.0 gives nonzero count-of-counts and in-range discounts at every order; 1.1 leaves no unigram
    continuation count below 5 (all n_j = 0: the fallback to j); 2.5 gives zero n_j and negative formula values
    (the fallback to Y).
    """
    corpus = _zipf_corpus(seed=seed, exponent=exponent)
    model = KneserNeyLM.fit(corpus, vocab_size=20, order=order, eos=19)
    reference = _ReferenceKneserNey(corpus, vocab_size=20, order=order)
    for context, at_start in _queries(corpus, order, 20, seed=seed):
        expected = [reference.prob(reference.history(context, at_start), word) for word in range(20)]
        np.testing.assert_allclose(
            model.probabilities(context, at_sentence_start=at_start), expected, rtol=0, atol=1e-10
        )
    held_out = _zipf_corpus(seed=seed + 100, exponent=exponent, sentences=30)
    for sentences in (corpus, held_out):
        expected_log_probs = [
            math.log(reference.prob(reference.history(tuple(int(t) for t in s[:i]), True), int(s[i])))
            for s in sentences
            for i in range(len(s))
        ]
        np.testing.assert_allclose(model.log_probs(sentences), expected_log_probs, rtol=0, atol=1e-10)


# -- 4. perplexity, and input checks -------------------------------------------------------------------------------


def test_perplexity_is_exp_of_the_mean_negative_log_prob() -> None:
    corpus = _zipf_corpus(seed=1, exponent=1.5)
    model = KneserNeyLM.fit(corpus[:150], vocab_size=20, order=3)
    log_probs = model.log_probs(corpus[150:])
    assert log_probs.shape == (sum(len(s) for s in corpus[150:]),)  # every token, eos included, and no <s>
    assert model.perplexity(corpus[150:]) == pytest.approx(math.exp(-np.mean(log_probs)), rel=1e-12)


def test_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match=r"0\.\.3"):
        KneserNeyLM.fit([np.array([A, 4])], vocab_size=4, order=2)
    with pytest.raises(ValueError, match="end-of-sentence"):
        KneserNeyLM.fit([np.array([A, B])], vocab_size=4, order=2, eos=E)
    with pytest.raises(ValueError, match="1-D"):
        KneserNeyLM.fit([np.array([[A, E]])], vocab_size=4, order=2)
    with pytest.raises(ValueError, match="no sentences"):
        KneserNeyLM.fit([], vocab_size=4, order=2)
    with pytest.raises(RuntimeError, match="not fitted"):
        KneserNeyLM(order=2).probabilities([])
    model = KneserNeyLM.fit(_worked_corpus(), vocab_size=4, order=2)
    with pytest.raises(ValueError, match="context ids"):
        model.probabilities([7])
    assert model.log_probs([]).shape == (0,)
    with pytest.raises(ValueError, match="no tokens"):
        model.perplexity([np.array([], dtype=np.int64)])


# -- 5. PTB -------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ptb_kn5_test_perplexity_is_mikolovs(data_dir: Path) -> None:
    """Mikolov (2012), table 4.1: KN5 on PTB has test perplexity 141.2 (vocabulary 10k, <eos> predicted)."""
    train = list(iter_token_lines(data_dir / "ptb" / "ptb.train.txt", eos=EOS))
    test = list(iter_token_lines(data_dir / "ptb" / "ptb.test.txt", eos=EOS))
    vocabulary = {word: index for index, word in enumerate(sorted({word for line in train for word in line}))}
    assert len(vocabulary) == 10_000

    def encode(lines: list[tuple[str, ...]]) -> list[np.ndarray]:
        return [np.array([vocabulary[word] for word in line], dtype=np.int64) for line in lines]

    model = KneserNeyLM.fit(encode(train), vocab_size=len(vocabulary), order=5, eos=vocabulary[EOS])
    encoded_test = encode(test)
    assert sum(len(s) for s in encoded_test) == 82_430
    assert model.perplexity(encoded_test) == pytest.approx(141.2, rel=0.05)
