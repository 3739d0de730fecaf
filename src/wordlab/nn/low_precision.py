"""The output layer's matrix products in bfloat16, where a language model spends most of its time.

A word-level LM's softmax layer multiplies every hidden state by a ``hidden x vocabulary`` matrix three times a step
(the logits, and the two products of its backward pass): on PTB's small LSTM that is two thirds of the work. CPUs
with AMX or AVX-512 BF16 (and GPUs' tensor cores) do these products in bfloat16 several times faster. Only those
products drop precision: torch's autocast keeps the weights in float32 and casts them per call, and the logits come
back as float32, so the log-softmax, the loss and the update stay in float32 (the usual mixed-precision recipe).
Lightning's ``bf16-mixed`` precision would autocast the recurrent layers too, whose bfloat16 kernels are slower on
CPU; this narrows it to the one layer that gains.
"""

from __future__ import annotations

import torch
from torch import nn


def linear_in_bf16(layer: nn.Linear, inputs: torch.Tensor) -> torch.Tensor:
    """``layer(inputs)`` with the product in bfloat16 and the result in float32."""
    with torch.autocast(device_type=inputs.device.type, dtype=torch.bfloat16):
        outputs = layer(inputs)
    return outputs.float()
