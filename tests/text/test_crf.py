"""The CRF's two dynamic programmes against enumerating every tag sequence, and its gradient against differences.

Enumeration shares nothing with the forward algorithm or Viterbi but the definition of a sequence's score, which
is written again here, as a plain loop.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from wordlab.data.readers.conll2003 import iob2_to_bioes
from wordlab.nn.reference.gradcheck import assert_gradients_close
from wordlab.text.crf import (
    FORBIDDEN,
    LinearChainCRF,
    iob2_constraints,
    log_partition,
    sequence_score,
    viterbi,
)

TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def loop_score(emissions, tags, transitions, start, end) -> float:
    """s(y) for one unpadded sequence, by the definition."""
    score = float(start[tags[0]]) + float(end[tags[-1]])
    for t, tag in enumerate(tags):
        score += float(emissions[t, tag])
        if t:
            score += float(transitions[tags[t - 1], tag])
    return score


def enumerate_scores(emissions, length, transitions, start, end) -> dict[tuple[int, ...], float]:
    num_tags = emissions.shape[-1]
    return {
        tags: loop_score(emissions[:length], tags, transitions, start, end)
        for tags in itertools.product(range(num_tags), repeat=length)
    }


def random_problem(seed: int, batch: int, max_len: int, num_tags: int, constrained: bool = False):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_len + 1, size=batch)
    lengths[0] = max_len  # the padded width is the longest sequence's
    emissions = torch.tensor(rng.normal(0.0, 2.0, size=(batch, max_len, num_tags)))
    mask = torch.arange(max_len).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    crf = LinearChainCRF(num_tags).double()
    with torch.no_grad():
        for param in crf.parameters():
            param.copy_(torch.tensor(rng.normal(0.0, 1.5, size=param.shape)))
    if constrained:
        penalties, start = iob2_constraints(TAGS[:num_tags])
        crf.transition_penalty.copy_(penalties)
        crf.start_penalty.copy_(start)
    return crf, emissions, mask, lengths


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    batch=st.integers(1, 4),
    max_len=st.integers(1, 5),
    num_tags=st.integers(1, 4),
)
def test_log_partition_and_viterbi_equal_enumeration(seed: int, batch: int, max_len: int, num_tags: int) -> None:
    crf, emissions, mask, lengths = random_problem(seed, batch, max_len, num_tags)
    transitions, start, end = crf.scores()
    transitions, start, end = transitions.detach(), start.detach(), end.detach()
    log_z = log_partition(emissions, mask, transitions, start, end)
    decoded = viterbi(emissions, mask, transitions, start, end)
    for b, length in enumerate(lengths):
        scores = enumerate_scores(emissions[b], int(length), transitions, start, end)
        expected = math.log(math.fsum(math.exp(s) for s in scores.values()))
        assert float(log_z[b]) == pytest.approx(expected, rel=1e-12, abs=1e-10)
        best = max(scores.values())
        assert len(decoded[b]) == length
        assert scores[tuple(decoded[b])] == pytest.approx(best, abs=1e-10)


def test_constrained_crf_equals_enumeration_over_valid_sequences_only() -> None:
    crf, emissions, mask, lengths = random_problem(3, batch=3, max_len=4, num_tags=5, constrained=True)
    learned = [p.detach() for p in (crf.transitions, crf.start, crf.end)]
    log_z = log_partition(emissions, mask, *crf.scores())
    decoded = crf.decode(emissions, mask)
    for b, length in enumerate(lengths):
        scores = enumerate_scores(emissions[b], int(length), *learned)
        valid = {tags: s for tags, s in scores.items() if _is_iob2([TAGS[i] for i in tags])}
        assert len(valid) < len(scores)
        assert float(log_z[b]) == pytest.approx(math.log(math.fsum(math.exp(s) for s in valid.values())), rel=1e-12)
        assert tuple(decoded[b]) == max(valid, key=valid.__getitem__)


def _is_iob2(tags: list[str]) -> bool:
    """The reader's converter refuses exactly the sequences that are not IOB2: an independent oracle."""
    try:
        iob2_to_bioes(tags)
    except ValueError:
        return False
    return True


