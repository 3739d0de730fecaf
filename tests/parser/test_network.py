"""The network's hand-derived backward pass (numpy reference) against central differences and autograd."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from wordlab.nn.reference.feature_mlp import loss_and_gradients
from wordlab.nn.reference.gradcheck import assert_gradients_close, assert_gradients_match
from wordlab.parser import transitions as T
from wordlab.parser.network import ChenManningNetwork


@pytest.mark.parametrize("activation", ["cube", "tanh", "relu"])
def test_reference_gradients_match_central_differences(activation: str) -> None:
    rng = np.random.default_rng(0)
    params = {
        "E": rng.normal(0, 0.5, (12, 4)),
        "W1": rng.normal(0, 0.3, (5 * 4, 7)),
        "b1": rng.normal(0, 0.1, 7),
        "W2": rng.normal(0, 0.3, (7, 3)),
    }
    ids = rng.integers(0, 12, (6, 5))
    ids[0, :2] = 3  # one row read twice in a configuration: its gradient is the sum of both
    y = rng.integers(0, 3, 6)
    _, grads = loss_and_gradients(params, ids, y, activation)
    assert_gradients_close(
        lambda: loss_and_gradients(params, ids, y, activation, gradients=False)[0], params, grads,
        samples_per_param=40, tol=1e-6,
    )  # fmt: skip


@pytest.mark.parametrize("with_feats", [False, True])
def test_torch_network_matches_reference(with_feats: bool) -> None:
    """With dropout off and one shared table, the network's loss and gradients are the reference's (with the FEATS
    table too: its 18 features are 18 more embedded ids of the same single-layer network)."""
    gen = torch.Generator().manual_seed(0)
    vocab, dim = 30, 6
    table = np.random.default_rng(1).normal(0, 0.3, (vocab, dim)).astype(np.float32)
    net = ChenManningNetwork(
        table, vocab, vocab, 9, pos_dim=dim, label_dim=dim, hidden=8, activation="cube", dropout=0.0,
        init_range=0.3, n_feats_ids=vocab if with_feats else 0, feats_dim=dim if with_feats else 0, generator=gen,
    ).double()  # fmt: skip
    tables = [net.pos, net.labels, *([net.feats] if net.feats is not None else [])]
    with torch.no_grad():  # one table for every kind, so the reference's single E describes the network
        for embedding in tables:
            embedding.weight.copy_(net.words.weight)
    width = T.N_FEATURES_WITH_FEATS if with_feats else T.N_FEATURES
    assert net.n_features == width
    features = torch.randint(0, vocab, (10, width), generator=gen)
    y = torch.randint(0, 9, (10,), generator=gen)
    loss = torch.nn.functional.cross_entropy(net(features), y, reduction="sum")
    loss.backward()
    params = {
        "E": net.words.weight.detach().numpy().copy(),
        "W1": net.hidden.weight.detach().numpy().T.copy(),
        "b1": net.hidden.bias.detach().numpy().copy(),
        "W2": net.out.weight.detach().numpy().T.copy(),
    }
    ref_loss, ref = loss_and_gradients(params, features.numpy(), y.numpy(), "cube")
    assert float(loss.detach()) == pytest.approx(ref_loss, rel=1e-10)
    table_grad = net.words.weight.grad + sum(embedding.weight.grad for embedding in tables)
    assert_gradients_match(
        {
            "E": table_grad.numpy(),
            "W1": net.hidden.weight.grad.numpy().T,
            "b1": net.hidden.bias.grad.numpy(),
            "W2": net.out.weight.grad.numpy().T,
        },
        ref,
        tol=1e-8,
    )


@pytest.mark.parametrize("with_feats", [False, True])
def test_position_products_are_the_hidden_layer_blocks(with_feats: bool) -> None:
    """Summing the pre-computed per-position rows gives the hidden layer's pre-activation exactly."""
    gen = torch.Generator().manual_seed(3)
    table = np.random.default_rng(2).normal(0, 0.3, (20, 5)).astype(np.float32)
    net = ChenManningNetwork(
        table, 7, 9, 11, pos_dim=3, label_dim=4, hidden=6, n_feats_ids=8 if with_feats else 0, feats_dim=2,
        generator=gen,
    ).double().eval()  # fmt: skip
    parts = [torch.randint(0, 20, (4, 18), generator=gen), torch.randint(0, 7, (4, 18), generator=gen),
             torch.randint(0, 9, (4, 12), generator=gen)]  # fmt: skip
    kinds = [("words", 0, 18), ("pos", 18, 18), ("labels", 36, 12)]
    if with_feats:
        parts.append(torch.randint(0, 8, (4, 18), generator=gen))
        kinds.append(("feats", 48, 18))
    features = torch.cat(parts, dim=1)
    expected = net.hidden(net.inputs(features))
    total = net.hidden.bias.expand(4, -1).clone()
    with torch.no_grad():
        for kind, first, count in kinds:
            ids = features[:, first : first + count].reshape(-1)
            positions = torch.arange(count).repeat(4)
            total += net.position_products(kind, ids, positions).reshape(4, count, -1).sum(1)
    torch.testing.assert_close(total, expected, rtol=1e-12, atol=1e-12)


