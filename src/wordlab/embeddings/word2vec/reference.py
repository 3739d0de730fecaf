"""The word2vec losses and their hand-derived gradients, in plain numpy.

This is the specification the numba kernel is tested against, written to be read next to the maths rather than
to be fast: every function returns the loss and dense gradients for one training example, so a test can check
them with central differences and autograd, and then check that one kernel step equals ``-alpha * gradient``.

Notation: ``V`` holds the input vectors v (one row per word), ``U`` the output vectors u (one row per word, or
per internal Huffman node for hierarchical softmax). ``sigma(x) = 1 / (1 + exp(-x))`` and ``-log sigma(x)`` is
computed as ``logaddexp(0, -x)`` so that large scores neither overflow nor lose the loss.

Output losses F(target, v), each with gradients wrt v and U:

- negative sampling: ``F = -log sigma(u_o.v) - sum_k log sigma(-u_k.v)``;
  ``dF/dv = (sigma(u_o.v) - 1) u_o + sum_k sigma(u_k.v) u_k``, ``dF/du_o = (sigma(u_o.v) - 1) v``,
  ``dF/du_k = sigma(u_k.v) v`` (summed when a noise word is drawn twice).
- softmax cross-entropy: ``z = U v``, ``F = logsumexp(z) - z_o``; ``dF/dz = softmax(z) - onehot(o)``,
  ``dF/dv = U^T dF/dz``, ``dF/dU = dF/dz v^T``.
- hierarchical softmax: the word is the path of binary decisions (node n_d, code c_d) from the Huffman root,
  ``p(code 0 at n) = sigma(u_n.v)``, so ``F = sum_d -log sigma((1 - 2 c_d) u_{n_d}.v)`` and
  ``dF/d(u_{n_d}.v) = sigma(u_{n_d}.v) - 1 + c_d``.

Architectures (J for one centre position c with context words o_1..o_n):

- skip-gram: ``J = sum_j F(o_j, v_c)``; only row c of V gets a gradient, the sum of the per-context ones.
- skip-gram in pairwise order (word2vec.c's and gensim's): each pair is its own example, ``J_j = F(c, v_{o_j})``
  (the context word's input vector predicts the centre), and its SGD step is taken before the next pair's
  gradient is computed, so a position is a sequence of steps rather than one step on a sum
  (:func:`skipgram_pairwise_step`); only row o_j of V gets pair j's gradient.
- CBOW: ``v_avg = mean_j v_{o_j}``, ``J = F(c, v_avg)``; each context row gets ``dJ/dv_avg / n`` (twice that when
  the word occurs twice in the window).

The sigmoid rules (``rule``): under ``exact`` the gradients are the true ones. Under ``gensim`` and ``word2vec``
sigma in the gradient's coefficients is word2vec.c's table as compiled (:mod:`.sigmoid_table`), and a prediction
scored past +-6 contributes nothing (``gensim``; ``word2vec`` for the tree) or takes sigma as 1 or 0 (``word2vec``,
negative sampling): the update the C tools make, not a gradient. The loss stays the exact one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wordlab.embeddings.word2vec.huffman import HuffmanTree
from wordlab.embeddings.word2vec.sigmoid_table import MAX_EXP, TABLE_STEP, sigmoid_table


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def neg_log_sigmoid(x: np.ndarray | float) -> np.ndarray:
    return np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


def update_sigmoid(x: np.ndarray | float, rule: str = "exact", tree: bool = False) -> np.ndarray:
    """sigma as the update uses it under ``rule``, and NaN where the prediction takes no step."""
    x = np.asarray(x, dtype=np.float64)
    if rule == "exact":
        return sigmoid(x)
    read = sigmoid_table(np.float64)[np.clip(np.floor((x + MAX_EXP) * TABLE_STEP), 0, 999).astype(np.int64)]
    if rule == "word2vec" and not tree:
        return np.where(x > MAX_EXP, 1.0, np.where(x < -MAX_EXP, 0.0, read))
    return np.where((x > -MAX_EXP) & (x < MAX_EXP), read, np.nan)


def _steps(coefficients: np.ndarray) -> np.ndarray:
    """The coefficients with the predictions that take no step (NaN) zeroed."""
    return np.nan_to_num(coefficients, nan=0.0)


@dataclass(frozen=True)
class LossGrad:
    """One output loss F(target, v): its value and gradients wrt the input vector v and the output matrix U."""

    loss: float
    dv: np.ndarray
    dU: np.ndarray


@dataclass(frozen=True)
class ModelGrad:
    """One centre position's cost J and its gradients wrt V and U; ``dv`` is dJ/dv_c (skip-gram) or dJ/dv_avg."""

    loss: float
    dV: np.ndarray
    dU: np.ndarray
    dv: np.ndarray


