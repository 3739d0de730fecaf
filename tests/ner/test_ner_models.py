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
from wordlab.ner.build import build_tagger
from wordlab.ner.build import singleton_rows as build_singletons
from wordlab.ner.config import validate_ner_entry
from wordlab.ner.module import NerTagger
from wordlab.nn.reference.sanity import assert_overfits_batch
from wordlab.text.heads import SoftmaxHead
from wordlab.text.vocab import NUM_SPECIALS, UNK

TINY = {"dim": 8, "caps_dim": 3, "hidden": 16, "regularization": {"dropout": 0.0}, "seed": 3}
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


def test_singleton_unk_replaces_only_rows_seen_once_in_training_at_its_rate(batch_and_vocab: tuple[dict, int]) -> None:
    batch, vocab_size = batch_and_vocab
    ids = batch["word_ids"][batch["mask"]].tolist()
    counts: dict[int, int] = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    once = {i for i, n in counts.items() if n == 1 and i >= NUM_SPECIALS}
    assert once and len(once) < len(counts)
    module = tagger("bilstm_crf", vocab_size, singleton_unk=0.5)
    module.singleton_rows = build_singletons(ids, vocab_size)
    assert set(torch.nonzero(module.singleton_rows).flatten().tolist()) == once
    torch.manual_seed(3)
    draws = torch.stack([module.replace_singletons(batch["word_ids"]) for _ in range(400)])
    changed = draws != batch["word_ids"]
    assert (draws[changed] == UNK).all()
    is_once = torch.tensor([[i in once for i in row] for row in batch["word_ids"].tolist()]) & batch["mask"]
    assert not changed[:, ~is_once].any()  # frequent rows, specials and padding are never replaced
    rate = changed[:, is_once].float().mean().item()
    assert abs(rate - 0.5) < 0.03  # 400 draws of each singleton position: a binomial rate within 4 sigma
    # At rate 1 the training loss is the loss of the batch with every singleton written as UNK (dropout is 0).
    module.singleton_unk = 1.0
    replaced = {**batch, "word_ids": batch["word_ids"].masked_fill(is_once, UNK)}
    expected = module.head.loss(module(replaced), batch["tags"], batch["mask"])
    torch.testing.assert_close(module.training_step(batch, 0), expected)
    assert not torch.allclose(module.head.loss(module(batch), batch["tags"], batch["mask"]), expected)


def test_singleton_unk_needs_the_singleton_rows() -> None:
    cfg = validate_ner_entry({**TINY, **MODELS["bilstm_crf"], "singleton_unk": 0.5})
    head = SoftmaxHead(tag_names(), constrained=False)
    with pytest.raises(ValueError, match="singleton_rows"):
        NerTagger(torch.nn.Identity(), head, tag_names(), singleton_unk=float(cfg.singleton_unk))
    with pytest.raises(ValueError, match="singleton_unk"):
        validate_ner_entry({**TINY, **MODELS["bilstm_crf"], "singleton_unk": 1.5})


@pytest.mark.parametrize("random_init", [False, True])
def test_pretrained_rows_train_at_their_scaled_rate_unless_random(
    random_init: bool, batch_and_vocab: tuple[dict, int]
) -> None:
    _batch, vocab_size = batch_and_vocab
    module = tagger("window", vocab_size, pretrained_lr_scale=0.1, random_init=random_init)
    module.trainer = type("T", (), {"estimated_stepping_batches": 10})()  # all configure_optimizers reads
    optimizer = module.configure_optimizers()["optimizer"]
    words = module.network.embedding.word.words
    (group,) = [g for g in optimizer.param_groups if any(p is words for p in g["params"])]
    base = module.optimizer_cfg["lr"]
    assert group["lr"] == pytest.approx(base if random_init else 0.1 * base)
    others = [g["lr"] for g in optimizer.param_groups if g is not group]
    assert others and all(lr == pytest.approx(base) for lr in others)
