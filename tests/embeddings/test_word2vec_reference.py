"""The hand-derived gradients of every word2vec loss, checked by central differences and by torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.functional import cross_entropy, logsigmoid

from wordlab.embeddings.word2vec import reference as ref
from wordlab.embeddings.word2vec.huffman import build_huffman_tree
from wordlab.nn.reference.gradcheck import assert_gradients_close, assert_gradients_match

VOCAB, DIM = 12, 6
COUNTS = np.array([40, 31, 20, 20, 11, 9, 7, 5, 5, 3, 2, 1])
CENTRE = 3
CONTEXTS = [1, 7, 7, 10]  # a repeated context word: its gradient must count twice
NEGATIVES = [[2, 5, 5], [0, 9, 11], [4, 8, 6], [11, 1, 2]]  # noise words; repeats are summed


def _params(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    V = rng.normal(0.0, 0.7, (VOCAB, DIM))
    U = rng.normal(0.0, 0.7, (VOCAB, DIM))
    U_hs = rng.normal(0.0, 0.7, (VOCAB - 1, DIM))
    return V, U, U_hs


def _objective(loss: str) -> ref.Objective:
    if loss == "negative":
        return ref.negative_sampling_objective(NEGATIVES)
    if loss == "softmax":
        return ref.softmax_objective()
    return ref.hierarchical_softmax_objective(build_huffman_tree(COUNTS))


ARCHITECTURES = {"skipgram": ref.skipgram, "cbow": ref.cbow}
LOSSES = ["negative", "softmax", "hierarchical"]


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_gradients_match_central_differences(architecture: str, loss: str) -> None:
    V, U, U_hs = _params()
    if loss == "hierarchical":
        U = U_hs
    model, objective = ARCHITECTURES[architecture], _objective(loss)
    grad = model(V, U, CENTRE, CONTEXTS, objective)
    assert_gradients_close(
        lambda: model(V, U, CENTRE, CONTEXTS, objective).loss,
        {"V": V, "U": U},
        {"V": grad.dV, "U": grad.dU},
        samples_per_param=VOCAB * DIM,  # every entry: most rows of V have a zero gradient
        tol=1e-6,
    )


@pytest.mark.parametrize("loss", LOSSES)
def test_pairwise_skipgram_pair_gradients_match_central_differences(loss: str) -> None:
    """One pair of word2vec.c's order: the context word's row of V and the centre's outputs get the gradient."""
    V, U, U_hs = _params(5)
    U = U_hs if loss == "hierarchical" else U
    objective, context = _objective(loss), CONTEXTS[1]
    grad = ref.skipgram_pair(V, U, CENTRE, context, objective, 1)
    assert_gradients_close(
        lambda: ref.skipgram_pair(V, U, CENTRE, context, objective, 1).loss,
        {"V": V, "U": U},
        {"V": grad.dV, "U": grad.dU},
        samples_per_param=VOCAB * DIM,
        tol=1e-6,
    )
    assert np.flatnonzero(np.abs(grad.dV).sum(axis=1)).tolist() == [context]


@pytest.mark.parametrize("loss", LOSSES)
def test_output_loss_gradient_wrt_its_input_vector(loss: str) -> None:
    """dF/dv on its own: the quantity CBOW spreads over the context vectors (dJ/dv_avg)."""
    _, U, U_hs = _params(1)
    U = U_hs if loss == "hierarchical" else U
    v = np.random.default_rng(2).normal(0.0, 0.7, DIM)
    objective = _objective(loss)
    part = objective(v, U, CENTRE, 0)
    assert_gradients_close(lambda: objective(v, U, CENTRE, 0).loss, {"v": v}, {"v": part.dv}, tol=1e-6)


def test_cbow_context_gradient_is_the_average_gradient_shared_out() -> None:
    V, U, _ = _params(3)
    grad = ref.cbow(V, U, CENTRE, CONTEXTS, _objective("negative"))
    np.testing.assert_allclose(grad.dV[1], grad.dv / 4, rtol=1e-12)
    np.testing.assert_allclose(grad.dV[7], 2 * grad.dv / 4, rtol=1e-12)
    assert not grad.dV[[0, 2, 3, 4, 5, 6, 8, 9, 11]].any()


# --- torch autograd: the same losses written the obvious way -----------------------------------------------


def _torch_output_loss(loss: str, v: torch.Tensor, U: torch.Tensor, target: int, slot: int) -> torch.Tensor:
    if loss == "negative":
        negatives = torch.tensor(NEGATIVES[slot])
        return -logsigmoid(U[target] @ v) - logsigmoid(-(U[negatives] @ v)).sum()
    if loss == "softmax":
        return cross_entropy((U @ v)[None, :], torch.tensor([target]))
    points, codes = build_huffman_tree(COUNTS).path(target)
    signs = 1.0 - 2.0 * torch.tensor(codes, dtype=torch.float64)
    return -logsigmoid(signs * (U[torch.tensor(points, dtype=torch.long)] @ v)).sum()


def _torch_model(architecture: str, loss: str, V: torch.Tensor, U: torch.Tensor) -> torch.Tensor:
    if architecture == "skipgram":
        return sum(_torch_output_loss(loss, V[CENTRE], U, o, slot) for slot, o in enumerate(CONTEXTS))
    v_avg = V[torch.tensor(CONTEXTS)].mean(dim=0)
    return _torch_output_loss(loss, v_avg, U, CENTRE, 0)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_gradients_match_autograd(architecture: str, loss: str) -> None:
    V, U, U_hs = _params(4)
    if loss == "hierarchical":
        U = U_hs
    grad = ARCHITECTURES[architecture](V, U, CENTRE, CONTEXTS, _objective(loss))
    V_t = torch.tensor(V, requires_grad=True)
    U_t = torch.tensor(U, requires_grad=True)
    total = _torch_model(architecture, loss, V_t, U_t)
    total.backward()
    assert grad.loss == pytest.approx(float(total.detach()), rel=1e-12)
    assert_gradients_match({"V": grad.dV, "U": grad.dU}, {"V": V_t.grad.numpy(), "U": U_t.grad.numpy()}, tol=1e-10)


def test_losses_stay_finite_for_saturated_scores() -> None:
    v = np.full(DIM, 30.0)
    U = np.ones((VOCAB, DIM))
    part = ref.negative_sampling(v, U, 0, [1, 2])
    assert np.isfinite(part.loss) and part.loss > 100
    assert np.all(np.isfinite(part.dv))
