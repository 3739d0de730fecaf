"""The taggers as models: each overfits one batch, sees what it should (and nothing else), freezes what it should."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from test_ner_support import first_batch, single_thread, small_conll, tag_names

from wordlab.data.readers.conll2003 import iob2_to_bioes
from wordlab.evaluation.ner.build import build_tagger
from wordlab.evaluation.ner.heads import SoftmaxHead
from wordlab.evaluation.ner.module import NerTagger
from wordlab.evaluation.ner.schema import validate_ner_entry
from wordlab.evaluation.ner.vocab import NUM_SPECIALS
from wordlab.nn.sanity import assert_overfits_batch

TINY = {"dim": 8, "caps_dim": 3, "hidden": 16, "dropout": 0.0, "seed": 3}
MODELS = {
    "window": {"model": "window", "half_window": 1},
    "bilstm_softmax": {"model": "bilstm", "crf": False},
    "bilstm_crf": {"model": "bilstm", "crf": True},
    "bilstm_crf_chars": {"model": "bilstm", "crf": True, "char_dim": 4, "char_filters": 6},
}


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    with single_thread():
        yield


@pytest.fixture(scope="module")
def batch_and_vocab(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, int]:
    folder = tmp_path_factory.mktemp("ner-models")
    return first_batch(small_conll(data_dir, folder / "conll"), folder / "cache")


def tagger(kind: str, vocab_size: int, own_rows: int = 0, **overrides: object) -> NerTagger:
    cfg = validate_ner_entry({**TINY, **MODELS[kind], **overrides})
    table = np.random.default_rng(0).normal(0.0, 0.5, size=(vocab_size, 8)).astype(np.float32)
    table[0] = 0.0
    torch.manual_seed(0)
    return build_tagger(cfg, table, tag_names(), own_rows=own_rows)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_every_tagger_overfits_one_batch(kind: str, batch_and_vocab: tuple[dict, int]) -> None:
    batch, vocab_size = batch_and_vocab
    module = tagger(kind, vocab_size)
    result = assert_overfits_batch(module, batch, lr=0.02, max_steps=400, tol=0.05)
    assert result.final_loss < result.initial_loss / 10
    module.eval()
    predicted = module.predict_batch(batch)
    assert predicted == module.names(batch["tags"], batch["mask"])  # memorised, so decoded exactly


@pytest.mark.parametrize("freeze", [True, False])
def test_frozen_vectors_stay_put_while_unk_and_boundary_learn(freeze: bool, batch_and_vocab: tuple[dict, int]) -> None:
    batch, vocab_size = batch_and_vocab
    module = tagger("window", vocab_size, own_rows=vocab_size // 2, freeze=freeze)
    words = module.network.embedding.word
    before_words, before_special = words.words.detach().clone(), words.special.detach().clone()
    before_own = words.own.detach().clone()
    table = torch.cat([torch.zeros(1, 8), words.special, words.words, words.own]).detach()
    ids = batch["word_ids"]
    torch.testing.assert_close(words(ids), table[ids])  # the three pieces read as one table
    optimizer = torch.optim.Adam([p for p in module.parameters() if p.requires_grad], lr=0.05)
    for _ in range(3):
        optimizer.zero_grad()
        module.training_step(batch, 0).backward()
        optimizer.step()
    assert torch.equal(words.words, before_words) == freeze
    assert not torch.equal(words.special, before_special)  # BOUNDARY pads every window; trained either way
    own_used = ids[ids >= words.own_from] - words.own_from
    assert len(own_used) and not torch.equal(words.own[own_used], before_own[own_used])  # own rows train either way
    if freeze:
        trainable = {name for name, p in module.named_parameters() if p.requires_grad}
        assert "network.embedding.word.words" not in trainable


def _single(batch: dict, b: int) -> dict:
    length = int(batch["mask"][b].sum())
    return {key: value[b : b + 1, :length] for key, value in batch.items()}


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_scores_do_not_depend_on_the_batch_padding(kind: str, batch_and_vocab: tuple[dict, int]) -> None:
    batch, vocab_size = batch_and_vocab
    module = tagger(kind, vocab_size).eval()
    with torch.no_grad():
        together = module(batch)
        for b in range(batch["mask"].shape[0]):
            alone = module(_single(batch, b))
            length = alone.shape[1]
            torch.testing.assert_close(together[b, :length], alone[0], rtol=1e-5, atol=1e-6)


def test_window_scores_see_exactly_the_window(batch_and_vocab: tuple[dict, int]) -> None:
    batch, vocab_size = batch_and_vocab
    module = tagger("window", vocab_size, half_window=1).eval()
    b = int(batch["mask"].sum(dim=1).argmax())
    sentence = _single(batch, b)
    length = sentence["word_ids"].shape[1]
    assert length >= 5
    changed = {key: value.clone() for key, value in sentence.items()}
    changed["word_ids"][0, 2] = NUM_SPECIALS + (int(sentence["word_ids"][0, 2]) + 1 - NUM_SPECIALS) % 50
    with torch.no_grad():
        difference = (module(changed) - module(sentence)).abs().amax(dim=-1)[0]
    moved = {t for t in range(length) if difference[t] > 0}
    assert moved == {1, 2, 3}


def test_constrained_softmax_decoding_is_the_best_valid_sequence() -> None:
    names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    head = SoftmaxHead(names, constrained=True)
    free = SoftmaxHead(names, constrained=False)
    rng = np.random.default_rng(4)
    scores = torch.tensor(rng.normal(0.0, 3.0, size=(6, 4, 5)))
    scores[:, :, 2] += 2.0  # I-PER everywhere likely: unconstrained argmax opens entities with I-
    mask = torch.ones(6, 4, dtype=torch.bool)
    log_probs = torch.log_softmax(scores, dim=-1)
    decoded, unconstrained = head.decode(scores, mask), free.decode(scores, mask)
    assert any(not _valid([names[i] for i in row]) for row in unconstrained)
    for b in range(6):
        valid = [tags for tags in itertools.product(range(5), repeat=4) if _valid([names[i] for i in tags])]
        best = max(valid, key=lambda tags: sum(float(log_probs[b, t, tag]) for t, tag in enumerate(tags)))
        assert tuple(decoded[b]) == best


def _valid(tags: list[str]) -> bool:
    try:
        iob2_to_bioes(tags)
    except ValueError:
        return False
    return True
