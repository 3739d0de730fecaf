"""From a validated ``ner.<name>`` entry to the tagger to train (vocabulary and table: :mod:`wordlab.text.table`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf

from wordlab.ner.module import NerTagger
from wordlab.ner.window import WindowTagger
from wordlab.text.bilstm_tagger import BiLstmTagger
from wordlab.text.characters import CharCnn
from wordlab.text.embedding import TokenEmbedding
from wordlab.text.heads import CrfHead, SoftmaxHead
from wordlab.text.vocab import NUM_SPECIALS


def build_tagger(
    cfg: Any,
    table: np.ndarray,
    tag_names: Sequence[str],
    *,
    own_rows: int = 0,
    log_prefix: str = "",
    train_word_ids: Iterable[int] = (),
) -> NerTagger:
    """The tagger ``cfg`` describes over the initial word ``table``, whose last ``own_rows`` rows always train.

    ``train_word_ids`` (every training token's row) decide which rows are singletons for ``singleton_unk``.
    """
    generator = torch.Generator().manual_seed(int(cfg.seed))
    dropout = float(cfg.regularization.dropout)
    chars = None
    if int(getattr(cfg, "char_filters", 0)) > 0:
        chars = CharCnn(int(cfg.char_dim), int(cfg.char_filters), int(cfg.char_width), dropout, generator=generator)
    embedding = TokenEmbedding(
        table, freeze=bool(cfg.freeze), caps_dim=int(cfg.caps_dim), chars=chars, own_rows=own_rows
    )
    if embedding.caps is not None:
        with torch.no_grad():
            embedding.caps.weight.normal_(0.0, float(table[1:].std()), generator=generator)
            embedding.caps.weight[0] = 0.0  # the padding row stays zero
    network: torch.nn.Module
    if cfg.model == "window":
        network = WindowTagger(
            embedding,
            len(tag_names),
            half_window=int(cfg.half_window),
            hidden=int(cfg.hidden),
            activation=str(cfg.activation),
            dropout=dropout,
            generator=generator,
        )
        head: SoftmaxHead | CrfHead = SoftmaxHead(tag_names, constrained=bool(cfg.constrained_decoding))
    elif cfg.model == "bilstm":
        network = BiLstmTagger(
            embedding,
            len(tag_names),
            hidden=int(cfg.hidden),
            layers=int(cfg.layers),
            dropout=dropout,
            generator=generator,
        )
        head_type = CrfHead if cfg.crf else SoftmaxHead
        head = head_type(tag_names, constrained=bool(cfg.constrained_decoding))
    else:
        raise ValueError(f"unknown ner model {cfg.model!r}")
    return NerTagger(
        network,
        head,
        tag_names,
        optimizer=_plain(cfg.optimizer),
        scheduler=_plain(cfg.scheduler),
        weight_decay=float(cfg.regularization.weight_decay),
        log_prefix=log_prefix,
        singleton_rows=singleton_rows(train_word_ids, len(table)) if cfg.singleton_unk > 0 else None,
        singleton_unk=float(cfg.singleton_unk),
        # The baseline's rows hold random values, which must learn at the full rate like any other weight.
        pretrained_lr_scale=1.0 if cfg.random_init else float(cfg.pretrained_lr_scale),
    )


def singleton_rows(word_ids: Iterable[int], num_rows: int) -> torch.Tensor:
    """A flag per table row: used by exactly one of ``word_ids``; the special rows (PAD, UNK, BOUNDARY) never."""
    counts = torch.bincount(torch.as_tensor(list(word_ids), dtype=torch.long), minlength=num_rows)
    flags = counts == 1
    flags[:NUM_SPECIALS] = False
    return flags


def _plain(node: Any) -> dict[str, Any] | None:
    if node is None:
        return None
    if isinstance(node, DictConfig):
        container = OmegaConf.to_container(node, resolve=True)
        assert isinstance(container, dict)
        return cast(dict[str, Any], container)
    return dict(node)