def test_iob2_constraints_forbid_exactly_the_invalid_sequences() -> None:
    penalties, start = iob2_constraints(TAGS)
    for length in (1, 2, 3):
        for tags in itertools.product(range(len(TAGS)), repeat=length):
            penalty = float(start[tags[0]]) + sum(float(penalties[a, b]) for a, b in itertools.pairwise(tags))
            assert penalty in (0.0, FORBIDDEN, 2 * FORBIDDEN, 3 * FORBIDDEN)
            assert (penalty == 0.0) == _is_iob2([TAGS[i] for i in tags]), [TAGS[i] for i in tags]


def test_likelihoods_of_all_sequences_sum_to_one_and_gold_scores_match_the_definition() -> None:
    crf, emissions, mask, lengths = random_problem(11, batch=2, max_len=3, num_tags=3)
    for b, length in enumerate(lengths):
        total = 0.0
        for tags in itertools.product(range(3), repeat=int(length)):
            padded = torch.tensor([list(tags) + [0] * (3 - int(length))])
            gold = sequence_score(emissions[b : b + 1], padded, mask[b : b + 1], *crf.scores())
            assert float(gold) == pytest.approx(loop_score(emissions[b], tags, *crf.scores()), abs=1e-12)
            total += math.exp(float(crf.log_likelihood(emissions[b : b + 1], padded, mask[b : b + 1])))
        assert total == pytest.approx(1.0, abs=1e-12)


def test_gradient_of_log_partition_is_the_enumerated_tag_marginals() -> None:
    crf, emissions, mask, lengths = random_problem(5, batch=2, max_len=4, num_tags=3)
    emissions.requires_grad_(True)
    log_partition(emissions, mask, *crf.scores()).sum().backward()
    for b, length in enumerate(lengths):
        scores = enumerate_scores(emissions[b].detach(), int(length), *(p.detach() for p in crf.scores()))
        z = math.fsum(math.exp(s) for s in scores.values())
        marginals = np.zeros((4, 3))
        for tags, score in scores.items():
            for t, tag in enumerate(tags):
                marginals[t, tag] += math.exp(score) / z
        np.testing.assert_allclose(emissions.grad[b].numpy(), marginals, atol=1e-12)


def test_log_likelihood_gradient_matches_central_differences() -> None:
    """Autograd's gradient of the negative log-likelihood against wordlab's checker, which never calls autograd."""
    crf, emissions, mask, _ = random_problem(7, batch=3, max_len=5, num_tags=4)
    tags = torch.tensor(np.random.default_rng(8).integers(0, 4, size=(3, 5)))
    arrays = {
        "emissions": emissions.numpy().copy(),
        "transitions": crf.transitions.detach().numpy().copy(),
        "start": crf.start.detach().numpy().copy(),
        "end": crf.end.detach().numpy().copy(),
    }
    tensors = {name: torch.from_numpy(array) for name, array in arrays.items()}  # share memory with the arrays

    def nll(t: dict[str, torch.Tensor]) -> torch.Tensor:
        gold = sequence_score(t["emissions"], tags, mask, t["transitions"], t["start"], t["end"])
        return -(gold - log_partition(t["emissions"], mask, t["transitions"], t["start"], t["end"])).sum()

    leaves = {name: tensor.clone().requires_grad_(True) for name, tensor in tensors.items()}
    nll(leaves).backward()
    grads = {name: leaf.grad.numpy() for name, leaf in leaves.items()}

    def loss() -> float:
        with torch.no_grad():
            return float(nll(tensors))

    assert_gradients_close(loss, arrays, grads, samples_per_param=30, tol=1e-6)


def test_decoding_ignores_padding_and_rejects_bad_masks() -> None:
    crf, emissions, mask, lengths = random_problem(2, batch=3, max_len=5, num_tags=4)
    decoded = crf.decode(emissions, mask)
    for b, length in enumerate(lengths):
        alone = crf.decode(emissions[b : b + 1, :length], mask[b : b + 1, :length])
        assert decoded[b] == alone[0]
    with pytest.raises(ValueError, match="prefix"):
        crf.decode(emissions, torch.tensor([[True, False, True, False, False]] * 3))
    with pytest.raises(ValueError, match="at least one token"):
        crf.decode(emissions, torch.zeros(3, 5, dtype=torch.bool))
