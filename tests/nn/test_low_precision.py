"""The bfloat16 output layer against a float64 numpy product of the same bfloat16-rounded operands."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from wordlab.lm.recurrent import RecurrentLM
from wordlab.nn.low_precision import linear_in_bf16

BF16_STEP = 2.0**-8  # bfloat16 keeps 8 significant bits: a rounding moves a value by at most this, relatively


def _rounded(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to(torch.bfloat16).double().numpy()


def test_the_product_is_the_bf16_operands_product_rounded_once() -> None:
    torch.manual_seed(0)
    layer = nn.Linear(64, 300)
    inputs = torch.randn(40, 64)
    outputs = linear_in_bf16(layer, inputs)
    assert outputs.dtype == torch.float32
    reference = _rounded(inputs) @ _rounded(layer.weight).T + _rounded(layer.bias)
    scale = np.abs(_rounded(inputs)) @ np.abs(_rounded(layer.weight)).T + np.abs(_rounded(layer.bias))
    error = np.abs(outputs.detach().double().numpy() - reference)
    assert (error <= 2 * BF16_STEP * scale + 1e-6).all()
    full = layer(inputs).detach().double().numpy()
    assert np.abs(full - reference).max() > 0  # the operands really were rounded: not the float32 product


def test_gradients_reach_the_float32_weights_close_to_full_precision() -> None:
    torch.manual_seed(0)
    layer = nn.Linear(32, 100)
    inputs = torch.randn(20, 32, requires_grad=True)
    targets = torch.randint(0, 100, (20,))
    gradients = []
    for product in (linear_in_bf16, lambda module, x: module(x)):
        layer.zero_grad()
        inputs.grad = None
        nn.functional.cross_entropy(product(layer, inputs), targets).backward()
        assert layer.weight.grad is not None and layer.weight.grad.dtype == torch.float32
        gradients.append((layer.weight.grad.clone(), inputs.grad.clone()))
    (weight_bf16, input_bf16), (weight_full, input_full) = gradients
    for low, full in ((weight_bf16, weight_full), (input_bf16, input_full)):
        assert torch.linalg.norm(low - full) <= 0.02 * torch.linalg.norm(full)


def test_a_language_model_scores_in_float32_and_trains_in_bf16() -> None:
    torch.manual_seed(0)
    ids = torch.randint(0, 500, (7, 3))
    full = RecurrentLM(500, embedding_dim=32, hidden=32, layers=1, dropout=0.0)
    low = RecurrentLM(500, embedding_dim=32, hidden=32, layers=1, dropout=0.0, output_bf16=True)
    low.load_state_dict(full.state_dict())
    full.eval(), low.eval()
    assert torch.equal(full(ids)[0], low(ids)[0])  # validation, test and sampling: the float32 model exactly
    full.train(), low.train()
    trained_full, trained_low = full(ids)[0], low(ids)[0]
    assert not torch.equal(trained_full, trained_low)
    assert (trained_low - trained_full).abs().max() <= 4 * BF16_STEP * trained_full.abs().max()