def negative_sampling(
    v: np.ndarray, U: np.ndarray, target: int, negatives: Sequence[int] | np.ndarray, rule: str = "exact"
) -> LossGrad:
    negatives = np.asarray(negatives, dtype=np.int64)
    score_o = U[target] @ v
    scores_k = U[negatives] @ v
    loss = float(neg_log_sigmoid(score_o) + neg_log_sigmoid(-scores_k).sum())
    coef_o = _steps(update_sigmoid(score_o, rule) - 1.0)
    coef_k = _steps(update_sigmoid(scores_k, rule))
    dv = coef_o * U[target] + coef_k @ U[negatives]
    dU = np.zeros_like(U)
    dU[target] += coef_o * v
    np.add.at(dU, negatives, np.outer(coef_k, v))
    return LossGrad(loss, dv, dU)


def softmax_cross_entropy(v: np.ndarray, U: np.ndarray, target: int) -> LossGrad:
    z = U @ v
    shift = z.max()
    log_norm = shift + np.log(np.exp(z - shift).sum())
    dz = np.exp(z - log_norm)
    dz[target] -= 1.0
    return LossGrad(float(log_norm - z[target]), U.T @ dz, np.outer(dz, v))


def hierarchical_softmax(
    v: np.ndarray, U: np.ndarray, points: np.ndarray, codes: np.ndarray, rule: str = "exact"
) -> LossGrad:
    points = np.asarray(points, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.float64)
    scores = U[points] @ v
    loss = float(neg_log_sigmoid((1.0 - 2.0 * codes) * scores).sum())
    coef = _steps(update_sigmoid(scores, rule, tree=True) - 1.0 + codes)
    dU = np.zeros_like(U)
    np.add.at(dU, points, np.outer(coef, v))
    return LossGrad(loss, coef @ U[points], dU)


# An output loss bound to its extra inputs: (v, U, target word, slot) -> LossGrad. ``slot`` numbers the
# predictions of one centre position, so that skip-gram can give each context word its own noise words.
Objective = Callable[[np.ndarray, np.ndarray, int, int], LossGrad]


def negative_sampling_objective(negatives: Sequence[Sequence[int]], rule: str = "exact") -> Objective:
    """Negative sampling with ``negatives[slot]`` as the noise words of prediction ``slot``."""
    return lambda v, U, target, slot: negative_sampling(v, U, target, negatives[slot], rule)


def softmax_objective() -> Objective:
    return lambda v, U, target, slot: softmax_cross_entropy(v, U, target)


def hierarchical_softmax_objective(tree: HuffmanTree, rule: str = "exact") -> Objective:
    def objective(v: np.ndarray, U: np.ndarray, target: int, slot: int) -> LossGrad:
        points, codes = tree.path(target)
        return hierarchical_softmax(v, U, points, codes, rule)

    return objective


def skipgram(V: np.ndarray, U: np.ndarray, centre: int, contexts: Sequence[int], objective: Objective) -> ModelGrad:
    """J = sum_j F(o_j, v_c): every context word is predicted from the centre word's input vector."""
    v = V[centre]
    loss = 0.0
    dv = np.zeros_like(v)
    dU = np.zeros_like(U)
    for slot, word in enumerate(contexts):
        part = objective(v, U, int(word), slot)
        loss += part.loss
        dv += part.dv
        dU += part.dU
    dV = np.zeros_like(V)
    dV[centre] = dv
    return ModelGrad(loss, dV, dU, dv)


def skipgram_pair(
    V: np.ndarray, U: np.ndarray, centre: int, context: int, objective: Objective, slot: int
) -> ModelGrad:
    """J = F(c, v_o): one pair of the pairwise order, the context word's input vector predicting the centre."""
    part = objective(V[context], U, int(centre), slot)
    dV = np.zeros_like(V)
    dV[context] = part.dv
    return ModelGrad(part.loss, dV, part.dU, part.dv)


def skipgram_pairwise_step(
    V: np.ndarray, U: np.ndarray, centre: int, contexts: Sequence[int], objective: Objective, alpha: float
) -> float:
    """A centre position in pairwise order, in place: one SGD step per pair, in window order, each computed from
    the parameters the previous one left (so repeats across pairs see each other's updates); returns the summed
    loss."""
    loss = 0.0
    for slot, word in enumerate(contexts):
        grad = skipgram_pair(V, U, centre, int(word), objective, slot)
        sgd_step(V, U, grad, alpha)
        loss += grad.loss
    return loss


def cbow(
    V: np.ndarray, U: np.ndarray, centre: int, contexts: Sequence[int] | np.ndarray, objective: Objective
) -> ModelGrad:
    """J = F(c, v_avg): the centre word is predicted from the mean of the context words' input vectors."""
    contexts = np.asarray(contexts, dtype=np.int64)
    v_avg = V[contexts].mean(axis=0)
    part = objective(v_avg, U, int(centre), 0)
    dV = np.zeros_like(V)
    np.add.at(dV, contexts, np.broadcast_to(part.dv / len(contexts), (len(contexts), V.shape[1])))
    return ModelGrad(part.loss, dV, part.dU, part.dv)


def sgd_step(V: np.ndarray, U: np.ndarray, grad: ModelGrad, alpha: float) -> None:
    """One plain SGD step in place: the update the kernel must make for one centre position."""
    V -= alpha * grad.dV
    U -= alpha * grad.dU
