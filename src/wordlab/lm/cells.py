"""The course's recurrent cells written out from their equations: a tested specification of torch's fused modules.

The language models train with torch's fused ``nn.RNN``/``nn.GRU``/``nn.LSTM`` (one kernel per layer). What those
kernels compute is not visible in the code that calls them, so this module writes each cell out as the course's
equations, one time step at a time with plain matrix products, and the tests hold a stack of these cells equal to
the fused module carrying the same weights: outputs, final states and every gradient. The fused modules are then
known to be the course's models, and the equations below say exactly which variant each one is.

Column convention, as PyTorch and the course write it: one example per column in the equations, ``W x``; in code
one example per row, so ``W x`` is ``x @ W.T``. Each cell keeps torch's parameter layout and names (``weight_ih``
(G H, D), ``weight_hh`` (G H, H), ``bias_ih`` and ``bias_hh`` (G H,), with G = 1, 3 or 4 gate blocks), so weights
move between the two as they are (:func:`cells_from_fused`). Torch has two biases where the course has one:
``b = b_ih + b_hh`` except where a gate multiplies one of them (the GRU's ``b_hn``).

:func:`run_cells` (or :class:`CellStack`) runs a stack of cells over a sequence, seq-first as torch's default:
inputs (T, B, D) give outputs (T, B, H), the top layer's state at every step, and the final state of every layer,
(L, B, H), or a pair of them for the LSTM. No dropout between layers: the stack equals a fused module in eval mode
or with ``dropout=0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch
from torch import Tensor, nn

Nonlinearity = Literal["tanh", "relu", "sigmoid"]
State = Tensor | tuple[Tensor, Tensor]

_NONLINEARITIES = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


class _Cell(nn.Module):
    """The parameters every cell has: ``gates`` blocks of ``hidden_size`` rows, in torch's layout and init."""

    gates = 1

    def __init__(
        self, input_size: int, hidden_size: int, *, bias: bool = True, dtype: torch.dtype | None = None
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        rows = self.gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size, dtype=dtype))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size, dtype=dtype))
        self.bias_ih: nn.Parameter | None = nn.Parameter(torch.empty(rows, dtype=dtype)) if bias else None
        self.bias_hh: nn.Parameter | None = nn.Parameter(torch.empty(rows, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Torch's initialisation for its recurrent modules: every parameter uniform in ``+-1/sqrt(hidden)``."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def _input_part(self, x: Tensor) -> Tensor:
        """``W_i x + b_i`` for every gate block at once: (B, G H)."""
        out = x @ self.weight_ih.T
        return out if self.bias_ih is None else out + self.bias_ih

    def _hidden_part(self, h: Tensor) -> Tensor:
        """``W_h h + b_h`` for every gate block at once: (B, G H)."""
        out = h @ self.weight_hh.T
        return out if self.bias_hh is None else out + self.bias_hh

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, bias={self.bias_ih is not None}"


class RNNCell(_Cell):
    """The Elman RNN's step, the course's simple recurrent network::

        h_t = g(W_h h_{t-1} + W_e e_t + b)          W_e = weight_ih (H, D), W_h = weight_hh (H, H)
                                                    b = bias_ih + bias_hh

    ``g`` is tanh (the default), relu, or the logistic sigmoid the course writes. Torch's ``nn.RNN`` offers only
    tanh and relu, so a sigmoid cell has no fused twin.
    """

    gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        nonlinearity: Nonlinearity = "tanh",
        *,
        bias: bool = True,
        dtype: torch.dtype | None = None,
    ) -> None:
        if nonlinearity not in _NONLINEARITIES:
            raise ValueError(f"nonlinearity must be one of {sorted(_NONLINEARITIES)}, got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias=bias, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        """One step: input ``x`` (B, D) and state ``h`` (B, H) give the next state (B, H)."""
        return _NONLINEARITIES[self.nonlinearity](self._input_part(x) + self._hidden_part(h))

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, nonlinearity={self.nonlinearity!r}"


class GRUCell(_Cell):
    """The gated recurrent unit (Cho et al. 2014) as PyTorch computes it; rows of the weights in the order r, z, n::

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)            reset gate
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)            update gate
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))         candidate state
        h' = (1 - z) * n + z * h

    ``*`` is the entry-by-entry product. PyTorch (like cuDNN) applies the reset gate *after* the product with
    ``W_hn`` (and to its bias ``b_hn``); Cho et al. and the course apply it before, ``n = tanh(W_in x + b_in +
    W_hn (r * h) + b_hn)``. The two are different functions of the same weights. This cell follows PyTorch by
    default, so that weights move from ``nn.GRU`` unchanged; ``reset_after=False`` gives the course's variant,
    which no fused torch module computes.
    """

    gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        reset_after: bool = True,
        bias: bool = True,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias=bias, dtype=dtype)
        self.reset_after = reset_after

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        """One step: input ``x`` (B, D) and state ``h`` (B, H) give the next state (B, H)."""
        i_r, i_z, i_n = self._input_part(x).chunk(3, dim=1)
        w_hr, w_hz, w_hn = self.weight_hh.chunk(3, dim=0)
        b_hr: Tensor | float
        b_hz: Tensor | float
        b_hn: Tensor | float
        b_hr, b_hz, b_hn = self.bias_hh.chunk(3) if self.bias_hh is not None else (0.0, 0.0, 0.0)
        r = torch.sigmoid(i_r + h @ w_hr.T + b_hr)
        z = torch.sigmoid(i_z + h @ w_hz.T + b_hz)
        hidden_n = r * (h @ w_hn.T + b_hn) if self.reset_after else (r * h) @ w_hn.T + b_hn
        n = torch.tanh(i_n + hidden_n)
        return (1.0 - z) * n + z * h

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, reset_after={self.reset_after}"


class LSTMCell(_Cell):
    """The long short-term memory cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

    Rows of the weights in PyTorch's order i, f, g, o::

        i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi)            input gate
        f  = sigmoid(W_if x + b_if + W_hf h + b_hf)            forget gate
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)               new content
        o  = sigmoid(W_io x + b_io + W_ho h + b_ho)            output gate
        c' = f * c + i * g                                     memory cell
        h' = o * tanh(c')

    ``*`` is the entry-by-entry product. The state is the pair ``(h, c)``.
    """

    gates = 4

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        """One step: input ``x`` (B, D) and state ``(h, c)`` (each (B, H)) give the next ``(h, c)``."""
        h, c = state
        i, f, g, o = (self._input_part(x) + self._hidden_part(h)).chunk(4, dim=1)
        c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_next = torch.sigmoid(o) * torch.tanh(c_next)
        return h_next, c_next


Cell = RNNCell | GRUCell | LSTMCell


def cells_from_fused(module: nn.RNNBase, *, share: bool = True) -> list[Cell]:
    """The stack of cells carrying a fused ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``'s weights, one cell per layer.

    Layer ``k``'s ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` become its cell's
    ``weight_ih``, ``weight_hh``, ``bias_ih`` and ``bias_hh``. With ``share`` (the default) they are the very same
    ``Parameter`` objects, so training either trains both; otherwise detached copies, with gradients of their own.
    Bidirectional modules and LSTMs with a projection (``proj_size``) have no cell stack here.
    """
    if module.bidirectional:
        raise ValueError("bidirectional modules are not supported: the cell stack runs one direction")
    if getattr(module, "proj_size", 0):
        raise ValueError("LSTMs with a projection (proj_size > 0) are not supported")
    cells: list[Cell] = []
    for layer in range(module.num_layers):
        input_size = module.input_size if layer == 0 else module.hidden_size
        cell: Cell
        if isinstance(module, nn.LSTM):
            cell = LSTMCell(input_size, module.hidden_size, bias=module.bias)
        elif isinstance(module, nn.GRU):
            cell = GRUCell(input_size, module.hidden_size, bias=module.bias)
        elif isinstance(module, nn.RNN):
            cell = RNNCell(input_size, module.hidden_size, module.nonlinearity, bias=module.bias)
        else:
            raise TypeError(f"expected nn.RNN, nn.GRU or nn.LSTM, got {type(module).__name__}")
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if module.bias else ("weight_ih", "weight_hh")
        for name in names:
            fused = getattr(module, f"{name}_l{layer}")
            setattr(cell, name, fused if share else nn.Parameter(fused.detach().clone()))
        cells.append(cell)
    return cells


def _zeros_state(cell: Cell, layers: int, inputs: Tensor) -> State:
    zeros = inputs.new_zeros(layers, inputs.shape[1], cell.hidden_size)
    return (zeros, zeros.clone()) if isinstance(cell, LSTMCell) else zeros


def run_cells(cells: Sequence[Cell], inputs: Tensor, state: State | None = None) -> tuple[Tensor, State]:
    """Run a stack of cells over a sequence, as the fused module of the same kind would.

    ``inputs`` (T, B, D); ``state`` the initial state of every layer, (L, B, H), or a pair ``(h_0, c_0)`` of them
    for LSTM cells (zeros when omitted). Layer ``k`` reads layer ``k - 1``'s state at every step as its input.
    Returns the top layer's state ``h_t`` at every step, (T, B, H), and every layer's final state, laid out as
    ``state`` is.
    """
    if not cells:
        raise ValueError("run_cells needs at least one cell")
    if inputs.dim() != 3:
        raise ValueError(f"inputs must be (T, B, D), got shape {tuple(inputs.shape)}")
    lstm = isinstance(cells[0], LSTMCell)
    if any(isinstance(cell, LSTMCell) != lstm for cell in cells):
        raise ValueError("a stack mixes LSTM cells, whose state is a pair, with other cells")
    if state is None:
        state = _zeros_state(cells[0], len(cells), inputs)
    if lstm != isinstance(state, tuple):
        raise ValueError("LSTM cells take a pair (h_0, c_0) as state; other cells a single tensor")
    layer_input = inputs
    finals_h: list[Tensor] = []
    finals_c: list[Tensor] = []
    for k, cell in enumerate(cells):
        if isinstance(state, tuple):
            assert isinstance(cell, LSTMCell)
            h, c = state[0][k], state[1][k]
            steps = []
            for x in layer_input:
                h, c = cell(x, (h, c))
                steps.append(h)
            finals_c.append(c)
        else:
            assert not isinstance(cell, LSTMCell)
            h = state[k]
            steps = []
            for x in layer_input:
                h = cell(x, h)
                steps.append(h)
        finals_h.append(h)
        layer_input = torch.stack(steps)
    h_n = torch.stack(finals_h)
    return layer_input, ((h_n, torch.stack(finals_c)) if lstm else h_n)


class CellStack(nn.Module):
    """A stack of cells as one module: the hand-written twin of ``nn.RNN``/``nn.GRU``/``nn.LSTM`` (no dropout).

    ``forward(inputs, state)`` is :func:`run_cells`; with ``batch_first`` inputs and outputs are (B, T, ...),
    the state stays (L, B, H), as in torch.
    """

    def __init__(self, cells: Sequence[Cell], *, batch_first: bool = False) -> None:
        super().__init__()
        self.cells = nn.ModuleList(cells)
        self.batch_first = batch_first

    @classmethod
    def from_fused(cls, module: nn.RNNBase, *, share: bool = True) -> CellStack:
        """The stack carrying ``module``'s weights (see :func:`cells_from_fused`), with its ``batch_first``."""
        return cls(cells_from_fused(module, share=share), batch_first=module.batch_first)

    def forward(self, inputs: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        cells: list[Cell] = list(self.cells)  # type: ignore[arg-type]
        if self.batch_first:
            outputs, final = run_cells(cells, inputs.transpose(0, 1), state)
            return outputs.transpose(0, 1), final
        return run_cells(cells, inputs, state)