def test_overfits_one_batch_of_real_configurations(data_dir: Path) -> None:
    """The parser module drives its loss near zero on 64 oracle configurations of EWT dev (cube, AdaGrad-free)."""
    from wordlab.data.readers.conllu_reader import read_conllu
    from wordlab.nn.reference.sanity import assert_overfits_batch
    from wordlab.parser.config import NonProjective
    from wordlab.parser.data import encode, oracle_examples, symbols_of, training_trees
    from wordlab.parser.module import ParserModule
    from wordlab.text.vocab import vocabulary_from_tokens

    sentences = read_conllu(data_dir / "ud-english-ewt" / "en_ewt-ud-dev.conllu")[:12]
    trees = training_trees(sentences, NonProjective.drop)
    symbols = symbols_of(trees.sentences, trees.trees)
    vocabulary = vocabulary_from_tokens((w.form for s in sentences for w in s.words), 1, True)
    examples = oracle_examples(encode(trees.sentences, vocabulary, symbols, trees.trees), T.ARC_STANDARD,
                               len(symbols.labels))  # fmt: skip
    table = np.random.default_rng(0).uniform(-0.01, 0.01, (len(vocabulary), 50)).astype(np.float32)
    network = ChenManningNetwork(
        table, symbols.n_pos_ids, symbols.n_label_ids, T.n_transitions(T.ARC_STANDARD, len(symbols.labels)),
        dropout=0.0, generator=torch.Generator().manual_seed(0),
    )  # fmt: skip
    batch = (torch.from_numpy(examples.features[:64]), torch.from_numpy(examples.transitions[:64]))
    result = assert_overfits_batch(ParserModule(network), batch, lr=1e-2, max_steps=400, tol=0.05)
    assert result.final_loss <= 0.05


def test_training_leaves_the_given_word_table_alone() -> None:
    """The word table is copied: an ensemble's members all start from the pretrained rows, not from the rows the
    previous member trained."""
    table = np.random.default_rng(4).normal(0, 0.3, (15, 4)).astype(np.float32)
    before = table.copy()
    net = ChenManningNetwork(table, 6, 6, 5, pos_dim=3, label_dim=3, hidden=5, generator=torch.Generator())
    features = torch.randint(0, 6, (8, T.N_FEATURES))
    torch.nn.functional.cross_entropy(net(features), torch.randint(0, 5, (8,))).backward()
    with torch.no_grad():
        net.words.weight -= net.words.weight.grad
    assert not torch.equal(net.words.weight, torch.from_numpy(before))
    np.testing.assert_array_equal(table, before)
